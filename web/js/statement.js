// État de compte: the balance, the entries (unpaid by default, or twelve months), filters, documents,
// selection for payment or dispute, CSV export.

import { api, documentUrl, exportUrl } from "./api.js";
import { h, show } from "./dom.js";
import { euros, frenchDate, statusLabel, TYPE_LABELS } from "./format.js";
import { lifecycleCell, lifecycleFilter } from "./lifecycle.js";
import { handOver } from "./selection.js";

function summaryBlock(summary) {
  const aging = summary.aging;
  const card = (label, money, hint) => h("div", { class: "figure" },
    h("span", { class: "figure-label" }, label),
    h("span", { class: "figure-value" }, euros(money.amount_cents)),
    hint ? h("span", { class: "hint" }, hint) : null);
  return h("section", { class: "summary", "aria-labelledby": "summary-title" },
    h("h2", { id: "summary-title", class: "visually-hidden" }, "Synthèse du compte"),
    h("div", { class: "figures" },
      card("Total dû", summary.total_due, `${summary.open_invoices} facture(s) non réglée(s)`),
      card("Dont échu", summary.overdue),
      card("Avoirs disponibles", summary.credit_available)),
    h("div", { class: "table-wrap" }, h("table", { class: "aging" },
      h("caption", {}, "Ancienneté des sommes dues"),
      h("thead", {}, h("tr", {}, ["Non échu", "1 à 30 j", "31 à 60 j", "61 à 90 j", "Plus de 90 j"]
        .map((label) => h("th", { scope: "col" }, label)))),
      h("tbody", {}, h("tr", {}, [aging.not_due, aging.days_1_30, aging.days_31_60, aging.days_61_90,
        aging.over_90].map((money) => h("td", {}, euros(money.amount_cents))))))));
}

function payable(entry) {
  return entry.type === "invoice" && entry.balance_cents > 0 && !entry.dispute_id && !entry.payment_lock;
}

// `can` tells what the signed-in person's role may do: a role that may neither pay, dispute nor write
// sees no check boxes and no actions on a selection.
export function statementView(main, creditor, can) {
  const actionsAllowed = ["pay", "dispute", "message"].some((permission) => can(permission));
  const state = { params: { scope: "open" }, entries: [], cursor: null, selected: new Map() };
  const summaryArea = h("div", { "aria-live": "polite" });
  const status = h("p", { class: "status", role: "status" });
  const body = h("tbody");
  const more = h("button", { type: "button", class: "secondary", hidden: true, onclick: () => load(false) },
    "Afficher plus");
  const selectionText = h("p", { class: "selection-text", "aria-live": "polite" });
  const payButton = h("button", { type: "button", class: "primary", disabled: true,
    onclick: () => proceed("payment", "reglement") }, "Ajouter au règlement");
  const disputeButton = h("button", { type: "button", class: "secondary", disabled: true,
    onclick: () => proceed("dispute", "suivi-litiges") }, "Créer un litige");
  const exportLink = h("a", { class: "button-link", download: "" }, "Exporter en CSV");
  const contactButton = h("button", { type: "button", class: "secondary", disabled: true,
    onclick: () => proceed("contact", "nous-contacter") }, "Écrire au service");

  function proceed(purpose, slug) {
    handOver(creditor.code, purpose, [...state.selected.values()]);
    location.hash = `#/c/${creditor.code}/${slug}`;
  }

  function renderSelection() {
    const chosen = [...state.selected.values()];
    const total = chosen.reduce((sum, entry) => sum + entry.balance_cents, 0);
    selectionText.textContent = chosen.length
      ? `${chosen.length} facture(s) sélectionnée(s) — ${euros(total)} restant dû`
      : "Cochez des factures non réglées pour les régler ou déclarer un litige.";
    payButton.disabled = disputeButton.disabled = contactButton.disabled = chosen.length === 0;
  }

  function openDocument(entry) {
    if (entry.has_document) window.open(documentUrl(creditor.code, entry.number, "inline"), "_blank", "noopener");
  }

  function row(entry) {
    const box = actionsAllowed && payable(entry)
      ? h("input", { type: "checkbox", "aria-label": `Sélectionner ${entry.number}`,
          checked: state.selected.has(entry.number), onchange: (event) => {
            if (event.target.checked) state.selected.set(entry.number, entry);
            else state.selected.delete(entry.number);
            renderSelection();
          } })
      : null;
    const actions = entry.has_document
      ? [h("button", { type: "button", class: "link-button", onclick: () => openDocument(entry),
          "aria-label": `Afficher ${entry.number}` }, "Afficher"),
         " ",
         h("a", { href: documentUrl(creditor.code, entry.number, "attachment"), download: `${entry.number}.pdf`,
          "aria-label": `Enregistrer ${entry.number}` }, "Enregistrer")]
      : [];
    return h("tr", {
      tabindex: entry.has_document ? "0" : false,
      class: entry.overdue ? "overdue" : false,
      title: entry.has_document ? "Double-cliquez ou appuyez sur Entrée pour afficher le document" : false,
      ondblclick: () => openDocument(entry),
      onkeydown: (event) => { if (event.key === "Enter" && event.target === event.currentTarget) openDocument(entry); },
    },
    h("td", { class: "select" }, box),
    h("td", {}, TYPE_LABELS[entry.type]),
    h("th", { scope: "row" }, entry.number),
    h("td", {}, frenchDate(entry.date)),
    h("td", {}, frenchDate(entry.due_date)),
    h("td", { class: "label" }, entry.label),
    h("td", { class: "amount" }, euros(entry.amount_cents)),
    h("td", { class: "amount" }, entry.balance_cents ? euros(entry.balance_cents) : "—"),
    h("td", {}, statusLabel(entry), entry.overdue ? h("span", { class: "badge" }, "Échue") : null,
      entry.payment_lock ? h("span", { class: "badge badge-dispute" }, "Paiement en cours") : null,
      entry.dispute_id ? h("a", { class: "badge badge-dispute", href: `#/c/${creditor.code}/suivi-litiges/${entry.dispute_id}` },
        "En litige") : null),
    lifecycleCell(creditor.code, entry),
    h("td", { class: "actions" }, actions));
  }

  async function load(fresh) {
    status.textContent = "Chargement…";
    try {
      const params = { ...state.params };
      if (!fresh && state.cursor) params.cursor = state.cursor;
      const page = await api.entries(creditor.code, params);
      if (fresh) {
        state.entries = [];
        body.replaceChildren();
      }
      state.entries.push(...page.entries);
      body.append(...page.entries.map(row));
      state.cursor = page.next_cursor;
      more.hidden = !state.cursor;
      if (page.summary) show(summaryArea, summaryBlock(page.summary));
      else if (!summaryArea.firstChild) show(summaryArea, summaryBlock(await api.summary(creditor.code)));
      status.textContent = state.entries.length
        ? `${state.entries.length} écriture(s) affichée(s)${state.cursor ? " — d'autres suivent" : ""}.`
        : "Aucune écriture ne correspond à votre recherche.";
      const exportParams = { ...state.params };
      exportLink.href = exportUrl(creditor.code, exportParams);
    } catch (failure) {
      status.textContent = failure.message;
    }
  }

  const scopeChoice = (value, label) => h("label", { class: "choice" },
    h("input", { type: "radio", name: "scope", value, checked: state.params.scope === value }), label);
  const fromInput = h("input", { id: "from", name: "from", type: "date" });
  const toInput = h("input", { id: "to", name: "to", type: "date" });
  const numberInput = h("input", { id: "number", name: "number", type: "search", placeholder: "FA-2026-…",
    autocomplete: "off", spellcheck: "false" });
  const filters = h("form", { class: "filters", role: "search", "aria-label": "Filtrer les écritures",
    onsubmit: (event) => {
      event.preventDefault();
      const form = new FormData(filters);
      state.params = { scope: form.get("scope") };
      for (const name of ["from", "to", "number", "lifecycle"]) if (form.get(name)) state.params[name] = form.get(name);
      load(true);
    } },
  h("fieldset", { class: "scope" }, h("legend", {}, "Afficher"),
    scopeChoice("open", "Les factures non réglées"), scopeChoice("all", "Toutes les écritures sur un an")),
  h("div", { class: "filter-fields" },
    h("div", {}, h("label", { for: "from" }, "Du"), fromInput),
    h("div", {}, h("label", { for: "to" }, "Au"), toInput),
    h("div", {}, h("label", { for: "number" }, "N° de pièce (ou son début)"), numberInput),
    lifecycleFilter()),
  h("div", { class: "filter-actions" },
    h("button", { type: "submit", class: "primary" }, "Rechercher"),
    h("button", { type: "reset", class: "secondary", onclick: () => {
      state.params = { scope: "open" };
      setTimeout(() => load(true));
    } }, "Effacer les filtres")));
  filters.addEventListener("change", (event) => {
    if (event.target.name === "scope") filters.requestSubmit();
  });

  show(main,
    h("p", { class: "breadcrumb" }, creditor.name),
    h("h1", {}, "État de compte"),
    summaryArea,
    filters,
    h("div", { class: "toolbar" }, actionsAllowed ? selectionText : null,
      h("div", { class: "toolbar-actions" }, can("pay") ? payButton : null, can("dispute") ? disputeButton : null,
        can("message") ? contactButton : null, exportLink)),
    status,
    h("div", { class: "table-wrap" },
      h("table", { class: "entries" },
        h("caption", { class: "visually-hidden" }, "Écritures du compte"),
        h("thead", {}, h("tr", {},
          h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Sélection")),
          ...["Type", "N° de pièce", "Date", "Échéance", "Libellé", "Montant", "Reste dû", "Statut", "Cycle de vie", "Document"]
            .map((title) => h("th", { scope: "col" }, title)))),
        body)),
    more);
  renderSelection();
  return load(true);
}
