"""The statement's reads of the ledger: an account's pages of entries, its open items, a document."""

from __future__ import annotations

from datetime import date
from typing import Any

from pynamodb.exceptions import DoesNotExist, QueryError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.pagination import ResultIterator

from mesfactures.domain.creditors import Creditor
from mesfactures.domain.errors import InvalidInput, NotFound
from mesfactures.domain.ledger import DocumentOnFile, EntryType, LedgerEntry
from mesfactures.domain.lifecycle import DEPOSITED
from mesfactures.domain.statement import EntryPage, Scope, StatementQuery
from mesfactures.persistence import keys
from mesfactures.persistence.cursors import decode_cursor, encode_cursor
from mesfactures.persistence.ledger import EntryItem, entry_from_item, entry_from_raw
from mesfactures.persistence.table import LedgerItem

# Documents a number search by part reads per page (about 1 KB each: within the 1 MB a Query reads at most).
NUMBER_SEARCH_READS = 500


class LedgerRepository:
    def entry(self, agency_id: str, creditor: Creditor, number: str) -> LedgerEntry:
        """One entry by its number, within the agency's own account: another's is simply not found."""
        try:
            item = EntryItem.get(keys.account_pk(agency_id, creditor), keys.document_sk(number))
        except (DoesNotExist, ValueError):
            raise NotFound("Document introuvable.") from None
        return entry_from_item(item)

    def page(self, agency_id: str, creditor: Creditor, query: StatementQuery) -> EntryPage:
        """One page of an account's entries: exactly one Query, whatever the filters."""
        pk = keys.account_pk(agency_id, creditor)
        if query.number_part:
            return self._numbers_containing(pk, query)
        view = "number" if query.number_prefix else query.scope.value
        filters = (
            f"{query.scope.value}|{query.date_from}|{query.date_to}|{query.number_prefix}|{query.lifecycle}"
        )
        start = decode_cursor(view, filters, query.cursor, pk)
        dates = _all_of(_issued_between(query), _at_lifecycle(query.lifecycle))
        results: ResultIterator[Any]
        if query.number_prefix:
            only_open = EntryItem.open_sk.exists() if query.scope is Scope.OPEN else None
            results = EntryItem.query(
                pk,
                EntryItem.sk.startswith(keys.document_sk_prefix(query.number_prefix)),
                filter_condition=_all_of(only_open, dates),
                consistent_read=True,
                page_size=query.limit,
                last_evaluated_key=start,
            )
        elif query.scope is Scope.OPEN:
            results = LedgerItem.open_items_index.query(
                pk,
                filter_condition=dates,
                consistent_read=True,
                page_size=query.limit,
                last_evaluated_key=start,
            )
        else:
            assert query.date_from and query.date_to  # noqa: S101 (statement_query sets them for this view)
            low, high = keys.by_date_range(query.date_from, query.date_to)
            results = LedgerItem.by_date_index.query(
                pk,
                LedgerItem.by_date.between(low, high),
                filter_condition=_at_lifecycle(query.lifecycle),
                consistent_read=True,
                scan_index_forward=False,
                page_size=query.limit,
                last_evaluated_key=start,
            )
        page = _first_page(results, start)
        entries = tuple(entry_from_raw(raw) for raw in page.get("Items", []))
        return EntryPage(entries, encode_cursor(view, filters, results.page_iter.last_evaluated_key))

    def _numbers_containing(self, pk: str, query: StatementQuery) -> EntryPage:
        """Documents whose number contains a part ("000168"): still one Query per page, on the account's
        documents (`begins_with(SK, DOC#)`) filtered by `contains(number, part)`. DynamoDB filters after
        reading, so the Query reads up to NUMBER_SEARCH_READS documents and the page keeps the first
        `limit` found; the cursor resumes after the last one kept, or where the reading stopped."""
        filters = f"{query.scope.value}|{query.date_from}|{query.date_to}|{query.number_part}"
        start = decode_cursor("number_part", filters, query.cursor, pk)
        only_open = EntryItem.open_sk.exists() if query.scope is Scope.OPEN else None
        results = EntryItem.query(
            pk,
            EntryItem.sk.startswith(keys.DOCUMENT_PREFIX),
            filter_condition=_all_of(
                EntryItem.number.contains(query.number_part), only_open, _issued_between(query)
            ),
            consistent_read=True,
            page_size=NUMBER_SEARCH_READS,
            last_evaluated_key=start,
        )
        page = _first_page(results, start)
        found = page.get("Items", [])
        last_key = results.page_iter.last_evaluated_key
        if len(found) > query.limit:
            found = found[: query.limit]
            last_key = {"PK": found[-1]["PK"], "SK": found[-1]["SK"]}
        entries = tuple(entry_from_raw(raw) for raw in found)
        return EntryPage(entries, encode_cursor("number_part", filters, last_key))

    def entries_by_number(
        self, agency_id: str, creditor: Creditor, numbers: list[str]
    ) -> dict[str, LedgerEntry]:
        """The named entries of the agency's own account (one BatchGetItem); unknown numbers are absent."""
        pk = keys.account_pk(agency_id, creditor)
        wanted = []
        for number in numbers:
            try:
                wanted.append((pk, keys.document_sk(number)))
            except ValueError:
                continue
        items = EntryItem.batch_get(wanted, consistent_read=True) if wanted else []
        return {item.number: entry_from_item(item) for item in items}

    def open_items(self, agency_id: str, creditor: Creditor) -> tuple[LedgerEntry, ...]:
        """Every open invoice and credit of an account (a Query on the sparse index: a few dozen items)."""
        pk = keys.account_pk(agency_id, creditor)
        return tuple(
            entry_from_item(item)
            for item in LedgerItem.open_items_index.query(pk, consistent_read=True)
            if isinstance(item, EntryItem)
        )

    def has_account(self, agency_id: str, creditor: Creditor) -> bool:
        # Imported here: the accounts module (its models, the domain's account details) costs a statement
        # function's first request ~15 ms, and a page asks only when it would otherwise be empty.
        from mesfactures.persistence.accounts import AccountRepository

        return AccountRepository().has_account(agency_id, creditor)

    def document(self, agency_id: str, creditor: Creditor, number: str) -> DocumentOnFile:
        """A document (invoice or credit note) with the key of its PDF, within the agency's own account."""
        try:
            item = EntryItem.get(keys.account_pk(agency_id, creditor), keys.document_sk(number))
        except (DoesNotExist, ValueError):
            raise NotFound("Document introuvable.") from None
        if not item.document_key:
            raise NotFound("Document introuvable.")
        return DocumentOnFile(entry_from_item(item), item.document_key, frozenset(item.stored_files or ()))

    def note_stored(self, document: DocumentOnFile, files: set[str]) -> None:
        """Records that the store holds these files of the document, as long as the document still has the
        key it was read with (a new version, written meanwhile, has files of its own)."""
        entry = document.entry
        item = EntryItem(keys.account_pk(entry.agency_id, entry.creditor), keys.document_sk(entry.number))
        try:
            item.update(
                actions=[EntryItem.stored_files.add(files)],
                condition=EntryItem.document_key == document.key,
            )
        except UpdateError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise


def _first_page(results: ResultIterator[Any], start: dict[str, Any] | None) -> dict[str, Any]:
    """The Query's one page; DynamoDB refusing the start key means a cursor that was tampered with."""
    try:
        page: dict[str, Any] = next(results.page_iter)
    except QueryError as error:
        if start is None:
            raise
        raise InvalidInput("Le curseur de pagination est invalide ; rechargez la liste.") from error
    return page


def _issued_between(query: StatementQuery) -> Condition | None:
    if query.date_from is None and query.date_to is None:
        return None
    low = (query.date_from or date.min).isoformat()
    high = (query.date_to or date.max).isoformat()
    return EntryItem.issued_on.between(low, high)


def _at_lifecycle(code: int | None) -> Condition | None:
    """The statement filtered by lifecycle status: a filter on the page's own Query (a page may then hold
    fewer entries than asked, its cursor going on: docs/access-patterns.md). An entry without a status
    message is "Déposée"; a payment has no lifecycle."""
    if code is None:
        return None
    at_code: Condition = EntryItem.lifecycle_code == code
    if code == DEPOSITED:
        at_code = at_code | EntryItem.lifecycle_code.does_not_exist()
    documents: Condition = EntryItem.entry_type != EntryType.PAYMENT.value
    both: Condition = at_code & documents
    return both


def _all_of(*conditions: Condition | None) -> Condition | None:
    present = [condition for condition in conditions if condition is not None]
    if not present:
        return None
    combined = present[0]
    for condition in present[1:]:
        combined = combined & condition
    return combined
