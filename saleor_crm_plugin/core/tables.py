"""Table names for the plugin's raw SQL, always from the models (never from input)."""

from __future__ import annotations

from ..models import (
    CustomerOrder,
    CustomerProfile,
    LoyaltyProgram,
    Membership,
    PointsEntry,
    PointsExpiryWarning,
    PurchaseFact,
    RfmScore,
    SegmentEvent,
    SegmentMember,
    Tier,
    TierChange,
)


def db_tables() -> dict[str, str]:
    """Table names for the raw SQL of the loyalty modules."""
    from saleor.account.models import Address, User
    from saleor.discount.models import VoucherCode
    from saleor.order.models import Order

    return {
        "code": VoucherCode._meta.db_table,
        "membership": Membership._meta.db_table,
        "tier": Tier._meta.db_table,
        "change": TierChange._meta.db_table,
        "profile": CustomerProfile._meta.db_table,
        "corder": CustomerOrder._meta.db_table,
        "points": PointsEntry._meta.db_table,
        "program": LoyaltyProgram._meta.db_table,
        "warning": PointsExpiryWarning._meta.db_table,
        "user": User._meta.db_table,
        "address": Address._meta.db_table,
        "saleor_order": Order._meta.db_table,
        "segment_member": SegmentMember._meta.db_table,
        "segment_event": SegmentEvent._meta.db_table,
        "rfm_score": RfmScore._meta.db_table,
        "purchase_fact": PurchaseFact._meta.db_table,
    }
