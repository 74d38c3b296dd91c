// The French labels of the codes the API answers with, as the server serves them with the signed-in user
// (GET /api/account/me, `labels`): no module words a status, a reason or a creditor's name itself.
// Forgotten with the user (learnLabels(null)).

const served = { creditors: {}, entry_types: {}, dispute_statuses: {}, dispute_reasons: {} };

export function learnLabels(labels) {
  for (const [kind, known] of Object.entries(served)) {
    for (const code of Object.keys(known)) delete known[code];
    Object.assign(known, (labels && labels[kind]) || {});
  }
}

// The label of one code (the code itself when the server named none).
export const label = (kind, code) => served[kind][code] ?? code ?? "";

// [code, label] pairs in the server's order (a select's options).
export const labelsOf = (kind) => Object.entries(served[kind]);

export const entryTypes = served.entry_types;
