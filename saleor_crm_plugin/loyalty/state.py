"""A member's effective tier: a staff override while it lasts, else the earned tier."""

from __future__ import annotations

from datetime import UTC, datetime

from django.utils import timezone

from ..domain.tiers import Membership as MemberState
from ..domain.tiers import effective_rank
from ..models import Membership, Tier

# the start of every "since ever" window
SINCE_EVER = datetime(1, 1, 1, tzinfo=UTC)


def effective_tier(membership: Membership, now: datetime | None = None) -> Tier | None:
    now = now or timezone.now()
    state = MemberState(
        tier_rank=membership.tier.rank if membership.tier else None,
        override_rank=membership.override_tier.rank
        if membership.override_tier
        else None,
        override_expires_at=membership.override_expires_at,
    )
    rank = effective_rank(state, now)
    if rank is None:
        return None
    return membership.override_tier if state.override_active(now) else membership.tier
