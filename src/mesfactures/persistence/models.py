"""The pynamodb models of the single ledger table: one base model, one subclass per entity.

The table's key schema and indexes are declared once, here; `infra/` and the local stack create the table
from these models, and a test checks that they agree.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    DiscriminatorAttribute,
    JSONAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    VersionAttribute,
)
from pynamodb.connection import Connection
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, LocalSecondaryIndex
from pynamodb.models import Model

DEFAULT_TABLE_NAME = "mesfactures-ledger"


class ByDateIndex(LocalSecondaryIndex["LedgerItem"]):
    """An account's entries in date order (the statement's 'all entries' view)."""

    class Meta:
        index_name = "by_date"
        projection = AllProjection()

    pk = UnicodeAttribute(hash_key=True, attr_name="PK")
    by_date = UnicodeAttribute(range_key=True, attr_name="BY_DATE")


class OpenItemsIndex(LocalSecondaryIndex["LedgerItem"]):
    """Sparse: an account's invoices and credits still open, by due date (the statement's default view)."""

    class Meta:
        index_name = "open_items"
        projection = AllProjection()

    pk = UnicodeAttribute(hash_key=True, attr_name="PK")
    open_sk = UnicodeAttribute(range_key=True, attr_name="OPEN_SK")


class FinanceIndex(GlobalSecondaryIndex["LedgerItem"]):
    """Disputes of one creditor, by status then date: the finance team's work list."""

    class Meta:
        index_name = "finance"
        projection = AllProjection()

    finance_pk = UnicodeAttribute(hash_key=True, attr_name="FINANCE_PK")
    finance_sk = UnicodeAttribute(range_key=True, attr_name="FINANCE_SK")


class ByIdIndex(GlobalSecondaryIndex["LedgerItem"]):
    """An item (a dispute with its history, a change request) by its id alone: the finance team works
    across agencies and does not know, from an id, which account it belongs to."""

    class Meta:
        index_name = "by_id"
        projection = AllProjection()

    id_key = UnicodeAttribute(hash_key=True, attr_name="ID_KEY")
    sk = UnicodeAttribute(range_key=True, attr_name="SK")


class LedgerItem(Model):
    """The table. An entity that expires keeps its expiry in `expires_at = TTLAttribute(attr_name="TTL")`
    (an aware datetime in Python, epoch seconds in DynamoDB): infra/ enables the table's TTL on the one
    `TTLAttribute` the models declare; a plain number there would never be expired."""

    class Meta:
        table_name = DEFAULT_TABLE_NAME
        billing_mode = "PAY_PER_REQUEST"
        stream_view_type = "NEW_AND_OLD_IMAGES"

    pk = UnicodeAttribute(hash_key=True, attr_name="PK")
    sk = UnicodeAttribute(range_key=True, attr_name="SK")
    kind = DiscriminatorAttribute(attr_name="kind")
    by_date = UnicodeAttribute(null=True, attr_name="BY_DATE")
    open_sk = UnicodeAttribute(null=True, attr_name="OPEN_SK")
    finance_pk = UnicodeAttribute(null=True, attr_name="FINANCE_PK")
    finance_sk = UnicodeAttribute(null=True, attr_name="FINANCE_SK")
    id_key = UnicodeAttribute(null=True, attr_name="ID_KEY")

    by_date_index = ByDateIndex()
    open_items_index = OpenItemsIndex()
    finance_index = FinanceIndex()
    by_id_index = ByIdIndex()


def bind_table(table_name: str) -> None:
    """Points every model at the deployment's table; the composition root calls it before first use."""
    LedgerItem.Meta.table_name = table_name


def table_connection() -> Connection:
    """The one connection (and botocore client) of every model and transaction, made on first call.

    pynamodb caches a connection per model class, on the first class used: when LedgerItem's is made
    first, its subclasses share it; otherwise each entity made its own client, reading DynamoDB's service
    model again (~15 ms at a cold start, and twice at once on a first request whose session read runs on
    another thread). The client is built here, before any thread needs it, reads DynamoDB's answers as
    sent and writes its requests as given (persistence/wire.py)."""
    connection = LedgerItem._get_connection().connection
    if connection._client is None:
        from mesfactures.persistence.wire import AsGivenSerializer, AsSentParsers

        connection.session.register_component("response_parser_factory", AsSentParsers())
        client: Any = connection.client
        client._serializer = AsGivenSerializer(client._serializer)
    _ = connection.client
    return connection


class PostalAddress(MapAttribute[str, Any]):
    street = UnicodeAttribute()
    postal_code = UnicodeAttribute()
    city = UnicodeAttribute()
    country = UnicodeAttribute()


class ServiceContactMap(MapAttribute[str, Any]):
    name = UnicodeAttribute()
    address = PostalAddress()
    phone = UnicodeAttribute()
    email = UnicodeAttribute()
    hours = UnicodeAttribute()


class CreditorItem(LedgerItem, discriminator="creditor"):
    code = UnicodeAttribute()
    legal_name = UnicodeAttribute()
    legal_form = UnicodeAttribute()
    siren = UnicodeAttribute()
    vat_number = UnicodeAttribute()
    address = PostalAddress()
    after_sales = ServiceContactMap()
    collections = ServiceContactMap()
    finance_email = UnicodeAttribute()
    siret = UnicodeAttribute(null=True)
    rcs = UnicodeAttribute(null=True)
    electronic_address = UnicodeAttribute(null=True)
    vat_on_debits = BooleanAttribute(null=True)


class AgencyItem(LedgerItem, discriminator="agency"):
    agency_id = UnicodeAttribute()
    name = UnicodeAttribute()
    creditors = ListAttribute(of=UnicodeAttribute)
    # Active administrators: a transaction changes it with the member, on a condition that keeps it >= 1.
    active_admins = NumberAttribute(null=True)


class MemberItem(LedgerItem, discriminator="member"):
    """A person of an agency's team (their credentials live in Cognito, never here)."""

    user_id = UnicodeAttribute()
    agency_id = UnicodeAttribute()
    email = UnicodeAttribute()
    first_name = UnicodeAttribute()
    last_name = UnicodeAttribute()
    role = UnicodeAttribute()
    active = BooleanAttribute()
    signed_in_once = BooleanAttribute(default=False)
    invited_at = UnicodeAttribute()
    invited_by = UnicodeAttribute()
    signed_out_before = NumberAttribute(null=True)


class ActivityItem(LedgerItem, discriminator="activity"):
    """One line of an agency's activity journal, written in the transaction of the action it records."""

    activity_id = UnicodeAttribute()
    agency_id = UnicodeAttribute()
    at = UnicodeAttribute()
    user_id = UnicodeAttribute()
    user_name = UnicodeAttribute()
    action = UnicodeAttribute()
    creditor = UnicodeAttribute(null=True)
    documents = ListAttribute(of=UnicodeAttribute, null=True)
    detail = UnicodeAttribute(null=True)


class PendingSignInItem(LedgerItem, discriminator="pending_sign_in"):
    """A sign-in halfway through a challenge, by the SHA-256 of the handle the browser holds: Cognito's
    session (and, for a TOTP set-up, the tokens it already gave) for five minutes. Never a password or a
    code."""

    username = UnicodeAttribute()
    challenge = UnicodeAttribute()
    cognito_session = UnicodeAttribute(null=True)
    id_token = UnicodeAttribute(null=True)
    access_token = UnicodeAttribute(null=True)
    expires_at = TTLAttribute(attr_name="TTL")


class ContactMap(MapAttribute[str, Any]):
    last_name = UnicodeAttribute()
    first_name = UnicodeAttribute()
    role = UnicodeAttribute()


class BillingMap(MapAttribute[str, Any]):
    address = PostalAddress()
    phone = UnicodeAttribute()
    fax = UnicodeAttribute(null=True)
    email = UnicodeAttribute()


class BankMap(MapAttribute[str, Any]):
    holder = UnicodeAttribute()
    bank_name = UnicodeAttribute()
    bic = UnicodeAttribute()
    iban = UnicodeAttribute()


class ProfileItem(LedgerItem, discriminator="profile"):
    """An agency's account details with one creditor (Informations compte)."""

    agency_id = UnicodeAttribute()
    creditor = UnicodeAttribute()
    account_number = UnicodeAttribute()
    legal_name = UnicodeAttribute()
    main_contact = ContactMap()
    billing = BillingMap()
    bank = BankMap()
    version = VersionAttribute()
    pending_bank = BankMap(null=True)
    pending_change_id = UnicodeAttribute(null=True)
    pending_requested_at = UnicodeAttribute(null=True)
    pending_requested_by = UnicodeAttribute(null=True)
    # The agency as a buyer of e-invoices (issue 14); absent on profiles written before.
    buyer_siren = UnicodeAttribute(null=True)
    buyer_vat_number = UnicodeAttribute(null=True)
    buyer_electronic_address = UnicodeAttribute(null=True)


class ProfileChangeItem(LedgerItem, discriminator="profile_change"):
    change_id = UnicodeAttribute()
    agency_id = UnicodeAttribute()
    creditor = UnicodeAttribute()
    change_kind = UnicodeAttribute()
    status = UnicodeAttribute()
    requested_by = UnicodeAttribute()
    requested_at = UnicodeAttribute()
    before = JSONAttribute()
    after = JSONAttribute()
    decided_by = UnicodeAttribute(null=True)
    decided_at = UnicodeAttribute(null=True)
    decision_comment = UnicodeAttribute(null=True)
    agency_name = UnicodeAttribute(null=True)


class RateLimitItem(LedgerItem, discriminator="rate_limit"):
    hits = NumberAttribute(default=0)
    expires_at = TTLAttribute(null=True, attr_name="TTL")


class SignedOutEverywhereItem(LedgerItem, discriminator="signed_out_everywhere"):
    """A person without a member item (finance) who signed out of every device: tokens issued until then
    are refused."""

    signed_out_before = NumberAttribute()


class RevokedSessionItem(LedgerItem, discriminator="revoked_session"):
    """A token signed out before its expiry: refused until then, forgotten after (TTL)."""

    revoked_at = UnicodeAttribute()
    expires_at = TTLAttribute(attr_name="TTL")


class LineMap(MapAttribute[str, Any]):
    label = UnicodeAttribute()
    quantity = NumberAttribute()
    unit_net_cents = NumberAttribute()
    vat_rate_basis_points = NumberAttribute()


class EntryItem(LedgerItem, discriminator="entry"):
    entry_id = UnicodeAttribute()
    agency_id = UnicodeAttribute()
    creditor = UnicodeAttribute()
    entry_type = UnicodeAttribute()
    number = UnicodeAttribute()
    issued_on = UnicodeAttribute()
    due_on = UnicodeAttribute(null=True)
    label = UnicodeAttribute()
    currency = UnicodeAttribute()
    amount_cents = NumberAttribute()
    balance_cents = NumberAttribute()
    status = UnicodeAttribute()
    lines = ListAttribute(of=LineMap, null=True)
    settles = ListAttribute(of=UnicodeAttribute, null=True)
    document_key = UnicodeAttribute(null=True)
    erp_version = NumberAttribute(default=1)
    dispute_id = UnicodeAttribute(null=True)
    payment_lock = UnicodeAttribute(null=True)
    payment_lock_until = NumberAttribute(null=True)
    # The current lifecycle status (absent: "Déposée" on the date of issue) and the stamp of the message
    # that set it (date then id): a message is applied only if its stamp is later (a condition).
    lifecycle_code = NumberAttribute(null=True)
    lifecycle_at = UnicodeAttribute(null=True)
    lifecycle_stamp = UnicodeAttribute(null=True)


class PaidInvoiceMap(MapAttribute[str, Any]):
    number = UnicodeAttribute()
    amount_cents = NumberAttribute()


class PaymentItem(LedgerItem, discriminator="payment"):
    payment_id = UnicodeAttribute()
    agency_id = UnicodeAttribute()
    creditor = UnicodeAttribute()
    payer = UnicodeAttribute()
    invoices = ListAttribute(of=PaidInvoiceMap)
    currency = UnicodeAttribute()
    status = UnicodeAttribute()
    created_at = UnicodeAttribute()
    checkout_session_id = UnicodeAttribute(null=True)
    checkout_url = UnicodeAttribute(null=True)
    settled_at = UnicodeAttribute(null=True)
    credits = ListAttribute(of=PaidInvoiceMap, null=True)
    payment_intent = UnicodeAttribute(null=True)
    payer_name = UnicodeAttribute(null=True)


class ProcessedEventItem(LedgerItem, discriminator="stripe_event"):
    """A Stripe event already handled: its id, kept a while, makes a redelivery change nothing."""

    received_at = UnicodeAttribute()
    expires_at = TTLAttribute(null=True, attr_name="TTL")


class DisputedInvoiceMap(MapAttribute[str, Any]):
    number = UnicodeAttribute()
    disputed_cents = NumberAttribute()
    balance_cents = NumberAttribute()


class AttachmentMap(MapAttribute[str, Any]):
    attachment_id = UnicodeAttribute()
    filename = UnicodeAttribute()
    content_type = UnicodeAttribute()
    size_bytes = NumberAttribute()


class DisputeItem(LedgerItem, discriminator="dispute"):
    dispute_id = UnicodeAttribute()
    agency_id = UnicodeAttribute()
    creditor = UnicodeAttribute()
    reason = UnicodeAttribute()
    status = UnicodeAttribute()
    currency = UnicodeAttribute()
    invoices = ListAttribute(of=DisputedInvoiceMap)
    opened_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    opened_by = UnicodeAttribute()
    attachments = ListAttribute(of=AttachmentMap, null=True)
    agency_name = UnicodeAttribute(null=True)


class DisputeEventItem(LedgerItem, discriminator="dispute_event"):
    event_id = UnicodeAttribute()
    dispute_id = UnicodeAttribute()
    event_kind = UnicodeAttribute()
    at = UnicodeAttribute()
    author = UnicodeAttribute()
    author_role = UnicodeAttribute()
    comment = UnicodeAttribute()
    from_status = UnicodeAttribute(null=True)
    to_status = UnicodeAttribute(null=True)


class OutboxItem(LedgerItem, discriminator="outbox"):
    """A notification written with the change that causes it, delivered from the table's stream."""

    message_id = UnicodeAttribute()
    template = UnicodeAttribute()
    recipients = ListAttribute(of=UnicodeAttribute)
    reply_to = ListAttribute(of=UnicodeAttribute, null=True)
    payload = JSONAttribute()
    status = UnicodeAttribute()
    created_at = UnicodeAttribute()
    sent_at = UnicodeAttribute(null=True)
    expires_at = TTLAttribute(null=True, attr_name="TTL")


class ImportProgressItem(LedgerItem, discriminator="import_progress"):
    """Where the import of one version of an ERP file stands, between the invocations that share it: the
    next slice's position (`phase` "done" at the end), the report's counts so far, and the report parts
    holding the slices' rejections (in the document store: they may outgrow an item)."""

    file = UnicodeAttribute()
    phase = UnicodeAttribute()
    next_row = NumberAttribute()
    next_sent = BooleanAttribute(default=False)
    accepted = NumberAttribute(default=0)
    inserted = NumberAttribute(default=0)
    updated = NumberAttribute(default=0)
    unchanged = NumberAttribute(default=0)
    parts = ListAttribute(of=UnicodeAttribute, null=True)
    expires_at = TTLAttribute(attr_name="TTL")


class LifecycleEventItem(LedgerItem, discriminator="lifecycle_event"):
    """A line of a document's lifecycle history: one status message, kept whether it became the current
    status or came late."""

    number = UnicodeAttribute()
    code = NumberAttribute()
    at = UnicodeAttribute()
    message_id = UnicodeAttribute()
    by = UnicodeAttribute()
    reason = UnicodeAttribute(null=True)
    amount_cents = NumberAttribute(null=True)
    received_at = UnicodeAttribute()


class StatusMessageItem(LedgerItem, discriminator="status_message"):
    """A status message the portal reports to the creditor's platform (an outbound CDAR), written in the
    transaction of the event it reports, delivered from the table's stream to the document store."""

    message_id = UnicodeAttribute()
    agency_id = UnicodeAttribute()
    creditor = UnicodeAttribute()
    number = UnicodeAttribute()
    code = NumberAttribute()
    at = UnicodeAttribute()
    amount_cents = NumberAttribute(null=True)
    currency = UnicodeAttribute()
    reason = UnicodeAttribute(null=True)
    cause = UnicodeAttribute()
    status = UnicodeAttribute()
    created_at = UnicodeAttribute()
    delivered_at = UnicodeAttribute(null=True)
    file_key = UnicodeAttribute(null=True)
