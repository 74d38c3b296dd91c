// French formats, from integers: amounts are cents and never become floating-point numbers.

const NBSP = "\u00a0";
const NNBSP = "\u202f";

export function euros(cents) {
  const sign = cents < 0 ? "-" : "";
  const absolute = Math.abs(cents);
  const whole = String(Math.trunc(absolute / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, NNBSP);
  return `${sign}${whole},${String(absolute % 100).padStart(2, "0")}${NBSP}€`;
}

export function frenchDate(iso) {
  if (!iso) return "";
  const [year, month, day] = iso.split("-");
  return `${day}/${month}/${year}`;
}

export const TYPE_LABELS = { invoice: "Facture", credit_note: "Avoir", payment: "Règlement" };

export function statusLabel(entry) {
  if (entry.type === "credit_note") return entry.balance_cents === 0 ? "Imputé" : "Disponible";
  if (entry.type === "payment") return "Reçu";
  return { open: "À régler", partially_paid: "Partiellement réglée", paid: "Réglée" }[entry.status] || entry.status;
}
