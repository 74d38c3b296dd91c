// The portal's shell: the session (who is signed in, what their role may do), the router of the URL's hash,
// and the one path that forgets the tab's state when nobody is signed in any more. Each area's module is
// loaded when one of its pages is first shown.

import { api, ApiError, onSessionLost } from "./api.js";
import { h, show } from "./dom.js";
import { learnLabels } from "./labels.js";
import { forgetAll } from "./selection.js";

const SECTIONS = [
  { slug: "etat-de-compte", title: "État de compte" },
  { slug: "suivi-litiges", title: "Suivi litiges" },
  { slug: "nous-contacter", title: "Nous contacter" },
  { slug: "informations-compte", title: "Informations compte" },
  { slug: "reglement", title: "Règlement", permission: "pay" },
];

const region = document.getElementById("contenu");
// Each route draws into a container of its own: a view still waiting for its data when the user moves on
// then fills a container no longer on the page, instead of drawing over the page that followed it.
let main = region;
const nav = document.getElementById("sections");
const session = document.getElementById("session");
const layout = document.getElementById("layout");
const menuButton = document.getElementById("menu-button");
const footerNote = document.getElementById("footer-note");
let me = null;
// Where to go once signed in: the page a lost session or a link opened signed out was showing, and whose
// page it was (another person signing in lands on their own home instead).
let returnTo = null;
let signInNotice = null;
let prefilledUsername = "";
let routing = 0; // each route() has its number: a newer one makes an older one's rendering moot

// What the signed-in person's role may do. A server that does not say lets everything show: it refuses
// what the role may not do anyway (403 forbidden_for_role, its message shown).
function can(permission) {
  return Boolean(me) && (!Array.isArray(me.permissions) || me.permissions.includes(permission));
}

function go(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

function landing() {
  return me && me.role === "finance" ? "#/finance" : "#/";
}

function focusHeading() {
  const heading = main.querySelector("h1");
  if (heading) {
    heading.setAttribute("tabindex", "-1");
    heading.focus();
  }
}

const FOOTERS = {
  signedOut: "Mes Factures : vos factures, vos règlements et vos litiges auprès de PRESSIMMO, BELLES DEMEURES et POLIRIS.",
  agency: "Une question sur ce service ? Rubrique « Nous contacter » de votre créancier.",
  finance: "Espace service financier : l'agence concernée est prévenue par e-mail de chaque changement de statut " +
    "d'un litige et de chaque décision sur ses coordonnées bancaires.",
};

// On a phone the account links and the sections fold behind one "Menu" button; a chosen page folds them.
function setMenu(opened) {
  menuButton.setAttribute("aria-expanded", String(opened));
  document.body.classList.toggle("menu-open", opened);
}
menuButton.addEventListener("click", () => setMenu(menuButton.getAttribute("aria-expanded") !== "true"));

function renderSession() {
  footerNote.textContent = !me ? FOOTERS.signedOut : me.role === "finance" ? FOOTERS.finance : FOOTERS.agency;
  menuButton.hidden = !me;
  if (!me) {
    setMenu(false);
    show(session);
    return;
  }
  const who = me.agency ? `${me.agency.name} — ${me.email}` : `Service financier — ${me.email}`;
  const links = [["#/mon-compte", "Mon compte", true], ["#/equipe", "Équipe", me.agency && can("team")],
    ["#/journal", "Journal d'activité", me.agency && can("activity")]];
  show(session,
    h("span", { class: "who" }, who),
    h("nav", { "aria-label": "Votre compte" }, h("ul", { class: "account-links" },
      links.filter(([, , shown]) => shown).map(([href, label]) => h("li", {}, h("a", { href }, label))))),
    h("button", { type: "button", class: "link-button", onclick: logOut }, "Se déconnecter"));
}

// The signed-in user, and the labels the server serves with them.
async function whoAmI() {
  const found = await api.me();
  learnLabels(found.labels);
  return found;
}

// The one reset path: sign-out, "every device", an expired or revoked session. Nothing of the previous
// person stays in the tab: the person, the baskets and selections, the page on screen.
function forgetTab() {
  me = null;
  learnLabels(null);
  forgetAll();
  renderSession();
  nav.hidden = true;
  show(nav);
  show(main);
}

async function logOut() {
  try {
    await api.logOut();
  } finally {
    forgetTab();
    returnTo = null;
    go("#/connexion");
  }
}

function signedOutEverywhere() {
  forgetTab();
  returnTo = null;
  signInNotice = "Toutes vos sessions sont fermées, sur cet appareil et sur les autres.";
  go("#/connexion");
}

function sessionLost() {
  if (!me) return;
  const email = me.email;
  forgetTab();
  returnTo = { hash: location.hash === "#contenu" ? "" : location.hash, email };
  routing += 1;
  signInNotice = "Votre session a expiré ou a été fermée. Reconnectez-vous pour reprendre où vous en étiez.";
  prefilledUsername = email; // the same person, most likely: their identifier is already there
  askToSignIn().then(focusHeading);
}

onSessionLost(sessionLost);

async function askToSignIn() {
  nav.hidden = true;
  const { signInView } = await import("./signin.js");
  const notice = signInNotice;
  signInNotice = null;
  signInView(main, { notice, username: prefilledUsername, onSignedIn });
  prefilledUsername = "";
}

async function onSignedIn() {
  me = await whoAmI();
  renderSession();
  const back = returnTo && (!returnTo.email || returnTo.email === me.email) ? returnTo.hash : "";
  returnTo = null;
  go(back || landing());
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
    h("ul", {}, SECTIONS.filter((section) => !section.permission || can(section.permission)).map((section) => h("li", {},
      h("a", { href: `#/c/${creditor.code}/${section.slug}`,
        "aria-current": section.slug === current ? "page" : false }, section.title)))));
  nav.hidden = false;
}

async function sectionView(creditorCode, slug, id, params) {
  const creditor = me.creditors.find((c) => c.code === creditorCode);
  const section = SECTIONS.find((s) => s.slug === slug);
  if (!creditor || !section) return notFoundView();
  renderNav(creditor, section.slug);
  if (section.slug === "etat-de-compte") {
    return (await import("./statement.js")).statementView(main, creditor, can, me.agency);
  }
  if (section.slug === "suivi-litiges") {
    const disputes = await import("./disputes.js");
    return id ? disputes.disputeView(main, creditor, id, can) : disputes.disputesView(main, creditor, can);
  }
  if (section.slug === "informations-compte") return (await import("./account.js")).profileView(main, creditor, can);
  if (section.slug === "nous-contacter") return (await import("./account.js")).contactView(main, creditor, can);
  const payments = await import("./payments.js");
  return id ? payments.paymentResultView(main, creditor, id, params.get("annule") === "1")
    : payments.basketView(main, creditor, can);
}

async function financeView(parts, params) {
  nav.hidden = true;
  if (parts[1] === "invitation") return (await import("./access.js")).financeInvitationView(main, me);
  if (parts[1] === "cycle-de-vie") return (await import("./lifecycle.js")).financeMessagesView(main, me, params);
  if (parts[1] === "litiges" && parts[2]) return (await import("./disputes.js")).financeDisputeView(main, parts[2]);
  const account = await import("./account.js");
  if (parts[1] === "banque" && parts[2]) return account.bankChangeView(main, parts[2]);
  await (await import("./disputes.js")).financeListView(main, me, params);
  main.append(await account.bankChangesBlock(),
    h("section", { "aria-labelledby": "agencies-title" }, h("h2", { id: "agencies-title" }, "Agences"),
      h("p", {}, h("a", { href: "#/finance/invitation" }, "Inviter le premier administrateur d'une agence"))),
    h("section", { "aria-labelledby": "einvoicing-title" }, h("h2", { id: "einvoicing-title" }, "Facturation électronique"),
      h("p", {}, h("a", { href: "#/finance/cycle-de-vie" }, "Statuts de cycle de vie transmis aux plateformes"))));
}

async function agencyView(parts, params) {
  if (parts[0] === "equipe" || parts[0] === "journal") {
    nav.hidden = true;
    const permission = parts[0] === "equipe" ? "team" : "activity";
    if (!can(permission)) return forbiddenView("Cette page est réservée aux administrateurs de l'agence.");
    const access = await import("./access.js");
    return parts[0] === "equipe" ? access.teamView(main, me, refreshMe) : access.activityView(main, me, params);
  }
  if (parts.length === 0) return creditorChoiceView();
  if (parts[0] === "c" && (parts.length === 3 || parts.length === 4)) return sectionView(parts[1], parts[2], parts[3], params);
  return notFoundView();
}

// After a change of one's own role: the header, the sections and this page follow the new permissions.
async function refreshMe() {
  try {
    me = await whoAmI();
  } catch (failure) {
    if (failure instanceof ApiError && failure.status === 401) return sessionLost();
    throw failure;
  }
  renderSession();
  return route();
}

function notFoundView() {
  nav.hidden = true;
  show(main, h("h1", {}, "Page introuvable"), h("p", {}, h("a", { href: "#/" }, "Revenir à l'accueil")));
}

function forbiddenView(message) {
  nav.hidden = true;
  show(main, h("h1", {}, "Accès réservé"), h("p", { role: "alert" }, message),
    h("p", {}, h("a", { href: "#/" }, "Revenir à l'accueil")));
}

async function ensureSignedIn() {
  if (me) return true;
  try {
    me = await whoAmI();
    renderSession();
    return true;
  } catch (failure) {
    if (failure instanceof ApiError && failure.status === 401) {
      forgetAll();
      return false;
    }
    throw failure;
  }
}

async function signedOutView(parts) {
  if (parts[0] === "mot-de-passe-oublie") {
    nav.hidden = true;
    const { forgotView } = await import("./signin.js");
    return forgotView(main, { onDone: (notice, username) => {
      signInNotice = notice;
      prefilledUsername = username;
      go("#/connexion");
    } });
  }
  if (parts.length && parts[0] !== "connexion" && (!returnTo || returnTo.hash !== location.hash)) {
    returnTo = { hash: location.hash, email: null }; // a link opened signed out: its target, after sign-in
  }
  return askToSignIn();
}

function markCurrentLink(page) {
  for (const link of session.querySelectorAll("a")) {
    if (link.getAttribute("href") === `#/${page}`) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

async function route() {
  const drawn = !layout.classList.contains("pending");
  if (location.hash === "#contenu" && drawn) return; // the skip link: not a route
  const run = ++routing;
  main = document.createElement("div");
  region.replaceChildren(main);
  setMenu(false);
  const hash = location.hash === "#contenu" ? "" : location.hash;
  const [path, query] = hash.replace(/^#\/?/, "").split("?");
  const parts = path.split("/").filter(Boolean);
  const params = new URLSearchParams(query || "");
  try {
    if (!(await ensureSignedIn())) await signedOutView(parts);
    else if (parts[0] === "connexion" || parts[0] === "mot-de-passe-oublie") go(landing());
    else if (parts[0] === "mon-compte") {
      nav.hidden = true;
      await (await import("./access.js")).accountView(main, me, signedOutEverywhere);
    } else if (me.role === "finance") await financeView(parts, params);
    else await agencyView(parts, params);
  } catch (failure) {
    if (run !== routing) return;
    if (failure instanceof ApiError && failure.status === 401) return; // the sign-in form is on screen
    if (failure instanceof ApiError && failure.status === 404) notFoundView();
    else if (failure instanceof ApiError && failure.status === 403) forbiddenView(failure.message);
    else show(main, h("h1", {}, "Service indisponible"), h("p", { role: "alert" }, failure.message));
  }
  if (run === routing) {
    markCurrentLink(parts[0] || "");
    layout.classList.remove("pending");
    focusHeading();
  }
}

window.addEventListener("hashchange", route);
route();
