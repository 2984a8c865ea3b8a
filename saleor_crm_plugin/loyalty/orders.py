"""Loyalty on Saleor's orders: points earned on paid orders and reversed on
refunds and cancellations, and the tier re-evaluated, in the transaction that
applies the order (``pipeline.apply.process_orders``)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from ..domain.ledger import points_base_amount, refunded_of_base
from ..models import (
    CustomerOrder,
    LoyaltyProgram,
    Membership,
    PointsEntry,
)
from .ledger import award_order_points, reverse_order_points
from .member_discount import on_tiers_changed_safely, sync_member_codes
from .metadata import mirror_safely
from .tiers import evaluate_tier


def apply_orders(order_ids: list[str], now: datetime | None = None) -> int:
    """Earn, reverse and upgrade for the given orders (call inside the transaction
    that synced them). Orders of guests, of channels without an active program
    and unpaid orders are left alone. Returns the number of ledger rows written."""
    now = now or timezone.now()
    rows = list(
        CustomerOrder.objects.filter(
            order_id__in=order_ids, profile__user_id__isnull=False
        ).values_list(
            "order_id",
            "profile__user_id",
            "profile__channel_id",
            "currency",
            "total_amount",
            "subtotal_amount",
            "refunded_amount",
            "paid_at",
            "cancelled",
        )
    )
    if not rows:
        return 0
    programs = {
        p.channel_id: p
        for p in LoyaltyProgram.objects.select_related("channel").filter(
            channel_id__in={r[2] for r in rows}, is_active=True
        )
    }
    written = 0
    touched: dict[int, Membership] = {}
    for (
        order_id,
        user_id,
        channel_id,
        currency,
        total,
        subtotal,
        refunded,
        paid_at,
        cancelled,
    ) in rows:
        program = programs.get(channel_id)
        if program is None or currency != program.channel.currency_code:
            continue
        # the program's points base: products subtotal after discounts, or total
        base = points_base_amount(program.points_base, total, subtotal)
        membership = _membership(program, user_id, now)
        award = PointsEntry.objects.filter(
            membership=membership, operation=f"earn:{order_id}", award__isnull=True
        ).first()
        if award is None and paid_at is not None and not cancelled:
            award = award_order_points(
                program, membership, order_id, base, paid_at, now
            )
            written += award is not None
        if award is not None and (cancelled or refunded > 0):
            written += reverse_order_points(
                membership,
                award,
                order_id,
                base,
                refunded_of_base(base, refunded, cancelled),
                now,
            )
        touched[membership.pk] = membership
    changed = [m.pk for m in touched.values() if evaluate_tier(membership=m, now=now)]
    if changed:
        # the member's code comes with the move (same transaction); after the
        # commit the members' open checkouts are re-checked
        sync_member_codes(changed, now)
        transaction.on_commit(lambda: on_tiers_changed_safely(changed))
    if touched:
        members = list(touched)
        transaction.on_commit(lambda: mirror_safely(members))
    return written


def _membership(program: LoyaltyProgram, user_id: int, now: datetime) -> Membership:
    membership, _ = Membership.objects.select_related(
        "tier", "override_tier", "program__channel"
    ).get_or_create(
        program=program,
        user_id=user_id,
        defaults={"created_at": now, "updated_at": now},
    )
    return membership
