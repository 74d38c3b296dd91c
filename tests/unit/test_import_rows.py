"""Validation of ERP rows: what is accepted, and the reason given for each refusal."""

from __future__ import annotations

from typing import Any

import pytest

from mesfactures.domain.ledger import EntryType
from mesfactures.domain.money import Money
from mesfactures.imports.rows import RawRow, RowError, read_rows, validate

INVOICE = {
    "creditor": "POLIRIS",
    "agency_id": "AG-1001",
    "type": "invoice",
    "number": "FA-2026-900001",
    "issued_on": "2026-11-02",
    "due_on": "2026-12-02",
    "label": "Pack visibilité",
    "net_cents": "10000",
    "vat_rate_bp": "2000",
    "vat_cents": "2000",
    "gross_cents": "12000",
    "settles": "",
    "pdf": "",
    "version": "",
}


def _row(**changes: Any) -> RawRow:
    return RawRow(7, {**INVOICE, **changes})


def test_a_consistent_invoice_row_is_accepted_with_its_amounts_in_cents() -> None:
    row = validate(_row())
    assert row.line == 7 and row.version == 1 and row.pdf_name is None
    assert row.entry.type is EntryType.INVOICE
    assert row.entry.amount == row.entry.balance == Money(12_000)
    assert row.entry.lines[0].net_cents == 10_000


def test_a_credit_note_is_a_credit() -> None:
    row = validate(_row(type="credit_note", number="AV-2026-900001", due_on="", settles="FA-2026-900001"))
    assert row.entry.amount == Money(-12_000)
    assert row.entry.settles == ("FA-2026-900001",)


def test_a_payment_names_the_invoices_it_settles() -> None:
    row = validate(
        _row(
            type="payment",
            number="RG-2026-900001",
            gross_cents="5000",
            net_cents="",
            vat_cents="",
            settles="FA-2026-900001|FA-2026-900002",
        )
    )
    assert row.entry.amount == Money(-5_000)
    assert row.entry.settles == ("FA-2026-900001", "FA-2026-900002")


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"creditor": "SELOGER"}, "créancier inconnu"),
        ({"agency_id": "1001"}, "identifiant d'agence"),
        ({"type": "bill"}, "type inconnu"),
        ({"number": "AV-2026-900001"}, "numéro invalide"),
        ({"number": "FA-2026-9"}, "numéro invalide"),
        ({"issued_on": "02/11/2026"}, "n'est pas une date"),
        ({"issued_on": "1969-12-31", "due_on": "1970-01-30"}, "avant 1970"),
        ({"due_on": "2026-10-01"}, "l'échéance précède"),
        ({"net_cents": "100.50"}, "nombre entier de centimes"),
        ({"net_cents": "-100"}, "nombre entier de centimes"),
        ({"vat_cents": "1999"}, "TVA incohérente"),
        ({"gross_cents": "12001"}, "total TTC incohérent"),
        ({"vat_rate_bp": "1900", "vat_cents": "1900", "gross_cents": "11900"}, "taux de TVA inconnu"),
        ({"label": ""}, "« label » est vide"),
        ({"label": "a\x00b"}, "caractères de contrôle"),
        ({"pdf": "../../etc/passwd.pdf"}, "nom de fichier"),
        ({"settles": "AV-2026-000001"}, "numéros de facture"),
    ],
)
def test_a_bad_row_is_refused_with_its_reason(changes: dict[str, str], reason: str) -> None:
    with pytest.raises(RowError, match=reason):
        validate(_row(**changes))


def test_a_payment_must_say_what_it_settles() -> None:
    with pytest.raises(RowError, match="règlement"):
        validate(_row(type="payment", number="RG-2026-900001", settles=""))


def test_json_lines_may_carry_several_lines_and_bad_lines_keep_their_number() -> None:
    content = (
        b'{"creditor": "POLIRIS", "agency_id": "AG-1001", "type": "invoice", "number": "FA-2026-900003",'
        b' "issued_on": "2026-11-02", "due_on": "2026-12-02", "label": "Deux lignes", "vat_cents": 4275,'
        b' "gross_cents": 29275, "lines": [{"label": "A", "quantity": 2, "unit_net_cents": 10000,'
        b' "vat_rate_bp": 2000}, {"label": "B", "quantity": 1, "unit_net_cents": 5000,'
        b' "vat_rate_bp": 550}]}\n'
        b"\n"
        b"{not json\n"
        b"[1, 2]\n"
    )
    rows = list(read_rows("feed.jsonl", content))
    assert isinstance(rows[0], RawRow)
    assert validate(rows[0]).entry.amount == Money(29_275)
    assert rows[1:] == [(3, "ligne JSON illisible"), (4, "la ligne n'est pas un objet")]


def test_csv_rows_keep_their_file_line_numbers() -> None:
    header = ";".join(INVOICE)
    line = ";".join(INVOICE.values())
    rows = list(read_rows("feed.csv", f"\ufeff{header}\n{line}\n{line};extra\n".encode()))
    assert isinstance(rows[0], RawRow) and rows[0].line == 2
    assert rows[1] == (3, "plus de colonnes que l'en-tête")
