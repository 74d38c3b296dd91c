// Suivi litiges: declare a dispute on invoices handed over from the statement, follow disputes, comment;
// and the finance team's view of the same disputes, with their transitions.

import { api, upload } from "./api.js";
import { h, show } from "./dom.js";
import { label, labelsOf } from "./labels.js";
import { euros, frenchDate, frenchDateTime, parseEuros } from "./format.js";
import { forget, takeOver } from "./selection.js";
import { dataTable } from "./table.js";

const ACCEPTED = ["application/pdf", "image/png", "image/jpeg"];
const MAX_BYTES = 5 * 1024 * 1024;

const statusLabel = (status) => label("dispute_statuses", status);

function disputeTable(disputes, linkOf, withAgency = false) {
  if (!disputes.length) return h("p", { class: "status" }, "Aucun litige.");
  const columns = [
    { title: "Référence", rowHeader: true, cell: (d) => h("a", { href: linkOf(d) }, d.reference) },
    { title: "Déclaré le", cell: (d) => frenchDate(d.opened_at.slice(0, 10)) },
    withAgency ? { title: "Agence", cell: (d) => d.agency_name } : null,
    { title: "Créancier", cell: (d) => label("creditors", d.creditor) },
    { title: "Factures", class: "label", cell: (d) => d.invoices.map((i) => i.number).join(", ") },
    { title: "Montant contesté", class: "amount", cell: (d) => euros(d.amount_cents) },
    { title: "Statut", cell: (d) => d.status_label },
  ].filter(Boolean);
  return dataTable("Litiges", columns, disputes);
}

function history(detail) {
  return h("section", { "aria-labelledby": "history-title" },
    h("h2", { id: "history-title" }, "Historique"),
    h("ol", { class: "timeline" }, detail.history.map((event) => h("li", {},
      h("p", { class: "timeline-head" },
        h("strong", {}, event.author_role === "finance" ? "Service financier" : "Agence"), ` (${event.author}) — `,
        h("time", { datetime: event.at }, frenchDateTime(event.at)),
        event.kind === "opened" ? " — litige déclaré" : null,
        event.kind === "status_changed" ? ` — statut : ${event.to_status_label}` : null),
      h("p", { class: "timeline-comment" }, event.comment)))));
}

function attachmentList(detail, linkOf) {
  if (!detail.attachments.length) return null;
  return h("section", { "aria-labelledby": "attachments-title" },
    h("h2", { id: "attachments-title" }, "Pièces jointes"),
    h("ul", {}, detail.attachments.map((a) => h("li", {},
      h("a", { href: linkOf(a), download: a.filename }, a.filename),
      ` (${Math.max(1, Math.round(a.size_bytes / 1024))} ko)`))));
}

function disputeHeader(detail) {
  return [
    h("dl", { class: "facts" },
      h("dt", {}, "Statut"), h("dd", {}, h("strong", {}, detail.status_label)),
      h("dt", {}, "Motif"), h("dd", {}, detail.reason_label),
      h("dt", {}, "Déclaré le"), h("dd", {}, `${frenchDateTime(detail.opened_at)} par ${detail.opened_by}`),
      h("dt", {}, "Montant contesté"), h("dd", {}, euros(detail.amount_cents))),
    dataTable("Factures contestées", [
      { title: "Facture", rowHeader: true, cell: (i) => i.number },
      { title: "Reste dû à l'ouverture", class: "amount", cell: (i) => euros(i.balance_cents) },
      { title: "Montant contesté", class: "amount", cell: (i) => euros(i.disputed_cents) },
    ], detail.invoices, { captionShown: true }),
  ];
}

function commentForm(label, onSend, extraFields = []) {
  const error = h("p", { class: "error", role: "alert" });
  const text = h("textarea", { id: "comment", name: "comment", rows: "4", maxlength: "2000", required: true });
  const submit = h("button", { type: "submit", class: "primary" }, label);
  return h("form", { class: "card form", novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    if (!text.value.trim()) {
      error.textContent = "Le commentaire est obligatoire.";
      text.focus();
      return;
    }
    submit.disabled = true;
    try {
      await onSend(text.value, new FormData(event.target));
    } catch (failure) {
      error.textContent = failure.message;
    } finally {
      submit.disabled = false;
    }
  } }, ...extraFields, h("label", { for: "comment" }, "Commentaire"), text, error, submit);
}

function declareForm(main, creditor, invoices) {
  const error = h("p", { class: "error", role: "alert" });
  const reason = h("select", { id: "reason", name: "reason", required: true },
    h("option", { value: "" }, "Choisissez un motif"),
    labelsOf("dispute_reasons").map(([value, text]) => h("option", { value }, text)));
  const amounts = invoices.map((invoice) => h("input", { id: `amount-${invoice.number}`, inputmode: "decimal",
    value: euros(invoice.balance_cents).replace(/[\u00a0\u202f€]/g, "").trim(), "aria-describedby": "amount-help" }));
  const comment = h("textarea", { id: "new-comment", rows: "4", maxlength: "2000", required: true });
  const files = h("input", { id: "files", type: "file", multiple: true, accept: "application/pdf,image/png,image/jpeg",
    "aria-describedby": "files-help" });
  const submit = h("button", { type: "submit", class: "primary" }, "Déclarer le litige");
  return h("form", { class: "card form", novalidate: true, "aria-labelledby": "declare-title",
    onsubmit: async (event) => {
    event.preventDefault();
    error.textContent = "";
    const body = { invoice_numbers: invoices.map((i) => i.number), reason: reason.value, comment: comment.value,
      amounts: {} };
    for (const [index, invoice] of invoices.entries()) {
      const cents = parseEuros(amounts[index].value);
      if (cents === null || cents <= 0 || cents > invoice.balance_cents) {
        error.textContent = `Montant contesté invalide pour ${invoice.number} (au plus ${euros(invoice.balance_cents)}).`;
        amounts[index].focus();
        return;
      }
      body.amounts[invoice.number] = cents;
    }
    if (!reason.value) { error.textContent = "Choisissez un motif."; reason.focus(); return; }
    if (!comment.value.trim()) { error.textContent = "Le commentaire est obligatoire."; comment.focus(); return; }
    const chosen = [...files.files];
    const wrong = chosen.find((file) => !ACCEPTED.includes(file.type) || file.size > MAX_BYTES);
    if (chosen.length > 5 || wrong) {
      error.textContent = "Joignez au plus 5 fichiers PDF, PNG ou JPEG de 5 Mo chacun.";
      files.focus();
      return;
    }
    submit.disabled = true;
    try {
      body.attachments = [];
      for (const file of chosen) {
        const ticket = await api.newAttachment(creditor.code, file);
        await upload(ticket, file);
        body.attachments.push({ id: ticket.id, filename: file.name });
      }
      const dispute = await api.openDispute(creditor.code, body);
      forget(creditor.code);
      location.hash = `#/c/${creditor.code}/suivi-litiges/${dispute.id}`;
    } catch (failure) {
      error.textContent = failure.message;
      submit.disabled = false;
    }
  } },
  h("h2", { id: "declare-title" }, "Déclarer un litige"),
  h("p", { id: "amount-help", class: "hint" }, "Le montant contesté est, par défaut, le reste dû de chaque facture."),
  invoices.map((invoice, index) => h("div", {},
    h("label", { for: `amount-${invoice.number}` }, `Montant contesté — ${invoice.number} (€)`), amounts[index])),
  h("label", { for: "reason" }, "Motif"), reason,
  h("label", { for: "new-comment" }, "Commentaire"), comment,
  h("label", { for: "files" }, "Pièces jointes (facultatif)"), files,
  h("p", { id: "files-help", class: "hint" }, "Jusqu'à 5 fichiers PDF, PNG ou JPEG de 5 Mo chacun."),
  error, submit);
}

export async function disputesView(main, creditor, can) {
  const invoices = can("dispute") ? takeOver(creditor.code, "dispute") : [];
  show(main, h("p", { class: "breadcrumb" }, creditor.name), h("h1", {}, "Suivi litiges"),
    invoices.length ? declareForm(main, creditor, invoices) : null,
    h("p", { class: "status", role: "status" }, "Chargement…"));
  const { disputes } = await api.disputes(creditor.code);
  const hint = h("p", { class: "hint" },
    "Pour déclarer un litige, cochez les factures concernées dans l'état de compte puis « Créer un litige ».");
  main.querySelector(".status").replaceWith(...[h("h2", {}, "Vos litiges"), invoices.length || !can("dispute") ? null : hint,
    disputeTable(disputes, (d) => `#/c/${creditor.code}/suivi-litiges/${d.id}`)].filter(Boolean));
}

export async function disputeView(main, creditor, id, can) {
  const detail = await api.dispute(creditor.code, id);
  show(main,
    h("p", { class: "breadcrumb" }, h("a", { href: `#/c/${creditor.code}/suivi-litiges` }, "Suivi litiges"),
      ` — ${creditor.name}`),
    h("h1", {}, `Litige ${detail.reference}`),
    ...disputeHeader(detail),
    attachmentList(detail, (a) => `/api/disputes/creditors/${creditor.code}/disputes/${id}/attachments/${a.id}`),
    history(detail),
    detail.status === "closed" || !can("dispute") ? null : commentForm("Ajouter le commentaire", async (text) => {
      await api.commentDispute(creditor.code, id, text);
      await disputeView(main, creditor, id, can);
    }));
}

export async function financeListView(main, me, params) {
  const creditor = h("select", { id: "f-creditor", name: "creditor" }, h("option", { value: "" }, "Tous"),
    me.creditors.map((c) => h("option", { value: c.code, selected: params.get("creditor") === c.code }, c.name)));
  const status = h("select", { id: "f-status", name: "status" }, h("option", { value: "" }, "Tous"),
    labelsOf("dispute_statuses").map(([value, label]) =>
      h("option", { value, selected: params.get("status") === value }, label)));
  const filters = h("form", { class: "filters", role: "search", "aria-label": "Filtrer les litiges", onsubmit: (event) => {
    event.preventDefault();
    const chosen = new URLSearchParams();
    for (const [name, value] of new FormData(filters)) if (value) chosen.set(name, value);
    location.hash = `#/finance?${chosen}`;
  } },
  h("div", { class: "filter-panel" },
    h("div", { class: "filter-field" }, h("label", { for: "f-creditor" }, "Créancier"), creditor),
    h("div", { class: "filter-field" }, h("label", { for: "f-status" }, "Statut"), status),
    h("div", { class: "filter-actions" }, h("button", { type: "submit", class: "primary" }, "Filtrer"))));
  const query = Object.fromEntries([...params].filter(([, value]) => value));
  const { disputes } = await api.financeDisputes(query);
  show(main, h("h1", {}, "Espace service financier"), h("h2", {}, "Litiges"), filters,
    h("p", { class: "status", role: "status" }, `${disputes.length} litige(s).`),
    disputeTable(disputes, (d) => `#/finance/litiges/${d.id}`, true));
}

export async function financeDisputeView(main, id) {
  const detail = await api.financeDispute(id);
  const target = h("select", { id: "to", name: "to", required: true },
    detail.next_statuses.map((value) => h("option", { value }, statusLabel(value))));
  show(main,
    h("p", { class: "breadcrumb" }, h("a", { href: "#/finance" }, "Litiges"), ` — ${label("creditors", detail.creditor)}`),
    h("h1", {}, `Litige ${detail.reference} — ${detail.agency_name}`),
    ...disputeHeader(detail),
    attachmentList(detail, (a) => `/api/disputes/finance/disputes/${id}/attachments/${a.id}`),
    history(detail),
    detail.next_statuses.length ? commentForm("Enregistrer le changement", async (text) => {
      await api.moveDispute(id, target.value, text);
      await financeDisputeView(main, id);
    }, [h("h2", {}, "Faire avancer le litige"), h("label", { for: "to" }, "Nouveau statut"), target]) : null);
}
