from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


class CurrencyMismatch(ValueError):
    """Raised when amounts of different currencies would be combined."""


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self):
        if not isinstance(self.amount, Decimal):
            raise TypeError("Money.amount must be a Decimal")
        if not (isinstance(self.currency, str) and len(self.currency) == 3):
            raise ValueError(f"Invalid currency code: {self.currency!r}")

    def __add__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.amount - other.amount, self.currency)

    def _check(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError("Money can only be combined with Money")
        if other.currency != self.currency:
            raise CurrencyMismatch(
                f"Cannot combine {self.currency} with {other.currency}"
            )

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency)


def quantize(amount: Decimal, places: int = 3) -> Decimal:
    """Round half away from zero, like PostgreSQL's ``round(numeric, n)``."""
    return amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
