// Informations compte (four parts, "Modification" then "Envoyer modification", history) and Nous contacter
// (the two services and a form to write to them); the finance team's validation of bank-detail changes.

import { api } from "./api.js";
import { h, show } from "./dom.js";
import { frenchDateTime } from "./format.js";
import { label } from "./labels.js";
import { takeOver } from "./selection.js";
import { dataTable } from "./table.js";

const PARTS = [
  { key: "main_contact", title: "Interlocuteur principal", fields: [
    ["last_name", "Nom", "family-name"], ["first_name", "Prénom", "given-name"], ["role", "Fonction", "organization-title"]] },
  { key: "billing", title: "Coordonnées du compte", fields: [
    ["street", "Adresse", "street-address"], ["postal_code", "Code postal", "postal-code"], ["city", "Ville", "address-level2"],
    ["country", "Pays (code à deux lettres)", "country"], ["phone", "Téléphone", "tel"], ["fax", "Fax", "off"],
    ["email", "E-mail", "email"]] },
  { key: "bank", title: "Coordonnées bancaires", fields: [
    ["holder", "Titulaire du compte", "off"], ["bank_name", "Banque", "off"], ["bic", "BIC", "off"],
    ["iban", "IBAN", "off"]] },
];

function field(part, [name, label, autocomplete], value) {
  const id = `${part}-${name}`;
  const input = h("input", { id, name: `${part}.${name}`, value: value ?? "", disabled: true, autocomplete,
    "aria-describedby": `${id}-error` });
  return h("div", { class: "field" }, h("label", { for: id }, label), input,
    h("p", { id: `${id}-error`, class: "field-error" }));
}

// "Modification" for a role that may change the contact and billing details; the bank details stay
// read-only for a role that may not change them.
export async function profileView(main, creditor, can) {
  show(main, h("p", { class: "breadcrumb" }, creditor.name), h("h1", {}, "Informations compte"),
    h("p", { class: "status", role: "status" }, "Chargement de vos informations…"));
  const [profile, { changes }] = await Promise.all([api.profile(creditor.code), api.profileHistory(creditor.code)]);
  const status = h("p", { class: "form-status", role: "status" });
  const values = { main_contact: profile.main_contact, billing: profile.billing,
    bank: { ...profile.bank, iban: profile.bank.iban_masked } };
  const form = h("form", { class: "profile", novalidate: true });
  const fieldsets = PARTS.map((part) => h("fieldset", { class: "card" }, h("legend", {}, part.title),
    part.fields.map((definition) => field(part.key, definition, values[part.key][definition[0]]))));
  const pending = profile.pending_change;
  const edit = h("button", { type: "button", class: "secondary" }, "Modification");
  const cancel = h("button", { type: "button", class: "secondary", hidden: true }, "Annuler");
  const send = h("button", { type: "submit", class: "primary", disabled: true }, "Envoyer modification");
  let before = []; // each input with the value shown before "Modification"
  const editable = can("edit_profile");
  form.append(...[...fieldsets,
    pending ? h("p", { class: "notice" }, `Changement de coordonnées bancaires en attente de validation par le service
      financier (demandé le ${frenchDateTime(pending.requested_at)} par ${pending.requested_by} : IBAN ${pending.bank.IBAN}).`) : null,
    editable ? h("p", { class: "hint" }, "Les changements d'interlocuteur et de coordonnées s'appliquent aussitôt. ",
      can("edit_bank") ? "Un changement de coordonnées bancaires n'est appliqué qu'après validation par le service financier."
        : "Les coordonnées bancaires ne peuvent être changées que par un administrateur de l'agence.") : null,
    editable ? h("div", { class: "filter-actions" }, edit, cancel, send) : null, status].filter(Boolean));
  const inputs = () => [...form.querySelectorAll("input")].filter((input) => can("edit_bank") || !input.name.startsWith("bank."));
  const clearErrors = () => {
    for (const error of form.querySelectorAll(".field-error")) error.textContent = "";
    for (const input of inputs()) input.removeAttribute("aria-invalid");
  };
  edit.addEventListener("click", () => {
    before = inputs().map((input) => [input, input.value]);
    for (const input of inputs()) input.disabled = false;
    const iban = form.querySelector("#bank-iban");
    if (can("edit_bank")) {
      iban.value = "";
      iban.placeholder = `${profile.bank.iban_masked} — saisissez le nouvel IBAN pour le changer`;
    }
    send.disabled = false;
    edit.hidden = true;
    cancel.hidden = false;
    status.textContent = "";
    form.querySelector("#main_contact-last_name").focus();
  });
  // "Annuler": the values shown before "Modification" come back and nothing is sent.
  cancel.addEventListener("click", () => {
    for (const [input, value] of before) {
      input.value = value;
      input.disabled = true;
    }
    form.querySelector("#bank-iban").placeholder = "";
    clearErrors();
    send.disabled = true;
    cancel.hidden = true;
    edit.hidden = false;
    status.textContent = "Modification annulée : rien n'a été envoyé.";
    edit.focus();
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const part = (key) => Object.fromEntries(PARTS.find((p) => p.key === key).fields.map(([name]) =>
      [name, data.get(`${key}.${name}`)]));
    const body = { version: profile.version, main_contact: part("main_contact"), billing: part("billing") };
    const bank = part("bank");
    if (can("edit_bank") && bank.iban.trim()) body.bank = bank;
    clearErrors();
    send.disabled = cancel.disabled = true;
    send.textContent = "Envoi en cours…";
    status.textContent = "Envoi de la modification…";
    try {
      await api.sendProfile(creditor.code, body);
      await profileView(main, creditor, can);
      main.querySelector(".form-status").textContent = "Modification envoyée.";
    } catch (failure) {
      status.textContent = failure.message;
      for (const [name, message] of Object.entries(failure.fields || {})) {
        const input = form.querySelector(`[name="${name}"]`);
        if (!input) continue;
        input.setAttribute("aria-invalid", "true");
        document.getElementById(`${input.id}-error`).textContent = message;
      }
      form.querySelector("[aria-invalid]")?.focus();
      send.disabled = cancel.disabled = false;
      send.textContent = "Envoyer modification";
    }
  });
  show(main, h("p", { class: "breadcrumb" }, creditor.name), h("h1", {}, "Informations compte"),
    h("p", {}, `Compte ${profile.account_number} — ${profile.legal_name}`), form, historyBlock(changes));
}

function historyBlock(changes) {
  return h("section", { "aria-labelledby": "changes-title" }, h("h2", { id: "changes-title" }, "Historique des modifications"),
    changes.length ? dataTable("Historique des modifications", [
      { title: "Date", cell: (change) => frenchDateTime(change.requested_at) },
      { title: "Par", cell: (change) => change.requested_by },
      { title: "Objet", cell: (change) => (change.kind === "bank" ? "Coordonnées bancaires" : "Interlocuteur et coordonnées") },
      { title: "Statut", cell: (change) => [change.status_label, change.decision_comment ? ` — ${change.decision_comment}` : ""] },
      { title: "Changements", class: "label", cell: (change) => h("ul", { class: "changes" }, Object.keys(change.after)
        .filter((name) => change.before[name] !== change.after[name])
        .map((name) => h("li", {}, `${name} : ${change.before[name] || "—"} → ${change.after[name] || "—"}`))) },
    ], changes) : h("p", { class: "status" }, "Aucune modification pour l'instant."));
}

export async function contactView(main, creditor, can) {
  const { services } = await api.contacts(creditor.code);
  const documents = takeOver(creditor.code, "contact").map((invoice) => invoice.number);
  const status = h("p", { class: "form-status", role: "status" });
  const serviceChoice = h("fieldset", { class: "scope" }, h("legend", {}, "Écrire au"),
    services.map((service, index) => h("label", { class: "choice" },
      h("input", { type: "radio", name: "service", value: service.code, checked: index === 0 }), service.name)));
  const subject = h("input", { id: "subject", name: "subject", maxlength: "120", "aria-describedby": "subject-error" });
  const body = h("textarea", { id: "body", name: "body", rows: "6", maxlength: "5000", "aria-describedby": "body-error" });
  const send = h("button", { type: "submit", class: "primary" }, "Envoyer le message");
  const form = h("form", { class: "card form", novalidate: true, "aria-labelledby": "write-title", onsubmit: async (event) => {
    event.preventDefault();
    for (const error of form.querySelectorAll(".field-error")) error.textContent = "";
    send.disabled = true;
    try {
      await api.writeTo(creditor.code, { service: new FormData(form).get("service"), subject: subject.value,
        body: body.value, documents });
      status.textContent = "Message envoyé. Une copie vous a été adressée par e-mail.";
      subject.value = body.value = "";
    } catch (failure) {
      status.textContent = failure.message;
      for (const [name, message] of Object.entries(failure.fields || {})) {
        const target = document.getElementById(`${name}-error`);
        if (target) target.textContent = message;
      }
    } finally {
      send.disabled = false;
    }
  } },
  h("h2", { id: "write-title" }, "Nous écrire"), serviceChoice,
  documents.length ? h("p", {}, `Pièces concernées : ${documents.join(", ")}`) : null,
  h("label", { for: "subject" }, "Objet"), subject, h("p", { id: "subject-error", class: "field-error" }),
  h("label", { for: "body" }, "Message"), body, h("p", { id: "body-error", class: "field-error" }),
  send, status);
  show(main, h("p", { class: "breadcrumb" }, creditor.name), h("h1", {}, "Nous contacter"),
    h("div", { class: "figures" }, services.map((service) => h("section", { class: "card", "aria-label": service.name },
      h("h2", {}, service.name),
      h("p", {}, service.address.street, h("br"), `${service.address.postal_code} ${service.address.city}`),
      h("p", {}, "Téléphone : ", h("a", { href: `tel:${service.phone.replace(/\s/g, "")}` }, service.phone)),
      h("p", {}, "E-mail : ", h("a", { href: `mailto:${service.email}` }, service.email)),
      h("p", { class: "hint" }, service.hours)))),
    can("message") ? form : h("p", { class: "notice" }, "Votre rôle permet de consulter ces coordonnées ; l'envoi de ",
      "messages depuis le portail est réservé aux administrateurs et comptables de l'agence."));
}

export async function bankChangesBlock() {
  const { changes } = await api.bankChanges({ status: "pending" });
  return h("section", { "aria-labelledby": "bank-title" },
    h("h2", { id: "bank-title" }, "Coordonnées bancaires à valider"),
    changes.length ? h("ul", {}, changes.map((change) => h("li", {},
      h("a", { href: `#/finance/banque/${change.id}` }, `${change.agency_name} — ${label("creditors", change.creditor)}`),
      ` — demandé le ${frenchDateTime(change.requested_at)} par ${change.requested_by}`)))
      : h("p", { class: "status" }, "Aucune demande en attente."));
}

export async function bankChangeView(main, id) {
  const change = await api.bankChange(id);
  const status = h("p", { class: "form-status", role: "status" });
  const comment = h("textarea", { id: "decision-comment", rows: "3", maxlength: "2000" });
  const decide = (approve) => async () => {
    if (!comment.value.trim()) {
      status.textContent = "Le commentaire est obligatoire.";
      comment.focus();
      return;
    }
    try {
      await api.decideBankChange(id, approve, comment.value);
      await bankChangeView(main, id);
    } catch (failure) {
      status.textContent = failure.message;
    }
  };
  const requested = change.requested_bank;
  show(main, h("p", { class: "breadcrumb" }, h("a", { href: "#/finance" }, "Espace service financier")),
    h("h1", {}, `Coordonnées bancaires — ${change.legal_name}`),
    h("dl", { class: "facts" },
      h("dt", {}, "Compte"), h("dd", {}, `${change.account_number} — ${change.legal_name} (${label("creditors", change.creditor)})`),
      h("dt", {}, "Demandé"), h("dd", {}, `${frenchDateTime(change.requested_at)} par ${change.requested_by}`),
      h("dt", {}, "Statut"), h("dd", {}, h("strong", {}, change.status_label)),
      h("dt", {}, "Actuel"), h("dd", {}, `${change.before.Banque} — BIC ${change.before.BIC} — IBAN ${change.before.IBAN}`),
      requested ? [h("dt", {}, "Demandé"), h("dd", {}, h("strong", {},
        `${requested.holder} — ${requested.bank_name} — BIC ${requested.bic} — IBAN ${requested.iban}`))] : null),
    change.status === "pending" ? h("div", { class: "card form" },
      h("p", {}, "Vérifiez la demande auprès de l'agence par un canal connu avant de la valider."),
      h("label", { for: "decision-comment" }, "Commentaire"), comment,
      h("div", { class: "filter-actions" },
        h("button", { type: "button", class: "primary", onclick: decide(true) }, "Valider le changement"),
        h("button", { type: "button", class: "secondary", onclick: decide(false) }, "Refuser")), status) : null);
}
