"""Benchmark: the periodic tier review over 1,000,000 members.

A synthetic population is written with set-based SQL (``generate_series``) into a
real Saleor 3.23 schema (Saleor's test database, real commits): BENCH_MEMBERS
customers (default 1,000,000) in ``account_user``, one CRM profile each in the
channel, 3 CRM order rows per customer on average (some refunded, some cancelled,
some outside the 12-month window), one points award each, and a membership with a
starting tier (a third none, the rest spread over the ladder, half of them with
their retention run out). The ladder has four tiers on spend and one on paid orders.

Then ``loyalty_periodic.review_tiers`` runs once over everyone — timed, with the
process's peak RSS (``ru_maxrss``) before and after — and a second time (nobody
moves: the idempotent re-run). The metadata mirror that the review hands to Celery
workers is run and timed apart, after the review. Figures printed and written to
bench/results/tier_review.json, with the SQL statements each run sent (counted with
``connection.execute_wrapper``). No timing is asserted; the guards check that the
review reviewed everyone and moved someone.

Environment: BENCH_MEMBERS (default 1000000), BENCH_CHUNK (10000), BENCH_OUT.
"""

from __future__ import annotations

import json
import os
import resource
import time
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone
from machine import machine_info
from saleor_harness import (  # noqa: F401
    pytest_addoption,
    pytest_collection_modifyitems,
    pytest_configure,
    pytest_plugins,
)

from saleor_crm_plugin.core.tables import db_tables
from saleor_crm_plugin.loyalty import (
    metadata as loyalty_periodic_metadata,
)
from saleor_crm_plugin.loyalty import (
    periodic as loyalty_periodic,
)
from saleor_crm_plugin.models import LoyaltyProgram, Membership, Tier, TierChange

HERE = Path(__file__).resolve().parent
MEMBERS = int(os.environ.get("BENCH_MEMBERS", "1000000"))
CHUNK = int(os.environ.get("BENCH_CHUNK", "10000"))
OUT = Path(os.environ.get("BENCH_OUT", HERE / "results" / "tier_review.json"))
TARGET_SECONDS = 60.0


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class _Queries:
    """Counts the SQL statements Django sends (``connection.execute_wrapper``)."""

    def __init__(self):
        self.n = 0

    def __call__(self, execute, sql, params, many, context):
        self.n += 1
        return execute(sql, params, many, context)


def _populate(program, tiers, n, now):
    t = db_tables()
    tier_ids = [tier.pk for tier in tiers]
    sql = f"""
    INSERT INTO "{t["user"]}" (is_superuser, email, is_staff, is_active, password,
        date_joined, first_name, last_name, private_metadata, metadata, jwt_token_key,
        language_code, search_document, updated_at, uuid, is_confirmed,
        number_of_orders)
    SELECT false, 'rv' || g || '@bench.example', false, true, '!', %(now)s, '', '',
           '{{}}', '{{}}', substr(md5('jwt' || g), 1, 12), 'en', '', %(now)s,
           md5('u' || g)::uuid,
           true, 0
    FROM generate_series(1, %(n)s) g;

    CREATE TEMP TABLE rv_users AS
    SELECT id, row_number() OVER (ORDER BY id) AS g FROM "{t["user"]}"
    WHERE email LIKE 'rv%%@bench.example';

    INSERT INTO "{t["profile"]}" (channel_id, user_id, email, currency, created_at,
                                  updated_at)
    SELECT %(channel)s, id, '', %(currency)s, %(now)s, %(now)s FROM rv_users;

    INSERT INTO "{t["corder"]}" (order_id, profile_id, channel_id, currency,
        total_amount, refunded_amount, status, placed_at, paid_at, cancelled,
        product_ids, category_ids, collection_ids, synced_at)
    SELECT md5('o' || p.id || ':' || k)::uuid, p.id, %(channel)s, %(currency)s,
           (abs(hashtext('t' || p.id || k)) %% 40000) / 100.0,
           CASE WHEN abs(hashtext('r' || p.id || k)) %% 50 = 0 THEN 10 ELSE 0 END,
           'fulfilled',
           %(now)s - make_interval(days => abs(hashtext('d' || p.id || k)) %% 730),
           %(now)s - make_interval(days => abs(hashtext('d' || p.id || k)) %% 730),
           abs(hashtext('c' || p.id || k)) %% 33 = 0,
           '{{}}', '{{}}', '{{}}', %(now)s
    FROM "{t["profile"]}" p
    JOIN rv_users u ON u.id = p.user_id
    CROSS JOIN LATERAL generate_series(1, 1 + abs(hashtext('k' || p.id)) %% 5) k;

    INSERT INTO "{t["membership"]}" (program_id, user_id, tier_id, tier_since,
        retained_until, override_reason, voucher_code, mirrored_tier,
        created_at, updated_at)
    SELECT %(program)s, u.id,
           CASE WHEN u.g %% 3 = 0 THEN NULL
                ELSE (%(tiers)s::bigint[])[1 + u.g %% {len(tier_ids)}] END,
           %(now)s - interval '400 days',
           CASE WHEN u.g %% 2 = 0 THEN %(now)s - interval '1 day'
                ELSE %(now)s + interval '100 days' END,
           '', '', '', %(now)s, %(now)s
    FROM rv_users u;

    INSERT INTO "{t["points"]}" (membership_id, kind, points, order_id, available_at,
        expires_at, shortfall, operation, reason, created_at)
    SELECT m.id, 'earn', 1 + abs(hashtext('p' || m.id)) %% 2000, NULL,
           %(now)s - interval '30 days', %(now)s + interval '300 days', 0,
           'earn:bench', '', %(now)s - interval '44 days'
    FROM "{t["membership"]}" m WHERE m.program_id = %(program)s;

    DROP TABLE rv_users;
    ANALYZE;
    """
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "n": n,
                "now": now,
                "channel": program.channel_id,
                "currency": program.channel.currency_code,
                "program": program.pk,
                "tiers": tier_ids,
            },
        )


@pytest.mark.django_db(transaction=True)
def test_tier_review_of_a_million_members(channel_USD):
    now = timezone.now()
    program = LoyaltyProgram.objects.create(channel=channel_USD)
    tiers = [
        Tier.objects.create(program=program, name="Regular", rank=0, threshold=0),
        Tier.objects.create(program=program, name="Silver", rank=1, threshold=300),
        Tier.objects.create(program=program, name="Gold", rank=2, threshold=800),
        Tier.objects.create(program=program, name="Platinum", rank=3, threshold=1500),
        Tier.objects.create(
            program=program, name="Club", rank=4, metric="paid_orders", threshold=5
        ),
    ]
    start = time.perf_counter()
    _populate(program, tiers, MEMBERS, now)
    populate_s = time.perf_counter() - start
    members = Membership.objects.filter(program=program).count()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM saleor_crm_plugin_customerorder")
        orders = cursor.fetchone()[0]

    rss_before = _rss_mb()
    # member codes and the metadata mirror follow each chunk's moves in production;
    # here they are timed apart (the review is what the target is about)
    after = {"calls": 0, "seconds": 0.0, "queries": 0}
    real_after = loyalty_periodic._after_changes
    queries = _Queries()

    def timed_after(ids):
        t0, q0 = time.perf_counter(), queries.n
        real_after(ids)
        after["calls"] += 1
        after["seconds"] += time.perf_counter() - t0
        after["queries"] += queries.n - q0

    mirror_jobs = []
    with (
        mock.patch.object(loyalty_periodic, "_after_changes", timed_after),
        mock.patch(
            "saleor_crm_plugin.tasks.mirror_loyalty_metadata.delay",
            side_effect=mirror_jobs.append,
        ),
        connection.execute_wrapper(queries),
    ):
        first = loyalty_periodic.review_tiers(now + timedelta(minutes=1), chunk=CHUNK)
    first_queries = queries.n
    rss_after = _rss_mb()
    # the metadata mirror the review enqueued, as the workers would run it
    t0 = time.perf_counter()
    mirrored = sum(
        loyalty_periodic_metadata.mirror_metadata(ids) for ids in mirror_jobs
    )
    mirror_s = time.perf_counter() - t0
    changes = TierChange.objects.count()
    second_counter = _Queries()
    with connection.execute_wrapper(second_counter):
        second = loyalty_periodic.review_tiers(now + timedelta(minutes=2), chunk=CHUNK)

    assert first["reviewed"] == members == MEMBERS
    assert first["upgraded"] > 0 and first["downgraded"] > 0
    assert second["upgraded"] == second["downgraded"] == 0

    result = {
        "members": members,
        "crm_order_rows": orders,
        "chunk": CHUNK,
        "populate_seconds": round(populate_s, 1),
        "review": first,
        "review_seconds_without_follow_up": round(
            first["seconds"] - after["seconds"], 3
        ),
        "review_queries": first_queries,
        "review_queries_without_follow_up": first_queries - after["queries"],
        "follow_up": {
            "chunks_with_moves": after["calls"],
            "seconds": round(after["seconds"], 3),
            "queries": after["queries"],
            "what": "member codes re-pointed, open checkouts re-checked, "
            "mirror enqueued",
        },
        "mirror_tasks": {
            "tasks": len(mirror_jobs),
            "members_written": mirrored,
            "seconds": round(mirror_s, 3),
            "what": "metadata mirror of moved members (Celery workers)",
        },
        "tier_changes_written": changes,
        "second_run": second,
        "second_run_queries": second_counter.n,
        "peak_rss_mb_before_review": round(rss_before, 1),
        "peak_rss_mb_after_review": round(rss_after, 1),
        "target_seconds": TARGET_SECONDS,
        "target_met": first["seconds"] <= TARGET_SECONDS,
        "machine": machine_info(os.environ.get("SALEOR_DIR")),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print()
    print("=" * 90)
    print(
        f"Tier review: {members:,} members, {orders:,} CRM order rows "
        f"(Saleor {result['machine']['saleor']}, chunk {CHUNK:,})"
    )
    print(f"  populate (SQL)           {populate_s:8.1f} s")
    print(
        f"  review, first run        {first['seconds']:8.1f} s   upgraded "
        f"{first['upgraded']:,}, downgraded {first['downgraded']:,}"
        f"  (of which follow-up {after['seconds']:.1f} s)"
    )
    print(
        f"  queries, first run       {first_queries:8,}     of which follow-up "
        f"{after['queries']:,}; second run {second_counter.n:,}"
    )
    print(
        f"  metadata mirror (worker) {mirror_s:8.1f} s   {mirrored:,} customers written "
        f"by {len(mirror_jobs)} tasks"
    )
    print(f"  review, second run       {second['seconds']:8.1f} s   moved nobody")
    print(
        f"  peak RSS                 {rss_before:8.1f} MB before, {rss_after:.1f} MB "
        f"after the review  (target <= {TARGET_SECONDS:.0f} s, bounded memory)"
    )
    print(f"  results: {OUT}")
    print("=" * 90)
