from datetime import date

from mesfactures.documents.formatting import format_date, format_eur, format_rate


def test_amounts_read_the_french_way() -> None:
    assert format_eur(123_456) == "1\u00a0234,56\u00a0€"
    assert format_eur(5) == "0,05\u00a0€"
    assert format_eur(-1_000_000_00) == "-1\u00a0000\u00a0000,00\u00a0€"


def test_dates_and_rates_read_the_french_way() -> None:
    assert format_date(date(2026, 12, 31)) == "31/12/2026"
    assert format_rate(2000) == "20\u00a0%"
    assert format_rate(550) == "5,50\u00a0%"
