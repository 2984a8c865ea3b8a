"""Reference computation of a customer's profile figures from their orders."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from .money import quantize
from .orders import OrderState


@dataclass(frozen=True, slots=True)
class ProfileStats:
    currency: str
    orders_count: int
    cancelled_orders_count: int
    paid_orders_count: int
    other_currency_orders_count: int
    total_spent: Decimal
    total_refunded: Decimal
    net_spent: Decimal
    average_order_value: Decimal
    first_order_at: datetime | None
    last_order_at: datetime | None
    first_paid_at: datetime | None
    last_paid_at: datetime | None


def compute_profile(currency: str, orders: Iterable[OrderState]) -> ProfileStats:
    """Profile figures for one customer in one channel.

    * ``orders_count``: orders placed and not cancelled (any currency).
    * ``paid_orders_count``: paid orders that were neither cancelled nor fully
      refunded, in the profile's currency.
    * money is summed only over orders in the profile's currency; orders in another
      currency (a channel whose currency changed) are counted in
      ``other_currency_orders_count`` and never added.
    * ``total_spent`` and ``total_refunded`` cover paid, non-cancelled orders;
      ``net_spent`` is their difference; ``average_order_value`` is ``net_spent``
      over ``paid_orders_count``.
    """
    placed = cancelled = paid_count = other = 0
    spent = refunded = Decimal(0)
    placed_dates: list[datetime] = []
    paid_dates: list[datetime] = []
    for order in orders:
        if order.cancelled:
            cancelled += 1
            continue
        placed += 1
        placed_dates.append(order.placed_at)
        if order.currency != currency:
            other += 1
            continue
        if order.paid:
            spent += order.total
            refunded += min(order.refunded, order.total)
            paid_dates.append(order.paid_at)
            if order.effective:
                paid_count += 1
    net = spent - refunded
    aov = quantize(net / paid_count) if paid_count else Decimal(0)
    return ProfileStats(
        currency=currency,
        orders_count=placed,
        cancelled_orders_count=cancelled,
        paid_orders_count=paid_count,
        other_currency_orders_count=other,
        total_spent=spent,
        total_refunded=refunded,
        net_spent=net,
        average_order_value=aov,
        first_order_at=min(placed_dates, default=None),
        last_order_at=max(placed_dates, default=None),
        first_paid_at=min(paid_dates, default=None),
        last_paid_at=max(paid_dates, default=None),
    )
