// Règlement: the basket handed over from the statement, paid in one card payment through Stripe Checkout
// (or settled by the credit notes alone when they cover it); a payment under way can be resumed or
// cancelled from the basket, the statement and the page Stripe's "back" link returns to.

import { api } from "./api.js";
import { h, show } from "./dom.js";
import { euros, frenchDate, frenchDateTime } from "./format.js";
import { forget, handOver, takeOver } from "./selection.js";

// What each chosen credit note gives, in the order they were chosen, until nothing is owed: the server
// applies the same rule (it alone decides; this only shows the basket). Integers of cents only.
export function creditUses(owedCents, chosenCredits) {
  let owed = owedCents;
  return chosenCredits.map((credit) => {
    const available = -credit.balance_cents;
    const used = Math.min(available, owed);
    owed -= used;
    return { number: credit.number, used, rest: available - used };
  });
}

// The payments under way that hold some of these entries (their lock names the payment), as the server
// says they stand: only the pending ones come back.
async function pendingPayments(creditor, entries) {
  const ids = [...new Set(entries.map((entry) => entry.payment_lock).filter(Boolean))];
  const payments = await Promise.all(ids.map((id) => api.payment(creditor.code, id).catch(() => null)));
  return payments.filter((payment) => payment && payment.status === "pending");
}

// One payment under way, as a line with its two ways out; `say` tells the outcome, `onChange` runs once
// it is cancelled.
function pendingItem(creditor, payment, say, onChange) {
  const amount = euros(payment.amount_cents);
  const numbers = [...payment.invoices, ...payment.credit_notes].map((item) => item.number).join(", ");
  const resume = payment.checkout_url
    ? h("button", { type: "button", class: "primary", "aria-label": `Reprendre le paiement de ${amount}`,
      onclick: () => location.assign(payment.checkout_url) }, "Reprendre le paiement")
    : null;
  const cancel = h("button", { type: "button", class: "secondary", "aria-label": `Annuler ce paiement de ${amount}`,
    onclick: async () => {
      cancel.disabled = true;
      if (resume) resume.disabled = true;
      say("Annulation du paiement…");
      try {
        await api.cancelPayment(creditor.code, payment.payment_id);
        say("Paiement annulé : vos factures sont de nouveau libres (à régler ou à contester).");
        onChange();
      } catch (failure) {
        say(failure.message);
        cancel.disabled = false;
        if (resume) resume.disabled = false;
      }
    } }, "Annuler ce paiement");
  return h("li", { class: "pending-payment" },
    h("span", {}, h("strong", {}, amount), ` — ${numbers} (commencé le ${frenchDateTime(payment.created_at)} par ${payment.payer})`,
      payment.checkout_url ? "" : " : votre banque doit encore le confirmer, il ne peut plus être repris."),
    " ", resume, " ", cancel);
}

// The payments under way, in one compact notice: while one is, its pieces can be neither paid again nor
// disputed, so the way out is shown where the agency meets them.
function pendingBlock(creditor, payments, onChange) {
  const status = h("p", { class: "form-status", "aria-live": "polite" });
  const say = (text) => { status.textContent = text; };
  return h("section", { class: "notice pending-payments", "aria-labelledby": "pending-title" },
    h("h2", { id: "pending-title" }, payments.length > 1
      ? `${payments.length} paiements par carte en cours`
      : "Un paiement par carte en cours"),
    h("p", { class: "hint" }, "Tant qu'un paiement est en cours, ses pièces ne peuvent être ni réglées à nouveau ni ",
      "contestées : reprenez-le, ou annulez-le pour les libérer aussitôt."),
    h("ul", {}, payments.map((payment) => pendingItem(creditor, payment, say, onChange))), status);
}

// Shows, in `area`, the payments under way among `entries` (nothing when there is none).
export async function showPendingPayments(area, creditor, entries, onChange) {
  const payments = await pendingPayments(creditor, entries);
  show(area, payments.length ? pendingBlock(creditor, payments, onChange) : null);
}

export async function basketView(main, creditor, can) {
  if (!can("pay")) {
    show(main, h("p", { class: "breadcrumb" }, creditor.name), h("h1", {}, "Règlement"),
      h("p", { class: "notice" }, "Votre rôle permet de consulter le compte, pas de le régler : demandez à un ",
        "administrateur ou à un comptable de votre agence."));
    return;
  }
  const basket = takeOver(creditor.code, "payment");
  const status = h("p", { class: "form-status", role: "status" });
  const pendingArea = h("div");
  const { entries } = await api.entries(creditor.code, { scope: "open" });
  const credits = entries.filter((e) => e.type === "credit_note" && e.balance_cents < 0);
  const offset = new Set();
  const render = () => {
    const owed = basket.reduce((sum, invoice) => sum + invoice.balance_cents, 0);
    const chosen = [...offset].map((number) => credits.find((c) => c.number === number));
    const uses = creditUses(owed, chosen);
    const credited = uses.reduce((sum, use) => sum + use.used, 0);
    const total = owed - credited;
    const byCredit = basket.length > 0 && total === 0;
    const pay = h("button", { type: "button", class: "primary", disabled: basket.length === 0, onclick: async () => {
      pay.disabled = true;
      status.textContent = byCredit ? "Règlement par vos avoirs…" : "Redirection vers la page de paiement sécurisée…";
      try {
        const payment = await api.checkout(creditor.code, basket.map((invoice) => invoice.number), [...offset]);
        if (payment.checkout_url) location.assign(payment.checkout_url);
        else location.hash = `#/c/${creditor.code}/reglement/${encodeURIComponent(payment.payment_id)}`;
      } catch (failure) {
        status.textContent = failure.message;
        pay.disabled = false;
      }
    } }, byCredit ? "Régler avec les avoirs" : "Payer par carte");
    show(main, h("p", { class: "breadcrumb" }, creditor.name), h("h1", {}, "Règlement"), pendingArea,
      basket.length === 0
        ? h("p", { class: "notice" }, "Votre panier est vide : cochez des factures non réglées dans l'état de compte, puis « Ajouter au règlement ».")
        : h("div", { class: "table-wrap" }, h("table", { class: "entries" },
          h("caption", {}, "Factures à régler"),
          h("thead", {}, h("tr", {}, ["Facture", "Échéance", "Reste dû", ""].map((t) => h("th", { scope: "col" }, t)))),
          h("tbody", {}, basket.map((invoice, index) => h("tr", {},
            h("th", { scope: "row" }, invoice.number),
            h("td", {}, frenchDate(invoice.due_date)),
            h("td", { class: "amount" }, euros(invoice.balance_cents)),
            h("td", {}, h("button", { type: "button", class: "link-button", "aria-label": `Retirer ${invoice.number}`,
              onclick: () => {
                basket.splice(index, 1);
                handOver(creditor.code, "payment", basket);
                render();
              } }, "Retirer"))))),
          h("tfoot", {},
            uses.map((use) => h("tr", {},
              h("th", { scope: "row" }, `Avoir ${use.number} déduit`),
              h("td", {}, use.used === 0 ? "non utilisé" : use.rest > 0 ? `reste ${euros(use.rest)} disponible` : "utilisé en entier"),
              h("td", { class: "amount" }, euros(-use.used)), h("td"))),
            h("tr", {}, h("th", { scope: "row" }, "Total à payer"), h("td"),
              h("td", { class: "amount" }, h("strong", {}, euros(total))), h("td"))))),
      basket.length && credits.length ? h("fieldset", { class: "card" },
        h("legend", {}, "Avoirs disponibles à déduire"),
        credits.map((credit) => h("label", { class: "choice" },
          h("input", { type: "checkbox", checked: offset.has(credit.number), onchange: (event) => {
            if (event.target.checked) offset.add(credit.number);
            else offset.delete(credit.number);
            render();
          } }), `${credit.number} — ${euros(-credit.balance_cents)}`))) : null,
      byCredit ? h("p", { class: "hint" }, "Vos avoirs couvrent ces factures : elles seront réglées sans paiement par carte, ",
        "et le reste de vos avoirs restera disponible.") : null,
      h("p", { class: "hint" }, "Le montant est recalculé par le serveur à partir de votre compte au moment du paiement. ",
        "Le paiement par carte est opéré par Stripe."),
      pay, status);
  };
  render();
  await showPendingPayments(pendingArea, creditor, entries, () => basketView(main, creditor, can));
}

function settledText(payment) {
  if (payment.paid_by_credit) {
    return `Factures réglées par vos avoirs (${payment.receipt_number}) : aucun paiement par carte. ` +
      "Le reste de vos avoirs reste disponible ; un récapitulatif vous a été envoyé par e-mail.";
  }
  return `Paiement reçu : ${euros(payment.amount_cents)} (reçu ${payment.receipt_number}). ` +
    "Les factures sont réglées ; un reçu vous a été envoyé par e-mail.";
}

// The page Stripe returns to: after paying (it follows the payment until the webhook settled it), or from
// Stripe's back link (`cancelled`): the payment is still under way, to resume or to cancel.
export async function paymentResultView(main, creditor, paymentId, cancelled) {
  const heading = h("h1", {}, "Règlement");
  const status = h("p", { class: "form-status", role: "status" }, "Vérification du paiement…");
  const links = () => h("p", {}, h("a", { href: `#/c/${creditor.code}/reglement` }, "Revenir au panier"), " — ",
    h("a", { href: `#/c/${creditor.code}/etat-de-compte` }, "Revenir à l'état de compte"));
  show(main, h("p", { class: "breadcrumb" }, creditor.name), heading, status);
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const payment = await api.payment(creditor.code, paymentId);
    if (payment.status === "settled") {
      forget(creditor.code);
      status.textContent = settledText(payment);
      main.append(h("p", {}, h("a", { href: `#/c/${creditor.code}/etat-de-compte` }, "Revenir à l'état de compte")));
      return;
    }
    if (payment.status === "pending" && (cancelled || attempt > 2) && payment.checkout_url) {
      status.textContent = "Vous avez quitté la page de paiement sans payer : ce paiement est toujours en cours.";
      const block = pendingBlock(creditor, [payment], () => {
        block.remove();
        status.textContent = "Paiement annulé : vos factures sont de nouveau libres (à régler ou à contester).";
        main.append(links());
      });
      main.append(block);
      return;
    }
    if (payment.status !== "pending") {
      status.textContent = {
        cancelled: "Paiement annulé : vos factures sont de nouveau libres (à régler ou à contester).",
        expired: "Paiement expiré sans être réglé : vos factures restent à régler.",
      }[payment.status] || "Le paiement n'a pas abouti : vos factures restent à régler.";
      main.append(links());
      return;
    }
    status.textContent = "Paiement en cours de confirmation…";
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  status.textContent = "La confirmation tarde : le statut de vos factures se mettra à jour dans l'état de compte.";
}
