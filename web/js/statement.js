// État de compte: the balance and its aging, the entries (unpaid by default, or twelve months), filters,
// documents, selection for payment or dispute, CSV export, the relevé de compte in PDF, printing.

import { api, documentUrl, exportUrl, statementPdfUrl } from "./api.js";
import { h, show } from "./dom.js";
import { euros, frenchDate, frenchDateTime, statusLabel, TYPE_LABELS } from "./format.js";
import { lifecycleCell, lifecycleFilter } from "./lifecycle.js";
import { handOver } from "./selection.js";
import { dataTable, tableRow } from "./table.js";

const AGING = [["not_due", "Non échu"], ["days_1_30", "1 à 30 j"], ["days_31_60", "31 à 60 j"],
  ["days_61_90", "61 à 90 j"], ["over_90", "Plus de 90 j"]];
const AGING_OPEN = "mesfactures:aging-open"; // a preference of this browser, not data of the agency
const SVG = "http://www.w3.org/2000/svg";
let printContext = null; // the statement on screen: brings its "printed on" line up to date

// On paper the aging shows even when folded on screen, and the date is the printing's.
window.addEventListener("beforeprint", () => {
  if (printContext) printContext();
  for (const details of document.querySelectorAll("details.aging-block:not([open])")) {
    details.dataset.printOpened = "1";
    details.open = true;
  }
});
window.addEventListener("afterprint", () => {
  for (const details of document.querySelectorAll("details[data-print-opened]")) {
    details.open = false;
    delete details.dataset.printOpened;
  }
});

function svg(tag, attributes) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  return element;
}

// One bar per column of the aging table below it; the figures stay text in the table, the picture is
// decoration for the eye (hidden from screen readers).
function agingChart(aging) {
  const values = AGING.map(([key]) => aging[key].amount_cents);
  const top = Math.max(...values, 1);
  const chart = svg("svg", { class: "aging-chart", viewBox: "0 0 500 48", preserveAspectRatio: "none",
    "aria-hidden": "true", focusable: "false" });
  values.forEach((cents, index) => {
    const height = cents > 0 ? Math.max(2, Math.round((44 * cents) / top)) : 0;
    chart.append(svg("rect", { class: `bar bar-${index}`, x: String(index * 100 + 25), y: String(46 - height),
      width: "50", height: String(height) }));
  });
  chart.append(svg("rect", { class: "axis", x: "0", y: "46", width: "500", height: "2" }));
  return chart;
}

function agingOpen() {
  const remembered = localStorage.getItem(AGING_OPEN);
  return remembered === null ? !window.matchMedia("(max-width: 30rem)").matches : remembered === "1";
}

function summaryBlock(summary) {
  const aging = summary.aging;
  const figure = (label, money, hint) => h("div", { class: "figure" },
    h("span", { class: "figure-label" }, label),
    h("span", { class: "figure-value" }, euros(money.amount_cents)),
    hint ? h("span", { class: "hint" }, hint) : null);
  const details = h("details", { class: "aging-block", open: agingOpen(),
    ontoggle: () => { if (!details.dataset.printOpened) localStorage.setItem(AGING_OPEN, details.open ? "1" : "0"); } },
  h("summary", {}, "Ancienneté des sommes dues"),
  agingChart(aging),
  h("table", { class: "aging" },
    h("caption", { class: "visually-hidden" }, "Ancienneté des sommes dues"),
    h("thead", {}, h("tr", {}, AGING.map(([, label]) => h("th", { scope: "col" }, label)))),
    h("tbody", {}, h("tr", {}, AGING.map(([key]) => h("td", {}, euros(aging[key].amount_cents)))))));
  return h("section", { class: "summary", "aria-labelledby": "summary-title" },
    h("h2", { id: "summary-title", class: "visually-hidden" }, "Synthèse du compte"),
    h("div", { class: "figures" },
      figure("Total dû", summary.total_due, `${summary.open_invoices} facture(s) non réglée(s)`),
      figure("Dont échu", summary.overdue),
      figure("Avoirs disponibles", summary.credit_available)),
    details);
}

function payable(entry) {
  return entry.type === "invoice" && entry.balance_cents > 0 && !entry.dispute_id && !entry.payment_lock;
}

function filtersText(params) {
  const parts = [params.scope === "all" ? "toutes les écritures" : "factures non réglées"];
  if (params.from) parts.push(`du ${frenchDate(params.from)}`);
  if (params.to) parts.push(`au ${frenchDate(params.to)}`);
  if (params.number) parts.push(`n° de pièce ${params.number}`);
  return parts.join(", ");
}

// `can` tells what the signed-in person's role may do: a role that may neither pay, dispute nor write
// sees no check boxes and no actions on a selection. `agency` names the agency on paper.
export function statementView(main, creditor, can, agency) {
  const actionsAllowed = ["pay", "dispute", "message"].some((permission) => can(permission));
  const state = { params: { scope: "open" }, entries: [], cursor: null, selected: new Map() };
  const summaryArea = h("div", { "aria-live": "polite" });
  const pendingArea = h("div"); // payments under way: "Reprendre le paiement" / "Annuler ce paiement"
  const status = h("p", { class: "status", role: "status" });
  const body = h("tbody");
  const more = h("button", { type: "button", class: "secondary more", hidden: true, onclick: () => load(false) },
    "Afficher plus");
  const selectionText = h("p", { class: "selection-text", "aria-live": "polite" });
  const payButton = h("button", { type: "button", class: "primary", disabled: true,
    onclick: () => proceed("payment", "reglement") }, "Ajouter au règlement");
  const disputeButton = h("button", { type: "button", class: "secondary", disabled: true,
    onclick: () => proceed("dispute", "suivi-litiges") }, "Créer un litige");
  const exportLink = h("a", { class: "button-link", download: "" }, "Exporter en CSV");
  const pdfLink = h("a", { class: "button-link", target: "_blank", rel: "noopener" }, "Relevé de compte (PDF)");
  const printButton = h("button", { type: "button", class: "link-button", onclick: () => window.print() }, "Imprimer");
  const contactButton = h("button", { type: "button", class: "secondary", disabled: true,
    onclick: () => proceed("contact", "nous-contacter") }, "Écrire au service");
  const printed = h("p", { class: "print-only print-context" });
  let lastOpened = { number: null, at: 0 };

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

  // A double click on "Afficher" is two clicks and a double click: the document opens once.
  function openDocument(entry) {
    if (!entry.has_document) return;
    const now = Date.now();
    if (lastOpened.number === entry.number && now - lastOpened.at < 1500) return;
    lastOpened = { number: entry.number, at: now };
    window.open(documentUrl(creditor.code, entry.number, "inline"), "_blank", "noopener");
  }

  function selectBox(entry) {
    if (!actionsAllowed || !payable(entry)) return null;
    return h("input", { type: "checkbox", "aria-label": `Sélectionner ${entry.number}`,
      checked: state.selected.has(entry.number), onchange: (event) => {
        if (event.target.checked) state.selected.set(entry.number, entry);
        else state.selected.delete(entry.number);
        renderSelection();
      } });
  }

  function documentActions(entry) {
    if (!entry.has_document) return [];
    return [h("button", { type: "button", class: "link-button", onclick: () => openDocument(entry),
      "aria-label": `Afficher ${entry.number}` }, "Afficher"),
    " ",
    h("a", { href: documentUrl(creditor.code, entry.number, "attachment"), download: `${entry.number}.pdf`,
      "aria-label": `Enregistrer ${entry.number}` }, "Enregistrer"),
    " ",
    h("a", { href: documentUrl(creditor.code, entry.number, "attachment", "xml"), download: `${entry.number}.xml`,
      "aria-label": `Télécharger XML ${entry.number}`,
      title: "Télécharger XML : les données de la facture (Factur-X, EN 16931) pour un logiciel comptable" }, "XML"),
    h("span", { class: "print-only" }, "PDF")];
  }

  function statusCell(entry) {
    return [statusLabel(entry), entry.overdue ? h("span", { class: "badge" }, "Échue") : null,
      entry.payment_lock ? h("span", { class: "badge badge-dispute" }, "Paiement en cours") : null,
      entry.dispute_id ? h("a", { class: "badge badge-dispute", href: `#/c/${creditor.code}/suivi-litiges/${entry.dispute_id}` },
        "En litige") : null];
  }

  // The statement's columns, in order: on a phone each becomes a line of the entry's card.
  const columns = [
    { title: "Sélection", hiddenTitle: true, class: "select", cell: selectBox },
    { title: "Type", class: "type", cell: (entry) => TYPE_LABELS[entry.type] },
    { title: "N° de pièce", class: "number", rowHeader: true, cell: (entry) => entry.number },
    { title: "Date", class: "date", cell: (entry) => frenchDate(entry.date) },
    { title: "Échéance", class: "date", cell: (entry) => frenchDate(entry.due_date) },
    { title: "Libellé", class: "label", cell: (entry) => entry.label },
    { title: "Montant", class: "amount", cell: (entry) => euros(entry.amount_cents) },
    { title: "Reste dû", class: "amount", cell: (entry) => (entry.balance_cents ? euros(entry.balance_cents) : "—") },
    { title: "Statut", class: "state", cell: statusCell },
    { title: "Cycle de vie", class: "lifecycle", cell: (entry) => lifecycleCell(creditor.code, entry) },
    { title: "Document", class: "actions", cell: documentActions },
  ];

  function row(entry) {
    return tableRow(columns, entry, {
      tabindex: entry.has_document ? "0" : false,
      class: entry.overdue ? "overdue" : false,
      title: entry.has_document ? "Double-cliquez ou appuyez sur Entrée pour afficher le document" : false,
      ondblclick: (event) => { if (!event.target.closest("a, button, input, label")) openDocument(entry); },
      onkeydown: (event) => { if (event.key === "Enter" && event.target === event.currentTarget) openDocument(entry); },
    });
  }

  function renderContext() {
    const who = agency ? `${agency.name} (${agency.id})` : "";
    printed.textContent = `Créancier : ${creditor.name} — Agence : ${who} — Vue : ${filtersText(state.params)} — ` +
      `imprimé le ${frenchDateTime(new Date().toISOString())}`;
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
      if (fresh && can("pay")) {
        if (page.entries.some((entry) => entry.payment_lock)) {
          import("./payments.js").then((payments) => payments.showPendingPayments(pendingArea, creditor, page.entries, () => load(true)));
        } else pendingArea.replaceChildren();
      }
      if (page.summary) show(summaryArea, summaryBlock(page.summary));
      else if (!summaryArea.firstChild) show(summaryArea, summaryBlock(await api.summary(creditor.code)));
      status.textContent = state.entries.length
        ? `${state.entries.length} écriture(s) affichée(s)${state.cursor ? " — d'autres suivent" : ""}.`
        : "Aucune écriture ne correspond à votre recherche.";
      exportLink.href = exportUrl(creditor.code, state.params);
      pdfLink.href = statementPdfUrl(creditor.code, state.params);
      renderContext();
    } catch (failure) {
      status.textContent = failure.message;
    }
  }

  const scopeChoice = (value, label) => h("label", { class: "choice" },
    h("input", { type: "radio", name: "scope", value, checked: state.params.scope === value }), label);
  const fromInput = h("input", { id: "from", name: "from", type: "date" });
  const toInput = h("input", { id: "to", name: "to", type: "date" });
  const numberInput = h("input", { id: "number", name: "number", type: "search", placeholder: "FA-2026-…", title: "Le numéro entier ou son début",
    autocomplete: "off", spellcheck: "false" });
  const filterToggle = h("button", { type: "button", class: "secondary filter-toggle", "aria-expanded": "false",
    "aria-controls": "filter-panel", onclick: () => {
      const opened = filterToggle.getAttribute("aria-expanded") !== "true";
      filterToggle.setAttribute("aria-expanded", String(opened));
      filters.classList.toggle("opened", opened);
    } }, "Rechercher, filtrer");
  const filters = h("form", { class: "filters foldable", role: "search", "aria-label": "Filtrer les écritures",
    onsubmit: (event) => {
      event.preventDefault();
      const form = new FormData(filters);
      state.params = { scope: form.get("scope") };
      for (const name of ["from", "to", "number", "lifecycle"]) if (form.get(name)) state.params[name] = form.get(name);
      load(true);
    } },
  h("div", { id: "filter-panel", class: "filter-panel" },
    h("fieldset", { class: "scope" }, h("legend", {}, "Afficher"),
      scopeChoice("open", "Les factures non réglées"), scopeChoice("all", "Toutes les écritures sur un an")),
    h("div", { class: "filter-field" }, h("label", { for: "from" }, "Du"), fromInput),
    h("div", { class: "filter-field" }, h("label", { for: "to" }, "Au"), toInput),
    h("div", { class: "filter-field number-field" }, h("label", { for: "number" }, "N° de pièce"), numberInput),
    lifecycleFilter(),
    h("div", { class: "filter-actions" },
      h("button", { type: "submit", class: "primary" }, "Rechercher"),
      h("button", { type: "reset", class: "secondary", onclick: () => {
        state.params = { scope: "open" };
        setTimeout(() => load(true));
      } }, "Effacer"))));
  filters.addEventListener("change", (event) => {
    if (event.target.name === "scope") filters.requestSubmit();
  });

  show(main,
    h("p", { class: "breadcrumb" }, creditor.name),
    h("h1", {}, "État de compte"),
    printed,
    summaryArea,
    filterToggle,
    pendingArea,
    filters,
    h("div", { class: "toolbar" }, actionsAllowed ? selectionText : null,
      h("div", { class: "toolbar-actions" }, can("pay") ? payButton : null, can("dispute") ? disputeButton : null,
        can("message") ? contactButton : null, exportLink, pdfLink, printButton)),
    status,
    dataTable("Écritures du compte", columns, [], { body }),
    more);
  renderSelection();
  renderContext();
  printContext = renderContext;
  return load(true);
}
