// The e-invoices' lifecycle statuses (issue 14): the status cell of a statement row, whose button shows
// the document's history in a dialog, and the filter by status. Codes and labels come from the server.

import { api } from "./api.js";
import { h, show } from "./dom.js";
import { euros, frenchDateTime } from "./format.js";

let statuses = null; // the codes and labels the server serves, read once

export async function lifecycleStatuses() {
  statuses ??= (await api.lifecycleStatuses()).statuses;
  return statuses;
}

function historyTable(lifecycle) {
  if (!lifecycle.history.length) {
    return h("p", {}, `Aucun message de statut reçu : la facture est « ${lifecycle.current.label} » depuis son émission.`);
  }
  return h("table", { class: "lifecycle-history" },
    h("caption", {}, `Historique du cycle de vie de ${lifecycle.number}`),
    h("thead", {}, h("tr", {}, ["Date", "Statut", "Motif", "Montant", "Émis par"]
      .map((title) => h("th", { scope: "col" }, title)))),
    h("tbody", {}, lifecycle.history.map((event) => h("tr", {},
      h("td", {}, frenchDateTime(event.date)),
      h("th", { scope: "row" }, `${event.code} ${event.label}`),
      h("td", {}, event.reason || "—"),
      h("td", { class: "amount" }, event.amount_cents === null ? "—" : euros(event.amount_cents)),
      h("td", {}, event.by)))));
}

async function showHistory(creditorCode, entry, opener) {
  const content = h("div", { "aria-live": "polite" }, "Chargement…");
  const dialog = h("dialog", { class: "lifecycle-dialog", "aria-labelledby": "lifecycle-title" },
    h("h2", { id: "lifecycle-title" }, `Cycle de vie de ${entry.number}`),
    content,
    h("form", { method: "dialog" }, h("button", { type: "submit", class: "secondary" }, "Fermer")));
  dialog.addEventListener("close", () => { dialog.remove(); opener.focus(); });
  document.body.append(dialog);
  dialog.showModal();
  try {
    const lifecycle = await api.lifecycle(creditorCode, entry.number);
    show(content, h("p", {}, `Statut actuel : ${lifecycle.current.code} ${lifecycle.current.label}, depuis le `
      + `${frenchDateTime(lifecycle.current.date)}.`), historyTable(lifecycle));
  } catch (failure) {
    show(content, h("p", { role: "alert" }, failure.message));
  }
}

// What a statement row shows in its lifecycle column: the current status, a button to its history
// (nothing for a payment).
export function lifecycleCell(creditorCode, entry) {
  if (!entry.lifecycle) return "—";
  const button = h("button", { type: "button", class: "link-button", "data-code": String(entry.lifecycle.code),
    "aria-label": `Cycle de vie de ${entry.number} : ${entry.lifecycle.label}`,
    onclick: () => showHistory(creditorCode, entry, button) }, entry.lifecycle.label);
  return button;
}

// The filter field: every status the server knows; its options are filled once they are read.
export function lifecycleFilter() {
  const select = h("select", { id: "lifecycle", name: "lifecycle" }, h("option", { value: "" }, "Tous"));
  lifecycleStatuses().then((known) => select.append(...known.map((status) =>
    h("option", { value: String(status.code) }, `${status.code} ${status.label}`)))).catch(() => {});
  return h("div", { class: "filter-field" }, h("label", { for: "lifecycle" }, "Cycle de vie"), select);
}

// Finance: the statuses the portal reported to the creditors' platforms, with their delivery state.
export async function financeMessagesView(main, me, params) {
  const creditor = h("select", { id: "m-creditor", name: "creditor" }, h("option", { value: "" }, "Tous"),
    me.creditors.map((c) => h("option", { value: c.code, selected: params.get("creditor") === c.code }, c.name)));
  const filters = h("form", { class: "filters", role: "search", "aria-label": "Filtrer les messages",
    onsubmit: (event) => {
      event.preventDefault();
      const chosen = new URLSearchParams();
      for (const [name, value] of new FormData(filters)) if (value) chosen.set(name, value);
      location.hash = `#/finance/cycle-de-vie?${chosen}`;
    } },
  h("div", { class: "filter-fields" }, h("div", {}, h("label", { for: "m-creditor" }, "Créancier"), creditor)),
  h("div", { class: "filter-actions" }, h("button", { type: "submit", class: "primary" }, "Filtrer")));
  const query = Object.fromEntries([...params].filter(([, value]) => value));
  const { messages } = await api.lifecycleMessages(query);
  show(main,
    h("p", { class: "breadcrumb" }, h("a", { href: "#/finance" }, "Espace service financier")),
    h("h1", {}, "Statuts transmis aux plateformes"),
    h("p", {}, "Les statuts de cycle de vie que seul le portail connaît (paiements par carte, remboursements), "
      + "déposés pour la plateforme agréée de chaque créancier. 90 derniers jours."),
    filters,
    h("p", { class: "status", role: "status" }, `${messages.length} message(s).`),
    h("div", { class: "table-wrap" }, h("table", { class: "lifecycle-messages" },
      h("caption", { class: "visually-hidden" }, "Statuts transmis"),
      h("thead", {}, h("tr", {}, ["Date", "Créancier", "Agence", "Facture", "Statut", "Montant", "Motif", "Dépôt"]
        .map((title) => h("th", { scope: "col" }, title)))),
      h("tbody", {}, messages.map((m) => h("tr", { "data-delivery": m.delivery },
        h("td", {}, frenchDateTime(m.date)),
        h("td", {}, m.creditor.replace("_", " ")),
        h("td", {}, m.agency_id),
        h("th", { scope: "row" }, m.number),
        h("td", {}, `${m.code} ${m.label}`),
        h("td", { class: "amount" }, m.amount_cents === null ? "—" : euros(m.amount_cents)),
        h("td", {}, m.reason || "—"),
        h("td", {}, m.delivery === "delivered"
          ? h("span", { title: m.file }, `Déposé le ${frenchDateTime(m.delivered_at)}`)
          : h("span", { class: "badge" }, "En attente"))))))));
}
