"""Repurchase intervals (issue 15, item 3): per channel and item (product or
category), how many customers bought it, how many more than once, and the
quartiles of the days between their consecutive purchases of it — rebuilt from
the purchase facts (``PurchaseFact``) in one set-based statement per item kind;
and, per customer, when they are next due for each item they bought.

Definitions and their plain-Python meaning: ``domain/items.py`` (the Saleor
tier checks this SQL against it on random histories).

The refresh is idempotent: an upsert of every item's figures and a delete of the
items left without an interval, in one transaction per kind (one statement
computes the figures), under an advisory lock (two refreshes never
interleave); readers see the old rows until it commits. Memory is
PostgreSQL's (``work_mem``; sorts spill to disk), nothing is read into Python.
"""

from __future__ import annotations

from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from ..core.sqltools import statement_settings
from ..core.tables import TABLES
from ..domain.items import ITEM_KINDS, OWN_INTERVALS

LOCK = "SELECT pg_advisory_xact_lock(hashtext('crm-item-analytics'))"
# the refreshes' transaction-local settings (``core.sqltools``)
WORK_MEM = "256MB"

# One sort of a kind's facts by (channel, item, customer, time): the window
# numbers each customer's purchases of the item and measures the interval from
# the previous one; the grouping by (channel, item) reads that same order. The
# result (one row per item) is a temporary table, analysed, then upserted and
# the items that left deleted — each statement planned with real row counts.
FRESH = """
CREATE TEMP TABLE crm_ri_fresh ON COMMIT DROP AS
WITH facts AS (
    SELECT pp.channel_id, f.item_id,
           row_number() OVER w AS nth,
           extract(epoch FROM f.placed_at - lag(f.placed_at) OVER w)::float8
               / 86400 AS gap
    FROM "{purchase_fact}" f JOIN "{profile}" pp ON pp.id = f.profile_id
    WHERE f.kind = %(kind)s
    WINDOW w AS (PARTITION BY pp.channel_id, f.item_id, f.profile_id
                 ORDER BY f.placed_at, f.order_id)
)
SELECT channel_id, item_id,
       count(*) FILTER (WHERE nth = 1) AS customers,
       count(*) FILTER (WHERE nth = 2) AS repeat_customers,
       count(gap) AS intervals,
       percentile_cont(ARRAY[0.25, 0.5, 0.75]::float8[])
           WITHIN GROUP (ORDER BY gap) AS q
FROM facts
GROUP BY channel_id, item_id
HAVING count(gap) > 0
"""
UPSERT = """
INSERT INTO "{repurchase_interval}" AS ri (channel_id, kind, item_id,
    customers, repeat_customers, intervals, q1_days, median_days, q3_days,
    computed_at)
SELECT channel_id, %(kind)s, item_id, customers, repeat_customers, intervals,
       q[1], q[2], q[3], %(now)s
FROM crm_ri_fresh
ON CONFLICT (channel_id, kind, item_id) DO UPDATE SET
    customers = EXCLUDED.customers,
    repeat_customers = EXCLUDED.repeat_customers,
    intervals = EXCLUDED.intervals, q1_days = EXCLUDED.q1_days,
    median_days = EXCLUDED.median_days, q3_days = EXCLUDED.q3_days,
    computed_at = EXCLUDED.computed_at
"""
# a hashed NOT IN, whatever the statistics of the target (see copurchase.py)
DELETE = """
DELETE FROM "{repurchase_interval}" ri
WHERE ri.kind = %(kind)s AND (ri.channel_id, ri.item_id) NOT IN (
    SELECT f.channel_id, f.item_id FROM crm_ri_fresh f)
"""


def refresh(now: datetime | None = None, kinds=tuple(ITEM_KINDS)) -> dict:
    """Rebuild the intervals of every channel; ``{kind: {items, removed}}``.
    Each kind in its own transaction."""
    now = now or timezone.now()
    t = TABLES
    out = {}
    for name in kinds:
        params = {"kind": ITEM_KINDS[name], "now": now}
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(LOCK)
            statement_settings(cursor, work_mem=WORK_MEM)
            cursor.execute(FRESH.format(**t), params)
            cursor.execute("ANALYZE crm_ri_fresh")
            cursor.execute(UPSERT.format(**t), params)
            items = cursor.rowcount
            cursor.execute(DELETE.format(**t), params)
            removed = cursor.rowcount
            cursor.execute("DROP TABLE crm_ri_fresh")
        out[name] = {"items": items, "removed": removed}
    return out


# One customer's items of a kind with their next due date: their own CRM order
# rows through the (profile, placed_at) index (as the ``due`` condition does for
# a profile an order just changed).
DUE = """
SELECT d.item_id, d.purchases, d.last_at, d.own, ri.median_days,
       d.last_at + make_interval(secs => 86400 * CASE WHEN d.gaps >= {own}
           THEN d.own ELSE ri.median_days END) AS due_at
FROM (
    SELECT g.item_id, count(*) AS purchases, max(g.placed_at) AS last_at,
           count(g.gap) AS gaps,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY g.gap) AS own
    FROM (
        SELECT x.item_id, o.placed_at,
               extract(epoch FROM o.placed_at - lag(o.placed_at) OVER (
                   PARTITION BY x.item_id ORDER BY o.placed_at, o.order_id))::float8
                   / 86400 AS gap
        FROM "{corder}" o
        CROSS JOIN LATERAL (SELECT DISTINCT unnest(o.{column})) x(item_id)
        WHERE o.profile_id = %(profile)s AND NOT o.cancelled
          AND x.item_id IS NOT NULL
    ) g
    GROUP BY g.item_id
) d
LEFT JOIN "{repurchase_interval}" ri
    ON ri.channel_id = %(channel)s AND ri.kind = %(kind)s AND ri.item_id = d.item_id
WHERE (d.gaps >= {own} OR ri.median_days IS NOT NULL){only}
ORDER BY due_at, d.item_id
"""
_COLUMNS = {"products": "product_ids", "categories": "category_ids"}


def due_items(
    profile_id: int, channel_id: int, kind: str, items: list[int] | None = None
) -> list[dict]:
    """The items of ``kind`` a customer (profile) bought that have a due date:
    ``item_id, purchases, last_at, own_days`` (their own median interval, None
    under ``OWN_INTERVALS`` intervals), ``median_days`` (the item's in the
    channel), ``due_at`` — soonest first."""
    only = " AND d.item_id = ANY(%(items)s::int[])" if items is not None else ""
    sql = DUE.format(own=OWN_INTERVALS, column=_COLUMNS[kind], only=only, **TABLES)
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "profile": profile_id,
                "channel": channel_id,
                "kind": ITEM_KINDS[kind],
                "items": items or [],
            },
        )
        rows = cursor.fetchall()
    return [
        {
            "item_id": item,
            "purchases": n,
            "last_at": last,
            "own_days": own if n > OWN_INTERVALS else None,
            "median_days": median,
            "due_at": due,
        }
        for item, n, last, own, median, due in rows
    ]
