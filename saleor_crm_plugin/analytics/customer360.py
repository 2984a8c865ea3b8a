"""Everything about one customer for an admin screen, per channel: the profile,
RFM scores, current segments, coupon codes issued (with their status and rule),
recent segment entries and exits, and the last orders. (The loyalty state is
``loyalty.state.loyalty_state``.) A handful of indexed statements per
customer, whatever the shop's size."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from django.utils import timezone

from ..models import (
    CouponGrant,
    CustomerOrder,
    CustomerProfile,
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


def customer_360(
    user_id: int, *, orders: int = 10, events: int = 20, grants: int = 50
) -> list[ChannelView]:
    now = timezone.now()
    profiles = list(
        CustomerProfile.objects.select_related("channel", "rfm_score", "user")
        .filter(user_id=user_id)
        .order_by("channel__slug")
    )
    if not profiles:
        return []
    views = {p.pk: ChannelView(p) for p in profiles}
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
    for profile_id, order_id in (
        CustomerOrder.objects.filter(profile_id__in=ids)
        .order_by("profile_id", "-placed_at")
        .values_list("profile_id", "order_id")
    ):
        if len(views[profile_id].order_ids) < orders:
            views[profile_id].order_ids.append(order_id)
    return list(views.values())
