"""A customer's loyalty in one channel, as the GraphQL API shows it, and the
programs. Reads only: a customer who has no membership yet gets a state with no
tier and no points and nothing is written."""

from datetime import timedelta

from django.utils import timezone

from ...domain.tiers import Metric, TierRule
from ...loyalty import ledger as loyalty
from ...loyalty import state as tier_state
from ...loyalty import tiers as loyalty_tiers
from ...models import LoyaltyProgram, Membership, PointsRedemption
from ..core.resolvers import customer_pk
from .types import (
    CRMLoyaltyState,
    CRMPointsBalance,
    CRMTierOverride,
    missing,
)


def program_for(channel_slug: str) -> LoyaltyProgram | None:
    return (
        LoyaltyProgram.objects.select_related("channel")
        .filter(channel__slug=channel_slug)
        .first()
    )


def loyalty_state(user_id: int, channel_slug: str) -> CRMLoyaltyState | None:
    program = program_for(channel_slug)
    if program is None:
        return None
    now = timezone.now()
    membership = (
        Membership.objects.select_related("tier", "override_tier", "program__channel")
        .filter(program=program, user_id=user_id)
        .first()
    )
    tiers = list(program.tiers.order_by("rank"))
    if membership is None:
        membership = Membership(program=program, user_id=user_id)  # not saved
        figures = {m: 0 for m in Metric}
        balance = loyalty.Balances(0, 0, 0)
    else:
        figures = loyalty_tiers.figures(program, membership, now)
        balance = loyalty.balances(
            membership.pk, now, soon=timedelta(days=program.expiry_warning_days)
        )
    effective = tier_state.effective_tier(membership, now) if membership.pk else None
    current_rank = effective.rank if effective else None
    above = [t for t in tiers if current_rank is None or t.rank > current_rank]
    next_tier = above[0] if above else None
    override = None
    if membership.override_tier_id and (
        membership.override_expires_at is None or membership.override_expires_at > now
    ):
        override = CRMTierOverride(
            tier=membership.override_tier,
            reason=membership.override_reason,
            expires_at=membership.override_expires_at,
        )
    state = CRMLoyaltyState(
        program=program,
        tier=effective,
        earned_tier=membership.tier if membership.pk else None,
        override=override,
        tier_since=membership.tier_since,
        retained_until=membership.retained_until,
        next_tier=next_tier,
        missing_for_next_tier=missing(
            TierRule(
                next_tier.pk,
                next_tier.rank,
                Metric(next_tier.metric),
                next_tier.threshold,
            ),
            figures,
            program.channel.currency_code,
        )
        if next_tier
        else None,
        points=CRMPointsBalance(
            available=balance.available,
            pending=balance.pending,
            expiring_soon=balance.expiring_soon,
        ),
        # only a code that gives something now (its tier has a discount)
        voucher_code=(membership.voucher_code or None)
        if effective is not None and effective.voucher_id and program.is_active
        else None,
        tier_history=list(membership.tier_changes.order_by("-created_at", "-id")[:100])
        if membership.pk
        else [],
        redemptions=list(
            PointsRedemption.objects.filter(membership_id=membership.pk).order_by(
                "-created_at"
            )[:100]
        )
        if membership.pk
        else [],
    )
    state.membership_id = membership.pk
    return state


def resolve_customer_loyalty(customer_id: str, channel_slug: str):
    user_pk = customer_pk(customer_id)
    return None if user_pk is None else loyalty_state(user_pk, channel_slug)


def resolve_loyalty_programs():
    return list(
        LoyaltyProgram.objects.select_related("channel").order_by("channel__slug")
    )
