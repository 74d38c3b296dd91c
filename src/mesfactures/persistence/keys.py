"""Every key of the single table is built here, and only here: no caller concatenates '#'.

See docs/access-patterns.md for the pattern each key serves.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date

from mesfactures.domain.creditors import Creditor

_SAFE_PART = re.compile(r"^[A-Za-z0-9_.:\-]{1,64}$")

AGENCY_SK = "AGENCY"
CREDITOR_SK = "CREDITOR"
PROFILE_SK = "PROFILE"
DOCUMENT_PREFIX = "DOC#"
DISPUTE_PREFIX = "DISPUTE#"
CHANGE_PREFIX = "CHANGE#"


def _part(value: str) -> str:
    if not _SAFE_PART.match(value):
        raise ValueError(f"not a safe key part: {value!r}")
    return value


def agency_pk(agency_id: str) -> str:
    return f"AGENCY#{_part(agency_id)}"


def creditor_pk(creditor: Creditor) -> str:
    return f"CREDITOR#{creditor.value}"


def account_pk(agency_id: str, creditor: Creditor) -> str:
    """The partition of one agency's account with one creditor: its entries, profile and disputes."""
    return f"ACCOUNT#{_part(agency_id)}#{creditor.value}"


def document_sk(number: str) -> str:
    return f"{DOCUMENT_PREFIX}{_part(number)}"


def document_sk_prefix(number_prefix: str) -> str:
    return f"{DOCUMENT_PREFIX}{_part(number_prefix)}"


def by_date_range(date_from: date, date_to: date) -> tuple[str, str]:
    """Bounds of the by-date index for a range of issue dates, both days included."""
    return date_from.isoformat(), f"{date_to.isoformat()}#~"


def by_date_sk(issued_on: date, number: str) -> str:
    """Sort key of the by-date index: entries in date order, ties broken by number."""
    return f"{issued_on.isoformat()}#{_part(number)}"


def open_item_sk(due_on: date, number: str) -> str:
    """Sort key of the sparse open-items index: set only while an invoice or a credit is still open."""
    return f"{due_on.isoformat()}#{_part(number)}"


def dispute_sk(dispute_id: str) -> str:
    """A dispute's sort key in its account, and its `ID_KEY` in the `by_id` index (finance reads by id)."""
    return f"{DISPUTE_PREFIX}{_part(dispute_id)}"


def dispute_event_sk(dispute_id: str, event_id: str) -> str:
    """Events sort right after their dispute: one Query on the dispute's prefix reads both."""
    return f"{dispute_sk(dispute_id)}#EVENT#{_part(event_id)}"


def finance_pk(creditor: Creditor) -> str:
    return f"DISPUTES#{creditor.value}"


def finance_sk(status: str, at: str, item_id: str) -> str:
    """Sort key of the `finance` index (disputes by opening, bank changes by request): status, then time."""
    return f"{finance_status_prefix(status)}{at}#{_part(item_id)}"


def finance_status_prefix(status: str) -> str:
    """The `finance` index's sort keys of one status (begins_with)."""
    return f"{_part(status)}#"


def outbox_pk(message_id: str) -> str:
    return f"OUTBOX#{_part(message_id)}"


OUTBOX_SK = "OUTBOX"


def payment_sk(payment_id: str) -> str:
    return f"PAYMENT#{_part(payment_id)}"


def stripe_event_pk(event_id: str) -> str:
    return f"STRIPE_EVENT#{_part(event_id)}"


EVENT_SK = "EVENT"


def payment_intent_key(payment_intent: str) -> str:
    """The `by_id` index key of a settled payment: a refund names only Stripe's PaymentIntent."""
    return f"PI#{_part(payment_intent)}"


def change_sk(change_id: str) -> str:
    """A change request's sort key in its account, and its `ID_KEY` in the `by_id` index."""
    return f"{CHANGE_PREFIX}{_part(change_id)}"


def bank_changes_pk(creditor: Creditor) -> str:
    return f"CHANGES#{creditor.value}"


def rate_limit_pk(user_id: str) -> str:
    return f"RATE#{_part(user_id)}"


def rate_limit_sk(action: str, window: str) -> str:
    return f"{_part(action)}#{_part(window)}"


SESSION_SK = "SESSION"


def signed_out_everywhere_pk(user_id: str) -> str:
    return f"SIGNEDOUT#{_part(user_id)}"


def revoked_session_pk(fingerprint: str) -> str:
    """A signed-out session, by the fingerprint of its token (never the token itself)."""
    return f"REVOKED#{_part(fingerprint)}"


MEMBER_PREFIX = "USER#"


def member_sk(user_id: str) -> str:
    """A member sorts under its agency's partition: one Query lists the team."""
    return f"{MEMBER_PREFIX}{_part(user_id)}"


def activity_pk(agency_id: str) -> str:
    return f"ACTIVITY#{_part(agency_id)}"


def activity_sk(stamp: str, activity_id: str) -> str:
    """Journal lines in time order (`stamp` is UTC, fixed width), ties broken by id."""
    return f"{_part(stamp)}#{_part(activity_id)}"


def activity_range(day_from: date, day_to: date) -> tuple[str, str]:
    """Bounds of the journal's sort key for a range of UTC days, both included."""
    return day_from.isoformat(), f"{day_to.isoformat()}~"


def activity_of_person(agency_id: str, user_id: str) -> str:
    """The `by_id` index key of one person's journal lines (same sort key as the journal)."""
    return f"ACTIVITY#{_part(agency_id)}#{_part(user_id)}"


def pending_sign_in_pk(fingerprint: str) -> str:
    return f"SIGNIN#{_part(fingerprint)}"


PENDING_SIGN_IN_SK = "SIGNIN"
IMPORT_SK = "PROGRESS"


def import_pk(file_key: str, version: str) -> str:
    """The checkpoint of one version of one ERP file: a digest, since the file's key is the ERP's text."""
    digest = hashlib.sha256(f"{file_key}\n{version}".encode()).hexdigest()[:40]
    return f"IMPORT#{digest}"


IMPORT_LEASE_SK = "LEASE"


def import_lease_pk(creditor: Creditor) -> str:
    """Who writes a creditor's new documents without a condition, and until when (persistence/imports.py)."""
    return f"IMPORT_LEASE#{creditor.value}"


LIFECYCLE_PREFIX = "LIFECYCLE#"


def lifecycle_event_sk(number: str, at: str, message_id: str) -> str:
    """A line of a document's lifecycle history: beside its entry, in date order (`at` is UTC, fixed
    width), ties broken by the message's id. One Query on the document's prefix reads the history."""
    return f"{LIFECYCLE_PREFIX}{_part(number)}#{_part(at)}#{_part(message_id)}"


def lifecycle_history_prefix(number: str) -> str:
    return f"{LIFECYCLE_PREFIX}{_part(number)}#"


def status_message_pk(message_id: str) -> str:
    """A status message the portal reports to a creditor's platform (an outbound CDAR)."""
    return f"CDAR_OUT#{_part(message_id)}"


STATUS_MESSAGE_SK = "CDAR_OUT"


def status_messages_pk(creditor: Creditor) -> str:
    """The `finance` index key of a creditor's outbound status messages, newest last."""
    return f"CDAR_OUT#{creditor.value}"


def status_message_finance_sk(created_at: str, message_id: str) -> str:
    return f"{_part(created_at)}#{_part(message_id)}"
