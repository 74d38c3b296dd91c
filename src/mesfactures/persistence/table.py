"""The single ledger table: its base model, key schema and indexes, and the one connection of its models.

Each aggregate's module of `persistence/` declares its own entities (subclasses of LedgerItem) beside the
repository over them; this module holds only what they share. The key schema and indexes are declared once,
here; `infra/` and the local stack create the table from these models (`models()` finds every entity), and
a test checks that they agree.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import DiscriminatorAttribute, UnicodeAttribute
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


def models() -> list[type[LedgerItem]]:
    """LedgerItem and every entity of the table, at any depth. The entities live in their aggregates'
    modules, and a class exists only once its module is imported: every module of persistence/ is imported
    first, so that no entity (and no TTL attribute) is missed by what reads the table's shape from them."""
    import importlib
    import pkgutil

    package = __name__.rpartition(".")[0]
    for module in pkgutil.iter_modules(importlib.import_module(package).__path__):
        importlib.import_module(f"{package}.{module.name}")
    found: list[type[LedgerItem]] = []
    pending: list[type[LedgerItem]] = [LedgerItem]
    while pending:
        model = pending.pop()
        pending.extend(model.__subclasses__())
        found.append(model)
    return found
