// Accès au service: signing in and the steps Cognito may ask for before a session is given (a first
// password chosen in place of the temporary one, a TOTP code, the set-up of an authenticator app), and the
// forgotten password (a code received by e-mail, then a new password).

import { api } from "./api.js";
import { h, show } from "./dom.js";

function focusTitle(main) {
  const heading = main.querySelector("h1");
  if (heading) {
    heading.setAttribute("tabindex", "-1");
    heading.focus();
  }
}

function screen(main, ...children) {
  show(main, h("div", { class: "card login" }, ...children));
  focusTitle(main);
}

// The next step of a sign-in: the session (201, no challenge) or the challenge the server asks for.
function next(main, answer, context) {
  if (!answer || !answer.challenge) return context.onSignedIn();
  if (answer.challenge === "new_password") return newPasswordView(main, answer.session, context);
  if (answer.challenge === "totp") return codeView(main, answer.session, context);
  if (answer.challenge === "totp_setup") return totpSetupView(main, answer, context);
  return restart(main, context, "Cette étape de connexion n'est pas prise en charge par le site. Contactez le support.");
}

// An expired or already answered step (401 challenge_expired): the sign-in again, with the server's words.
function restart(main, context, message) {
  signInView(main, { ...context, notice: null, error: message });
  focusTitle(main);
}

function failed(main, context, failure) {
  if (failure.status === 401) {
    restart(main, context, failure.message);
    return true;
  }
  return false;
}

export function signInView(main, { notice, error: message, username: known, onSignedIn }) {
  const error = h("p", { id: "login-error", class: "error", role: "alert" }, message || "");
  const username = h("input", { id: "username", name: "username", type: "email", autocomplete: "username",
    required: true, value: known || "", "aria-describedby": "login-error" });
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
      const answer = await api.logIn(username.value, password.value);
      await next(main, answer, { onSignedIn, username: username.value });
    } catch (failure) {
      error.textContent = failure.message;
      password.value = "";
      password.focus();
    } finally {
      submit.disabled = false;
    }
  } },
  h("h1", {}, "Accès au service « Mes Factures »"),
  notice ? h("p", { class: "notice", role: "status" }, notice) : null,
  h("p", {}, "Consultez votre compte, vos factures et vos règlements auprès de vos créanciers."),
  h("label", { for: "username" }, "Identifiant (adresse e-mail)"), username,
  h("label", { for: "password" }, "Mot de passe"), password,
  error, submit,
  h("p", { class: "login-help" }, h("a", { href: "#/mot-de-passe-oublie" }, "Mot de passe oublié ?")));
  show(main, form);
}

async function newPasswordView(main, session, context) {
  const { newPasswordField } = await import("./password.js");
  const field = newPasswordField({ id: "new-password", label: "Nouveau mot de passe" });
  const submit = h("button", { type: "submit", class: "primary" }, "Enregistrer et me connecter");
  const form = h("form", { novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    if (!field.complies()) return;
    submit.disabled = true;
    try {
      await next(main, await api.newPassword(session, field.input.value), context);
    } catch (failure) {
      if (!failed(main, context, failure)) field.refuse(failure.message, failure.rules);
    } finally {
      submit.disabled = false;
    }
  } }, field.element, submit);
  screen(main, h("h1", {}, "Choisissez votre mot de passe"),
    h("p", {}, "C'est votre première connexion : remplacez le mot de passe provisoire reçu par e-mail par un ",
      "mot de passe que vous seul connaissez."),
    form);
}

function codeField() {
  const input = h("input", { id: "code", name: "code", inputmode: "numeric", autocomplete: "one-time-code",
    maxlength: "6", pattern: "[0-9]{6}", required: true, spellcheck: "false", "aria-describedby": "code-help code-error" });
  const error = h("p", { id: "code-error", class: "field-error", role: "alert" });
  return {
    input,
    elements: [h("label", { for: "code" }, "Code à 6 chiffres"), input,
      h("p", { id: "code-help", class: "hint" }, "Le code change toutes les 30 secondes : saisissez celui affiché."), error],
    valid() {
      input.value = input.value.replace(/\s/g, "");
      if (/^[0-9]{6}$/.test(input.value)) return true;
      this.refuse("Saisissez le code à 6 chiffres.");
      return false;
    },
    refuse(message) {
      error.textContent = message;
      input.setAttribute("aria-invalid", "true");
      input.select();
      input.focus();
    },
  };
}

function codeForm(main, context, send, label) {
  const code = codeField();
  const submit = h("button", { type: "submit", class: "primary" }, label);
  return h("form", { novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    if (!code.valid()) return;
    submit.disabled = true;
    try {
      await next(main, await send(code.input.value), context);
    } catch (failure) {
      if (!failed(main, context, failure)) code.refuse(failure.message);
    } finally {
      submit.disabled = false;
    }
  } }, ...code.elements, submit);
}

function codeView(main, session, context) {
  screen(main, h("h1", {}, "Code de vérification"),
    h("p", {}, "Ouvrez votre application d'authentification et saisissez le code à 6 chiffres de « Mes Factures »."),
    codeForm(main, context, (code) => api.totp(session, code), "Valider"));
}

function totpSetupView(main, challenge, context) {
  const figure = h("figure", { class: "qr-figure" }, h("p", { class: "status" }, "Chargement du QR code…"));
  import("./qr.js").then(({ qrSvg }) => {
    figure.replaceChildren(qrSvg(challenge.otpauth_uri, "QR code à scanner avec votre application d'authentification"));
  }).catch(() => {
    figure.replaceChildren(h("p", { class: "status" }, "Le QR code n'a pas pu être affiché : saisissez la clé ci-dessous."));
  });
  const grouped = challenge.secret.replace(/(.{4})(?=.)/g, "$1 ");
  screen(main, h("h1", {}, "Activez la double authentification"),
    h("p", {}, "Votre espace est protégé par un second facteur : à chaque connexion, en plus du mot de passe, ",
      "un code à 6 chiffres produit par une application sur votre téléphone."),
    h("ol", { class: "steps" },
      h("li", {}, "Installez une application d'authentification (par exemple FreeOTP, Google Authenticator ou ",
        "Microsoft Authenticator)."),
      h("li", {}, "Ajoutez-y un compte en scannant ce QR code :", figure,
        h("p", {}, "ou, si vous ne pouvez pas scanner, en saisissant cette clé : ",
          h("code", { class: "secret" }, grouped))),
      h("li", {}, "Saisissez le code à 6 chiffres que l'application affiche pour « Mes Factures » :",
        codeForm(main, context, (code) => api.totpSetup(challenge.session, code), "Activer et me connecter"))));
}

export function forgotView(main, { onDone }) {
  const error = h("p", { id: "forgot-error", class: "error", role: "alert" });
  const username = h("input", { id: "forgot-username", name: "username", type: "email", autocomplete: "username",
    required: true, "aria-describedby": "forgot-error" });
  const submit = h("button", { type: "submit", class: "primary" }, "Recevoir un code");
  const back = h("p", { class: "login-help" }, h("a", { href: "#/connexion" }, "Revenir à la connexion"));
  const form = h("form", { novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    if (!username.value.trim()) {
      error.textContent = "Saisissez votre identifiant (votre adresse e-mail).";
      username.focus();
      return;
    }
    submit.disabled = true;
    try {
      await api.forgotPassword(username.value.trim());
      await resetView(main, username.value.trim(), onDone);
    } catch (failure) {
      error.textContent = failure.message;
      submit.disabled = false;
    }
  } },
  h("label", { for: "forgot-username" }, "Identifiant (adresse e-mail)"), username, error, submit);
  screen(main, h("h1", {}, "Mot de passe oublié"),
    h("p", {}, "Saisissez votre identifiant : vous recevrez par e-mail un code pour choisir un nouveau mot de passe."),
    form, back);
}

async function resetView(main, username, onDone) {
  const { newPasswordField } = await import("./password.js");
  const sent = h("p", { class: "notice", role: "status" },
    "Si un compte existe pour cet identifiant, un code vient d'être envoyé par e-mail.");
  const error = h("p", { class: "error", role: "alert" });
  const code = codeField();
  code.elements[0].textContent = "Code reçu par e-mail";
  code.elements[2].textContent = `Le code à 6 chiffres envoyé à ${username}, s'il s'agit bien de votre identifiant.`;
  const field = newPasswordField({ id: "reset-password", label: "Nouveau mot de passe" });
  const submit = h("button", { type: "submit", class: "primary" }, "Changer le mot de passe");
  const again = h("button", { type: "button", class: "link-button", onclick: async () => {
    error.textContent = "";
    try {
      await api.forgotPassword(username);
      sent.textContent = "Si un compte existe pour cet identifiant, un nouveau code vient d'être envoyé par e-mail.";
    } catch (failure) {
      error.textContent = failure.message;
    }
  } }, "Recevoir un nouveau code");
  const form = h("form", { novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    error.textContent = "";
    if (!code.valid() || !field.complies()) return;
    submit.disabled = true;
    try {
      await api.resetPassword(username, code.input.value, field.input.value);
      onDone("Votre mot de passe a été changé. Connectez-vous avec votre nouveau mot de passe.", username);
    } catch (failure) {
      if (failure.code === "invalid_password") field.refuse(failure.message, failure.rules);
      else if (failure.code === "invalid_code") code.refuse(failure.message);
      else error.textContent = failure.message;
      submit.disabled = false;
    }
  } }, ...code.elements, field.element, error, submit);
  screen(main, h("h1", {}, "Choisissez un nouveau mot de passe"), sent, form,
    h("p", { class: "login-help" }, again, " · ", h("a", { href: "#/connexion" }, "Revenir à la connexion")));
}
