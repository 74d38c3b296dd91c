// The invoices selected on the statement, handed over to "Règlement", "Suivi litiges" or "Nous contacter" in
// the same tab. They are the tab's only memory of an agency: forgetAll() runs whenever nobody is signed in.

const PREFIX = "mesfactures:selection:";
const key = (creditor) => `${PREFIX}${creditor}`;

export function handOver(creditor, purpose, invoices) {
  sessionStorage.setItem(key(creditor), JSON.stringify({ purpose, invoices }));
}

export function takeOver(creditor, purpose) {
  const raw = sessionStorage.getItem(key(creditor));
  if (!raw) return [];
  const selection = JSON.parse(raw);
  return selection.purpose === purpose ? selection.invoices : [];
}

// Once the selection has been paid or disputed.
export function forget(creditor) {
  sessionStorage.removeItem(key(creditor));
}

// Sign-out, an expired or revoked session: the next person to use the tab must not see this agency's basket.
export function forgetAll() {
  for (let i = sessionStorage.length - 1; i >= 0; i -= 1) {
    const name = sessionStorage.key(i);
    if (name && name.startsWith("mesfactures:")) sessionStorage.removeItem(name);
  }
}
