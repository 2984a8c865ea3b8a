"""The shop KPIs, read from the rollups (definitions: ``domain/analytics.py``).

No statement here reads the order tables: a series is three statements over the
day, gap and first-order rollups (one row per channel and day, plus the gap and
first-order rows of the range), the cohort matrix one over at most 36 × 36 cohort
rows. Snapshot figures (dormant shares, the RFM / tier / segment breakdowns)
read the profiles' current figures.

Reads go to Saleor's replica connection when one is configured
(``settings.DATABASE_CONNECTION_REPLICA_NAME``, as Saleor's own heavy reads and
CSV exports), to the primary otherwise.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connections
from django.db.models import F, Q
from django.utils import timezone
from saleor.channel.models import Channel as SaleorChannel

from ..core.tables import TABLES
from ..domain import analytics as A
from ..domain.rfm import GROUP_NAMES
from ..domain.segments import PRESETS
from ..domain.tiers import effective_tier_sql
from ..models import Segment
from .rollups import channel_time_zone, tables


def read_alias() -> str:
    alias = getattr(settings, "DATABASE_CONNECTION_REPLICA_NAME", None)
    return alias if alias and alias in settings.DATABASES else "default"


def _cursor():
    return connections[read_alias()].cursor()


@dataclass
class Channel:
    id: int
    slug: str
    currency: str
    time_zone: str

    def today(self, now: datetime | None = None) -> date:
        return (now or timezone.now()).astimezone(ZoneInfo(self.time_zone)).date()


def channel(slug: str) -> Channel:
    row = (
        SaleorChannel.objects.using(read_alias())
        .filter(slug=slug)
        .values_list("pk", "slug", "currency_code")
        .first()
    )
    if row is None:
        raise A.AnalyticsError("channel", A.NOT_FOUND, "Channel not found.")
    return Channel(row[0], row[1], row[2], channel_time_zone(row[0]))


@dataclass
class Period:
    start: date
    end: date
    orders: int = 0
    other_currency_orders: int = 0
    paid_orders: int = 0
    revenue: Decimal = Decimal(0)
    customer_days: int = 0
    new_customers: int = 0
    active_customers: int = 0
    one_time_customers: int = 0
    f2_eligible: int = 0
    f2_converted: int = 0
    second_order_customers: int = 0
    second_order_median_days: int | None = None
    second_order_bins: list[int] = field(default_factory=list)

    @property
    def returning_customers(self):
        return self.active_customers - self.new_customers

    @property
    def repeat_customers(self):
        return self.active_customers - self.one_time_customers

    @property
    def aov(self):
        return A.amount(self.revenue / self.paid_orders) if self.paid_orders else None

    @property
    def repeat_rate(self):
        return A.ratio(self.repeat_customers, self.active_customers)

    @property
    def f2_rate(self):
        return A.ratio(self.f2_converted, self.f2_eligible)


@dataclass
class Series:
    channel: Channel
    start: date
    end: date
    grain: str
    f2_days: int
    periods: list[Period]
    total: Period


_BUCKETS = (
    "unnest(%(starts)s::date[], %(ends)s::date[], %(idx)s::int[])"
    " AS b(start, finish, i)"
)

_DAY_SQL = """
SELECT b.i, COALESCE(SUM(r.orders), 0), COALESCE(SUM(r.other_currency_orders), 0),
       COALESCE(SUM(r.paid_orders), 0), COALESCE(SUM(r.revenue), 0),
       COALESCE(SUM(r.customers), 0), COALESCE(SUM(r.new_customers), 0)
FROM {buckets}
LEFT JOIN "{day}" r ON r.channel_id = %(ch)s AND r.day BETWEEN b.start AND b.finish
GROUP BY b.i
"""
# customer-days whose previous order day lies in the same period: day by day, so
# each probe of the key (channel, day, gap) reads only the gaps that qualify
# (a correlated sub-select per day: an index probe each, whatever the planner
# guesses of the days' rows)
_GAP_SQL = """
SELECT b.i, COALESCE(SUM(x.n), 0)
FROM {buckets}
CROSS JOIN LATERAL generate_series(b.start, b.finish, interval '1 day') AS dd(d)
CROSS JOIN LATERAL (
    SELECT SUM(g.customers) AS n FROM "{gap}" g
    WHERE g.channel_id = %(ch)s AND g.day = dd.d::date
      AND g.gap <= dd.d::date - b.start
) x
GROUP BY b.i
"""
_FIRST_SQL = """
WITH f AS (
    SELECT b.i, b.finish, r.first_day, r.second_offset, r.customers
    FROM {buckets}
    JOIN "{first}" r ON r.channel_id = %(ch)s
     AND r.first_day BETWEEN b.start AND b.finish
),
seconds AS (
    SELECT i, second_offset AS o, SUM(customers) AS n FROM f
    WHERE second_offset >= 0 GROUP BY i, second_offset
),
cum AS (
    SELECT i, o, n, SUM(n) OVER (PARTITION BY i ORDER BY o) AS c,
           SUM(n) OVER (PARTITION BY i) AS t
    FROM seconds
),
dist AS (
    SELECT i, MIN(o) FILTER (WHERE t > 0 AND 2 * c >= t) AS median, {bins}
    FROM cum GROUP BY i
),
agg AS (
    SELECT i,
        SUM(customers) FILTER (WHERE second_offset = -1
                               OR first_day + second_offset > finish) AS one_time,
        SUM(customers) FILTER (WHERE first_day <= %(f2_last)s) AS eligible,
        SUM(customers) FILTER (WHERE first_day <= %(f2_last)s
                               AND second_offset BETWEEN 0 AND %(f2)s) AS converted
    FROM f GROUP BY i
)
SELECT agg.i, COALESCE(one_time, 0), COALESCE(eligible, 0), COALESCE(converted, 0),
       dist.median, {bin_cols}
FROM agg LEFT JOIN dist ON dist.i = agg.i
"""


def _bins_sql():
    exprs, cols = [], []
    for n, (_label, lo, hi) in enumerate(A.SECOND_ORDER_BINS):
        cond = f"o >= {lo}" + (f" AND o <= {hi}" if hi is not None else "")
        exprs.append(f"COALESCE(SUM(n) FILTER (WHERE {cond}), 0) AS bin{n}")
        cols.append(f"COALESCE(dist.bin{n}, 0)")
    return ", ".join(exprs), ", ".join(cols)


@contextmanager
def _jit_off(cursor):
    cursor.execute("SELECT current_setting('jit')")
    before = cursor.fetchone()[0]
    cursor.execute("SET jit = off")
    try:
        yield
    finally:
        cursor.execute("SELECT set_config('jit', %s, false)", [before])


def series(
    ch: Channel,
    start: date,
    end: date,
    grain: str,
    *,
    f2_days: int = A.F2_DAYS_DEFAULT,
    now: datetime | None = None,
) -> Series:
    """Every KPI per period of the range and for the whole range."""
    periods_b = A.check_range(start, end, grain)
    A.check_f2_days(f2_days)
    everything = [*periods_b, A.Bucket(start, end)]
    periods = [
        Period(b.start, b.end, second_order_bins=[0] * len(A.SECOND_ORDER_BINS))
        for b in everything
    ]
    today = ch.today(now)
    t = tables()
    params = {
        "starts": [b.start for b in everything],
        "ends": [b.end for b in everything],
        "idx": list(range(len(everything))),
        "ch": ch.id,
        "f2": f2_days,
        "f2_last": today - timedelta(days=f2_days),
    }
    bins, bin_cols = _bins_sql()
    alias = read_alias()
    # the planner cannot see how few rollup rows a bucket joins (it guesses
    # thousands each) and would JIT-compile these short statements (~7-25 ms)
    # (SET / RESET for the session, not ``core.sqltools.statement_settings``: the
    # read connection may be in autocommit, where a transaction-local setting
    # ends with its own statement)
    with connections[alias].cursor() as cursor, _jit_off(cursor):
        cursor.execute(_DAY_SQL.format(buckets=_BUCKETS, **t), params)
        for i, orders, other, paid, revenue, days, new in cursor.fetchall():
            p = periods[i]
            p.orders, p.other_currency_orders, p.paid_orders = orders, other, paid
            p.revenue, p.customer_days, p.new_customers = revenue, days, new
            p.active_customers = days
        cursor.execute(_GAP_SQL.format(buckets=_BUCKETS, **t), params)
        for i, repeated in cursor.fetchall():
            periods[i].active_customers -= repeated
        cursor.execute(
            _FIRST_SQL.format(buckets=_BUCKETS, bins=bins, bin_cols=bin_cols, **t),
            params,
        )
        for i, one_time, eligible, converted, median, *dist in cursor.fetchall():
            p = periods[i]
            p.one_time_customers, p.f2_eligible, p.f2_converted = (
                one_time,
                eligible,
                converted,
            )
            p.second_order_median_days = median
            p.second_order_bins = list(dist)
            p.second_order_customers = sum(dist)
    return Series(ch, start, end, grain, f2_days, periods[:-1], periods[-1])


# --- cohorts -------------------------------------------------------------------------


@dataclass
class Cohort:
    month: date
    size: int
    active: list[int | None]  # per month since acquisition; None: still to come
    revenue: list[Decimal | None]
    retention: list[Decimal | None]
    ltv: dict[int, Decimal | None]


_COHORT_SQL = """
SELECT cohort_month, month_offset, customers, revenue FROM "{cohort}"
WHERE channel_id = %(ch)s AND cohort_month BETWEEN %(first)s AND %(last)s
  AND month_offset < %(horizon)s
"""


def cohorts(
    ch: Channel, start: date, end: date, *, now: datetime | None = None
) -> list[Cohort]:
    """The acquisition cohorts of the months from ``start``'s to ``end``'s (at
    most 36): retention per month since (up to 36), net revenue, LTV at 3 / 6 /
    12 / 24 months."""
    months = A.check_cohort_range(start, end)
    current = A.month_start(ch.today(now))
    horizon = A.MAX_COHORTS
    cells: dict[tuple[date, int], tuple[int, Decimal]] = {}
    with _cursor() as cursor:
        cursor.execute(
            _COHORT_SQL.format(**tables()),
            {"ch": ch.id, "first": months[0], "last": months[-1], "horizon": horizon},
        )
        for month, k, customers, revenue in cursor.fetchall():
            cells[(month, k)] = (customers, revenue)
    out = []
    for m in months:
        size = cells.get((m, 0), (0, 0))[0]
        span = max(0, min(horizon, A.months_between(m, current) + 1))
        active = [
            cells.get((m, k), (0, 0))[0] if k < span else None for k in range(horizon)
        ]
        revenue = [
            Decimal(cells.get((m, k), (0, Decimal(0)))[1]) if k < span else None
            for k in range(horizon)
        ]
        retention = [A.ratio(a, size) if a is not None else None for a in active]
        ltv = {}
        for months_ in A.LTV_MONTHS:
            if A.add_months(m, months_) > current or not size:
                ltv[months_] = None
            else:
                ltv[months_] = A.amount(sum(revenue[:months_], Decimal(0)) / size)
        out.append(Cohort(m, size, active, revenue, retention, ltv))
    return out


# --- snapshots -----------------------------------------------------------------------


@dataclass
class Dormant:
    buyers: int
    one_time: int
    former_regulars: int
    one_time_after_days: int
    regulars_min_orders: int
    regulars_after_days: int

    @property
    def one_time_share(self):
        return A.ratio(self.one_time, self.buyers)

    @property
    def former_regulars_share(self):
        return A.ratio(self.former_regulars, self.buyers)


def dormant_thresholds(channel_id: int) -> tuple[int, int, int]:
    """The thresholds of the playbook's dormant segments: those of the channel's
    own ``dormant_one_time`` / ``dormant_former_regulars`` segments (the most
    recently updated; a segment of every channel next), else the presets'
    defaults — so the KPI and the ready-made segments count the same customers."""

    def params(preset):
        seg = (
            Segment.objects.using(read_alias())
            .filter(Q(channel_id=channel_id) | Q(channel__isnull=True), preset=preset)
            .order_by(F("channel_id").asc(nulls_last=True), "-updated_at")
            .values_list("preset_params", flat=True)
            .first()
        )
        return {**PRESETS[preset].defaults, **(seg or {})}

    one = params("dormant_one_time")
    regular = params("dormant_former_regulars")
    return (
        int(one["after_days"]),
        int(regular["min_orders"]),
        int(regular["after_days"]),
    )


_DORMANT_SQL = """
SELECT count(*),
       count(*) FILTER (WHERE paid_orders_count = 1 AND last_paid_at < %(one)s),
       count(*) FILTER (WHERE paid_orders_count >= %(min_orders)s
                        AND last_paid_at < %(reg)s)
FROM "{profile}" WHERE channel_id = %(ch)s AND paid_orders_count >= 1
"""


def dormant(ch: Channel, *, now: datetime | None = None) -> Dormant:
    """Customers with a paid order (as the profiles count them) and of them the
    dormant one-time buyers and dormant former regulars, now, by the playbook's
    thresholds (the same conditions as its segments)."""
    now = now or timezone.now()
    one_days, min_orders, reg_days = dormant_thresholds(ch.id)
    with _cursor() as cursor, _jit_off(cursor):
        cursor.execute(
            _DORMANT_SQL.format(**tables()),
            {
                "ch": ch.id,
                "one": now - timedelta(days=one_days),
                "reg": now - timedelta(days=reg_days),
                "min_orders": min_orders,
            },
        )
        buyers, one, reg = cursor.fetchone()
    return Dormant(buyers, one, reg, one_days, min_orders, reg_days)


@dataclass
class GroupRow:
    key: str
    customers: int
    revenue: Decimal


_RFM_SQL = """
SELECT s.group_name, count(*), COALESCE(SUM(p.net_spent_amount), 0)
FROM "{rfm_score}" s JOIN "{profile}" p ON p.id = s.profile_id
WHERE s.channel_id = %(ch)s GROUP BY s.group_name
"""
_TIER_SQL = """
SELECT t.name, count(*), COALESCE(SUM(p.net_spent_amount), 0)
FROM "{membership}" m
JOIN "{program}" pr ON pr.id = m.program_id AND pr.channel_id = %(ch)s
JOIN "{tier}" t ON t.id = {effective_tier}
LEFT JOIN "{profile}" p ON p.channel_id = %(ch)s AND p.user_id = m.user_id
GROUP BY t.id, t.name, t.rank ORDER BY t.rank
"""
_SEGMENT_SQL = """
SELECT count(*), COALESCE(SUM(p.net_spent_amount), 0)
FROM "{segment_member}" sm JOIN "{profile}" p ON p.id = sm.profile_id
WHERE sm.segment_id = %(segment)s AND p.channel_id = %(ch)s
"""


def by_rfm_group(ch: Channel) -> list[GroupRow]:
    with _cursor() as cursor, _jit_off(cursor):
        cursor.execute(_RFM_SQL.format(**TABLES), {"ch": ch.id})
        found = {g: (n, r) for g, n, r in cursor.fetchall()}
    return [GroupRow(g, *found.get(g, (0, Decimal(0)))) for g in GROUP_NAMES]


def by_tier(ch: Channel, *, now: datetime | None = None) -> list[GroupRow]:
    with _cursor() as cursor, _jit_off(cursor):
        cursor.execute(
            _TIER_SQL.format(
                effective_tier=effective_tier_sql("m", "%(now)s"), **TABLES
            ),
            {"ch": ch.id, "now": now or timezone.now()},
        )
        return [GroupRow(*row) for row in cursor.fetchall()]


def by_segment(ch: Channel, segment_id: int) -> GroupRow:
    name = (
        Segment.objects.using(read_alias())
        .filter(pk=segment_id)
        .values_list("name", flat=True)
        .first()
    )
    if name is None:
        raise A.AnalyticsError("segment_id", A.NOT_FOUND, "Segment not found.")
    with _cursor() as cursor, _jit_off(cursor):
        cursor.execute(
            _SEGMENT_SQL.format(**TABLES), {"ch": ch.id, "segment": segment_id}
        )
        customers, revenue = cursor.fetchone()
    return GroupRow(name, customers, revenue)
