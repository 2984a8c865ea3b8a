"""Benchmark: the item-analytics refreshes (issue 15, items 3, 4 and 8) —
repurchase intervals and co-purchases (together / after) rebuilt from the
purchase facts — on the segments benchmark's store (``bench_segments_rfm``:
BENCH_PROFILES customers, 1 to BENCH_FACTS_MAX CRM order rows each over 700
days, their purchase facts written by the order table's triggers).

One change to that store: its orders hold one product and one category each,
which gives co-purchases "together" nothing to pair. Here each order holds 1-3
of the 2,000 products and 1-2 of the 20 categories (drawn the same way, by
hash), so the self-join of an order's facts has work to do; BENCH_BASKET=1
keeps the segments store's single-item orders.

Timed: each refresh's first run (empty tables) and a second run (idempotent:
same rows, nothing removed), per kind and relation (each call reads the kind's
facts again); then both daily tasks' calls as they run them (all kinds and
relations, a kind's facts read once); then the live count of
the two segment conditions built on them (``due`` and ``bought_not`` with the
top co-purchases), median of 3. Load average before and after. No timing is
asserted; the guards check that the tables were filled and the second run
changed nothing. Figures printed and written to
bench/results/item_analytics.json (BENCH_OUT).

Target (issue 15): co-purchase and interval refresh <= 5 min (at 1M profiles /
10M order rows; this run: BENCH_PROFILES).
"""

from __future__ import annotations

import json
import os
import statistics
import time
from pathlib import Path

import bench_segments_rfm as segments_bench
import pytest
import segments_store
from django.db import connection
from django.utils import timezone
from machine import machine_info
from saleor_harness import (  # noqa: F401
    pytest_addoption,
    pytest_collection_modifyitems,
    pytest_configure,
    pytest_plugins,
)

from saleor_crm_plugin.analytics import copurchase, repurchase
from saleor_crm_plugin.core.tables import db_tables
from saleor_crm_plugin.domain.segments import normalize
from saleor_crm_plugin.models import CoPurchase, RepurchaseInterval
from saleor_crm_plugin.segments import membership as segments

HERE = Path(__file__).resolve().parent
OUT = Path(os.environ.get("BENCH_OUT", HERE / "results" / "item_analytics.json"))
BASKET = int(os.environ.get("BENCH_BASKET", "3"))
TARGET_S = 300

# the segments store's order rows, with 1-BASKET products and 1-2 categories
BASKET_ORDERS = segments_store.CRM_ORDERS.replace(
    "ARRAY[1 + abs(hashtext('pr' || p.id || k)) %% 2000]",
    "ARRAY(SELECT DISTINCT 1 + abs(hashtext('pr' || p.id || k || ':' || j)) %% 2000"
    " FROM generate_series(1, 1 + abs(hashtext('np' || p.id || k)) %% {basket}) j)",
).replace(
    "ARRAY[1 + abs(hashtext('ca' || p.id || k)) %% 20]",
    "ARRAY(SELECT DISTINCT 1 + abs(hashtext('ca' || p.id || k || ':' || j)) %% 20"
    " FROM generate_series(1, 1 + abs(hashtext('nc' || p.id || k)) %% 2) j)",
)

assert BASKET_ORDERS.count("generate_series(1, 1 + abs(hashtext('n") == 2, (
    "the segments store's order rows changed: update BASKET_ORDERS"
)


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _timed(call):
    t0 = time.perf_counter()
    result = call()
    return round(time.perf_counter() - t0, 2), result


def _count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM "{table}"')
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_item_analytics_refresh_at_scale(channel_USD):
    now = timezone.now()
    if BASKET > 1:
        segments_store.CRM_ORDERS = BASKET_ORDERS.replace("{basket}", str(BASKET))
    load_before_populate = _load()
    populate_s, steps = _timed(
        lambda: segments_store.populate(
            channel_USD,
            segments_bench.PROFILES,
            now,
            facts_max=segments_bench.FACTS_MAX,
        )
    )
    t = db_tables()
    order_rows, facts = _count(t["corder"]), _count(t["purchase_fact"])

    runs, loads = {}, {"before_refresh": _load()}
    runs["intervals_first"] = _timed(lambda: repurchase.refresh(now))
    runs["intervals_second"] = _timed(lambda: repurchase.refresh(now))
    loads["after_intervals"] = _load()
    for relation in ("together", "after"):
        for kind in ("products", "categories"):
            key = f"copurchases_{kind}_{relation}"

            def run(k=kind, r=relation):
                return copurchase.refresh(now, kinds=(k,), relations=(r,))

            runs[key + "_first"] = _timed(run)
            runs[key + "_second"] = _timed(run)
    loads["after_copurchases"] = _load()
    # what the daily tasks run: every kind and relation in one call each (a
    # kind's facts read once for both relations)
    runs["task_intervals"] = _timed(lambda: repurchase.refresh(now))
    runs["task_copurchases"] = _timed(lambda: copurchase.refresh(now))
    loads["after_tasks"] = _load()
    intervals = RepurchaseInterval.objects.count()
    pairs = CoPurchase.objects.count()
    assert intervals > 0 and pairs > 0
    assert all(v["removed"] == 0 for v in runs["intervals_second"][1].values())
    for key, (_, result) in runs.items():
        if key.startswith("copurchases") and key.endswith("_second"):
            assert all(v["removed"] == 0 for v in result.values()), key

    # the two segment conditions on this data: a product's buyers due within 30
    # days; buyers of a category who lack its top 3 "together" co-purchases
    rules = {
        "due_product_within_30_days": {"due": {"products": [7], "within_days": 30}},
        "due_category_within_30_days": {"due": {"categories": [7], "within_days": 30}},
        "bought_category_not_top3": {"bought_not": {"categories": [7], "top": 3}},
    }
    counts = {}
    for name, raw in rules.items():
        rule = normalize(raw)
        ms, result = [], None
        for _ in range(3):
            t0 = time.perf_counter()
            result = segments.count(rule, channel_USD.pk, now)
            ms.append((time.perf_counter() - t0) * 1000)
        counts[name] = {
            "rule": raw,
            "matched": result[0],
            "total": result[1],
            "ms_median": round(statistics.median(ms), 1),
            "ms_runs": [round(v, 1) for v in ms],
        }

    seconds = {key: s for key, (s, _) in runs.items()}
    refresh_total = sum(s for key, s in seconds.items() if key.endswith("_first"))
    task_total = seconds["task_intervals"] + seconds["task_copurchases"]
    res = {
        "profiles": segments_bench.PROFILES,
        "crm_order_rows": order_rows,
        "purchase_fact_rows": facts,
        "basket_max_products": BASKET,
        "populate_seconds": populate_s,
        "populate_steps": steps,
        "refresh_seconds": seconds,
        "refresh_results": {key: result for key, (_, result) in runs.items()},
        "first_refresh_total_seconds": round(refresh_total, 1),
        "task_refresh_total_seconds": round(task_total, 1),
        "rows": {"repurchase_intervals": intervals, "copurchases": pairs},
        "segment_counts": counts,
        "load_average": {
            "before_populate": load_before_populate,
            **loads,
            "end": _load(),
        },
        "target_seconds": TARGET_S,
        "machine": machine_info(os.environ.get("SALEOR_DIR")),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(res, indent=2, default=str) + "\n")
    print()
    print("=" * 90)
    print(
        f"Item analytics: {segments_bench.PROFILES:,} profiles, {order_rows:,} CRM order "
        f"rows, {facts:,} purchase facts (baskets of 1-{BASKET} products)"
    )
    print(f"  populate {populate_s:.1f} s")
    for key, s in seconds.items():
        print(f"  {key:45s} {s:8.2f} s")
    print(
        f"  all first refreshes                           {refresh_total:8.1f} s"
        f"   (target <= {TARGET_S} s)"
    )
    print(f"  both daily tasks (third run)                  {task_total:8.1f} s")
    print(f"  rows: {intervals:,} intervals, {pairs:,} co-purchases")
    for name, c in counts.items():
        print(
            f"  count {name:38s} {c['ms_median']:8.1f} ms  {c['matched']:,} of "
            f"{c['total']:,}"
        )
    print(f"  load average: {res['load_average']}")
    print(f"  results: {OUT}")
    print("=" * 90)
