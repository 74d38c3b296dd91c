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

// Served by the server: the entry types with the user (labels.js), each entry with its status label.
export { entryTypes as TYPE_LABELS } from "./labels.js";

export const statusLabel = (entry) => entry.status_label;

// "12,50" or "12.5" or "1 234,56" → 1250 / 1250 / 123456 cents; anything else → null. No float involved.
export function parseEuros(text) {
  const match = String(text).replace(/[\s\u00a0\u202f€]/g, "").match(/^(\d{1,9})(?:[.,](\d{1,2}))?$/);
  if (!match) return null;
  return Number(match[1]) * 100 + Number((match[2] || "0").padEnd(2, "0"));
}

export function frenchDateTime(iso) {
  const moment = new Date(iso);
  return moment.toLocaleString("fr-FR", { dateStyle: "short", timeStyle: "short", timeZone: "Europe/Paris" });
}
