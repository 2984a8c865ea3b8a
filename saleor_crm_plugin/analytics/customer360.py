"""Everything about one customer for an admin screen, per channel: the profile,
RFM scores, current segments, coupon codes issued (with their status and rule),
recent segment entries and exits, and the last orders. (The loyalty state is
``loyalty.state.loyalty_state``.) A handful of indexed statements per
customer, whatever the shop's size: the profiles (with their user, RFM scores,
their channel's loyalty program id and their last order ids in the same
statement), then the segments, the coupon codes and the segment events of all
the customer's channels at once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from ..models import (
    CouponGrant,
    CustomerOrder,
    CustomerProfile,
    LoyaltyProgram,
    Segment,
    SegmentEvent,
    SegmentMember,
)

USED, EXPIRED, OPEN, HELD_OUT = "used", "expired", "open", "held_out"


def grant_status(grant: CouponGrant, now: datetime) -> str:
    """``used`` once an order used the code, ``held_out`` for a control-group
    hold-out (no code), ``expired`` after its end, ``open`` otherwise."""
    if grant.control:
        return HELD_OUT
    if grant.redeemed_at is not None or grant.order_id is not None:
        return USED
    if grant.expires_at is not None and grant.expires_at <= now:
        return EXPIRED
    return OPEN


@dataclass
class ChannelView:
    profile: CustomerProfile
    segments: list[Segment] = field(default_factory=list)
    grants: list[CouponGrant] = field(default_factory=list)
    events: list[SegmentEvent] = field(default_factory=list)
    order_ids: list[UUID] = field(default_factory=list)
    # the channel's loyalty program (its id; None: the channel has none)
    program_id: int | None = None


def customer_360(
    user_id: int, *, orders: int = 10, events: int = 20, grants: int = 50
) -> list[ChannelView]:
    now = timezone.now()
    last_orders = CustomerOrder.objects.filter(profile_id=OuterRef("pk")).order_by(
        "-placed_at"
    )
    profiles = list(
        CustomerProfile.objects.select_related("channel", "rfm_score", "user")
        .filter(user_id=user_id)
        .annotate(
            crm_order_ids=ArraySubquery(last_orders.values("order_id")[:orders]),
            crm_program_id=Subquery(
                LoyaltyProgram.objects.filter(channel_id=OuterRef("channel_id")).values(
                    "pk"
                )[:1]
            ),
        )
        .order_by("channel__slug")
    )
    if not profiles:
        return []
    views = {
        p.pk: ChannelView(p, order_ids=p.crm_order_ids, program_id=p.crm_program_id)
        for p in profiles
    }
    ids = list(views)
    for member in (
        SegmentMember.objects.filter(profile_id__in=ids)
        .select_related("segment__channel")
        .order_by("segment__name", "segment_id")
    ):
        views[member.profile_id].segments.append(member.segment)
    for grant in (
        CouponGrant.objects.filter(profile_id__in=ids)
        .select_related("rule", "profile__user")
        .order_by("-granted_at", "-pk")[: grants * len(ids)]
    ):
        grant.crm_status = grant_status(grant, now)
        views[grant.profile_id].grants.append(grant)
    for event in (
        SegmentEvent.objects.filter(profile_id__in=ids)
        .select_related("segment", "profile__user", "profile__channel")
        .order_by("-created_at", "-pk")[: events * len(ids)]
    ):
        if len(views[event.profile_id].events) < events:
            views[event.profile_id].events.append(event)
    return list(views.values())
