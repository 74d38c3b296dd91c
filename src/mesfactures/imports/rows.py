"""Reading and validating the rows of an ERP file (CSV or JSON Lines). Every row ends accepted or rejected
with its line number and a reason; nothing is dropped silently.

Columns (CSV, `;`-separated, UTF-8, header on the first line; JSON Lines: the same names as keys):
  creditor, agency_id, type (invoice | credit_note | payment), number, issued_on (YYYY-MM-DD), due_on,
  label, net_cents, vat_rate_bp (basis points: 2000 = 20 %), vat_cents, gross_cents, settles (invoice
  numbers separated by `|`: the invoices a payment settles, or a credit note refers to), pdf (the file name
  of the document's PDF beside the data file, optional), version (integer, 1 by default: a higher version
  replaces the document). Amounts are positive integers of cents; JSON Lines rows may give `lines`
  ([{label, quantity, unit_net_cents, vat_rate_bp}]) instead of a single net amount.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from mesfactures.domain.creditors import Creditor
from mesfactures.domain.ids import stable_id
from mesfactures.domain.ledger import ENTRY_NUMBER, DocumentLine, EntryStatus, EntryType, LedgerEntry
from mesfactures.domain.money import Money, vat_cents

MAX_ROWS = 200_000
# A document's id is a ULID of its issue date (domain/ids.py), which starts in 1970.
FIRST_YEAR = 1970
_AGENCY = re.compile(r"^AG-[0-9]{4,10}$")
_PREFIX_OF = {EntryType.INVOICE: "FA", EntryType.CREDIT_NOTE: "AV", EntryType.PAYMENT: "RG"}
_CONTROL = re.compile(r"[\x00-\x1f]")  # a character-by-character check was a sixth of judging a row
_PDF_NAME = re.compile(r"^[A-Za-z0-9._-]{1,100}\.pdf$")


class RowError(Exception):
    """A row that cannot be accepted; the message, in French, goes into the report."""


@dataclass(frozen=True)
class RawRow:
    line: int
    fields: Mapping[str, Any]


@dataclass(frozen=True)
class ImportRow:
    line: int
    entry: LedgerEntry
    version: int
    pdf_name: str | None


def read_rows(name: str, content: bytes) -> Iterator[RawRow | tuple[int, str]]:
    """The file's rows with their line numbers; an unreadable line yields (line, reason) instead."""
    text = content.decode("utf-8-sig", errors="strict")
    if name.endswith(".jsonl"):
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                fields = json.loads(line)
            except ValueError:
                yield number, "ligne JSON illisible"
                continue
            yield (
                RawRow(number, fields)
                if isinstance(fields, dict)
                else (number, "la ligne n'est pas un objet")
            )
        return
    reader = csv.DictReader(io.StringIO(text), delimiter=";")
    for row in reader:
        if None in row:
            yield reader.line_num, "plus de colonnes que l'en-tête"
            continue
        yield RawRow(reader.line_num, {key.strip(): (value or "").strip() for key, value in row.items()})


def _text(fields: Mapping[str, Any], name: str, required: bool = True, limit: int = 200) -> str:
    value = fields.get(name)
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise RowError(f"la colonne « {name} » est vide")
    if len(text) > limit or _CONTROL.search(text):
        raise RowError(f"la colonne « {name} » est trop longue ou contient des caractères de contrôle")
    return text


def _cents(fields: Mapping[str, Any], name: str, required: bool = True) -> int | None:
    raw = fields.get(name)
    if raw in (None, ""):
        if required:
            raise RowError(f"la colonne « {name} » est vide")
        return None
    if isinstance(raw, bool | float) or not re.fullmatch(r"[0-9]{1,12}", str(raw).strip()):
        raise RowError(f"« {name} » doit être un nombre entier de centimes, positif")
    return int(str(raw).strip())


def _date(fields: Mapping[str, Any], name: str, required: bool = True) -> date | None:
    raw = _text(fields, name, required=required, limit=10)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise RowError(f"« {name} » n'est pas une date AAAA-MM-JJ") from None


def _issue_date(fields: Mapping[str, Any]) -> date:
    issued_on = _date(fields, "issued_on")
    assert issued_on is not None  # noqa: S101 (required)
    if issued_on.year < FIRST_YEAR:
        raise RowError(f"« issued_on » avant {FIRST_YEAR} : une pièce est émise en {FIRST_YEAR} ou après")
    return issued_on


def _lines(fields: Mapping[str, Any], label: str) -> tuple[DocumentLine, ...]:
    given = fields.get("lines")
    if given is None:
        net = _cents(fields, "net_cents")
        rate = _cents(fields, "vat_rate_bp")
        assert net is not None and rate is not None  # noqa: S101 (required above)
        return (DocumentLine(label, 1, net, rate),)
    if not isinstance(given, list) or not 1 <= len(given) <= 30:
        raise RowError("« lines » doit être une liste de 1 à 30 lignes")
    lines = []
    for line in given:
        if not isinstance(line, dict):
            raise RowError("chaque ligne de « lines » doit être un objet")
        quantity, unit, rate = (_cents(line, key) for key in ("quantity", "unit_net_cents", "vat_rate_bp"))
        assert quantity is not None and unit is not None and rate is not None  # noqa: S101
        lines.append(DocumentLine(_text(line, "label"), quantity, unit, rate))
    return tuple(lines)


def _check_totals(fields: Mapping[str, Any], lines: tuple[DocumentLine, ...]) -> int:
    """The totals of the row must be those of its lines: net, VAT per rate, gross. Returns the gross."""
    if any(line.vat_rate_basis_points not in (0, 210, 550, 1000, 2000) for line in lines):
        raise RowError("taux de TVA inconnu (0, 2,1, 5,5, 10 ou 20 %)")
    by_rate: dict[int, int] = {}
    for line in lines:
        by_rate[line.vat_rate_basis_points] = by_rate.get(line.vat_rate_basis_points, 0) + line.net_cents
    net = sum(by_rate.values())
    vat = sum(vat_cents(base, rate) for rate, base in by_rate.items())
    given_vat, given_gross = _cents(fields, "vat_cents"), _cents(fields, "gross_cents")
    if given_vat != vat:
        raise RowError(f"TVA incohérente : {given_vat} centimes indiqués, {vat} calculés")
    if given_gross != net + vat:
        raise RowError(f"total TTC incohérent : {given_gross} centimes indiqués, {net + vat} calculés")
    if net + vat <= 0:
        raise RowError("le montant doit être positif")
    return net + vat


def _settles(fields: Mapping[str, Any]) -> tuple[str, ...]:
    raw = _text(fields, "settles", required=False, limit=2000)
    numbers = tuple(part.strip() for part in raw.split("|") if part.strip())
    if len(set(numbers)) != len(numbers):
        raise RowError("« settles » nomme deux fois la même facture")
    if any(not ENTRY_NUMBER.match(number) or not number.startswith("FA") for number in numbers):
        raise RowError("« settles » doit lister des numéros de facture FA-AAAA-NNNNNN séparés par |")
    return numbers


def validate(row: RawRow, creditor_of_file: Creditor | None = None) -> ImportRow:
    fields = row.fields
    try:
        creditor = Creditor(_text(fields, "creditor"))
    except ValueError:
        raise RowError("créancier inconnu (PRESSIMMO, BELLES_DEMEURES ou POLIRIS)") from None
    if creditor_of_file is not None and creditor is not creditor_of_file:
        raise RowError(f"ce fichier est celui de {creditor_of_file.value}")
    agency_id = _text(fields, "agency_id")
    if not _AGENCY.match(agency_id):
        raise RowError("identifiant d'agence invalide (AG-NNNN)")
    try:
        kind = EntryType(_text(fields, "type"))
    except ValueError:
        raise RowError("type inconnu (invoice, credit_note ou payment)") from None
    number = _text(fields, "number")
    if not ENTRY_NUMBER.match(number) or not number.startswith(_PREFIX_OF[kind]):
        raise RowError(f"numéro invalide : attendu {_PREFIX_OF[kind]}-AAAA-NNNNNN")
    issued_on = _issue_date(fields)
    label = _text(fields, "label")
    version = _cents(fields, "version", required=False) or 1
    pdf = _text(fields, "pdf", required=False, limit=104) or None
    if pdf is not None and not _PDF_NAME.match(pdf):
        raise RowError("« pdf » doit être un nom de fichier .pdf simple")
    moment = datetime(issued_on.year, issued_on.month, issued_on.day, tzinfo=UTC)
    entry_id = stable_id(moment, agency_id, creditor.value, number)
    settles = _settles(fields)
    if kind is EntryType.PAYMENT:
        amount = _cents(fields, "gross_cents")
        if not amount or not settles:
            raise RowError("un règlement indique un montant positif et les factures qu'il règle")
        entry = LedgerEntry(
            entry_id,
            agency_id,
            creditor,
            kind,
            number,
            issued_on,
            None,
            label,
            Money(-amount),
            Money(0),
            EntryStatus.RECEIVED,
            settles=settles,
        )
        return ImportRow(row.line, entry, version, None)
    lines = _lines(fields, label)
    gross = _check_totals(fields, lines)
    due_on = _date(fields, "due_on", required=kind is EntryType.INVOICE)
    if due_on is not None and due_on < issued_on:
        raise RowError("l'échéance précède la date de la pièce")
    signed = gross if kind is EntryType.INVOICE else -gross
    entry = LedgerEntry(
        entry_id,
        agency_id,
        creditor,
        kind,
        number,
        issued_on,
        due_on,
        label,
        Money(signed),
        Money(signed),
        EntryStatus.OPEN,
        lines,
        settles,
    )
    return ImportRow(row.line, entry, version, pdf)
