"""Analytics (pure): the definitions of the shop KPIs, the periods they are asked
for, the checks of a request, and a plain-Python reference computation of every
KPI straight from order histories.

The reference is what the rollup-based SQL (``saleor_crm_plugin.analytics``) is
tested against; it reads no rollup and takes the shortest path to each
definition, so a mistake in the rollups cannot hide in it.

Definitions (each per channel, days and months in the channel's time zone,
money in the channel's currency; "order" = a CRM order that is not cancelled; a
"customer" = a CRM profile, so a guest counts as one customer per email, as the
profiles count them):

* **orders** — orders placed in the period; ``other_currency_orders`` of them
  in another currency than the channel's (counted, never added to money).
* **revenue** — net of refunds: for each *paid* order placed in the period (paid,
  not cancelled, in the channel currency) its total minus what was refunded of it
  (at most its total). A refund corrects the day the order was placed.
* **paid_orders** — paid orders placed in the period that are not fully refunded
  (as the profile's ``paidOrdersCount``). **aov** = revenue / paid_orders.
* **new_customers** — customers whose first order was placed in the period.
* **active_customers** — customers with at least one order in the period;
  **returning_customers** = active − new (active, and bought before the period).
* **repeat_rate** — of the period's active customers, the share who had placed
  at least two orders by the period's end.
* **F2 conversion** (the usual e-commerce meaning: first → second purchase) — of
  the customers whose first order was placed in the period and whose N-day
  window has ended (first order day + N ≤ today), the share whose second order
  was placed within N days (calendar days: second order day − first order day
  ≤ N; a second order the same day counts).
* **time to second order** — for the customers whose first order was placed in
  the period and who placed a second one: the days between the two order days
  (median = the lower median, ``percentile_disc(0.5)``; a distribution over
  :data:`SECOND_ORDER_BINS`).
* **cohorts** — a customer's acquisition cohort is the month of their first
  order; **retention** (cohort m, month k) = the share of the cohort who placed
  an order in month m + k (k = 0 is 1); **LTV at K months** (cohort-based, the
  usual "cumulative revenue per acquired customer") = the cohort's net revenue
  in months m … m + K − 1 divided by the cohort's size, given once month
  m + K − 1 has ended. Cells of months still to come are null.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from .errors import CRMErrorCode, CRMServiceError

DAY, WEEK, MONTH = "day", "week", "month"
GRAINS = (DAY, WEEK, MONTH)

# a request's limits
MAX_RANGE_DAYS = 1100  # about three years
MAX_BUCKETS = {DAY: 400, WEEK: 160, MONTH: 60}  # "grain too fine for the range"
F2_DAYS_DEFAULT, F2_DAYS_MAX = 90, 730
MAX_COHORTS = 36  # the retention matrix is at most 36 x 36
LTV_MONTHS = (3, 6, 12, 24)

# the rollups keep gaps between a customer's order days up to this many days: a
# range is shorter, so a longer gap never decides whether someone was active
GAP_CAP = MAX_RANGE_DAYS
# days from the first to the second order day are kept up to ten years
SECOND_CAP = 3660

# (label, lowest day, highest day or None)
SECOND_ORDER_BINS: tuple[tuple[str, int, int | None], ...] = (
    ("0-7", 0, 7),
    ("8-14", 8, 14),
    ("15-30", 15, 30),
    ("31-60", 31, 60),
    ("61-90", 61, 90),
    ("91-180", 91, 180),
    ("181-365", 181, 365),
    ("366+", 366, None),
)

AMOUNT_PLACES = Decimal("0.001")  # as the profile's average order value


class AnalyticsError(CRMServiceError):
    """A refused analytics request: the snake_case input ``field``, a
    :class:`CRMErrorCode` member (one of the codes below) and a message."""

    def __init__(self, field: str, code: CRMErrorCode, message: str):
        super().__init__(field, message, code)


# the codes analytics refuses with (``CRMAnalyticsErrorCode`` in the schema)
NOT_FOUND = CRMErrorCode.NOT_FOUND
INVALID_RANGE = CRMErrorCode.INVALID_RANGE
RANGE_TOO_LONG = CRMErrorCode.RANGE_TOO_LONG
GRAIN_TOO_FINE = CRMErrorCode.GRAIN_TOO_FINE
OUT_OF_BOUNDS = CRMErrorCode.OUT_OF_BOUNDS
INVALID = CRMErrorCode.INVALID
ERROR_CODES = (
    NOT_FOUND,
    INVALID_RANGE,
    RANGE_TOO_LONG,
    GRAIN_TOO_FINE,
    OUT_OF_BOUNDS,
    INVALID,
)


@dataclass(frozen=True)
class Bucket:
    start: date
    end: date  # inclusive


def month_start(d: date) -> date:
    return d.replace(day=1)


def add_months(d: date, months: int) -> date:
    y, m = divmod(d.year * 12 + d.month - 1 + months, 12)
    return date(y, m + 1, 1)


def months_between(a: date, b: date) -> int:
    """Whole months from a's month to b's month."""
    return (b.year - a.year) * 12 + b.month - a.month


def buckets(start: date, end: date, grain: str) -> list[Bucket]:
    """The periods of a series: calendar days, ISO weeks (Monday first) or calendar
    months, clipped to ``[start, end]`` (the first and last may be partial)."""
    out = []
    cur = start
    while cur <= end:
        if grain == DAY:
            last = cur
        elif grain == WEEK:
            last = cur + timedelta(days=6 - cur.weekday())
        else:
            last = cur.replace(day=calendar.monthrange(cur.year, cur.month)[1])
        last = min(last, end)
        out.append(Bucket(cur, last))
        cur = last + timedelta(days=1)
    return out


def check_range(start: date, end: date, grain: str) -> list[Bucket]:
    """The request's buckets, or :class:`AnalyticsError` for a reversed range, one
    longer than :data:`MAX_RANGE_DAYS` or a grain too fine for it."""
    if grain not in GRAINS:
        raise AnalyticsError("grain", INVALID, "Use DAY, WEEK or MONTH.")
    if end < start:
        raise AnalyticsError("to", INVALID_RANGE, "The range ends before it starts.")
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise AnalyticsError(
            "to", RANGE_TOO_LONG, f"A range is at most {MAX_RANGE_DAYS} days."
        )
    out = buckets(start, end, grain)
    if len(out) > MAX_BUCKETS[grain]:
        raise AnalyticsError(
            "grain",
            GRAIN_TOO_FINE,
            f"At most {MAX_BUCKETS[grain]} periods by {grain}: use a coarser grain.",
        )
    return out


def check_f2_days(n: int) -> int:
    if not 1 <= n <= F2_DAYS_MAX:
        raise AnalyticsError(
            "f2_days", OUT_OF_BOUNDS, f"Enter a number of days from 1 to {F2_DAYS_MAX}."
        )
    return n


def check_cohort_range(first: date, last: date) -> list[date]:
    """The cohort months from ``first``'s month to ``last``'s (at most 36)."""
    a, b = month_start(first), month_start(last)
    if b < a:
        raise AnalyticsError("to", INVALID_RANGE, "The range ends before it starts.")
    n = months_between(a, b) + 1
    if n > MAX_COHORTS:
        raise AnalyticsError(
            "to", RANGE_TOO_LONG, f"At most {MAX_COHORTS} cohort months."
        )
    return [add_months(a, k) for k in range(n)]


def check_time_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except Exception as exc:
        raise AnalyticsError("time_zone", INVALID, "Unknown time zone.") from exc
    return name


def lower_median(values: Sequence[int]) -> int | None:
    if not values:
        return None
    s = sorted(values)
    return s[(len(s) - 1) // 2]


def weighted_lower_median(counts: dict[int, int]) -> int | None:
    """The lower median of values given as {value: how many}."""
    total = sum(counts.values())
    if not total:
        return None
    cum = 0
    for value in sorted(counts):
        cum += counts[value]
        if 2 * cum >= total:
            return value
    return None  # unreachable


def second_order_bin(days: int) -> str:
    for label, lo, hi in SECOND_ORDER_BINS:
        if days >= lo and (hi is None or days <= hi):
            return label
    raise ValueError(days)


def ratio(a, b) -> Decimal | None:
    """a / b to six places, None when b is 0."""
    if not b:
        return None
    return (Decimal(a) / Decimal(b)).quantize(Decimal("0.000001"), ROUND_HALF_UP)


def amount(value: Decimal) -> Decimal:
    return Decimal(value).quantize(AMOUNT_PLACES, ROUND_HALF_UP)


# --- the plain-Python reference ------------------------------------------------------


@dataclass(frozen=True)
class RefOrder:
    """One CRM order as the reference sees it."""

    profile: object  # any key of the customer (profile)
    placed_at: datetime  # aware
    currency: str
    total: Decimal
    refunded: Decimal = Decimal(0)
    paid: bool = False
    cancelled: bool = False


@dataclass
class RefPeriod:
    orders: int = 0
    other_currency_orders: int = 0
    paid_orders: int = 0
    revenue: Decimal = Decimal(0)
    new_customers: int = 0
    active_customers: int = 0
    returning_customers: int = 0
    repeat_customers: int = 0
    f2_eligible: int = 0
    f2_converted: int = 0
    second_order_days: dict[int, int] = field(default_factory=dict)

    @property
    def aov(self):
        return amount(self.revenue / self.paid_orders) if self.paid_orders else None

    @property
    def repeat_rate(self):
        return ratio(self.repeat_customers, self.active_customers)

    @property
    def f2_rate(self):
        return ratio(self.f2_converted, self.f2_eligible)

    @property
    def second_order_median(self):
        return weighted_lower_median(self.second_order_days)


def _net(o: RefOrder) -> Decimal:
    return o.total - min(o.refunded, o.total)


def _is_paid(o: RefOrder, currency: str) -> bool:
    return o.paid and not o.cancelled and o.currency == currency


def _fully_refunded(o: RefOrder) -> bool:
    return o.total > 0 and o.refunded >= o.total


def _by_profile(orders: Iterable[RefOrder]) -> dict:
    out = defaultdict(list)
    for o in orders:
        if not o.cancelled:
            out[o.profile].append(o)
    for lst in out.values():
        lst.sort(key=lambda o: o.placed_at)
    return out


def reference_period(
    orders: Iterable[RefOrder],
    currency: str,
    tz: str,
    period: Bucket,
    *,
    today: date,
    f2_days: int = F2_DAYS_DEFAULT,
) -> RefPeriod:
    """Every KPI of one period, straight from the definitions."""
    zone = ZoneInfo(tz)

    def day(o):
        return o.placed_at.astimezone(zone).date()

    def inside(d):
        return period.start <= d <= period.end

    r = RefPeriod()
    for lst in _by_profile(orders).values():
        days = [day(o) for o in lst]
        first = days[0]
        in_period = [o for o, d in zip(lst, days, strict=True) if inside(d)]
        for o in in_period:
            r.orders += 1
            if o.currency != currency:
                r.other_currency_orders += 1
            if _is_paid(o, currency):
                r.revenue += _net(o)
                if not _fully_refunded(o):
                    r.paid_orders += 1
        if in_period:
            r.active_customers += 1
            if inside(first):
                r.new_customers += 1
            else:
                r.returning_customers += 1
            if sum(1 for d in days if d <= period.end) >= 2:
                r.repeat_customers += 1
        if inside(first):
            second = (days[1] - first).days if len(days) > 1 else None
            if second is not None:
                r.second_order_days[second] = r.second_order_days.get(second, 0) + 1
            if first + timedelta(days=f2_days) <= today:
                r.f2_eligible += 1
                if second is not None and second <= f2_days:
                    r.f2_converted += 1
    return r


@dataclass
class RefCohort:
    month: date
    size: int
    active: list[int]  # customers who ordered in month + k, k = 0..
    revenue: list[Decimal]  # net revenue in month + k


def reference_cohorts(
    orders: Iterable[RefOrder],
    currency: str,
    tz: str,
    months: Sequence[date],
    *,
    horizon: int = MAX_COHORTS,
) -> dict[date, RefCohort]:
    """Cohort size, active customers and net revenue per month since acquisition
    (k < horizon) for the given cohort months."""
    zone = ZoneInfo(tz)
    wanted = set(months)
    out = {m: RefCohort(m, 0, [0] * horizon, [Decimal(0)] * horizon) for m in months}
    for lst in _by_profile(orders).values():
        first_month = month_start(lst[0].placed_at.astimezone(zone).date())
        if first_month not in wanted:
            continue
        c = out[first_month]
        c.size += 1
        seen = set()
        for o in lst:
            k = months_between(first_month, o.placed_at.astimezone(zone).date())
            if k >= horizon:
                continue
            if k not in seen:
                seen.add(k)
                c.active[k] += 1
            if _is_paid(o, currency):
                c.revenue[k] += _net(o)
    return out


def retention_cell(cohort: RefCohort, k: int, current_month: date):
    if add_months(cohort.month, k) > current_month:
        return None
    return ratio(cohort.active[k], cohort.size)


def ltv_cell(cohort: RefCohort, months: int, current_month: date):
    """Net revenue per customer of the cohort's first ``months`` months, once the
    last of them has ended (None before, and for an empty cohort)."""
    if add_months(cohort.month, months) > current_month or not cohort.size:
        return None
    return amount(sum(cohort.revenue[:months], Decimal(0)) / cohort.size)
