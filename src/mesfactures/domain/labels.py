"""The French labels of the codes the API answers with, served to the site with the signed-in user
(`GET /api/account/me`), so that no JavaScript words a status, a reason or a creditor's name itself."""

from __future__ import annotations

from typing import TypedDict

from mesfactures.domain.creditors import Creditor
from mesfactures.domain.disputes import DisputeReason, DisputeStatus
from mesfactures.domain.ledger import EntryType


class PortalLabels(TypedDict):
    """The French label of each code the API answers with (creditors, statement entry types, dispute statuses
    and reasons, the latter in the order to offer them): the site shows these, never words of its own."""

    creditors: dict[str, str]
    entry_types: dict[str, str]
    dispute_statuses: dict[str, str]
    dispute_reasons: dict[str, str]


def portal_labels(*, for_finance: bool = False) -> PortalLabels:
    """The labels as their reader reads them: a dispute waiting for the agency is "waiting for your answer"
    to the agency and "waiting for the agency" to finance."""
    return {
        "creditors": {creditor.value: creditor.display_name for creditor in Creditor},
        "entry_types": {kind.value: kind.label for kind in EntryType},
        "dispute_statuses": {
            status.value: status.finance_label if for_finance else status.label for status in DisputeStatus
        },
        "dispute_reasons": {reason.value: reason.label for reason in DisputeReason},
    }
