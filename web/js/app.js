// The portal's shell: sign-in, the choice of creditor, and the five sections, routed by the URL's hash.

import { api, ApiError } from "./api.js";
import { h, show } from "./dom.js";
import { bankChangesBlock, bankChangeView, contactView, profileView } from "./account.js";
import { disputeView, disputesView, financeDisputeView, financeListView } from "./disputes.js";
import { basketView, paymentResultView } from "./payments.js";
import { statementView } from "./statement.js";

export const SECTIONS = [
  { slug: "etat-de-compte", title: "État de compte",
    about: "Vos factures non réglées, l'ensemble de vos écritures sur un an, vos documents à imprimer." },
  { slug: "suivi-litiges", title: "Suivi litiges",
    about: "Les litiges que vous avez déclarés et l'historique de leur traitement." },
  { slug: "nous-contacter", title: "Nous contacter",
    about: "Les coordonnées du service après-vente et du service recouvrement." },
  { slug: "informations-compte", title: "Informations compte",
    about: "Votre interlocuteur principal, vos coordonnées de facturation et bancaires." },
  { slug: "reglement", title: "Règlement",
    about: "Le règlement en ligne de vos factures par carte bancaire, en toute sécurité." },
];

const main = document.getElementById("contenu");
const nav = document.getElementById("sections");
const session = document.getElementById("session");
let me = null;

function go(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

function focusHeading() {
  const heading = main.querySelector("h1");
  if (heading) {
    heading.setAttribute("tabindex", "-1");
    heading.focus();
  }
}

function renderSession() {
  if (!me) {
    show(session);
    return;
  }
  const who = me.agency ? `${me.agency.name} — ${me.email}` : `Service financier — ${me.email}`;
  show(session,
    h("span", { class: "who" }, who),
    h("button", { type: "button", class: "link-button", onclick: logOut }, "Se déconnecter"));
}

async function logOut() {
  try {
    await api.logOut();
  } finally {
    me = null;
    renderSession();
    go("#/connexion");
  }
}

function loginView(message) {
  nav.hidden = true;
  const error = h("p", { id: "login-error", class: "error", role: "alert" }, message || "");
  const username = h("input", { id: "username", name: "username", type: "email", autocomplete: "username",
    required: true, "aria-describedby": "login-error" });
  const password = h("input", { id: "password", name: "password", type: "password",
    autocomplete: "current-password", required: true, "aria-describedby": "login-error" });
  const submit = h("button", { type: "submit", class: "primary" }, "Se connecter");
  const form = h("form", { class: "card login", novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    if (!username.value || !password.value) {
      error.textContent = "Saisissez votre identifiant et votre mot de passe.";
      return;
    }
    submit.disabled = true;
    error.textContent = "";
    try {
      me = (await api.logIn(username.value, password.value)).user;
      renderSession();
      go(me.role === "finance" ? "#/finance" : "#/");
    } catch (failure) {
      error.textContent = failure.message;
      password.value = "";
      password.focus();
    } finally {
      submit.disabled = false;
    }
  } },
  h("h1", {}, "Accès au service « Mes Factures »"),
  h("p", {}, "Consultez votre compte, vos factures et vos règlements auprès de vos créanciers."),
  h("label", { for: "username" }, "Identifiant (adresse e-mail)"), username,
  h("label", { for: "password" }, "Mot de passe"), password,
  error, submit);
  show(main, form);
}

function creditorChoiceView() {
  nav.hidden = true;
  show(main,
    h("h1", {}, "Choisissez votre créancier"),
    h("p", {}, "Votre compte est tenu séparément par chacune des sociétés qui vous facturent."),
    h("ul", { class: "creditors" }, me.creditors.map((creditor) =>
      h("li", {}, h("a", { class: "creditor-card", href: `#/c/${creditor.code}/etat-de-compte` },
        h("span", { class: "creditor-name" }, creditor.name),
        h("span", { class: "hint" }, "Voir mon état de compte"))))));
}

function renderNav(creditor, current) {
  const select = h("select", { id: "creditor", onchange: (event) => go(`#/c/${event.target.value}/${current}`) },
    me.creditors.map((c) => h("option", { value: c.code, selected: c.code === creditor.code }, c.name)));
  show(nav,
    h("label", { for: "creditor" }, "Créancier"), select,
    h("ul", {}, SECTIONS.map((section) => h("li", {},
      h("a", { href: `#/c/${creditor.code}/${section.slug}`,
        "aria-current": section.slug === current ? "page" : false }, section.title)))));
  nav.hidden = false;
}

function sectionView(creditorCode, slug, id, params) {
  const creditor = me.creditors.find((c) => c.code === creditorCode);
  const section = SECTIONS.find((s) => s.slug === slug);
  if (!creditor || !section) return notFoundView();
  renderNav(creditor, section.slug);
  if (section.slug === "etat-de-compte") return statementView(main, creditor);
  if (section.slug === "suivi-litiges") return id ? disputeView(main, creditor, id) : disputesView(main, creditor);
  if (section.slug === "informations-compte") return profileView(main, creditor);
  if (section.slug === "nous-contacter") return contactView(main, creditor);
  if (section.slug === "reglement") {
    return id ? paymentResultView(main, creditor, id, params.get("annule") === "1") : basketView(main, creditor);
  }
  return notFoundView();
}

async function financeView(parts, params) {
  nav.hidden = true;
  if (parts[1] === "litiges" && parts[2]) return financeDisputeView(main, parts[2]);
  if (parts[1] === "banque" && parts[2]) return bankChangeView(main, parts[2]);
  await financeListView(main, me, params);
  main.append(await bankChangesBlock());
}

function notFoundView() {
  nav.hidden = true;
  show(main, h("h1", {}, "Page introuvable"), h("p", {}, h("a", { href: "#/" }, "Revenir à l'accueil")));
}

async function ensureSignedIn() {
  if (me) return true;
  try {
    me = await api.me();
    renderSession();
    return true;
  } catch (failure) {
    if (failure instanceof ApiError && failure.status === 401) return false;
    throw failure;
  }
}

async function route() {
  if (location.hash === "#contenu") return; // the skip link: not a route
  const [path, query] = location.hash.replace(/^#\/?/, "").split("?");
  const parts = path.split("/").filter(Boolean);
  const params = new URLSearchParams(query || "");
  try {
    if (parts[0] === "connexion") {
      if (await ensureSignedIn()) go("#/");
      else loginView();
    } else if (!(await ensureSignedIn())) {
      loginView();
    } else if (me.role === "finance") {
      await financeView(parts, params);
    } else if (parts.length === 0) {
      creditorChoiceView();
    } else if (parts[0] === "c" && (parts.length === 3 || parts.length === 4)) {
      await sectionView(parts[1], parts[2], parts[3], params);
    } else {
      notFoundView();
    }
  } catch (failure) {
    if (failure instanceof ApiError && failure.status === 404) notFoundView();
    else show(main, h("h1", {}, "Service indisponible"), h("p", { role: "alert" }, failure.message));
  }
  focusHeading();
}

window.addEventListener("hashchange", route);
route();
