// Règlement: the basket handed over from the statement, paid in one card payment through Stripe Checkout;
// the return page follows the payment until Stripe's webhook has settled it.

import { api } from "./api.js";
import { h, show } from "./dom.js";
import { euros, frenchDate } from "./format.js";
import { forget, handOver, takeOver } from "./selection.js";

export async function basketView(main, creditor, can) {
  if (!can("pay")) {
    show(main, h("p", { class: "breadcrumb" }, creditor.name), h("h1", {}, "Règlement"),
      h("p", { class: "notice" }, "Votre rôle permet de consulter le compte, pas de le régler : demandez à un ",
        "administrateur ou à un comptable de votre agence."));
    return;
  }
  const basket = takeOver(creditor.code, "payment");
  const status = h("p", { class: "form-status", role: "status" });
  const { entries } = await api.entries(creditor.code, { scope: "open" });
  const credits = entries.filter((e) => e.type === "credit_note" && e.balance_cents < 0 && !e.payment_lock);
  const offset = new Set();
  const render = () => {
    const owed = basket.reduce((sum, invoice) => sum + invoice.balance_cents, 0);
    const credited = credits.filter((c) => offset.has(c.number)).reduce((sum, c) => sum - c.balance_cents, 0);
    const total = owed - credited;
    const pay = h("button", { type: "button", class: "primary", disabled: basket.length === 0 || total <= 0, onclick: async () => {
      pay.disabled = true;
      status.textContent = "Redirection vers la page de paiement sécurisée…";
      try {
        const payment = await api.checkout(creditor.code, basket.map((invoice) => invoice.number), [...offset]);
        location.assign(payment.checkout_url);
      } catch (failure) {
        status.textContent = failure.message;
        pay.disabled = false;
      }
    } }, "Payer par carte");
    show(main, h("p", { class: "breadcrumb" }, creditor.name), h("h1", {}, "Règlement"),
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
            credited ? h("tr", {}, h("th", { scope: "row" }, "Avoirs déduits"), h("td"),
              h("td", { class: "amount" }, euros(-credited)), h("td")) : null,
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
      total <= 0 && basket.length ? h("p", { class: "error" }, "Les avoirs choisis couvrent les factures : retirez-en un.") : null,
      h("p", { class: "hint" }, "Le montant est recalculé par le serveur à partir de votre compte au moment du paiement. ",
        "Le paiement par carte est opéré par Stripe."),
      pay, status);
  };
  render();
}

export async function paymentResultView(main, creditor, paymentId, cancelled) {
  const heading = h("h1", {}, "Règlement");
  const status = h("p", { class: "form-status", role: "status" }, "Vérification du paiement…");
  show(main, h("p", { class: "breadcrumb" }, creditor.name), heading, status);
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const payment = await api.payment(creditor.code, paymentId);
    if (payment.status === "settled") {
      forget(creditor.code);
      status.textContent = `Paiement reçu : ${euros(payment.amount_cents)} (reçu ${payment.receipt_number}). ` +
        "Les factures sont réglées ; un reçu vous a été envoyé par e-mail.";
      main.append(h("p", {}, h("a", { href: `#/c/${creditor.code}/etat-de-compte` }, "Revenir à l'état de compte")));
      return;
    }
    if (payment.status !== "pending" || (cancelled && attempt > 2)) {
      status.textContent = cancelled || payment.status === "expired"
        ? "Paiement annulé : vos factures restent à régler."
        : "Le paiement n'a pas abouti : vos factures restent à régler.";
      main.append(h("p", {}, h("a", { href: `#/c/${creditor.code}/reglement` }, "Revenir au panier")));
      return;
    }
    status.textContent = "Paiement en cours de confirmation…";
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  status.textContent = "La confirmation tarde : le statut de vos factures se mettra à jour dans l'état de compte.";
}
