// Who may do what: "Mon compte" (one's name, role, password, sessions), the agency's team (invitations,
// roles, deactivation), its activity journal, and the finance team's invitation of an agency's first
// administrator. Roles, statuses and actions are labelled by the server.

import { api } from "./api.js";
import { h, show } from "./dom.js";
import { frenchDateTime } from "./format.js";
import { label } from "./labels.js";
import { newPasswordField } from "./password.js";

const fullName = (person) => `${person.first_name || ""} ${person.last_name || ""}`.trim();

function creditorName(me, code) {
  return me.creditors.find((creditor) => creditor.code === code)?.name || label("creditors", code);
}

// A labelled input and the place of its error, the error found by the name the server gives in `fields`.
function textField(id, label, attributes = {}) {
  const input = h("input", { id, name: id, "aria-describedby": `${id}-error`, ...attributes });
  return { input, element: h("div", { class: "field" }, h("label", { for: id }, label), input,
    h("p", { id: `${id}-error`, class: "field-error" })) };
}

function showFieldErrors(form, fields, prefix = "") {
  for (const error of form.querySelectorAll(".field-error:not([role])")) error.textContent = "";
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
  for (const [name, message] of Object.entries(fields || {})) {
    const input = form.querySelector(`[name="${prefix}${name}"]`);
    if (!input) continue;
    input.setAttribute("aria-invalid", "true");
    document.getElementById(`${input.id}-error`).textContent = message;
  }
  form.querySelector("[aria-invalid]")?.focus();
}

export function accountView(main, me, onSignedOutEverywhere) {
  const status = h("p", { class: "form-status", role: "status" });
  const current = textField("current-password", "Mot de passe actuel",
    { type: "password", autocomplete: "current-password", required: true });
  const fresh = newPasswordField({ id: "account-new-password", label: "Nouveau mot de passe" });
  const change = h("button", { type: "submit", class: "primary" }, "Changer le mot de passe");
  const form = h("form", { class: "card form", novalidate: true, "aria-labelledby": "password-title",
    onsubmit: async (event) => {
      event.preventDefault();
      status.textContent = "";
      showFieldErrors(form, {});
      if (!current.input.value) {
        showFieldErrors(form, { "current-password": "Saisissez votre mot de passe actuel." });
        return;
      }
      if (!fresh.complies()) return;
      change.disabled = true;
      try {
        await api.changePassword(current.input.value, fresh.input.value);
        current.input.value = "";
        fresh.clear();
        status.textContent = "Votre mot de passe a été changé.";
      } catch (failure) {
        if (failure.code === "wrong_password") showFieldErrors(form, { "current-password": failure.message });
        else fresh.refuse(failure.message, failure.rules);
      } finally {
        change.disabled = false;
      }
    } },
  h("h2", { id: "password-title" }, "Changer de mot de passe"), current.element, fresh.element, change, status);

  const everywhereStatus = h("p", { class: "form-status", role: "status" });
  const everywhere = h("button", { type: "button", class: "secondary", onclick: async () => {
    everywhere.disabled = true;
    try {
      await api.logOutEverywhere();
      onSignedOutEverywhere();
    } catch (failure) {
      everywhereStatus.textContent = failure.message;
      everywhere.disabled = false;
    }
  } }, "Se déconnecter de tous les appareils");

  const permissions = Array.isArray(me.permissions) ? me.permissions : [];
  show(main, h("h1", {}, "Mon compte"),
    h("dl", { class: "facts" },
      h("dt", {}, "Nom"), h("dd", {}, fullName(me) || "—"),
      h("dt", {}, "E-mail"), h("dd", {}, me.email),
      h("dt", {}, "Rôle"), h("dd", {}, me.role_label || me.role),
      me.agency ? [h("dt", {}, "Agence"), h("dd", {}, `${me.agency.name} (${me.agency.id})`)] : null),
    form,
    h("section", { class: "card form", "aria-labelledby": "sessions-title" },
      h("h2", { id: "sessions-title" }, "Vos sessions"),
      h("p", {}, "Fermez toutes vos sessions, ici et sur vos autres appareils (téléphone, autre ordinateur) : ",
        "utile si vous avez oublié de vous déconnecter ailleurs. Il faudra vous reconnecter partout."),
      everywhere, everywhereStatus),
    me.agency && permissions.includes("team") ? secondFactorCard() : null);
}

// Administrators may add a second factor to their own sign-in: their password again, then the QR code
// (drawn by qr.js, loaded on this step only) and the first code of their authenticator app.
function secondFactorCard() {
  const status = h("p", { class: "form-status", role: "status" });
  const password = textField("totp-password", "Votre mot de passe",
    { type: "password", autocomplete: "current-password", required: true });
  const start = h("button", { type: "submit", class: "secondary" }, "Activer la double authentification");
  const card = h("section", { class: "card form", "aria-labelledby": "totp-title" });
  const form = h("form", { novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    showFieldErrors(form, {});
    status.textContent = "";
    start.disabled = true;
    try {
      enrol(await api.startOwnTotp(password.input.value));
    } catch (failure) {
      if (failure.code === "wrong_password") showFieldErrors(form, { "totp-password": failure.message });
      else status.textContent = failure.message;
    } finally {
      start.disabled = false;
    }
  } }, password.element, start);

  function enrol(enrolment) {
    const figure = h("figure", { class: "qr-figure" }, h("p", { class: "status" }, "Chargement du QR code…"));
    import("./qr.js").then(({ qrSvg }) => {
      figure.replaceChildren(qrSvg(enrolment.otpauth_uri, "QR code à scanner avec votre application d'authentification"));
    }).catch(() => figure.replaceChildren(h("p", { class: "status" }, "Saisissez la clé ci-dessous dans l'application.")));
    const code = textField("totp-code", "Code à 6 chiffres",
      { inputmode: "numeric", autocomplete: "one-time-code", maxlength: "6", required: true });
    const confirm = h("button", { type: "submit", class: "primary" }, "Vérifier et activer");
    const check = h("form", { novalidate: true, onsubmit: async (event) => {
      event.preventDefault();
      confirm.disabled = true;
      try {
        await api.finishOwnTotp(enrolment.session, code.input.value.replace(/\s/g, ""));
        show(card, h("h2", { id: "totp-title" }, "Double authentification"),
          h("p", { role: "status" }, "La double authentification est activée : à votre prochaine connexion, un code vous sera demandé."));
      } catch (failure) {
        showFieldErrors(check, { "totp-code": failure.message });
      } finally {
        confirm.disabled = false;
      }
    } }, code.element, confirm);
    show(card, h("h2", { id: "totp-title" }, "Double authentification"),
      h("p", {}, "Scannez ce QR code avec votre application d'authentification, ou saisissez la clé : ",
        h("code", { class: "secret" }, enrolment.secret.replace(/(.{4})(?=.)/g, "$1 "))),
      figure, check);
    code.input.focus();
  }

  show(card, h("h2", { id: "totp-title" }, "Double authentification"),
    h("p", {}, "Protégez votre accès administrateur : à chaque connexion, en plus du mot de passe, un code à ",
      "6 chiffres produit par une application sur votre téléphone."), form, status);
  return card;
}

// A role changes only when "Appliquer" is pressed: choosing in the list (arrow keys included) sends
// nothing (WCAG 3.2.2, and no role changed by a stray key).
function roleSelect(member, roles, onChange) {
  const id = `role-${member.user_id}`;
  const who = fullName(member) || member.email;
  const apply = h("button", { type: "button", class: "link-button", disabled: true,
    "aria-label": `Appliquer ce rôle à ${who}`, onclick: () => onChange(select) }, "Appliquer");
  const select = h("select", { id, disabled: member.status === "deactivated",
    onchange: () => { apply.disabled = select.value === member.role; } },
  roles.map((role) => h("option", { value: role.code, selected: role.code === member.role }, role.label)));
  return [h("label", { for: id, class: "visually-hidden" }, `Rôle de ${who}`), select, " ", apply];
}

export async function teamView(main, me, onOwnRoleChanged) {
  const { members, roles } = await api.team();
  const status = h("p", { class: "form-status", role: "status" });
  const problem = h("p", { class: "error", role: "alert" });

  async function act(member, send, done) {
    status.textContent = "";
    problem.textContent = "";
    try {
      await send();
      if (member.is_self) {
        await onOwnRoleChanged();
        return;
      }
      await teamView(main, me, onOwnRoleChanged);
      main.querySelector(".form-status").textContent = done;
    } catch (failure) {
      problem.textContent = failure.message;
    }
  }

  const rows = members.map((member) => {
    const name = fullName(member) || member.email;
    const changeRole = (select) => {
      const role = roles.find((r) => r.code === select.value);
      act(member, () => api.changeMember(member.user_id, { role: select.value }),
        `${name} a désormais le rôle « ${role ? role.label : select.value} ».`).then(() => {
        if (problem.textContent) select.value = member.role;
      });
    };
    const active = member.status !== "deactivated";
    const actions = [
      member.status === "invited" ? h("button", { type: "button", class: "link-button",
        "aria-label": `Renvoyer l'invitation à ${name}`,
        onclick: () => act(member, () => api.resendInvitation(member.user_id),
          `Une nouvelle invitation a été envoyée à ${member.email}.`) }, "Renvoyer l'invitation") : null,
      member.is_self ? null : h("button", { type: "button", class: "link-button",
        "aria-label": `${active ? "Désactiver" : "Réactiver"} ${name}`,
        onclick: () => act(member, () => api.changeMember(member.user_id, { active: !active }),
          active ? `Accès de ${name} désactivé : ses sessions sont fermées.` : `Accès de ${name} rétabli.`) },
      active ? "Désactiver" : "Réactiver"),
    ].filter(Boolean);
    return h("tr", {},
      h("th", { scope: "row" }, name, member.is_self ? h("span", { class: "badge badge-self" }, "vous") : null),
      h("td", {}, member.email),
      h("td", {}, roleSelect(member, roles, changeRole)),
      h("td", {}, member.status_label),
      h("td", {}, member.invited_at ? frenchDateTime(member.invited_at) : "—",
        member.invited_by ? h("span", { class: "hint" }, ` par ${member.invited_by}`) : null),
      h("td", { class: "actions" }, actions.flatMap((action, i) => (i ? [" · ", action] : [action]))));
  });

  const email = textField("invite-email", "E-mail", { type: "email", autocomplete: "off", required: true });
  const first = textField("invite-first_name", "Prénom", { autocomplete: "off", required: true });
  const last = textField("invite-last_name", "Nom", { autocomplete: "off", required: true });
  const role = h("select", { id: "invite-role", name: "invite-role", "aria-describedby": "invite-role-error" },
    roles.map((r) => h("option", { value: r.code, selected: r.code === "lecture" }, r.label)));
  const inviteStatus = h("p", { class: "form-status", role: "status" });
  const send = h("button", { type: "submit", class: "primary" }, "Envoyer l'invitation");
  const invite = h("form", { class: "card form", novalidate: true, "aria-labelledby": "invite-title",
    onsubmit: async (event) => {
      event.preventDefault();
      inviteStatus.textContent = "";
      const body = { email: email.input.value.trim(), first_name: first.input.value.trim(),
        last_name: last.input.value.trim(), role: role.value };
      const missing = {};
      if (!body.email) missing.email = "Saisissez l'adresse e-mail.";
      if (!body.first_name) missing.first_name = "Saisissez le prénom.";
      if (!body.last_name) missing.last_name = "Saisissez le nom.";
      showFieldErrors(invite, missing, "invite-");
      if (Object.keys(missing).length) return;
      send.disabled = true;
      try {
        await api.invite(body);
        await teamView(main, me, onOwnRoleChanged);
        main.querySelector("#invite-status").textContent =
          `Invitation envoyée à ${body.email} : elle est valable 7 jours.`;
      } catch (failure) {
        inviteStatus.textContent = failure.message;
        showFieldErrors(invite, failure.fields, "invite-");
        send.disabled = false;
      }
    } },
  h("h2", { id: "invite-title" }, "Inviter un collaborateur"),
  h("p", { class: "hint" }, "Il recevra par e-mail un mot de passe provisoire, valable 7 jours, à changer à sa première connexion."),
  h("div", { class: "filter-fields" }, email.element, first.element, last.element,
    h("div", { class: "field" }, h("label", { for: "invite-role" }, "Rôle"), role,
      h("p", { id: "invite-role-error", class: "field-error" }))),
  send, inviteStatus);
  inviteStatus.id = "invite-status";

  show(main, h("h1", {}, "Équipe"),
    h("p", {}, `Les personnes qui ont accès au compte de votre agence, ${me.agency.name}.`),
    status, problem,
    h("div", { class: "table-wrap" }, h("table", { class: "entries team" },
      h("caption", { class: "visually-hidden" }, "Membres de l'équipe"),
      h("thead", {}, h("tr", {}, ["Nom", "E-mail", "Rôle", "Statut", "Invité le", "Actions"]
        .map((title) => h("th", { scope: "col" }, title)))),
      h("tbody", {}, rows))),
    invite,
    h("section", { "aria-labelledby": "roles-title" }, h("h2", { id: "roles-title" }, "Les rôles"),
      h("dl", { class: "facts" }, roles.flatMap((r) => [h("dt", {}, r.label), h("dd", {}, r.description)]))));
}

export async function activityView(main, me, params) {
  const [{ members }, firstPage] = await Promise.all([api.team(), api.activity(Object.fromEntries(params))]);
  const body = h("tbody");
  const status = h("p", { class: "status", role: "status" });
  let cursor = null;
  const more = h("button", { type: "button", class: "secondary", hidden: true, onclick: async () => {
    more.disabled = true;
    try {
      add(await api.activity({ ...Object.fromEntries(params), cursor }));
    } catch (failure) {
      status.textContent = failure.message;
    } finally {
      more.disabled = false;
    }
  } }, "Afficher plus");

  function add(page) {
    body.append(...page.events.map((event) => h("tr", {},
      h("td", {}, h("time", { datetime: event.at }, frenchDateTime(event.at))),
      h("td", {}, event.user_name),
      h("th", { scope: "row" }, event.action_label, event.detail ? h("span", { class: "hint" }, ` — ${event.detail}`) : null),
      h("td", {}, event.creditor ? event.creditor_name || creditorName(me, event.creditor) : "—"),
      h("td", {}, (event.documents || []).join(", ") || "—"))));
    cursor = page.next_cursor;
    more.hidden = !cursor;
    const count = body.children.length;
    table.hidden = count === 0;
    status.textContent = count ? `${count} événement(s) affiché(s)${cursor ? " — d'autres suivent" : ""}.`
      : "Aucun événement ne correspond à votre recherche.";
  }

  const person = h("select", { id: "activity-user", name: "user" }, h("option", { value: "" }, "Toutes"),
    members.map((m) => h("option", { value: m.user_id, selected: params.get("user") === m.user_id },
      fullName(m) || m.email)));
  const from = h("input", { id: "activity-from", name: "from", type: "date", value: params.get("from") || "" });
  const to = h("input", { id: "activity-to", name: "to", type: "date", value: params.get("to") || "" });
  const filters = h("form", { class: "filters", role: "search", "aria-label": "Filtrer le journal", onsubmit: (event) => {
    event.preventDefault();
    const chosen = new URLSearchParams();
    for (const [name, value] of new FormData(filters)) if (value) chosen.set(name, value);
    const query = chosen.toString();
    location.hash = query ? `#/journal?${query}` : "#/journal";
  } },
  h("div", { class: "filter-fields" },
    h("div", {}, h("label", { for: "activity-user" }, "Personne"), person),
    h("div", {}, h("label", { for: "activity-from" }, "Du"), from),
    h("div", {}, h("label", { for: "activity-to" }, "Au"), to)),
  h("div", { class: "filter-actions" }, h("button", { type: "submit", class: "primary" }, "Filtrer"),
    h("a", { class: "button-link", href: "#/journal" }, "Effacer les filtres")));

  const table = h("div", { class: "table-wrap" }, h("table", { class: "entries" },
    h("caption", { class: "visually-hidden" }, "Journal d'activité"),
    h("thead", {}, h("tr", {}, ["Date et heure", "Personne", "Action", "Créancier", "Documents"]
      .map((title) => h("th", { scope: "col" }, title)))),
    body));
  show(main, h("h1", {}, "Journal d'activité"),
    h("p", {}, `Ce que chaque personne de votre agence, ${me.agency.name}, a fait dans le portail, du plus récent au plus ancien.`),
    filters, status, table, more);
  add(firstPage);
}

export function financeInvitationView(main, me) {
  const status = h("p", { class: "form-status", role: "status" });
  const creditor = h("select", { id: "fi-creditor", name: "fi-creditor", "aria-describedby": "fi-creditor-error" },
    me.creditors.map((c) => h("option", { value: c.code }, c.name)));
  const agency = textField("fi-agency_id", "N° d'agence", { autocomplete: "off", spellcheck: "false",
    placeholder: "AG-1001", required: true });
  const email = textField("fi-email", "E-mail", { type: "email", autocomplete: "off", required: true });
  const first = textField("fi-first_name", "Prénom", { autocomplete: "off", required: true });
  const last = textField("fi-last_name", "Nom", { autocomplete: "off", required: true });
  const send = h("button", { type: "submit", class: "primary" }, "Envoyer l'invitation");
  const form = h("form", { class: "card form", novalidate: true, "aria-labelledby": "fi-title", onsubmit: async (event) => {
    event.preventDefault();
    status.textContent = "";
    const body = { creditor: creditor.value, agency_id: agency.input.value.trim(), email: email.input.value.trim(),
      first_name: first.input.value.trim(), last_name: last.input.value.trim() };
    const missing = {};
    for (const [name, message] of [["agency_id", "Saisissez le n° d'agence."], ["email", "Saisissez l'adresse e-mail."],
      ["first_name", "Saisissez le prénom."], ["last_name", "Saisissez le nom."]]) if (!body[name]) missing[name] = message;
    showFieldErrors(form, missing, "fi-");
    if (Object.keys(missing).length) return;
    send.disabled = true;
    try {
      await api.inviteFirstAdministrator(body);
      status.textContent = `Invitation envoyée à ${body.email}, administrateur de l'agence ${body.agency_id} : ` +
        "elle est valable 7 jours.";
      for (const field of [agency, email, first, last]) field.input.value = "";
    } catch (failure) {
      status.textContent = failure.status === 404
        ? "Aucun compte de cette agence chez ce créancier." : failure.message;
      showFieldErrors(form, failure.fields, "fi-");
    } finally {
      send.disabled = false;
    }
  } },
  h("h2", { id: "fi-title" }, "Invitation"),
  h("p", { class: "hint" }, "L'agence doit avoir un compte chez le créancier choisi. La personne invitée reçoit par ",
    "e-mail un mot de passe provisoire valable 7 jours ; elle pourra ensuite inviter ses collaborateurs."),
  h("div", { class: "field" }, h("label", { for: "fi-creditor" }, "Créancier"), creditor,
    h("p", { id: "fi-creditor-error", class: "field-error" })),
  agency.element, email.element, first.element, last.element, send, status);
  show(main, h("p", { class: "breadcrumb" }, h("a", { href: "#/finance" }, "Espace service financier")),
    h("h1", {}, "Inviter le premier administrateur d'une agence"), form);
}
