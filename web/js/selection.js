// The invoices selected on the statement, handed over to "Règlement" or "Suivi litiges" in the same tab.

const key = (creditor) => `mesfactures:selection:${creditor}`;

export function handOver(creditor, purpose, invoices) {
  sessionStorage.setItem(key(creditor), JSON.stringify({ purpose, invoices }));
}

export function takeOver(creditor, purpose) {
  const raw = sessionStorage.getItem(key(creditor));
  if (!raw) return [];
  const selection = JSON.parse(raw);
  return selection.purpose === purpose ? selection.invoices : [];
}
