"""The points ledger (Saleor layer): awards earned on paid orders and reversed on
refunds and cancellations, spending that never overspends (soonest-expiring first),
staff grants, and expiry.

Awards and reversals are written by ``loyalty.orders.apply_orders`` inside
:func:`saleor_crm_plugin.pipeline.apply.process_orders` — in the same transaction
that applies an order to the customer's profile — so a profile and its points never
disagree. Every write is keyed by an ``operation`` that is unique per membership
and award, so a replayed event writes nothing. The arithmetic is
``domain.ledger``."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Max, Min, Sum
from django.utils import timezone

from ..core.tables import TABLES
from ..domain.errors import CRMErrorCode
from ..domain.ledger import (
    Award,
    InsufficientPoints,
    allocate_spend,
    earn_points,
    reverse_award,
)
from ..domain.ledger import balances as ledger_balances
from ..models import (
    Membership,
    PointsEntry,
    PointsKind,
)
from .errors import LoyaltyError
from .metadata import mirror_safely
from .state import effective_tier

AWARD_KINDS = (PointsKind.EARN, PointsKind.ADJUST)


def awards_of(membership_id: int) -> list[Award]:
    """The member's awards with what is left of each (one query)."""
    rows = (
        PointsEntry.objects.filter(membership_id=membership_id, award__isnull=True)
        .filter(points__gt=0)
        .annotate(taken_points=Sum("taken__points"))
        .values_list("id", "points", "taken_points", "available_at", "expires_at")
    )
    return [
        Award(pk, pts, pts + (taken or 0), available_at, expires_at)
        for pk, pts, taken, available_at, expires_at in rows
    ]


@dataclass(frozen=True)
class Balances:
    available: int
    pending: int
    expiring_soon: int  # available points whose award expires within ``soon``


def balances(
    membership_id: int,
    now: datetime | None = None,
    soon: timedelta = timedelta(days=30),
) -> Balances:
    now = now or timezone.now()
    awards = awards_of(membership_id)
    b = ledger_balances(awards, now)
    expiring = sum(
        a.available(now)
        for a in awards
        if a.expires_at is not None and a.expires_at <= now + soon
    )
    return Balances(b["available"], b["pending"], expiring)


def award_order_points(
    program, membership, order_id, total, paid_at, now
) -> PointsEntry | None:
    tier = effective_tier(membership, now)
    multiplier = tier.points_multiplier if tier else Decimal(1)
    points = earn_points(
        max(total, Decimal(0)), program.points_per_unit, multiplier, program.rounding
    )
    if points <= 0:
        return None
    available_at = paid_at + timedelta(days=program.return_window_days)
    expires_at = (
        available_at + timedelta(days=program.points_validity_days)
        if program.points_validity_days
        else None
    )
    entry = PointsEntry(
        membership=membership,
        kind=PointsKind.EARN,
        points=points,
        order_id=order_id,
        available_at=available_at,
        expires_at=expires_at,
        operation=f"earn:{order_id}",
        created_at=now,
        reason=f"x{multiplier} ({tier.name})" if tier else "",
    )
    PointsEntry.objects.bulk_create([entry], ignore_conflicts=True)
    return PointsEntry.objects.get(
        membership=membership, operation=entry.operation, award__isnull=True
    )


def reverse_order_points(
    membership, award: PointsEntry, order_id, total, refunded, now
) -> int:
    reversed_rows = award.taken.filter(kind=PointsKind.REVERSE)
    already = sum(-r.points + r.shortfall for r in reversed_rows)
    remaining = award.points + (award.taken.aggregate(s=Sum("points"))["s"] or 0)
    state = Award(
        award.pk, award.points, remaining, award.available_at, award.expires_at
    )
    result = reverse_award(state, Decimal(refunded), Decimal(total), already)
    if result.points_removed == 0 and result.shortfall == 0:
        return 0
    PointsEntry.objects.bulk_create(
        [
            PointsEntry(
                membership=membership,
                kind=PointsKind.REVERSE,
                points=-result.points_removed,
                award=award,
                order_id=order_id,
                shortfall=result.shortfall,
                created_at=now,
                # cumulative: the operation names what has been reversed in total
                operation=f"reverse:{order_id}:{already + result.points_removed + result.shortfall}",
            )
        ],
        ignore_conflicts=True,
    )
    return 1


def spend_points(
    membership_id: int,
    points: int,
    *,
    kind=PointsKind.SPEND,
    reason: str = "",
    by: int | None = None,
    now: datetime | None = None,
    operation: str | None = None,
) -> str:
    """Take ``points`` from the member's available points, soonest-expiring first.
    Locks the membership row, so concurrent spends queue up and the available
    balance never goes negative. Returns the operation key; raises
    :class:`LoyaltyError` when there are not enough points."""
    if points <= 0:
        raise LoyaltyError(
            "points", "Enter a positive number of points.", CRMErrorCode.INVALID
        )
    now = now or timezone.now()
    operation = operation or f"{kind}:{uuid.uuid4()}"
    with transaction.atomic():
        membership = Membership.objects.select_for_update().get(pk=membership_id)
        if PointsEntry.objects.filter(
            membership=membership, operation=operation
        ).exists():
            return operation  # a replay of a request already applied
        try:
            taken = allocate_spend(awards_of(membership.pk), points, now)
        except InsufficientPoints as exc:
            raise LoyaltyError(
                "points",
                "Not enough points available.",
                CRMErrorCode.INSUFFICIENT_POINTS,
            ) from exc
        PointsEntry.objects.bulk_create(
            [
                PointsEntry(
                    membership=membership,
                    kind=kind,
                    points=-n,
                    award_id=award_id,
                    operation=operation,
                    reason=reason[:255],
                    created_by_id=by,
                    created_at=now,
                )
                for award_id, n in taken
            ]
        )
        transaction.on_commit(lambda: mirror_safely([membership_id]))
    return operation


def grant_points(
    membership: Membership,
    points: int,
    *,
    reason: str,
    by: int | None,
    now: datetime | None = None,
    operation: str | None = None,
) -> PointsEntry:
    """A staff adjustment upwards: an award available at once, expiring like any."""
    if points <= 0:
        raise LoyaltyError(
            "points", "Enter a positive number of points.", CRMErrorCode.INVALID
        )
    if not reason.strip():
        raise LoyaltyError(
            "reason", "Give a reason for the adjustment.", CRMErrorCode.REQUIRED
        )
    now = now or timezone.now()
    days = membership.program.points_validity_days
    operation = operation or f"adjust:{uuid.uuid4()}"
    entry, _ = PointsEntry.objects.get_or_create(  # a replay returns the first
        membership=membership,
        operation=operation,
        award=None,
        defaults={
            "kind": PointsKind.ADJUST,
            "points": points,
            "available_at": now,
            "expires_at": now + timedelta(days=days) if days else None,
            "reason": reason.strip()[:255],
            "created_by_id": by,
            "created_at": now,
        },
    )
    transaction.on_commit(lambda: mirror_safely([membership.pk]))
    return entry


_EXPIRE_SQL = """
INSERT INTO "{points}" (membership_id, kind, points, award_id, order_id, shortfall,
                        operation, reason, created_at)
SELECT a.membership_id, 'expire', -left_over.n, a.id, a.order_id, 0, 'expire', '',
       %(now)s
FROM "{points}" a
CROSS JOIN LATERAL (
    SELECT a.points + COALESCE(SUM(t.points), 0) AS n
    FROM "{points}" t WHERE t.award_id = a.id
) left_over
WHERE a.award_id IS NULL AND a.points > 0
  AND a.expires_at <= %(now)s AND a.id > %(after)s AND a.id <= %(upto)s
  AND left_over.n > 0
ON CONFLICT DO NOTHING
"""


def expire_points(now: datetime | None = None, chunk: int = 50_000) -> int:
    """Write an ``expire`` row for what is left of every award past its expiry
    date. Set-based, by award id range (each chunk commits), idempotent."""
    now = now or timezone.now()
    bounds = PointsEntry.objects.filter(award__isnull=True).aggregate(
        lo=Min("id"), hi=Max("id")
    )
    if bounds["lo"] is None:
        return 0
    written, after = 0, bounds["lo"] - 1
    while after < bounds["hi"]:
        upto = after + chunk
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                _EXPIRE_SQL.format(**TABLES),
                {"now": now, "after": after, "upto": upto},
            )
            written += cursor.rowcount
        after = upto
    return written


def entries(membership_id: int | None):
    """A member's ledger entries, newest first (the model's ordering); what the
    GraphQL ledger connection pages through."""
    return PointsEntry.objects.filter(membership_id=membership_id)
