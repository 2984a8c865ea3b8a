"""Upkeep of the KPI rollups (models in ``analytics/models.py``).

**One statement per batch of profiles.** Whenever profiles are recomputed from
their orders (``profiles.sync.sync_orders`` in the pipeline — the task that
applies an order, a guest merge, a resync, the reconciliation sweep: see
``pipeline.apply.sync_and_roll_up`` — and each range of the backfill's profile
phase), :func:`refresh_profiles` recomputes those
customers' rows of :class:`AnalyticsProfileDay` from their own CRM order rows
(through the ``(profile, placed_at)`` index), compares them with the stored rows,
and adds the difference — old rows subtracted, new rows added — to the channel's
day, gap, first-order and cohort rollups, then stores the new rows. All in one
statement.

Why that is idempotent: the new rows are a function of the profile's orders
only. A replayed, duplicated or reordered event recomputes the same rows, finds
no difference and changes nothing; a refund or a cancellation changes the rows
of that customer's affected days, and exactly that difference moves the rollups.
Recomputing whole (channel, day) or (channel, cohort) keys instead would read
every order of that day or every customer of that cohort for each applied order
(thousands of rows at a million customers); a customer's own rows are a handful.

Concurrency: the profile recompute that runs just before has locked the profile
rows (``UPDATE``), and this statement takes a fresh snapshot (READ COMMITTED), so
two workers applying orders of one customer serialize and the second sees the
first's rows. Rollup rows are upserted in key order (no deadlock between two
batches).

A profile that is deleted (left without orders, or erased) loses its rows by the
foreign key's ``ON DELETE CASCADE``; a statement trigger on the profile-day table
(migration 0016) subtracts rows whose profile is gone from the rollups.

:func:`rebuild` empties a channel's (or every channel's) rollups and recomputes
them by profile-id ranges (``crm_rebuild_rollups``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.db import connection, transaction
from django.utils import timezone
from saleor.channel.models import Channel

from ..core.tables import TABLES
from ..domain.analytics import GAP_CAP, SECOND_CAP, check_time_zone
from ..models import (
    AnalyticsChannel,
    AnalyticsCohort,
    AnalyticsDay,
    AnalyticsDayGap,
    AnalyticsFirstOrder,
    CustomerProfile,
    LoyaltyProgram,
)

logger = logging.getLogger(__name__)


def tables() -> dict[str, str]:
    """The table names the rollup statements read, under their short keys (from
    the registry ``core.tables.TABLES``)."""
    return {
        "profile": TABLES["profile"],
        "corder": TABLES["corder"],
        "achannel": TABLES["analytics_channel"],
        "pday": TABLES["analytics_profile_day"],
        "day": TABLES["analytics_day"],
        "gap": TABLES["analytics_day_gap"],
        "first": TABLES["analytics_first_order"],
        "cohort": TABLES["analytics_cohort"],
    }


_PDAY_COLUMNS = (
    "profile_id, day, channel_id, orders, other_currency_orders,"
    " paid_orders, revenue, gap, first_day, second_offset"
)

# The rollup deltas of a set of signed profile-day rows ``{src}`` (s = +1 / -1)
# and of signed profile-month rows ``{msrc}``; shared by the refresh and by the
# delete trigger (migration 0016).
ROLLUP_DELTAS = """
d_day AS (
    INSERT INTO "{day}" AS r (channel_id, day, orders, other_currency_orders,
                              paid_orders, revenue, customers, new_customers)
    SELECT channel_id, day, SUM(s * orders), SUM(s * other_currency_orders),
           SUM(s * paid_orders), SUM(s * revenue), SUM(s),
           COALESCE(SUM(s) FILTER (WHERE gap IS NULL), 0)
    FROM {src} x GROUP BY channel_id, day ORDER BY channel_id, day
    ON CONFLICT (channel_id, day) DO UPDATE SET
        orders = r.orders + EXCLUDED.orders,
        other_currency_orders = r.other_currency_orders
                                + EXCLUDED.other_currency_orders,
        paid_orders = r.paid_orders + EXCLUDED.paid_orders,
        revenue = r.revenue + EXCLUDED.revenue,
        customers = r.customers + EXCLUDED.customers,
        new_customers = r.new_customers + EXCLUDED.new_customers
    RETURNING 1
),
d_gap AS (
    INSERT INTO "{gap}" AS r (channel_id, day, gap, customers)
    SELECT channel_id, day, gap, SUM(s) FROM {src} x
    WHERE gap BETWEEN 1 AND {gap_cap}
    GROUP BY channel_id, day, gap ORDER BY channel_id, day, gap
    ON CONFLICT (channel_id, day, gap) DO UPDATE SET
        customers = r.customers + EXCLUDED.customers
    RETURNING 1
),
d_first AS (
    INSERT INTO "{first}" AS r (channel_id, first_day, second_offset, customers)
    SELECT channel_id, day, second_offset, SUM(s) FROM {src} x
    WHERE gap IS NULL
    GROUP BY channel_id, day, second_offset ORDER BY channel_id, day, second_offset
    ON CONFLICT (channel_id, first_day, second_offset) DO UPDATE SET
        customers = r.customers + EXCLUDED.customers
    RETURNING 1
),
d_cohort AS (
    INSERT INTO "{cohort}" AS r (channel_id, cohort_month, month_offset, customers,
                                 orders, revenue)
    SELECT channel_id, cohort_month, month_offset, SUM(s), SUM(s * orders),
           SUM(s * revenue)
    FROM {msrc} x
    GROUP BY channel_id, cohort_month, month_offset
    ORDER BY channel_id, cohort_month, month_offset
    ON CONFLICT (channel_id, cohort_month, month_offset) DO UPDATE SET
        customers = r.customers + EXCLUDED.customers,
        orders = r.orders + EXCLUDED.orders,
        revenue = r.revenue + EXCLUDED.revenue
    RETURNING 1
)
"""

# a profile's rows per month since its first order (one customer per month)
MONTHS_OF = """
SELECT profile_id, channel_id, date_trunc('month', first_day)::date AS cohort_month,
       ((extract(year FROM day) - extract(year FROM first_day)) * 12
        + extract(month FROM day) - extract(month FROM first_day))::int
           AS month_offset,
       SUM(orders)::int AS orders, SUM(revenue) AS revenue
FROM {src} GROUP BY 1, 2, 3, 4
"""

_REFRESH = """
WITH prof AS (
    SELECT p.id, p.channel_id, p.currency, COALESCE(ac.time_zone, 'UTC') AS tz
    FROM "{profile}" p LEFT JOIN "{achannel}" ac ON ac.channel_id = p.channel_id
    WHERE {where}
),
od AS (
    SELECT pr.id AS profile_id, pr.channel_id,
           (co.placed_at AT TIME ZONE pr.tz)::date AS day,
           COUNT(*)::int AS orders,
           (COUNT(*) FILTER (WHERE co.currency <> pr.currency))::int
               AS other_currency_orders,
           (COUNT(*) FILTER (
               WHERE co.paid_at IS NOT NULL AND co.currency = pr.currency
                 AND NOT (co.total_amount > 0
                          AND co.refunded_amount >= co.total_amount)))::int
               AS paid_orders,
           COALESCE(SUM(co.total_amount - LEAST(co.refunded_amount, co.total_amount))
                    FILTER (WHERE co.paid_at IS NOT NULL
                              AND co.currency = pr.currency), 0)::numeric(20, 3)
               AS revenue
    FROM prof pr JOIN "{corder}" co ON co.profile_id = pr.id AND NOT co.cancelled{corder_extra}
    GROUP BY 1, 2, 3
),
nw AS (
    SELECT profile_id, day, channel_id, orders, other_currency_orders, paid_orders,
           revenue,
           day - lag(day) OVER w AS gap,
           first_value(day) OVER w AS first_day,
           CASE WHEN row_number() OVER w = 1 THEN
               CASE WHEN orders >= 2 THEN 0
                    -- LEAST ignores a NULL: no second order day is -1
                    WHEN lead(day) OVER w IS NULL THEN -1
                    ELSE LEAST(lead(day) OVER w - day, {second_cap})
               END
           END AS second_offset
    FROM od WINDOW w AS (PARTITION BY profile_id ORDER BY day)
),
old AS (
    SELECT {cols} FROM "{pday}"
    WHERE {old_where} {old_extra}
),
gone AS (SELECT {cols} FROM old EXCEPT SELECT {cols} FROM nw),
came AS (SELECT {cols} FROM nw EXCEPT SELECT {cols} FROM old),
delta AS (
    SELECT -1 AS s, * FROM gone UNION ALL SELECT 1, * FROM came
),
m_old AS ({months_old}),
m_new AS ({months_new}),
mdelta AS (
    SELECT -1 AS s, * FROM (SELECT * FROM m_old EXCEPT SELECT * FROM m_new) a
    UNION ALL
    SELECT 1, * FROM (SELECT * FROM m_new EXCEPT SELECT * FROM m_old) b
),
{deltas},
del AS (
    DELETE FROM "{pday}" t USING gone g
    WHERE t.profile_id = g.profile_id AND t.day = g.day
      AND NOT EXISTS (SELECT 1 FROM came c
                      WHERE c.profile_id = g.profile_id AND c.day = g.day)
    RETURNING 1
),
ins AS (
    INSERT INTO "{pday}" ({cols}) SELECT {cols} FROM came ORDER BY profile_id, day
    ON CONFLICT (profile_id, day) DO UPDATE SET
        channel_id = EXCLUDED.channel_id, orders = EXCLUDED.orders,
        other_currency_orders = EXCLUDED.other_currency_orders,
        paid_orders = EXCLUDED.paid_orders, revenue = EXCLUDED.revenue,
        gap = EXCLUDED.gap, first_day = EXCLUDED.first_day,
        second_offset = EXCLUDED.second_offset
    RETURNING 1
)
SELECT (SELECT count(*) FROM delta)
"""


def _refresh_sql(
    where: str,
    old_extra: str = "",
    old_where: str = "profile_id IN (SELECT id FROM prof)",
    corder_extra: str = "",
) -> str:
    t = tables()
    return _REFRESH.format(
        where=where,
        old_extra=old_extra,
        old_where=old_where,
        corder_extra=corder_extra,
        cols=_PDAY_COLUMNS,
        second_cap=SECOND_CAP,
        months_old=MONTHS_OF.format(src="old"),
        months_new=MONTHS_OF.format(src="nw"),
        deltas=ROLLUP_DELTAS.format(src="delta", msrc="mdelta", gap_cap=GAP_CAP, **t),
        **t,
    )


# The upkeep statement for a list of profiles, kept as a SQL function (created
# by migration 0018, frozen there; a test checks the frozen text against this
# one): its plan is made once per database session and reused, where the same
# statement sent as text would be parsed and planned again for every applied
# order (about a quarter of its time). The generic plan is forced: the argument
# is a handful of profile ids, never a shape a custom plan would do better on.
REFRESH_FUNCTION = "crm_analytics_refresh"


def refresh_function_sql() -> tuple[str, str]:
    """CREATE and DROP of the SQL function :func:`refresh_profiles` calls — the
    statement :func:`refresh_profile_range` runs, over ``p.id = ANY(ids)``."""
    # the stored rows by the ids themselves: a generic plan estimates the
    # profiles of ``prof`` at 10 and hashed the whole profile-day table for
    # ``IN (SELECT id FROM prof)`` (~190 ms a call on 913k rows)
    body = _refresh_sql(
        "p.id = ANY(crm_ids)", old_where="profile_id = ANY(crm_ids)"
    ).rstrip()
    assert body.endswith("SELECT (SELECT count(*) FROM delta)")
    create = f"""
CREATE FUNCTION {REFRESH_FUNCTION}(crm_ids bigint[]) RETURNS bigint
LANGUAGE plpgsql SET jit = off SET plan_cache_mode = force_generic_plan
AS $$
DECLARE n bigint;
BEGIN
{body} INTO n;
    RETURN n;
END
$$;
"""
    drop = f"DROP FUNCTION {REFRESH_FUNCTION}(bigint[]);"
    return create, drop


def refresh_profiles(profile_ids: Sequence[int]) -> int:
    """Bring the rollups in step with these profiles' orders (one statement: the
    function of :func:`refresh_function_sql`). Returns how many profile-day rows
    changed."""
    if not profile_ids:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {REFRESH_FUNCTION}(%s::bigint[])", [sorted(set(profile_ids))]
        )
        return cursor.fetchone()[0]


def refresh_profile_range(lo: int, hi: int, channel_id: int | None = None) -> int:
    """The same for profiles with ``lo <= id < hi`` (backfill, rebuild).

    The CRM order rows and the stored profile-day rows are also selected by the
    range itself (``profile_id`` leads an index of both): through the profiles
    alone the planner, expecting most of a large table, hashed all the order
    rows and read all the profile-day rows for every range (~1.1 s a range of
    20,000 profiles on a 1M-order store)."""
    where = "p.id >= %(lo)s AND p.id < %(hi)s"
    if channel_id is not None:
        where += " AND p.channel_id = %(channel)s"
    sql = _refresh_sql(
        where,
        old_where="profile_id >= %(lo)s AND profile_id < %(hi)s"
        " AND profile_id IN (SELECT id FROM prof)",
        corder_extra=" AND co.profile_id >= %(lo)s AND co.profile_id < %(hi)s",
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, {"lo": lo, "hi": hi, "channel": channel_id})
        return cursor.fetchone()[0]


def channel_time_zone(channel_id: int) -> str:
    row = AnalyticsChannel.objects.filter(channel_id=channel_id).first()
    return row.time_zone if row else "UTC"


def default_time_zone(channel_id: int) -> str:
    """The zone a channel's rollups are built in: the one set before, else the
    channel's loyalty program's, else UTC."""
    row = AnalyticsChannel.objects.filter(channel_id=channel_id).first()
    if row:
        return row.time_zone
    program = LoyaltyProgram.objects.filter(channel_id=channel_id).first()
    return program.time_zone if program else "UTC"


ROLLUP_MODELS = (AnalyticsDay, AnalyticsDayGap, AnalyticsFirstOrder, AnalyticsCohort)


def rebuild(
    channel_ids: Sequence[int] | None = None,
    *,
    time_zone: str | None = None,
    chunk: int = 20000,
    progress=None,
) -> dict:
    """Empty and recompute the rollups of the given channels (all: None) from the
    CRM tables, by profile-id ranges of ``chunk``; each chunk commits on its own.
    ``time_zone`` sets the channels' zone (else :func:`default_time_zone`).
    Readers see partial figures while it runs (run it after a backfill)."""
    if time_zone is not None:
        check_time_zone(time_zone)
    channels = list(
        Channel.objects.filter(
            **({"pk__in": channel_ids} if channel_ids is not None else {})
        ).values_list("pk", flat=True)
    )
    t = tables()
    with transaction.atomic():
        for channel_id in channels:
            AnalyticsChannel.objects.update_or_create(
                channel_id=channel_id,
                defaults={
                    "time_zone": time_zone or default_time_zone(channel_id),
                    "rebuilt_at": timezone.now(),
                },
            )
        with connection.cursor() as cursor:
            if channel_ids is None:
                cursor.execute(
                    "TRUNCATE "
                    + ", ".join(
                        f'"{t[k]}"' for k in ("pday", "day", "gap", "first", "cohort")
                    )
                )
            else:
                for key in ("pday", "day", "gap", "first", "cohort"):
                    cursor.execute(
                        f'DELETE FROM "{t[key]}" WHERE channel_id = ANY(%s)',
                        [list(channels)],
                    )
    rows = 0
    for channel_id in channels:
        ids = CustomerProfile.objects.filter(channel_id=channel_id)
        bounds = ids.order_by("pk").values_list("pk", flat=True)
        lo, last = (
            bounds.first(),
            ids.order_by("-pk").values_list("pk", flat=True).first(),
        )
        if lo is None:
            continue
        while lo <= last:
            with transaction.atomic():
                rows += refresh_profile_range(lo, lo + chunk, channel_id)
            lo += chunk
            if progress:
                progress(channel_id, min(lo, last + 1) - 1, last)
    return {"channels": len(channels), "rows": rows}


def rollup_snapshot(channel_id: int) -> dict:
    """Every non-zero rollup row of a channel (tests: replayed == rebuilt)."""
    out = {}
    for model in ROLLUP_MODELS:
        fields = [f.attname for f in model._meta.concrete_fields]
        rows = model.objects.filter(channel_id=channel_id).values_list(*fields)
        value_fields = [
            i
            for i, f in enumerate(fields)
            if f
            not in (
                "channel_id",
                "day",
                "gap",
                "first_day",
                "second_offset",
                "cohort_month",
                "month_offset",
            )
        ]
        out[model.__name__] = sorted(r for r in rows if any(r[i] for i in value_fields))
    return out


def delete_trigger_sql() -> tuple[str, str]:
    """The statement trigger of migration 0016 (its function as migration 0021
    replaced it, frozen there): profile-day rows deleted with their profile (its
    ``ON DELETE CASCADE``) leave the rollups; a DELETE of rows whose profiles
    still exist (the upkeep's) returns at once."""
    t = tables()
    gone = (
        "(SELECT -1 AS s, g.* FROM crm_gone_pdays g WHERE NOT EXISTS ("
        f'SELECT 1 FROM "{t["profile"]}" p WHERE p.id = g.profile_id))'
    )
    body = (
        f"WITH src AS {gone},\n"
        f"msrc AS (SELECT -1 AS s, * FROM ({MONTHS_OF.format(src='src')}) m),\n"
        + ROLLUP_DELTAS.format(src="src", msrc="msrc", gap_cap=GAP_CAP, **t)
        + "SELECT (SELECT count(*) FROM d_day) + (SELECT count(*) FROM d_gap)"
        " + (SELECT count(*) FROM d_first) + (SELECT count(*) FROM d_cohort)"
        " INTO n;"
    )
    create = f"""
CREATE FUNCTION crm_analytics_pday_gone() RETURNS trigger
LANGUAGE plpgsql SET jit = off
AS $$
DECLARE n bigint;
BEGIN
    -- the upkeep deletes rows of profiles that still exist (or none at all):
    -- nothing to subtract then, and no statement below needs to run
    IF NOT EXISTS (
        SELECT 1 FROM crm_gone_pdays g WHERE NOT EXISTS (
            SELECT 1 FROM "{t["profile"]}" p WHERE p.id = g.profile_id)
    ) THEN
        RETURN NULL;
    END IF;
{body}
    RETURN NULL;
END
$$;
CREATE TRIGGER crm_analytics_pday_delete AFTER DELETE ON "{t["pday"]}"
    REFERENCING OLD TABLE AS crm_gone_pdays
    FOR EACH STATEMENT EXECUTE FUNCTION crm_analytics_pday_gone();
ALTER TABLE "{t["pday"]}" ADD CONSTRAINT crm_analytics_pday_profile_fk
    FOREIGN KEY (profile_id) REFERENCES "{t["profile"]}" (id) ON DELETE CASCADE;
"""
    drop = f"""
ALTER TABLE "{t["pday"]}" DROP CONSTRAINT crm_analytics_pday_profile_fk;
DROP TRIGGER crm_analytics_pday_delete ON "{t["pday"]}";
DROP FUNCTION crm_analytics_pday_gone();
"""
    return create, drop
