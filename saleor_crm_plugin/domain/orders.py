"""How a Saleor order counts for a customer's CRM profile.

The same rules are implemented twice: here in plain Python (the reference, used by
the core tier and by property tests) and as set-based SQL in
``saleor_crm_plugin.sql`` (used in production for both live events and backfill).
The Saleor tier checks that the two agree on real Saleor orders.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

# Saleor 3.23 ``OrderStatus`` values.
DRAFT = "draft"
UNCONFIRMED = "unconfirmed"
EXPIRED = "expired"
CANCELED = "canceled"

# Saleor 3.23 ``OrderChargeStatus`` values that mean "fully charged".
FULLY_CHARGED = frozenset({"full", "overcharged"})

SKIPPED_STATUSES = {
    DRAFT: "draft",
    UNCONFIRMED: "unconfirmed",
    EXPIRED: "expired",
}


def skip_reason(status: str) -> str | None:
    """Why an order is not imported into the CRM (``None``: it is imported).

    Drafts are not orders yet, unconfirmed orders may still be rejected by the
    merchant (they are imported when ``order_confirmed`` fires), expired orders
    never became orders.
    """
    return SKIPPED_STATUSES.get(status)


def is_paid(
    *, total: Decimal, charged: Decimal, refunded: Decimal, charge_status: str
) -> bool:
    """An order is paid once its charges covered the total.

    Refunds lower Saleor's ``total_charged``; adding them back keeps a refunded order
    recognisable as having been paid (the refund is accounted separately). An order
    with a zero total is paid as soon as it is placed.
    """
    if charge_status in FULLY_CHARGED:
        return True
    return charged + refunded >= total


@dataclass(frozen=True, slots=True)
class OrderState:
    """The CRM's view of one Saleor order."""

    currency: str
    total: Decimal
    refunded: Decimal
    placed_at: datetime
    paid_at: datetime | None
    cancelled: bool

    @property
    def paid(self) -> bool:
        return self.paid_at is not None and not self.cancelled

    @property
    def fully_refunded(self) -> bool:
        return self.total > 0 and self.refunded >= self.total

    @property
    def effective(self) -> bool:
        """A purchase that stands: paid, not cancelled, not fully refunded."""
        return self.paid and not self.fully_refunded
