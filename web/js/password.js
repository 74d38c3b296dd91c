// A new password's field: the pool's policy (served by the account service) shown before typing, each
// rule ticked as it is met, and the rules the server found broken shown in its own words.

import { api } from "./api.js";
import { h } from "./dom.js";

// How the site can tell, while typing, that a rule of the policy is met; a rule it does not know is
// shown without a tick and left to the server.
const CHECKS = {
  length: (value, policy) => [...value].length >= policy.min_length,
  lowercase: (value) => /[a-z]/.test(value),
  uppercase: (value) => /[A-Z]/.test(value),
  digit: (value) => /[0-9]/.test(value),
  // Cognito's list of special characters (an accented letter is not one).
  symbol: (value) => /[\^$*.[\]{}()?"!@#%&/\\,><':;|_~`=+-]/.test(value),
};

let policyAsked = null; // public and the same for everyone: asked once per page load

function policy() {
  policyAsked ??= api.passwordPolicy().catch((failure) => {
    policyAsked = null;
    throw failure;
  });
  return policyAsked;
}

export function newPasswordField({ id, label }) {
  const input = h("input", { id, name: id, type: "password", autocomplete: "new-password", required: true,
    "aria-describedby": `${id}-rules-title ${id}-rules ${id}-error` });
  const list = h("ul", { id: `${id}-rules`, class: "rules", "aria-labelledby": `${id}-rules-title` },
    h("li", {}, "Chargement des règles…"));
  const error = h("p", { id: `${id}-error`, class: "field-error", role: "alert" });
  const reveal = h("input", { id: `${id}-reveal`, type: "checkbox", onchange: (event) => {
    input.type = event.target.checked ? "text" : "password";
  } });
  let known = null;
  let shownBroken = [];

  const met = (rule) => CHECKS[rule.code] ? CHECKS[rule.code](input.value, known) : null;

  function render() {
    if (!known) return;
    const labels = known.rules.map((rule) => rule.label);
    const extra = shownBroken.filter((message) => !labels.includes(message));
    list.replaceChildren(...known.rules.map((rule) => {
      const ok = met(rule);
      const broken = shownBroken.includes(rule.label) && !ok;
      const state = ok ? "met" : broken ? "broken" : "pending";
      return h("li", { class: `rule rule-${state}` },
        h("span", { class: "rule-mark", "aria-hidden": "true" }, ok ? "✓" : broken ? "✗" : "○"),
        rule.label,
        h("span", { class: "visually-hidden" }, ok ? " : respectée" : broken ? " : non respectée" : " : pas encore respectée"));
    }), ...extra.map((message) => h("li", { class: "rule rule-broken" },
      h("span", { class: "rule-mark", "aria-hidden": "true" }, "✗"), message)));
  }

  policy().then((answer) => {
    known = answer;
    render();
  }).catch(() => {
    list.replaceChildren(h("li", {}, "Les règles n'ont pas pu être chargées : elles vous seront indiquées à l'envoi."));
  });
  input.addEventListener("input", () => {
    error.textContent = "";
    input.removeAttribute("aria-invalid");
    render();
  });

  return {
    input,
    element: h("div", { class: "field new-password" },
      h("label", { for: id }, label), input,
      h("p", { id: `${id}-rules-title`, class: "hint" }, "Votre mot de passe doit comporter :"), list,
      h("label", { class: "choice", for: `${id}-reveal` }, reveal, "Afficher le mot de passe"),
      error),
    // Before sending: the rules the site can check. False (and said) when one is not met.
    complies() {
      if (!known) return true;
      const unmet = known.rules.filter((rule) => met(rule) === false).map((rule) => rule.label);
      if (!unmet.length) return true;
      this.refuse("Ce mot de passe ne respecte pas toutes les règles ci-dessus.", unmet);
      return false;
    },
    // The server's answer: its message, and the rules it found broken (400 invalid_password).
    refuse(message, rules = []) {
      shownBroken = rules;
      render();
      error.textContent = message;
      input.setAttribute("aria-invalid", "true");
      input.focus();
    },
    clear() {
      input.value = "";
      shownBroken = [];
      error.textContent = "";
      input.removeAttribute("aria-invalid");
      render();
    },
  };
}
