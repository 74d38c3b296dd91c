"""Money is an integer number of cents with a currency: never a float, anywhere."""

from __future__ import annotations

from dataclasses import dataclass

EUR = "EUR"


@dataclass(frozen=True, order=True)
class Money:
    cents: int
    currency: str = EUR

    def __post_init__(self) -> None:
        if isinstance(self.cents, bool) or not isinstance(self.cents, int):
            raise TypeError(f"money is an integer of cents, not {type(self.cents).__name__}")
        if len(self.currency) != 3 or not self.currency.isupper():
            raise ValueError(f"not an ISO 4217 currency code: {self.currency!r}")

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.cents + other.cents, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.cents - other.cents, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.cents, self.currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot mix {self.currency} and {other.currency}")


def vat_cents(net_cents: int, rate_basis_points: int) -> int:
    """VAT on a net amount, rounded half away from zero to the cent, in integers only."""
    product = net_cents * rate_basis_points
    quotient, remainder = divmod(abs(product), 10_000)
    if remainder * 2 >= 10_000:
        quotient += 1
    return quotient if product >= 0 else -quotient
