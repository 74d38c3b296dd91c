from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mesfactures.domain.money import Money, vat_cents


def test_money_refuses_a_float() -> None:
    with pytest.raises(TypeError):
        Money(12.5)  # type: ignore[arg-type]


def test_money_refuses_to_mix_currencies() -> None:
    with pytest.raises(ValueError):
        Money(100, "EUR") + Money(100, "USD")


def test_sums_and_differences_stay_in_cents() -> None:
    assert Money(1999) + Money(1) - Money(500) == Money(1500)


def test_vat_on_a_known_amount() -> None:
    # 20 % of 1 489,00 € is 297,80 €; 5,5 % of 0,09 € is 0,005 € and rounds up to 0,01 €.
    assert vat_cents(148_900, 2000) == 29_780
    assert vat_cents(9, 550) == 0
    assert vat_cents(10, 550) == 1


@given(st.integers(min_value=-(10**9), max_value=10**9), st.integers(min_value=0, max_value=10_000))
def test_vat_rounds_half_away_from_zero_like_decimal(net: int, rate: int) -> None:
    exact = Decimal(net) * Decimal(rate) / Decimal(10_000)
    expected = int(abs(exact).quantize(Decimal(1), rounding=ROUND_HALF_UP)) * (1 if exact >= 0 else -1)
    assert vat_cents(net, rate) == expected
