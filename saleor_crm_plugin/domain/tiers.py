"""Tier arithmetic (pure): qualification windows, which tier a customer's figures
reach, and the move that follows (upgrade at once, downgrade only at review with
retention, staff overrides that expire).

``saleor_crm_plugin.loyalty`` applies these rules to a member on each paid order.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from .errors import CRMServiceError


class Metric(StrEnum):
    SPEND = "spend"  # net spent (paid minus refunded), channel currency
    PAID_ORDERS = "paid_orders"
    POINTS = "points"  # points earned (awards, before spending) in the window


class WindowKind(StrEnum):
    ROLLING_MONTHS = "rolling_months"
    CALENDAR_YEAR = "calendar_year"
    LIFETIME = "lifetime"


class TierError(CRMServiceError):
    """A tier ladder or window that cannot work; ``field`` names the culprit."""


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` moved by whole calendar months, the day clamped to the target
    month's length (31 March - 1 month = 28/29 February)."""
    index = moment.year * 12 + (moment.month - 1) + months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


@dataclass(frozen=True, slots=True)
class Window:
    kind: WindowKind
    months: int = 12
    time_zone: str = "UTC"  # where "calendar year" and "N months ago" are measured

    def __post_init__(self):
        if self.kind == WindowKind.ROLLING_MONTHS and not 1 <= self.months <= 120:
            raise TierError("window_months", "Enter a number of months from 1 to 120.")
        try:
            ZoneInfo(self.time_zone)
        except Exception as exc:  # ZoneInfoNotFoundError, ValueError on bad keys
            raise TierError("time_zone", "Enter an IANA time zone.") from exc

    def start(self, now: datetime) -> datetime | None:
        """The first instant that counts at ``now`` (``None``: since forever)."""
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        local = now.astimezone(ZoneInfo(self.time_zone))
        if self.kind == WindowKind.LIFETIME:
            return None
        if self.kind == WindowKind.CALENDAR_YEAR:
            return datetime.combine(
                local.date().replace(month=1, day=1), time(0), tzinfo=local.tzinfo
            )
        return add_months(local, -self.months)

    def contains(self, moment: datetime, now: datetime) -> bool:
        start = self.start(now)
        return moment <= now and (start is None or moment >= start)


@dataclass(frozen=True, slots=True)
class TierRule:
    """One rung of a ladder: ``rank`` orders the ladder (higher is better)."""

    id: int
    rank: int
    metric: Metric
    threshold: Decimal


def validate_ladder(tiers: list[TierRule]) -> None:
    """Ranks are distinct and thresholds rise with rank for each metric, so the
    ladder has one answer for any figures."""
    ranks = [t.rank for t in tiers]
    if len(set(ranks)) != len(ranks):
        raise TierError("rank", "Two tiers share a rank.")
    for tier in tiers:
        if tier.threshold < 0:
            raise TierError("threshold", "A threshold cannot be negative.")
    by_rank = sorted(tiers, key=lambda t: t.rank)
    # every lower rung on the same metric, not only the neighbour: with rungs on
    # several metrics in between, a higher tier must still ask for more
    for i, high in enumerate(by_rank):
        for low in by_rank[:i]:
            if low.metric == high.metric and high.threshold <= low.threshold:
                raise TierError(
                    "threshold",
                    "A higher tier needs a higher threshold than every tier below "
                    "it on the same measure.",
                )


def qualifying_tier(
    tiers: list[TierRule], figures: dict[Metric, Decimal]
) -> TierRule | None:
    """The highest tier whose threshold the figures reach (``>=``: exactly at the
    threshold qualifies)."""
    best = None
    for tier in tiers:
        if figures.get(tier.metric, Decimal(0)) >= tier.threshold and (
            best is None or tier.rank > best.rank
        ):
            best = tier
    return best


class Reason(StrEnum):
    QUALIFIED = "qualified"  # upgrade on a paid order (or a review that found more)
    REVIEW = "review"  # downgrade at the periodic review
    RETAINED = "retained"  # review found less, retention keeps the tier
    OVERRIDE = "override"  # staff set the tier
    OVERRIDE_EXPIRED = "override_expired"


@dataclass(frozen=True, slots=True)
class Membership:
    tier_rank: int | None  # None: no tier
    retained_until: datetime | None = None
    override_rank: int | None = None
    override_expires_at: datetime | None = None

    def override_active(self, now: datetime) -> bool:
        return self.override_rank is not None and (
            self.override_expires_at is None or self.override_expires_at > now
        )


def override_active_sql(member: str = "m", now: str = "%(now)s") -> str:
    """:meth:`Membership.override_active` as a SQL condition over a membership row
    aliased ``member``, as of ``now`` (a placeholder or an expression; the plugin's
    SQL passes ``%(now)s``). The one text of the rule for every raw statement."""
    return (
        f"({member}.override_tier_id IS NOT NULL"
        f" AND ({member}.override_expires_at IS NULL"
        f" OR {member}.override_expires_at > {now}))"
    )


def effective_tier_sql(
    member: str = "m",
    now: str = "%(now)s",
    *,
    earned: str | None = None,
    override: str | None = None,
) -> str:
    """The effective tier of a membership row in SQL: the override while it is
    active, else the earned tier. Without ``earned`` / ``override`` it is the tier's
    id; with them, the expressions to choose between (e.g. ``t.name`` /
    ``ot.name`` over the caller's joins of the two tiers)."""
    earned = earned or f"{member}.tier_id"
    override = override or f"{member}.override_tier_id"
    return (
        f"CASE WHEN {override_active_sql(member, now)}"
        f" THEN {override} ELSE {earned} END"
    )


@dataclass(frozen=True, slots=True)
class Move:
    rank: int | None
    reason: Reason
    retained_until: datetime | None


def _gt(a: int | None, b: int | None) -> bool:
    return (a if a is not None else -1) > (b if b is not None else -1)


def decide(
    member: Membership,
    qualified_rank: int | None,
    now: datetime,
    *,
    at_review: bool,
    retention_until: datetime | None,
) -> Move | None:
    """What happens to a member whose figures now reach ``qualified_rank``.

    * An active staff override wins; nothing moves under it.
    * Upgrade at once (any time): the new tier is kept at least until
      ``retention_until`` (the end of the next review period).
    * Downgrade only at the review, and only once the retention has run out; the
      member lands on the tier the figures reach (possibly none).
    * Otherwise nothing (``None``).
    """
    if member.override_active(now):
        return None
    current = member.tier_rank
    if _gt(qualified_rank, current):
        return Move(qualified_rank, Reason.QUALIFIED, retention_until)
    if not at_review or not _gt(current, qualified_rank):
        return None
    if member.retained_until is not None and member.retained_until > now:
        return None
    return Move(qualified_rank, Reason.REVIEW, None)


def effective_rank(member: Membership, now: datetime) -> int | None:
    """The tier that applies now: an unexpired override, else the earned tier."""
    return member.override_rank if member.override_active(now) else member.tier_rank


def missing_for(tier: TierRule, figures: dict[Metric, Decimal]) -> Decimal:
    """How much of the tier's metric is still missing (0 when reached)."""
    return max(tier.threshold - figures.get(tier.metric, Decimal(0)), Decimal(0))
