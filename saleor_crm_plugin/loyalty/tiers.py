"""Tiers on a membership: the figures of the qualification window, upgrades as
soon as they qualify, downgrades only at review, and staff overrides (the member's
code and the checkout re-pricing follow a move in the same flow)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from ..domain.errors import CRMErrorCode
from ..domain.tiers import Membership as MemberState
from ..domain.tiers import (
    Metric,
    Reason,
    TierRule,
    Window,
    WindowKind,
    add_months,
    decide,
    qualifying_tier,
)
from ..models import (
    CustomerOrder,
    LoyaltyProgram,
    Membership,
    PointsEntry,
    Tier,
    TierChange,
)
from .errors import LoyaltyError
from .member_discount import on_tiers_changed_safely, sync_member_codes
from .metadata import mirror_safely


def _window(program: LoyaltyProgram) -> Window:
    return Window(
        WindowKind(program.window_kind), program.window_months, program.time_zone
    )


def _rules(program: LoyaltyProgram) -> tuple[list[TierRule], dict[int, Tier]]:
    tiers = list(program.tiers.all())
    return (
        [TierRule(t.pk, t.rank, Metric(t.metric), t.threshold) for t in tiers],
        {t.rank: t for t in tiers},
    )


def figures(
    program: LoyaltyProgram, membership: Membership, now: datetime
) -> dict[Metric, Decimal]:
    """Net spend and paid orders in the program's channel and currency, and points
    earned, within the qualification window."""
    start = _window(program).start(now)
    orders = CustomerOrder.objects.filter(
        profile__user_id=membership.user_id,
        profile__channel_id=program.channel_id,
        paid_at__isnull=False,
        paid_at__lte=now,
        cancelled=False,
        currency=program.channel.currency_code,
    )
    earned = PointsEntry.objects.filter(
        membership=membership,
        award__isnull=True,
        points__gt=0,
        created_at__lte=now,
    )
    if start is not None:
        orders = orders.filter(paid_at__gte=start)
        earned = earned.filter(created_at__gte=start)
    agg = orders.aggregate(
        spent=Sum("total_amount"),
        refunded=Sum("refunded_amount"),
    )
    # paid orders that are not fully refunded
    paid = orders.filter(
        ~Q(refunded_amount__gte=F("total_amount"), total_amount__gt=0)
    ).count()
    spent = (agg["spent"] or Decimal(0)) - (agg["refunded"] or Decimal(0))
    return {
        Metric.SPEND: max(spent, Decimal(0)),
        Metric.PAID_ORDERS: Decimal(paid),
        Metric.POINTS: Decimal(earned.aggregate(s=Sum("points"))["s"] or 0),
    }


def retention_until(program: LoyaltyProgram, now: datetime) -> datetime:
    """A tier reached now is kept through the next review period."""
    return add_months(now, program.review_period_months)


def _set_tier(
    membership: Membership,
    tier: Tier | None,
    reason: str,
    now: datetime,
    *,
    retained_until=None,
    note: str = "",
    by: int | None = None,
):
    old = membership.tier
    TierChange.objects.create(
        membership=membership,
        from_tier=old,
        to_tier=tier,
        from_name=old.name if old else "",
        to_name=tier.name if tier else "",
        reason=reason,
        note=note[:255],
        changed_by_id=by,
        created_at=now,
    )
    membership.tier = tier
    membership.tier_since = now
    membership.retained_until = retained_until
    membership.updated_at = now
    membership.save(
        update_fields=["tier", "tier_since", "retained_until", "updated_at"]
    )


def evaluate_tier(
    membership: Membership, now: datetime | None = None, *, at_review: bool = False
) -> bool:
    """Move the member if the figures say so (upgrade any time, downgrade only at
    review). Returns whether the tier changed."""
    now = now or timezone.now()
    program = membership.program
    rules, by_rank = _rules(program)
    if not rules:
        return False
    reached = qualifying_tier(rules, figures(program, membership, now))
    state = MemberState(
        tier_rank=membership.tier.rank if membership.tier else None,
        retained_until=membership.retained_until,
        override_rank=membership.override_tier.rank
        if membership.override_tier
        else None,
        override_expires_at=membership.override_expires_at,
    )
    move = decide(
        state,
        reached.rank if reached else None,
        now,
        at_review=at_review,
        retention_until=retention_until(program, now),
    )
    if move is None:
        return False
    _set_tier(
        membership,
        by_rank.get(move.rank) if move.rank is not None else None,
        move.reason,
        now,
        retained_until=move.retained_until,
    )
    return True


def override_tier(
    membership: Membership,
    tier: Tier | None,
    *,
    reason: str,
    expires_at: datetime | None,
    by: int | None,
) -> None:
    if not reason.strip():
        raise LoyaltyError(
            "reason", "Give a reason for the override.", CRMErrorCode.REQUIRED
        )
    if tier is not None and tier.program_id != membership.program_id:
        raise LoyaltyError(
            "tier", "The tier belongs to another program.", CRMErrorCode.INVALID
        )
    now = timezone.now()
    if expires_at is not None and expires_at <= now:
        raise LoyaltyError(
            "expires_at", "The expiry must be in the future.", CRMErrorCode.INVALID
        )
    with transaction.atomic():
        membership.override_tier = tier
        membership.override_reason = reason.strip()[:255]
        membership.override_expires_at = expires_at
        membership.updated_at = now
        membership.save(
            update_fields=[
                "override_tier",
                "override_reason",
                "override_expires_at",
                "updated_at",
            ]
        )
        TierChange.objects.create(
            membership=membership,
            from_tier=membership.tier,
            to_tier=tier,
            from_name=membership.tier.name if membership.tier else "",
            to_name=tier.name if tier else "",
            reason=Reason.OVERRIDE,
            note=reason.strip()[:255],
            changed_by_id=by,
            created_at=now,
        )

        sync_member_codes([membership.pk], now)  # the code comes with the move
        # open checkouts of the member are re-priced and the metadata mirrored
        # after the commit, as for every other tier move
        transaction.on_commit(lambda: on_tiers_changed_safely([membership.pk]))
        transaction.on_commit(lambda: mirror_safely([membership.pk]))
