"""Co-purchases (issue 15, item 4): for each item (product or category) of a
channel, what its buyers bought in the same order (``together``) and in their
next order within ``window_days`` (``after``), with support, confidence and
lift, the top K per item — rebuilt from the purchase facts (``PurchaseFact``)
in one set-based statement per kind and relation.

Definitions and their plain-Python meaning: ``domain/items.py`` (the Saleor
tier checks this SQL against it on random histories). Ranking reads integers
only (``n_XY`` descending = confidence, ``n_Y`` ascending = lift, then the
other item's ID), so SQL and reference agree exactly.

Idempotent as the interval refresh (``repurchase.py``): an upsert of the new
top K and a delete of the pairs that left it, per kind and relation, in one
transaction per kind under the same advisory lock (readers see the old rows
until it commits). Each step is a temporary table (dropped at commit), analysed
before the next step reads it; nothing is read into Python, and memory is
PostgreSQL's (``work_mem``, temporary files beyond it).
"""

from __future__ import annotations

from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from ..core.sqltools import statement_settings
from ..core.tables import TABLES
from ..domain.items import (
    AFTER_WINDOW_DAYS,
    ITEM_KINDS,
    MIN_PAIR_ORDERS,
    RELATIONS,
    TOP_K,
)
from .repurchase import LOCK, WORK_MEM

# Each step is a temporary table, analysed before the next reads it: one
# statement over common table expressions left the planner without statistics
# (it estimated the self-join of 2M facts at 19 billion rows) and a second run
# at 100k customers did not finish in 7 minutes; with real row counts every
# join is a hash join of the sizes there are.
_FACTS = """
CREATE TEMP TABLE crm_cp_facts ON COMMIT DROP AS
SELECT pp.channel_id, f.profile_id, f.order_id, f.placed_at, f.item_id
FROM "{purchase_fact}" f JOIN "{profile}" pp ON pp.id = f.profile_id
WHERE f.kind = %(kind)s
"""
_ORDERS = """
CREATE TEMP TABLE crm_cp_orders ON COMMIT DROP AS
SELECT channel_id, order_id, min(profile_id) AS profile_id,
       min(placed_at) AS placed_at
FROM crm_cp_facts GROUP BY channel_id, order_id
"""
_ITEMS = """
CREATE TEMP TABLE crm_cp_items ON COMMIT DROP AS
SELECT channel_id, item_id, count(*) AS n FROM crm_cp_facts
GROUP BY channel_id, item_id
"""
_TOTALS = """
CREATE TEMP TABLE crm_cp_totals ON COMMIT DROP AS
SELECT channel_id, count(*) AS n FROM crm_cp_orders GROUP BY channel_id
"""
# each order followed by the customer's next (by time, then ID) within the
# window
_MOVES = """
CREATE TEMP TABLE crm_cp_moves ON COMMIT DROP AS
SELECT channel_id, order_id, next_id FROM (
    SELECT channel_id, order_id, lead(order_id) OVER w AS next_id,
           lead(placed_at) OVER w - placed_at AS gap
    FROM crm_cp_orders
    WINDOW w AS (PARTITION BY profile_id ORDER BY placed_at, order_id)) s
WHERE next_id IS NOT NULL AND gap <= make_interval(days => %(window)s)
"""
# the orders holding X and Y; the baseline of Y: the orders holding it
_TOGETHER = """
CREATE TEMP TABLE crm_cp_pairs ON COMMIT DROP AS
SELECT a.channel_id, a.item_id, b.item_id AS other_id, count(*) AS n
FROM crm_cp_facts a
JOIN crm_cp_facts b ON b.order_id = a.order_id AND b.item_id <> a.item_id
GROUP BY a.channel_id, a.item_id, b.item_id
HAVING count(*) >= %(min)s;
CREATE TEMP TABLE crm_cp_other ON COMMIT DROP AS SELECT * FROM crm_cp_items
"""
# X in an order, Y in the customer's next order within the window; the
# baseline of Y: those next orders holding it
_AFTER = """
CREATE TEMP TABLE crm_cp_pairs ON COMMIT DROP AS
SELECT m.channel_id, a.item_id, b.item_id AS other_id, count(*) AS n
FROM crm_cp_moves m
JOIN crm_cp_facts a ON a.order_id = m.order_id
JOIN crm_cp_facts b ON b.order_id = m.next_id
WHERE a.item_id <> b.item_id
GROUP BY m.channel_id, a.item_id, b.item_id
HAVING count(*) >= %(min)s;
CREATE TEMP TABLE crm_cp_other ON COMMIT DROP AS
SELECT m.channel_id, b.item_id, count(*) AS n
FROM crm_cp_moves m JOIN crm_cp_facts b ON b.order_id = m.next_id
GROUP BY m.channel_id, b.item_id
"""
_FRESH = """
CREATE TEMP TABLE crm_cp_fresh ON COMMIT DROP AS
SELECT * FROM (
    SELECT pr.channel_id, pr.item_id, pr.other_id, pr.n, x.n AS n_x, y.n AS n_y,
           t.n AS total,
           row_number() OVER (PARTITION BY pr.channel_id, pr.item_id
                              ORDER BY pr.n DESC, y.n, pr.other_id) AS rank
    FROM crm_cp_pairs pr
    JOIN crm_cp_items x ON x.channel_id = pr.channel_id AND x.item_id = pr.item_id
    JOIN crm_cp_other y ON y.channel_id = pr.channel_id AND y.item_id = pr.other_id
    JOIN crm_cp_totals t ON t.channel_id = pr.channel_id
) ranked WHERE rank <= %(top)s
"""
_UPSERT = """
INSERT INTO "{copurchase}" AS cp (channel_id, kind, relation, item_id,
    other_id, rank, orders, item_orders, other_orders, total_orders, support,
    confidence, lift, window_days, computed_at)
SELECT channel_id, %(kind)s, %(relation)s, item_id, other_id, rank, n, n_x,
       n_y, total, n::float8 / total, n::float8 / n_x,
       (n::float8 * total) / (n_x::float8 * n_y), %(window_or_null)s, %(now)s
FROM crm_cp_fresh
ON CONFLICT (kind, relation, item_id, channel_id, other_id) DO UPDATE SET
    rank = EXCLUDED.rank, orders = EXCLUDED.orders,
    item_orders = EXCLUDED.item_orders, other_orders = EXCLUDED.other_orders,
    total_orders = EXCLUDED.total_orders, support = EXCLUDED.support,
    confidence = EXCLUDED.confidence, lift = EXCLUDED.lift,
    window_days = EXCLUDED.window_days, computed_at = EXCLUDED.computed_at
"""
# NOT IN over the (analysed, NULL-free) new rows is one hashed sub-plan
# whatever the planner thinks of the target table: with NOT EXISTS, stale
# statistics of the just-refilled table (a few rows) made it a nested loop over
# the new rows per stored row (40,000 x 40,000 at 100k customers)
_DELETE = """
DELETE FROM "{copurchase}" cp
WHERE cp.kind = %(kind)s AND cp.relation = %(relation)s
  AND (cp.channel_id, cp.item_id, cp.other_id) NOT IN (
      SELECT f.channel_id, f.item_id, f.other_id FROM crm_cp_fresh f)
"""
_DROP = "DROP TABLE crm_cp_pairs, crm_cp_other, crm_cp_fresh"


def _run(cursor, sql: str, params: dict, analyze: str | None = None) -> int:
    for statement in sql.format(**TABLES).split(";"):
        if statement.strip():
            cursor.execute(statement, params)
    if analyze:
        cursor.execute(f"ANALYZE {analyze}")
    return cursor.rowcount


def refresh(
    now: datetime | None = None,
    *,
    kinds=tuple(ITEM_KINDS),
    relations=RELATIONS,
    window_days: int = AFTER_WINDOW_DAYS,
    min_orders: int = MIN_PAIR_ORDERS,
    top_k: int = TOP_K,
) -> dict:
    """Rebuild every channel's top co-purchases; ``{"<kind>/<relation>":
    {pairs, removed}}``. One transaction per kind (its facts read once), a few
    statements per relation."""
    now = now or timezone.now()
    out = {}
    for name in kinds:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(LOCK)
            statement_settings(cursor, work_mem=WORK_MEM)
            base = {
                "kind": ITEM_KINDS[name],
                "window": window_days,
                "min": min_orders,
                "top": top_k,
                "now": now,
            }
            _run(cursor, _FACTS, base, "crm_cp_facts")
            _run(cursor, _ORDERS, base, "crm_cp_orders")
            _run(cursor, _ITEMS, base, "crm_cp_items")
            _run(cursor, _TOTALS, base, "crm_cp_totals")
            if "after" in relations:
                _run(cursor, _MOVES, base, "crm_cp_moves")
            for relation in relations:
                params = {
                    **base,
                    "relation": relation,
                    "window_or_null": window_days if relation == "after" else None,
                }
                body = {"together": _TOGETHER, "after": _AFTER}[relation]
                _run(cursor, body, params, "crm_cp_pairs")
                cursor.execute("ANALYZE crm_cp_other")
                _run(cursor, _FRESH, params, "crm_cp_fresh")
                pairs = _run(cursor, _UPSERT, params)
                removed = _run(cursor, _DELETE, params)
                cursor.execute(_DROP)
                out[f"{name}/{relation}"] = {"pairs": pairs, "removed": removed}
            # dropped at commit anyway; explicitly for a caller's outer
            # transaction (the transaction above is then a savepoint)
            cursor.execute(
                "DROP TABLE IF EXISTS crm_cp_facts, crm_cp_orders,"
                " crm_cp_items, crm_cp_totals, crm_cp_moves"
            )
    return out
