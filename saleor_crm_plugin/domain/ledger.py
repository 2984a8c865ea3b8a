"""Points ledger arithmetic (pure): awards that mature and expire one by one,
spending that takes the soonest-expiring points first, proportional reversal.

The database ledger is append-only; this module decides *what* to append. Every
function takes the current awards and returns the movements to record, never
mutating its input.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_UP, Decimal

ROUNDING = {"down": ROUND_DOWN, "half_up": ROUND_HALF_UP, "floor": ROUND_FLOOR}


class InsufficientPoints(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Award:
    """Points granted by one event, with what is left of them."""

    id: int
    points: int
    remaining: int
    available_at: datetime  # end of the return window: pending until then
    expires_at: datetime | None

    def available(self, now: datetime) -> int:
        if self.available_at > now or self.expired(now):
            return 0
        return self.remaining

    def pending(self, now: datetime) -> int:
        return (
            self.remaining if self.available_at > now and not self.expired(now) else 0
        )

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now


def earn_points(
    amount: Decimal, rate: Decimal, multiplier: Decimal, rounding: str = "down"
) -> int:
    """Points for a paid amount: ``amount * rate * multiplier`` rounded by the
    program's rule (``down`` by default: a customer never gets a point not earned)."""
    if amount < 0 or rate < 0 or multiplier < 0:
        raise ValueError("amount, rate and multiplier must not be negative")
    return int((amount * rate * multiplier).quantize(Decimal(1), ROUNDING[rounding]))


POINTS_BASES = ("subtotal", "total")


def points_base_amount(
    points_base: str, total: Decimal, subtotal: Decimal | None
) -> Decimal:
    """What an order earns points on: its products subtotal after discounts
    (``subtotal``: no shipping) or its total (``total``: shipping and taxes
    included). An order whose subtotal is not known earns on its total."""
    if points_base not in POINTS_BASES:
        raise ValueError(f"unknown points base {points_base!r}")
    amount = subtotal if points_base == "subtotal" and subtotal is not None else total
    return max(amount, Decimal(0))


def refunded_of_base(base: Decimal, refunded: Decimal, cancelled: bool) -> Decimal:
    """The part of the points base a refund takes back: the refunded amount up to
    the base (a refund of products worth X takes back the points X earned; a
    full refund, or a cancellation, all of them)."""
    if cancelled:
        return base
    return min(max(refunded, Decimal(0)), base)


def balances(awards: list[Award], now: datetime) -> dict[str, int]:
    return {
        "available": sum(a.available(now) for a in awards),
        "pending": sum(a.pending(now) for a in awards),
    }


def _spend_order(awards: list[Award]):
    far = datetime.max.replace(tzinfo=None)

    def key(a: Award):
        exp = a.expires_at.replace(tzinfo=None) if a.expires_at else far
        return (exp, a.available_at.replace(tzinfo=None), a.id)

    return sorted(awards, key=key)


def allocate_spend(
    awards: list[Award], points: int, now: datetime
) -> list[tuple[int, int]]:
    """Take ``points`` from available awards, soonest-expiring first.

    Returns ``[(award_id, points_taken), ...]``; raises :class:`InsufficientPoints`
    if the available balance is smaller (nothing is taken then)."""
    if points <= 0:
        raise ValueError("points to spend must be positive")
    if balances(awards, now)["available"] < points:
        raise InsufficientPoints(f"{points} points requested, fewer available")
    taken, left = [], points
    for award in _spend_order(awards):
        can = award.available(now)
        if can <= 0:
            continue
        take = min(can, left)
        taken.append((award.id, take))
        left -= take
        if left == 0:
            break
    return taken


def expire(awards: list[Award], now: datetime) -> list[tuple[int, int]]:
    """What expires at ``now``: ``[(award_id, remaining_points)]``."""
    return [(a.id, a.remaining) for a in awards if a.expired(now) and a.remaining > 0]


@dataclass(frozen=True, slots=True)
class Reversal:
    award_id: int
    points_removed: int  # taken back from the award's remaining points
    shortfall: int  # already spent or expired: could not be taken back


def reverse_award(
    award: Award, refunded: Decimal, order_total: Decimal, already_reversed: int = 0
) -> Reversal:
    """Reverse the share of an order's award matching the refunded share of the
    order (``refunded`` is cumulative, so partial refunds in several steps add up
    to the same as one refund). Points already spent are clawed back only down to
    zero; the rest is recorded as a shortfall."""
    if order_total <= 0:
        share = Decimal(1)
    else:
        share = min(max(refunded / order_total, Decimal(0)), Decimal(1))
    due_total = int((Decimal(award.points) * share).quantize(Decimal(1), ROUND_HALF_UP))
    due_now = max(due_total - already_reversed, 0)
    removed = min(due_now, award.remaining)
    return Reversal(award.id, removed, due_now - removed)


def apply_taken(awards: list[Award], taken: list[tuple[int, int]]) -> list[Award]:
    by_id = dict(taken)
    return [replace(a, remaining=a.remaining - by_id.get(a.id, 0)) for a in awards]
