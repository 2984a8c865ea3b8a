"""Benchmark: segment counts and materialization, and the RFM recompute, over
BENCH_PROFILES customers (default 1,000,000).

The population is written with set-based SQL into a real Saleor 3.23 schema
(Saleor's test database, real commits): customers in ``account_user``, one CRM
profile each in the channel with its figures (paid orders, first/last paid order,
net spent, average order value), and 1-5 CRM order rows each with the categories
bought (about 3 per customer). Then, timed:

* the live count of a five-condition segment (paid orders, last paid order more
  than 90 days ago, net spent, a category bought at least twice within a year,
  channel) — median of 5 runs;
* materializing that segment's membership (first run, then a re-run with no change);
* the RFM recompute of the channel (first run, then a re-run a day later).

No timing is asserted; the guards check that the segment matches some but not all
customers and that RFM scored everyone with a paid order. Figures printed and
written to bench/results/segments_rfm.json.

Environment: BENCH_PROFILES (default 1000000), BENCH_OUT.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone
from machine import machine_info

from saleor_crm_plugin import rfm, segments
from saleor_crm_plugin.domain.segments import normalize
from saleor_crm_plugin.models import Segment
from saleor_crm_plugin.tables import db_tables
from saleor_harness import (  # noqa: F401
    pytest_addoption,
    pytest_collection_modifyitems,
    pytest_configure,
    pytest_plugins,
)

HERE = Path(__file__).resolve().parent
PROFILES = int(os.environ.get("BENCH_PROFILES", "1000000"))
OUT = Path(os.environ.get("BENCH_OUT", HERE / "results" / "segments_rfm.json"))
TARGETS = {"count_ms": 500, "materialize_s": 10, "rfm_s": 60}


def _populate(channel, n, now):
    t = db_tables()
    sql = f"""
    INSERT INTO "{t['user']}" (is_superuser, email, is_staff, is_active, password,
        date_joined, first_name, last_name, private_metadata, metadata, jwt_token_key,
        language_code, search_document, updated_at, uuid, is_confirmed,
        number_of_orders)
    SELECT false, 'sg' || g || '@bench.example', false, true, '!', %(now)s, '', '',
           '{{}}', '{{}}', substr(md5('jwt' || g), 1, 12), 'en', '', %(now)s,
           md5('sg' || g)::uuid, true, 0
    FROM generate_series(1, %(n)s) g;

    INSERT INTO "{t['profile']}" (channel_id, user_id, email, currency, created_at,
        updated_at, orders_count, paid_orders_count, cancelled_orders_count,
        other_currency_orders_count, total_spent_amount, total_refunded_amount,
        net_spent_amount, average_order_value_amount, first_order_at, last_order_at,
        first_paid_at, last_paid_at, rfm_group)
    SELECT %(channel)s, u.id, u.email, %(currency)s, %(now)s, %(now)s,
           k.n, k.n, 0, 0, k.spent, 0, k.spent, k.spent / GREATEST(k.n, 1),
           %(now)s - make_interval(days => k.first_days),
           %(now)s - make_interval(days => k.last_days),
           %(now)s - make_interval(days => k.first_days),
           %(now)s - make_interval(days => k.last_days), ''
    FROM "{t['user']}" u
    CROSS JOIN LATERAL (
        SELECT 1 + abs(hashtext('n' || u.id)) %% 12 AS n,
               (abs(hashtext('s' || u.id)) %% 300000) / 100.0 AS spent,
               abs(hashtext('l' || u.id)) %% 700 AS last_days,
               700 + abs(hashtext('f' || u.id)) %% 400 AS first_days
    ) k
    WHERE u.email LIKE 'sg%%@bench.example';

    INSERT INTO "{t['corder']}" (order_id, profile_id, channel_id, currency,
        total_amount, refunded_amount, status, placed_at, paid_at, cancelled,
        product_ids, category_ids, collection_ids, synced_at)
    SELECT md5('so' || p.id || ':' || k)::uuid, p.id, %(channel)s, %(currency)s, 25,
           0, 'fulfilled',
           %(now)s - make_interval(days => abs(hashtext('d' || p.id || k)) %% 700),
           %(now)s - make_interval(days => abs(hashtext('d' || p.id || k)) %% 700),
           abs(hashtext('c' || p.id || k)) %% 40 = 0,
           ARRAY[1 + abs(hashtext('pr' || p.id || k)) %% 2000],
           ARRAY[1 + abs(hashtext('ca' || p.id || k)) %% 20],
           '{{}}', %(now)s
    FROM "{t['profile']}" p
    CROSS JOIN LATERAL generate_series(1, 1 + abs(hashtext('k' || p.id)) %% 5) k
    WHERE p.channel_id = %(channel)s;
    ANALYZE;
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, {"n": n, "now": now, "channel": channel.pk,
                             "currency": channel.currency_code})


FIVE_CONDITIONS = {"and": [
    {"field": "paid_orders_count", "op": "gte", "value": 2},
    {"field": "last_paid_at", "op": "more_than_days_ago", "value": 90},
    {"field": "total_spent", "op": "gte", "value": 500},
    {"bought": {"categories": [7], "min_times": 2, "within_days": 365}},
    {"field": "channel", "op": "in", "value": ["<the channel>"]},
]}


@pytest.mark.django_db(transaction=True)
def test_segments_and_rfm_at_scale(channel_USD):
    now = timezone.now()
    t0 = time.perf_counter()
    _populate(channel_USD, PROFILES, now)
    populate_s = time.perf_counter() - t0
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM "{db_tables()["corder"]}"')
        order_rows = cursor.fetchone()[0]

    raw_rule = {"and": [*FIVE_CONDITIONS["and"][:4],
                        {"field": "channel", "op": "in", "value": [channel_USD.slug]}]}
    rule = normalize(raw_rule)
    counts, result = [], None
    for _ in range(5):
        t0 = time.perf_counter()
        result = segments.count(rule, channel_USD.pk, now)
        counts.append((time.perf_counter() - t0) * 1000)
    matched, total = result
    assert 0 < matched < total

    segment = Segment.objects.create(name="bench", channel=channel_USD, rule=raw_rule)
    t0 = time.perf_counter()
    first = segments.materialize(segment, now)
    materialize_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    again = segments.materialize(segment, now)
    rematerialize_s = time.perf_counter() - t0
    assert first["members"] == matched and again["entered"] == again["exited"] == 0

    t0 = time.perf_counter()
    scored = rfm.recompute(channel_USD.pk, now)
    rfm_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    rescored = rfm.recompute(channel_USD.pk, now + timedelta(days=1))
    rfm_again_s = time.perf_counter() - t0
    assert scored["scored"] == PROFILES

    res = {
        "profiles": PROFILES, "crm_order_rows": order_rows,
        "populate_seconds": round(populate_s, 1),
        "segment": {"rule": raw_rule, "matched": matched, "total": total,
                    "count_ms_median": round(statistics.median(counts), 1),
                    "count_ms_runs": [round(c, 1) for c in counts],
                    "materialize_seconds": round(materialize_s, 2),
                    "rematerialize_seconds": round(rematerialize_s, 2)},
        "rfm": {"first": scored, "seconds": round(rfm_s, 2),
                "next_day": rescored, "next_day_seconds": round(rfm_again_s, 2)},
        "targets": TARGETS,
        "machine": machine_info(os.environ.get("SALEOR_DIR")),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(res, indent=2, default=str) + "\n")
    print()
    print("=" * 90)
    print(f"Segments and RFM: {PROFILES:,} profiles, {order_rows:,} CRM order rows "
          f"(Saleor {res['machine']['saleor']})")
    print(f"  populate (SQL)                  {populate_s:8.1f} s")
    print(f"  five-condition count, median    {res['segment']['count_ms_median']:8.1f} ms"
          f"   {matched:,} of {total:,}   (target <= {TARGETS['count_ms']} ms)")
    print(f"  materialize the segment         {materialize_s:8.2f} s   "
          f"re-run {rematerialize_s:.2f} s   (target <= {TARGETS['materialize_s']} s)")
    print(f"  RFM recompute                   {rfm_s:8.2f} s   next day "
          f"{rfm_again_s:.2f} s, {rescored['changed']:,} changed   "
          f"(target <= {TARGETS['rfm_s']} s)")
    print(f"  results: {OUT}")
    print("=" * 90)
