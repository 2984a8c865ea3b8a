"""Benchmark: a coupon rule issuing BENCH_CODES personal codes (default 100,000)
among BENCH_COUPON_PROFILES customers (default 1,000,000), on a real Saleor 3.23
schema (Saleor's test database, real commits).

The population is written with set-based SQL: customers in ``account_user``, one
CRM profile each; BENCH_CODES of them crossed "90 days without an order" within
the last day. A ``days_without_order`` rule (15 %, valid 30 days, switched on two
days ago; no control group, so every crossing customer gets a code — the control
draw is one random() per row) then runs — timed:

* the dry run (who would receive what, estimated cost; writes nothing);
* the run that issues the codes: Saleor ``VoucherCode`` rows on a real Saleor
  voucher and the CRM grants (target: 100,000 codes in <= 30 s);
* a second run (idempotent: nothing to issue).

The guards check the counts (every crossing customer treated or held out, every
code a Saleor voucher code, codes unique). No timing is asserted. Figures printed
and written to bench/results/coupons.json.

Environment: BENCH_COUPON_PROFILES (default 1000000), BENCH_CODES (default
100000), BENCH_COUPONS_OUT.
"""

from __future__ import annotations

import json
import os
import resource
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

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
from saleor_crm_plugin.coupons import issuing as coupons
from saleor_crm_plugin.coupons import rules as coupon_rules
from saleor_crm_plugin.models import CouponGrant

HERE = Path(__file__).resolve().parent
PROFILES = int(os.environ.get("BENCH_COUPON_PROFILES", "1000000"))
CODES = int(os.environ.get("BENCH_CODES", "100000"))
OUT = Path(os.environ.get("BENCH_COUPONS_OUT", HERE / "results" / "coupons.json"))
TARGET_S = 30


def populate(channel, n: int, crossing: int, now) -> None:
    """``n`` customers with a profile each; the first ``crossing`` ordered last
    between 90 and 91 days ago, the others 1-89 or 92-700 days ago."""
    t = db_tables()
    sql = f"""
    INSERT INTO "{t["user"]}" (is_superuser, email, is_staff, is_active, password,
        date_joined, first_name, last_name, private_metadata, metadata, jwt_token_key,
        language_code, search_document, updated_at, uuid, is_confirmed,
        number_of_orders)
    SELECT false, 'cp' || g || '@bench.example', false, true, '!', %(now)s, '', '',
           '{{}}', '{{}}', substr(md5('jwt' || g), 1, 12), 'en', '', %(now)s,
           md5('cp' || g)::uuid, true, 0
    FROM generate_series(1, %(n)s) g;

    INSERT INTO "{t["profile"]}" (channel_id, user_id, email, currency, created_at,
        updated_at, orders_count, paid_orders_count, cancelled_orders_count,
        other_currency_orders_count, total_spent_amount, total_refunded_amount,
        net_spent_amount, average_order_value_amount, first_order_at, last_order_at,
        first_paid_at, last_paid_at)
    SELECT %(channel)s, u.id, u.email, %(currency)s, %(now)s, %(now)s,
           k.orders, k.orders, 0, 0, k.orders * 40, 0, k.orders * 40, 40,
           k.last, k.last, k.last, k.last
    FROM (SELECT u.*, row_number() OVER (ORDER BY u.id) AS rn
          FROM "{t["user"]}" u WHERE u.email LIKE 'cp%%@bench.example') u
    CROSS JOIN LATERAL (
        SELECT 1 + abs(hashtext('n' || u.id)) %% 6 AS orders,
               CASE WHEN u.rn <= %(crossing)s
                    THEN %(now)s - interval '90 days'
                         - make_interval(secs => abs(hashtext('m' || u.id)) %% 86000)
                    WHEN u.rn %% 2 = 0
                    THEN %(now)s - make_interval(days => 1 + u.rn::int %% 89)
                    ELSE %(now)s - make_interval(days => 92 + u.rn::int %% 600)
               END AS last
    ) k;
    ANALYZE;
    """
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "n": n,
                "crossing": crossing,
                "now": now,
                "channel": channel.pk,
                "currency": channel.currency_code,
            },
        )


@pytest.mark.django_db(transaction=True)
def test_issue_codes_at_scale(channel_USD):
    from saleor.discount.models import VoucherCode

    now = timezone.now()
    t0 = time.perf_counter()
    populate(channel_USD, PROFILES, CODES, now)
    populate_s = time.perf_counter() - t0
    rule = coupon_rules.save_rule(
        None,
        {
            "name": "Come back",
            "channel": channel_USD,
            "trigger": "days_without_order",
            "trigger_params": {"days": 90},
            "discount_type": "percentage",
            "discount_value": Decimal(15),
            "validity_days": 30,
            "control_share": Decimal(0),
        },
    )
    coupon_rules.activate(rule, now - timedelta(days=2))

    t0 = time.perf_counter()
    dry = coupons.dry_run(rule, now)
    dry_s = time.perf_counter() - t0
    assert dry.eligible == CODES and not CouponGrant.objects.exists()

    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    first = coupons.run_rule(rule, now)
    issue_s = time.perf_counter() - t0
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    again = coupons.run_rule(rule, now)
    again_s = time.perf_counter() - t0

    assert first.issued + first.held_out == CODES and again.issued == 0
    issued = CouponGrant.objects.filter(rule=rule, control=False)
    assert issued.count() == first.issued
    assert VoucherCode.objects.filter(code__in=issued.values("code")).count() == (
        first.issued
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT count(DISTINCT code) FROM "{CouponGrant._meta.db_table}"'
            " WHERE NOT control"
        )
        assert cursor.fetchone()[0] == first.issued

    res = {
        "profiles": PROFILES,
        "crossing": CODES,
        "populate_seconds": round(populate_s, 1),
        "dry_run": {
            "seconds": round(dry_s, 2),
            "eligible": dry.eligible,
            "treated": dry.treated,
            "held_out": dry.held_out,
            "estimated_cost": str(dry.estimated_cost),
        },
        "issue": {
            "seconds": round(issue_s, 2),
            "issued": first.issued,
            "held_out": first.held_out,
            "codes_per_second": round(first.issued / issue_s),
            "peak_rss_mb_before": round(rss0 / 1024),
            "peak_rss_mb_after": round(rss1 / 1024),
        },
        "second_run_seconds": round(again_s, 2),
        "target_seconds": TARGET_S,
        "machine": machine_info(os.environ.get("SALEOR_DIR")),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(res, indent=2, default=str) + "\n")
    print()
    print("=" * 90)
    print(
        f"Coupon rule: {CODES:,} crossing customers among {PROFILES:,} profiles "
        f"(Saleor {res['machine']['saleor']})"
    )
    print(f"  populate (SQL)          {populate_s:8.1f} s")
    print(
        f"  dry run                 {dry_s:8.2f} s   {dry.treated:,} treated, "
        f"{dry.held_out:,} held out, est. cost {dry.estimated_cost} "
        f"{dry.currency}"
    )
    print(
        f"  issue                   {issue_s:8.2f} s   {first.issued:,} Saleor codes "
        f"+ {first.held_out:,} hold-outs   (target <= {TARGET_S} s for "
        f"{CODES:,})"
    )
    print(f"  second run (no-op)      {again_s:8.2f} s")
    print(f"  peak RSS                {rss0 / 1024:8.0f} MB -> {rss1 / 1024:.0f} MB")
    print(f"  results: {OUT}")
    print("=" * 90)
