"""Loyalty on Saleor's orders (Saleor layer): points earned on paid orders and
reversed on refunds and cancellations, tiers upgraded as soon as a paid order
qualifies, redemption that never overspends, expiry.

Runs inside :func:`services.process_orders` — in the same transaction that
applies an order to the customer's profile — so a profile and its points never
disagree. Every write is keyed by an ``operation`` that is unique per membership
and award, so a replayed event writes nothing. The arithmetic is
``domain.ledger`` / ``domain.tiers``.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F, Max, Min, Q, Sum
from django.utils import timezone

from .domain.ledger import (
    Award,
    InsufficientPoints,
    allocate_spend,
    earn_points,
    reverse_award,
)
from .domain.ledger import balances as ledger_balances
from .domain.tiers import Membership as MemberState
from .domain.tiers import (
    Metric,
    Reason,
    TierRule,
    Window,
    WindowKind,
    add_months,
    decide,
    effective_rank,
    qualifying_tier,
)
from .models import (
    CustomerOrder,
    LoyaltyProgram,
    Membership,
    PointsEntry,
    PointsKind,
    Tier,
    TierChange,
)

AWARD_KINDS = (PointsKind.EARN, PointsKind.ADJUST)
logger = logging.getLogger(__name__)


class LoyaltyError(ValueError):
    def __init__(self, field: str, code: str, message: str):
        super().__init__(message)
        self.field, self.code = field, code


# --- reading -----------------------------------------------------------------------


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


def balances(membership_id: int, now: datetime | None = None,
             soon: timedelta = timedelta(days=30)) -> Balances:
    now = now or timezone.now()
    awards = awards_of(membership_id)
    b = ledger_balances(awards, now)
    expiring = sum(
        a.available(now) for a in awards
        if a.expires_at is not None and a.expires_at <= now + soon
    )
    return Balances(b["available"], b["pending"], expiring)


def _window(program: LoyaltyProgram) -> Window:
    return Window(WindowKind(program.window_kind), program.window_months,
                  program.time_zone)


def _rules(program: LoyaltyProgram) -> tuple[list[TierRule], dict[int, Tier]]:
    tiers = list(program.tiers.all())
    return (
        [TierRule(t.pk, t.rank, Metric(t.metric), t.threshold) for t in tiers],
        {t.rank: t for t in tiers},
    )


def figures(program: LoyaltyProgram, membership: Membership,
            now: datetime) -> dict[Metric, Decimal]:
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
        membership=membership, award__isnull=True, points__gt=0,
        created_at__lte=now,
    )
    if start is not None:
        orders = orders.filter(paid_at__gte=start)
        earned = earned.filter(created_at__gte=start)
    agg = orders.aggregate(
        spent=Sum("total_amount"), refunded=Sum("refunded_amount"),
    )
    # paid orders that are not fully refunded
    paid = orders.filter(~Q(refunded_amount__gte=F("total_amount"), total_amount__gt=0)).count()
    spent = (agg["spent"] or Decimal(0)) - (agg["refunded"] or Decimal(0))
    return {
        Metric.SPEND: max(spent, Decimal(0)),
        Metric.PAID_ORDERS: Decimal(paid),
        Metric.POINTS: Decimal(earned.aggregate(s=Sum("points"))["s"] or 0),
    }


# --- tiers -------------------------------------------------------------------------


def retention_until(program: LoyaltyProgram, now: datetime) -> datetime:
    """A tier reached now is kept through the next review period."""
    return add_months(now, program.review_period_months)


def _set_tier(membership: Membership, tier: Tier | None, reason: str, now: datetime,
              *, retained_until=None, note: str = "", by: int | None = None):
    old = membership.tier
    TierChange.objects.create(
        membership=membership,
        from_tier=old, to_tier=tier,
        from_name=old.name if old else "", to_name=tier.name if tier else "",
        reason=reason, note=note[:255], changed_by_id=by, created_at=now,
    )
    membership.tier = tier
    membership.tier_since = now
    membership.retained_until = retained_until
    membership.updated_at = now
    membership.save(update_fields=["tier", "tier_since", "retained_until",
                                   "updated_at"])


def evaluate_tier(membership: Membership, now: datetime | None = None, *,
                  at_review: bool = False) -> bool:
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
        override_rank=membership.override_tier.rank if membership.override_tier else None,
        override_expires_at=membership.override_expires_at,
    )
    move = decide(state, reached.rank if reached else None, now,
                  at_review=at_review, retention_until=retention_until(program, now))
    if move is None:
        return False
    _set_tier(membership, by_rank.get(move.rank) if move.rank is not None else None,
              move.reason, now, retained_until=move.retained_until)
    return True


def effective_tier(membership: Membership, now: datetime | None = None) -> Tier | None:
    now = now or timezone.now()
    state = MemberState(
        tier_rank=membership.tier.rank if membership.tier else None,
        override_rank=membership.override_tier.rank if membership.override_tier else None,
        override_expires_at=membership.override_expires_at,
    )
    rank = effective_rank(state, now)
    if rank is None:
        return None
    return membership.override_tier if state.override_active(now) else membership.tier


def override_tier(membership: Membership, tier: Tier | None, *, reason: str,
                  expires_at: datetime | None, by: int | None) -> None:
    if not reason.strip():
        raise LoyaltyError("reason", "REQUIRED", "Give a reason for the override.")
    if tier is not None and tier.program_id != membership.program_id:
        raise LoyaltyError("tier", "INVALID", "The tier belongs to another program.")
    now = timezone.now()
    if expires_at is not None and expires_at <= now:
        raise LoyaltyError("expires_at", "INVALID", "The expiry must be in the future.")
    with transaction.atomic():
        membership.override_tier = tier
        membership.override_reason = reason.strip()[:255]
        membership.override_expires_at = expires_at
        membership.updated_at = now
        membership.save(update_fields=["override_tier", "override_reason",
                                       "override_expires_at", "updated_at"])
        TierChange.objects.create(
            membership=membership, from_tier=membership.tier, to_tier=tier,
            from_name=membership.tier.name if membership.tier else "",
            to_name=tier.name if tier else "", reason=Reason.OVERRIDE,
            note=reason.strip()[:255], changed_by_id=by, created_at=now,
        )
        from .vouchers import sync_member_codes

        sync_member_codes([membership.pk], now)  # the code comes with the move
        transaction.on_commit(lambda: _mirror_safely([membership.pk]))


# --- points on orders --------------------------------------------------------------


def apply_orders(order_ids: list[str], now: datetime | None = None) -> int:
    """Earn, reverse and upgrade for the given orders (call inside the transaction
    that synced them). Orders of guests, of channels without an active program
    and unpaid orders are left alone. Returns the number of ledger rows written."""
    now = now or timezone.now()
    rows = list(
        CustomerOrder.objects.filter(
            order_id__in=order_ids, profile__user_id__isnull=False
        ).values_list(
            "order_id", "profile__user_id", "profile__channel_id", "currency",
            "total_amount", "refunded_amount", "paid_at", "cancelled",
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
    for order_id, user_id, channel_id, currency, total, refunded, paid_at, cancelled in rows:
        program = programs.get(channel_id)
        if program is None or currency != program.channel.currency_code:
            continue
        membership = _membership(program, user_id, now)
        award = PointsEntry.objects.filter(
            membership=membership, operation=f"earn:{order_id}", award__isnull=True
        ).first()
        if award is None and paid_at is not None and not cancelled:
            award = _earn(program, membership, order_id, total, paid_at, now)
            written += award is not None
        if award is not None and (cancelled or refunded > 0):
            written += _reverse(membership, award, order_id,
                                total, total if cancelled else refunded, now)
        touched[membership.pk] = membership
    changed = [m.pk for m in touched.values() if evaluate_tier(membership=m, now=now)]
    if changed:
        from .vouchers import on_tiers_changed_safely, sync_member_codes

        # the member's code comes with the move (same transaction); after the
        # commit the members' open checkouts are re-checked
        sync_member_codes(changed, now)
        transaction.on_commit(lambda: on_tiers_changed_safely(changed))
    if touched:
        members = list(touched)
        transaction.on_commit(lambda: _mirror_safely(members))
    return written


def _mirror_safely(membership_ids: list[int]) -> None:
    """Mirror tier and points into Saleor's customer metadata after the order's
    commit; a failure is logged (the hourly mirror catches up)."""
    from .loyalty_periodic import mirror_metadata

    try:
        mirror_metadata(membership_ids)
    except Exception:  # noqa: BLE001
        logger.exception("CRM: metadata mirror failed")


def _membership(program: LoyaltyProgram, user_id: int, now: datetime) -> Membership:
    membership, _ = Membership.objects.select_related(
        "tier", "override_tier", "program__channel"
    ).get_or_create(program=program, user_id=user_id,
                    defaults={"created_at": now, "updated_at": now})
    return membership


def _earn(program, membership, order_id, total, paid_at, now) -> PointsEntry | None:
    tier = effective_tier(membership, now)
    multiplier = tier.points_multiplier if tier else Decimal(1)
    points = earn_points(max(total, Decimal(0)), program.points_per_unit, multiplier,
                         program.rounding)
    if points <= 0:
        return None
    available_at = paid_at + timedelta(days=program.return_window_days)
    expires_at = (
        available_at + timedelta(days=program.points_validity_days)
        if program.points_validity_days else None
    )
    entry = PointsEntry(
        membership=membership, kind=PointsKind.EARN, points=points,
        order_id=order_id, available_at=available_at, expires_at=expires_at,
        operation=f"earn:{order_id}", created_at=now,
        reason=f"x{multiplier} ({tier.name})" if tier else "",
    )
    PointsEntry.objects.bulk_create([entry], ignore_conflicts=True)
    return PointsEntry.objects.get(membership=membership, operation=entry.operation,
                                   award__isnull=True)


def _reverse(membership, award: PointsEntry, order_id, total, refunded, now) -> int:
    reversed_rows = award.taken.filter(kind=PointsKind.REVERSE)
    already = sum(-r.points + r.shortfall for r in reversed_rows)
    remaining = award.points + (award.taken.aggregate(s=Sum("points"))["s"] or 0)
    state = Award(award.pk, award.points, remaining, award.available_at,
                  award.expires_at)
    result = reverse_award(state, Decimal(refunded), Decimal(total), already)
    if result.points_removed == 0 and result.shortfall == 0:
        return 0
    PointsEntry.objects.bulk_create([PointsEntry(
        membership=membership, kind=PointsKind.REVERSE,
        points=-result.points_removed, award=award, order_id=order_id,
        shortfall=result.shortfall, created_at=now,
        # cumulative: the operation names what has been reversed in total
        operation=f"reverse:{order_id}:{already + result.points_removed + result.shortfall}",
    )], ignore_conflicts=True)
    return 1


# --- spending ----------------------------------------------------------------------


def spend_points(membership_id: int, points: int, *, kind=PointsKind.SPEND,
                 reason: str = "", by: int | None = None,
                 now: datetime | None = None, operation: str | None = None) -> str:
    """Take ``points`` from the member's available points, soonest-expiring first.
    Locks the membership row, so concurrent spends queue up and the available
    balance never goes negative. Returns the operation key; raises
    :class:`LoyaltyError` when there are not enough points."""
    if points <= 0:
        raise LoyaltyError("points", "INVALID", "Enter a positive number of points.")
    now = now or timezone.now()
    operation = operation or f"{kind}:{uuid.uuid4()}"
    with transaction.atomic():
        membership = Membership.objects.select_for_update().get(pk=membership_id)
        if PointsEntry.objects.filter(membership=membership,
                                      operation=operation).exists():
            return operation  # a replay of a request already applied
        try:
            taken = allocate_spend(awards_of(membership.pk), points, now)
        except InsufficientPoints as exc:
            raise LoyaltyError(
                "points", "INSUFFICIENT_POINTS", "Not enough points available."
            ) from exc
        PointsEntry.objects.bulk_create([
            PointsEntry(membership=membership, kind=kind, points=-n, award_id=award_id,
                        operation=operation, reason=reason[:255], created_by_id=by,
                        created_at=now)
            for award_id, n in taken
        ])
        transaction.on_commit(lambda: _mirror_safely([membership_id]))
    return operation


def grant_points(membership: Membership, points: int, *, reason: str,
                 by: int | None, now: datetime | None = None,
                 operation: str | None = None) -> PointsEntry:
    """A staff adjustment upwards: an award available at once, expiring like any."""
    if points <= 0:
        raise LoyaltyError("points", "INVALID", "Enter a positive number of points.")
    if not reason.strip():
        raise LoyaltyError("reason", "REQUIRED", "Give a reason for the adjustment.")
    now = now or timezone.now()
    days = membership.program.points_validity_days
    operation = operation or f"adjust:{uuid.uuid4()}"
    entry, _ = PointsEntry.objects.get_or_create(  # a replay returns the first
        membership=membership, operation=operation, award=None,
        defaults={
            "kind": PointsKind.ADJUST, "points": points, "available_at": now,
            "expires_at": now + timedelta(days=days) if days else None,
            "reason": reason.strip()[:255], "created_by_id": by, "created_at": now,
        },
    )
    transaction.on_commit(lambda: _mirror_safely([membership.pk]))
    return entry


# --- expiry (periodic, set-based) ---------------------------------------------------

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
    table = PointsEntry._meta.db_table
    bounds = PointsEntry.objects.filter(award__isnull=True).aggregate(lo=Min("id"), hi=Max("id"))
    if bounds["lo"] is None:
        return 0
    written, after = 0, bounds["lo"] - 1
    while after < bounds["hi"]:
        upto = after + chunk
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_EXPIRE_SQL.format(points=table),
                           {"now": now, "after": after, "upto": upto})
            written += cursor.rowcount
        after = upto
    return written
