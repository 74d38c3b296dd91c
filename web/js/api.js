// Calls to the portal's API, on the same origin. The session is an HttpOnly cookie the page never sees.
// A 401 on a call that needs a session means it expired or was revoked: the shell is told (onSessionLost).

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

let sessionLost = () => {};

export function onSessionLost(handler) {
  sessionLost = handler;
}

async function call(method, path, body, { signedOut = false } = {}) {
  const options = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(`/api/${path}`, options);
  } catch {
    throw new ApiError(0, "network", "Le service est injoignable. Vérifiez votre connexion et réessayez.");
  }
  if (response.status === 204) return null;
  const payload = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new ApiError(response.status, payload.code || "error",
      payload.message || "Une erreur est survenue. Réessayez plus tard.");
    error.fields = payload.fields || {};
    error.rules = payload.rules || [];
    if (response.status === 401 && !signedOut) sessionLost(error);
    throw error;
  }
  return payload;
}

const SIGNED_OUT = { signedOut: true }; // calls made before a session exists: their 401 is an answer

export const api = {
  logIn: (username, password) => call("POST", "account/session", { username, password }, SIGNED_OUT),
  newPassword: (session, password) =>
    call("POST", "account/session/new-password", { session, new_password: password }, SIGNED_OUT),
  totp: (session, code) => call("POST", "account/session/totp", { session, code }, SIGNED_OUT),
  totpSetup: (session, code) => call("POST", "account/session/totp/setup", { session, code }, SIGNED_OUT),
  passwordPolicy: () => call("GET", "account/password/policy", undefined, SIGNED_OUT),
  forgotPassword: (username) => call("POST", "account/password/forgot", { username }, SIGNED_OUT),
  resetPassword: (username, code, password) =>
    call("POST", "account/password/reset", { username, code, new_password: password }, SIGNED_OUT),
  logOut: () => call("DELETE", "account/session", undefined, SIGNED_OUT),
  changePassword: (current, password) => call("POST", "account/password", { current, new: password }),
  logOutEverywhere: () => call("DELETE", "account/sessions"),
  startOwnTotp: (password) => call("POST", "account/totp", { password }),
  finishOwnTotp: (session, code) => call("POST", "account/totp/verify", { session, code }),
  team: () => call("GET", "account/team"),
  invite: (body) => call("POST", "account/team/invitations", body),
  resendInvitation: (userId) => call("POST", `account/team/${encodeURIComponent(userId)}/invitation`),
  changeMember: (userId, body) => call("PATCH", `account/team/${encodeURIComponent(userId)}`, body),
  activity: (params) => call("GET", `account/activity?${new URLSearchParams(params)}`),
  inviteFirstAdministrator: (body) => call("POST", "account/finance/invitations", body),
  entries: (creditor, params) => call("GET", `statement/creditors/${creditor}/entries?${new URLSearchParams(params)}`),
  summary: (creditor) => call("GET", `statement/creditors/${creditor}/summary`),
  lifecycle: (creditor, number) =>
    call("GET", `statement/creditors/${creditor}/documents/${encodeURIComponent(number)}/lifecycle`),
  lifecycleStatuses: () => call("GET", "statement/lifecycle-statuses"),
  lifecycleMessages: (params) => call("GET", `payments/finance/lifecycle-messages?${new URLSearchParams(params)}`),
  me: () => call("GET", "account/me", undefined, SIGNED_OUT),
  disputes: (creditor) => call("GET", `disputes/creditors/${creditor}/disputes`),
  dispute: (creditor, id) => call("GET", `disputes/creditors/${creditor}/disputes/${encodeURIComponent(id)}`),
  openDispute: (creditor, body) => call("POST", `disputes/creditors/${creditor}/disputes`, body),
  commentDispute: (creditor, id, comment) =>
    call("POST", `disputes/creditors/${creditor}/disputes/${encodeURIComponent(id)}/comments`, { comment }),
  newAttachment: (creditor, file) => call("POST", `disputes/creditors/${creditor}/attachments`,
    { filename: file.name, content_type: file.type, size_bytes: file.size }),
  profile: (creditor) => call("GET", `account/creditors/${creditor}/profile`),
  sendProfile: (creditor, body) => call("POST", `account/creditors/${creditor}/profile/changes`, body),
  profileHistory: (creditor) => call("GET", `account/creditors/${creditor}/profile/changes`),
  contacts: (creditor) => call("GET", `account/creditors/${creditor}/contacts`),
  writeTo: (creditor, body) => call("POST", `account/creditors/${creditor}/messages`, body),
  bankChanges: (params) => call("GET", `account/finance/changes?${new URLSearchParams(params)}`),
  bankChange: (id) => call("GET", `account/finance/changes/${encodeURIComponent(id)}`),
  decideBankChange: (id, approve, comment) =>
    call("POST", `account/finance/changes/${encodeURIComponent(id)}/decision`, { approve, comment }),
  checkout: (creditor, numbers, credits = []) =>
    call("POST", `payments/creditors/${creditor}/checkout`, { invoice_numbers: numbers, credit_note_numbers: credits }),
  payment: (creditor, id) => call("GET", `payments/creditors/${creditor}/payments/${encodeURIComponent(id)}`),
  cancelPayment: (creditor, id) => call("DELETE", `payments/creditors/${creditor}/payments/${encodeURIComponent(id)}`),
  financeDisputes: (params) => call("GET", `disputes/finance/disputes?${new URLSearchParams(params)}`),
  financeDispute: (id) => call("GET", `disputes/finance/disputes/${encodeURIComponent(id)}`),
  moveDispute: (id, to, comment) =>
    call("POST", `disputes/finance/disputes/${encodeURIComponent(id)}/transitions`, { to, comment }),
};

export function documentUrl(creditor, number, disposition, format = "pdf") {
  const params = new URLSearchParams({ disposition, redirect: "true" });
  if (format !== "pdf") params.set("format", format);
  return `/api/statement/creditors/${creditor}/documents/${encodeURIComponent(number)}?${params}`;
}

export function exportUrl(creditor, params) {
  return `/api/statement/creditors/${creditor}/export.csv?${new URLSearchParams(params)}`;
}

// The relevé de compte of the view on screen: the same filters as its entries.
export function statementPdfUrl(creditor, params) {
  return `/api/statement/creditors/${creditor}/statement.pdf?${new URLSearchParams({ ...params, redirect: "true" })}`;
}

// Sends a file straight to the document store with the presigned URL the API gave for it.
export async function upload(ticket, file) {
  const response = await fetch(ticket.upload_url, { method: "PUT", body: file,
    headers: { "Content-Type": ticket.content_type } }).catch(() => null);
  if (!response || !response.ok) throw new ApiError(0, "upload", `L'envoi de « ${file.name} » a échoué. Réessayez.`);
}
