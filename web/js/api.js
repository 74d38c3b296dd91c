// Calls to the portal's API, on the same origin. The session is an HttpOnly cookie the page never sees.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function call(method, path, body) {
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
    throw error;
  }
  return payload;
}

export const api = {
  logIn: (username, password) => call("POST", "account/session", { username, password }),
  logOut: () => call("DELETE", "account/session"),
  entries: (creditor, params) => call("GET", `statement/creditors/${creditor}/entries?${new URLSearchParams(params)}`),
  summary: (creditor) => call("GET", `statement/creditors/${creditor}/summary`),
  me: () => call("GET", "account/me"),
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
  financeDisputes: (params) => call("GET", `disputes/finance/disputes?${new URLSearchParams(params)}`),
  financeDispute: (id) => call("GET", `disputes/finance/disputes/${encodeURIComponent(id)}`),
  moveDispute: (id, to, comment) =>
    call("POST", `disputes/finance/disputes/${encodeURIComponent(id)}/transitions`, { to, comment }),
};

export function documentUrl(creditor, number, disposition) {
  const params = new URLSearchParams({ disposition, redirect: "true" });
  return `/api/statement/creditors/${creditor}/documents/${encodeURIComponent(number)}?${params}`;
}

export function exportUrl(creditor, params) {
  return `/api/statement/creditors/${creditor}/export.csv?${new URLSearchParams(params)}`;
}

// Sends a file straight to the document store with the presigned URL the API gave for it.
export async function upload(ticket, file) {
  const response = await fetch(ticket.upload_url, { method: "PUT", body: file,
    headers: { "Content-Type": ticket.content_type } }).catch(() => null);
  if (!response || !response.ok) throw new ApiError(0, "upload", `L'envoi de « ${file.name} » a échoué. Réessayez.`);
}
