"""Benchmark: the KPI rollups and the analytics queries — over BENCH_PROFILES
customers (default 1,000,000) with 1 to 19 orders each (about 10 × BENCH_PROFILES
orders), the shape of the segments benchmark's store, but with every CRM order
row made from a Saleor order of the same ID, so that the plain-SQL answer over
Saleor's ``order_order`` and the plugin's answer can be compared number for
number.

Populated with set-based SQL (``generate_series``) into a real Saleor 3.23 schema
(real commits), bulk-table indexes dropped during the load (``synth``):

* customers in ``account_user``; their Saleor orders in ``order_order`` in the
  channel (USD), placed over the last 1,095 days at any time of day, 1 in 40
  cancelled, 1 in 10 not charged, totals 5-304;
* one CRM profile each and a CRM order row per Saleor order (one product and
  one category each; their triggers write the purchase facts);
* the profiles' figures and the rollups by ``profiles.sync.recompute_profile_range``
  and ``analytics.rollups.refresh_profile_range`` (what the backfill runs per
  range), timed, then the rollups rebuilt once more by
  ``crm_rebuild_rollups``' function (timed); the channel's days are counted in
  Asia/Tokyo.

Timed (medians of BENCH_RUNS, default 7):

* the KPI series of the last 365 days by day (``kpis.series``), and the same
  through the plugin endpoint (``crmAnalyticsKpis``, a staff client);
* the 36 × 36 cohort matrix with LTV (``kpis.cohorts``), and through the endpoint;
* the customer 360 through the endpoint (``crmCustomer360``, random customers);
* the rollup upkeep of an applied order: a new order row for a random customer,
  then ``rollups.refresh_profiles`` for that customer alone — its time and its
  statements; and, for another new order of each, the same function call's
  execution time inside the database (``EXPLAIN ANALYZE`` of the outer call:
  the server's cost without the round trip and the client's wait for a CPU);
* the same year-by-day KPIs (orders, revenue, new and active customers per day,
  active customers of the year) by plain SQL over Saleor's ``order_order``; both
  answers must agree; the ratio;
* dormant shares and the RFM-group breakdown (snapshots over the profiles).

No timing is asserted. Figures printed and written to bench/results/analytics.json.
Environment: BENCH_PROFILES, BENCH_RUNS, BENCH_OUT.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import time
import uuid
from datetime import timedelta
from pathlib import Path

import graphene
import pytest
from crm_helpers import on_crm
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from machine import machine_info
from saleor_harness import (  # noqa: F401
    pytest_addoption,
    pytest_collection_modifyitems,
    pytest_configure,
    pytest_plugins,
)
from synth import SALEOR_ORDER_INSERT, SALEOR_USER_INSERT, bulk_steps

from saleor_crm_plugin.analytics import kpis, rollups
from saleor_crm_plugin.analytics.kpis import (
    _BUCKETS,
    _DAY_SQL,
    _FIRST_SQL,
    _GAP_SQL,
    _RFM_SQL,
    _bins_sql,
)
from saleor_crm_plugin.core.tables import db_tables
from saleor_crm_plugin.domain import analytics as A
from saleor_crm_plugin.models import AnalyticsChannel, CustomerOrder, CustomerProfile
from saleor_crm_plugin.profiles.sync import recompute_profile_range
from saleor_crm_plugin.segments import rfm

HERE = Path(__file__).resolve().parent
PROFILES = int(os.environ.get("BENCH_PROFILES", "1000000"))
RUNS = int(os.environ.get("BENCH_RUNS", "7"))
OUT = Path(os.environ.get("BENCH_OUT", HERE / "results" / "analytics.json"))
TZ = "Asia/Tokyo"
TARGETS = {
    "kpi_year_by_day_ms": 200,
    "cohort_matrix_ms": 500,
    "customer_360_ms": 50,
    "upkeep_ms": 2,
    "upkeep_queries": 2,
}

USERS = (
    SALEOR_USER_INSERT
    + """SELECT false, 'an' || g || '@bench.example', false, true, '!', %(now)s, '', '',
       '{{}}', '{{}}', substr(md5('jwt' || g), 1, 12), 'en', '', %(now)s,
       md5('an' || g)::uuid, true, 1 + abs(hashtext('n' || g)) %% 19
FROM generate_series(1, %(n)s) g
"""
)
# the k-th order of customer u
SALEOR_ORDERS = (
    SALEOR_ORDER_INSERT
    + """SELECT md5('ao' || u.id || ':' || k)::uuid,
       (SELECT COALESCE(max(number), 0) FROM "{order}") + row_number() OVER (),
       %(now)s - make_interval(secs => abs(hashtext('t' || u.id || ':' || k))
                                        %% (1095 * 86400)),
       %(now)s,
       CASE WHEN abs(hashtext('c' || u.id || ':' || k)) %% 40 = 0 THEN 'canceled'
            ELSE 'fulfilled' END,
       'full',
       CASE WHEN abs(hashtext('p' || u.id || ':' || k)) %% 10 = 0 THEN 'none'
            ELSE 'full' END,
       u.id, 'en', '', u.email, 'checkout', %(currency)s, %(channel)s, 0, 0, 0, 0, '',
       1, v.total, v.total, v.total, v.total, v.total, 0, v.total, v.total, true, '',
       0, '', false, false, false, '{{}}', '{{}}'
FROM "{user}" u CROSS JOIN LATERAL generate_series(1, u.number_of_orders) k
CROSS JOIN LATERAL (
    SELECT 5 + abs(hashtext('v' || u.id || ':' || k)) %% 300 AS total) v
WHERE u.email LIKE 'an%%@bench.example';
SELECT setval(pg_get_serial_sequence('{order}', 'number'),
              GREATEST((SELECT max(number) FROM "{order}"), 1))
"""
)
PROFILES_SQL = """
INSERT INTO "{profile}" (channel_id, user_id, email, currency, created_at,
    updated_at)
SELECT %(channel)s, u.id, u.email, %(currency)s, %(now)s, %(now)s
FROM "{user}" u WHERE u.email LIKE 'an%%@bench.example'
"""
CRM_ORDERS = """
INSERT INTO "{corder}" (order_id, profile_id, channel_id, currency,
    total_amount, refunded_amount, status, placed_at, paid_at, cancelled,
    product_ids, category_ids, collection_ids, synced_at)
SELECT o.id, p.id, o.channel_id, o.currency, o.total_gross_amount, 0, o.status,
       o.created_at, CASE WHEN o.charge_status = 'full' THEN o.created_at END,
       o.status = 'canceled',
       ARRAY[1 + abs(hashtext('pr' || o.id)) %% 2000],
       ARRAY[1 + abs(hashtext('ca' || o.id)) %% 20], '{{}}', %(now)s
FROM "{order}" o
JOIN "{profile}" p ON p.user_id = o.user_id AND p.channel_id = o.channel_id
WHERE o.user_email LIKE 'an%%@bench.example'
"""

# the same KPIs by plain SQL over Saleor's orders: orders placed and not
# cancelled; revenue of charged ones; new customers by their first such order;
# active customers per day and over the whole range
PLAIN_SQL = """
WITH o AS (
    SELECT user_id, (created_at AT TIME ZONE %(tz)s)::date AS d,
           total_gross_amount AS total, charge_status
    FROM "{order}"
    WHERE channel_id = %(ch)s
      AND status NOT IN ('draft', 'unconfirmed', 'canceled', 'expired')
),
firsts AS (SELECT user_id, min(d) AS fd FROM o GROUP BY user_id),
days AS (
    SELECT d, count(*) AS orders,
           COALESCE(sum(total) FILTER (WHERE charge_status = 'full'), 0) AS revenue,
           count(DISTINCT user_id) AS active
    FROM o WHERE d BETWEEN %(a)s AND %(b)s GROUP BY d
),
news AS (SELECT fd AS d, count(*) AS new FROM firsts
         WHERE fd BETWEEN %(a)s AND %(b)s GROUP BY fd)
SELECT days.d, days.orders, days.revenue, days.active, COALESCE(news.new, 0),
       (SELECT count(DISTINCT user_id) FROM o WHERE d BETWEEN %(a)s AND %(b)s)
FROM days LEFT JOIN news ON news.d = days.d
ORDER BY days.d
"""

KPI_QUERY = """
query ($channel: String!, $gte: Date!, $lte: Date!) {
  crmAnalyticsKpis(channel: $channel, range: {gte: $gte, lte: $lte}, grain: DAY) {
    kpis { periods { start orders revenue { amount } newCustomers activeCustomers
                     returningCustomers repeatPurchaseRate f2Conversion
                     averageOrderValue { amount } secondOrderMedianDays }
           total { activeCustomers orders } }
    errors { code } } }
"""
COHORT_QUERY = """
query ($channel: String!, $gte: Date!, $lte: Date!) {
  crmAnalyticsCohorts(channel: $channel, range: {gte: $gte, lte: $lte}) {
    cohorts { cohorts { month size retention ltv { months value { amount } } } }
    errors { code } } }
"""
Q360 = """
query ($id: ID!) { crmCustomer360(customerId: $id) {
  email channels { channel
    profile { ordersCount paidOrdersCount netSpent { amount currency } lastOrderAt }
    loyalty { tier { name } nextTier { name } points { available pending expiringSoon } }
    rfm { recency frequency monetary group }
    segments { name } coupons { status ruleName grant { code expiresAt } }
    segmentEvents { kind segmentName createdAt } lastOrderIds } } }
"""


def _populate(channel, n, now) -> dict:
    t = db_tables()
    params = {
        "n": n,
        "now": now,
        "channel": channel.pk,
        "currency": channel.currency_code,
    }
    with connection.cursor() as cursor:
        steps = (
            ("users", USERS, ()),
            ("saleor_orders", SALEOR_ORDERS, (t["order"],)),
            ("profiles", PROFILES_SQL, ()),
            ("crm_orders", CRM_ORDERS, (t["corder"],)),
        )
        seconds = bulk_steps(cursor, steps, t, params)
        for table in ("user", "order", "profile", "corder"):
            cursor.execute(f'VACUUM ANALYZE "{t[table]}"')
    return seconds


def _median_ms(call, runs=RUNS):
    times, result = [], None
    call()  # warm-up
    for _ in range(runs):
        t0 = time.perf_counter()
        result = call()
        times.append((time.perf_counter() - t0) * 1000)
    return round(statistics.median(times), 1), [round(v, 1) for v in times], result


def _post(client, query, variables):
    saved = client.api_path
    try:
        response = on_crm(client).post_graphql(query, variables)
    finally:
        client.api_path = saved
    content = json.loads(response.content)
    assert "errors" not in content, content
    return content["data"]


def _explain_series(ch, start, end):
    """BENCH_EXPLAIN=1: each statement of the year-by-day series, timed alone
    (EXPLAIN ANALYZE), to see where the time goes."""
    buckets = [*A.check_range(start, end, A.DAY), A.Bucket(start, end)]
    params = {
        "starts": [b.start for b in buckets],
        "ends": [b.end for b in buckets],
        "idx": list(range(len(buckets))),
        "ch": ch.id,
        "f2": 90,
        "f2_last": ch.today() - timedelta(days=90),
    }
    bins, bin_cols = _bins_sql()
    t = rollups.tables()
    for name, sql in (("day", _DAY_SQL), ("gap", _GAP_SQL), ("first", _FIRST_SQL)):
        with connection.cursor() as cursor:
            cursor.execute("SET jit = off")
            cursor.execute(
                "EXPLAIN (ANALYZE, BUFFERS) "
                + sql.format(buckets=_BUCKETS, bins=bins, bin_cols=bin_cols, **t),
                params,
            )
            plan = [r[0] for r in cursor.fetchall()]
        print(f"\n--- {name}\n" + "\n".join(plan), flush=True)


def _explain_upkeep(channel, user_id):
    """BENCH_EXPLAIN=1: the upkeep statement of one applied order, with the plan
    the SQL function uses (generic), its triggers and its planning time."""
    profile = CustomerProfile.objects.get(user_id=user_id, channel=channel)
    body = rollups._refresh_sql("p.id = ANY($1)", old_where="profile_id = ANY($1)")
    with transaction.atomic(), connection.cursor() as cursor:
        CustomerOrder.objects.create(
            order_id=uuid.uuid4(),
            profile=profile,
            channel_id=channel.pk,
            currency="USD",
            total_amount=42,
            status="unfulfilled",
            placed_at=timezone.now(),
            paid_at=timezone.now(),
        )
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("PREPARE crm_upkeep(bigint[]) AS " + body)
        cursor.execute(
            "EXPLAIN (ANALYZE, BUFFERS) EXECUTE crm_upkeep(%s::bigint[])",
            [[profile.pk]],
        )
        plan = [r[0] for r in cursor.fetchall()]
        cursor.execute("DEALLOCATE crm_upkeep")
    print("\n--- upkeep\n" + "\n".join(plan), flush=True)


def _loadavg():
    return [round(x, 2) for x in os.getloadavg()]


@pytest.mark.django_db(transaction=True)
def test_analytics_at_scale(channel_USD, staff_api_client, permission_manage_users):
    staff_api_client.user.user_permissions.add(permission_manage_users)
    now = timezone.now()
    load = {"start": _loadavg()}
    AnalyticsChannel.objects.update_or_create(
        channel_id=channel_USD.pk, defaults={"time_zone": TZ}
    )
    t0 = time.perf_counter()
    populate = _populate(channel_USD, PROFILES, now)
    populate_s = time.perf_counter() - t0
    t = db_tables()
    lo, hi = (
        CustomerProfile.objects.order_by("pk").values_list("pk", flat=True).first(),
        CustomerProfile.objects.order_by("-pk").values_list("pk", flat=True).first(),
    )
    t0 = time.perf_counter()
    step = 20000
    for start in range(lo, hi + 1, step):
        with transaction.atomic():
            recompute_profile_range(start, start + step)
            rollups.refresh_profile_range(start, start + step)
    profiles_and_rollups_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    rebuilt = rollups.rebuild([channel_USD.pk], time_zone=TZ)
    rebuild_s = time.perf_counter() - t0
    with connection.cursor() as cursor:
        for key in ("pday", "day", "gap", "first", "cohort"):
            cursor.execute(f'VACUUM ANALYZE "{rollups.tables()[key]}"')
        sizes = {}
        for key in ("pday", "day", "gap", "first", "cohort"):
            cursor.execute(f'SELECT count(*) FROM "{rollups.tables()[key]}"')
            sizes[key] = cursor.fetchone()[0]
        cursor.execute(f'SELECT count(*) FROM "{t["corder"]}"')
        order_rows = cursor.fetchone()[0]
    load["after_populate"] = _loadavg()
    print(
        f"\npopulated in {populate_s:.1f} s {populate}; profiles + rollups "
        f"{profiles_and_rollups_s:.1f} s; rebuild {rebuild_s:.1f} s; {sizes}",
        flush=True,
    )

    ch = kpis.channel(channel_USD.slug)
    today = ch.today()
    year = (today - timedelta(days=364), today)

    series_ms, series_runs, s = _median_ms(lambda: kpis.series(ch, *year, A.DAY))
    week_ms, _, _ = _median_ms(lambda: kpis.series(ch, *year, A.WEEK))
    month_ms, _, _ = _median_ms(lambda: kpis.series(ch, *year, A.MONTH))
    variables = {"channel": ch.slug, "gte": str(year[0]), "lte": str(year[1])}
    endpoint_ms, endpoint_runs, data = _median_ms(
        lambda: _post(staff_api_client, KPI_QUERY, variables), runs=5
    )
    assert data["crmAnalyticsKpis"]["errors"] == []
    assert data["crmAnalyticsKpis"]["kpis"]["total"]["orders"] == s.total.orders

    if os.environ.get("BENCH_EXPLAIN"):
        _explain_series(ch, *year)

    cohort_range = (A.add_months(A.month_start(today), -35), today)
    cohorts_ms, cohorts_runs, cohorts = _median_ms(
        lambda: kpis.cohorts(ch, *cohort_range)
    )
    assert len(cohorts) == 36 and sum(c.size for c in cohorts) > 0
    cohorts_endpoint_ms, _, data = _median_ms(
        lambda: _post(
            staff_api_client,
            COHORT_QUERY,
            {
                "channel": ch.slug,
                "gte": str(cohort_range[0]),
                "lte": str(cohort_range[1]),
            },
        ),
        runs=5,
    )
    assert data["crmAnalyticsCohorts"]["errors"] == []
    load["after_kpis"] = _loadavg()

    # the plain-SQL answer over Saleor's orders, and the check that both agree
    plain_sql = PLAIN_SQL.format(**t)

    def plain():
        with connection.cursor() as cursor:
            cursor.execute(
                plain_sql, {"tz": TZ, "ch": channel_USD.pk, "a": year[0], "b": year[1]}
            )
            return cursor.fetchall()

    plain_ms, plain_runs, rows = _median_ms(plain, runs=3)
    by_day = {p.start: p for p in s.periods}
    for d, orders, revenue, active, new, year_active in rows:
        p = by_day[d]
        assert (p.orders, p.revenue, p.active_customers, p.new_customers) == (
            orders,
            revenue,
            active,
            new,
        ), d
    assert rows and rows[0][5] == s.total.active_customers
    assert sum(p.orders for p in s.periods) == sum(r[1] for r in rows)

    # customer 360 through the endpoint
    rng = random.Random(15)
    some = rng.sample(
        list(
            CustomerProfile.objects.filter(channel=channel_USD).values_list(
                "user_id", flat=True
            )[:5000]
        ),
        7,
    )
    c360 = []
    c360_queries = []
    for user_id in some:
        gid = graphene.Node.to_global_id("User", user_id)
        _post(staff_api_client, Q360, {"id": gid})  # warm-up
        with CaptureQueriesContext(connection) as ctx:
            t0 = time.perf_counter()
            data = _post(staff_api_client, Q360, {"id": gid})
            c360.append((time.perf_counter() - t0) * 1000)
        c360_queries.append(len(ctx.captured_queries))
        assert data["crmCustomer360"]["channels"]

    # the upkeep of an applied order: the rollup statement for one customer
    upkeep, upkeep_queries, upkeep_server = [], [], []
    for user_id in rng.sample(
        some
        + list(
            CustomerProfile.objects.filter(channel=channel_USD).values_list(
                "user_id", flat=True
            )[5000:6000]
        ),
        50,
    ):
        profile = CustomerProfile.objects.get(user_id=user_id, channel=channel_USD)
        with transaction.atomic():
            CustomerOrder.objects.create(
                order_id=uuid.uuid4(),
                profile=profile,
                channel_id=channel_USD.pk,
                currency="USD",
                total_amount=42,
                status="unfulfilled",
                placed_at=timezone.now(),
                paid_at=timezone.now(),
            )
            with CaptureQueriesContext(connection) as ctx:
                t0 = time.perf_counter()
                rollups.refresh_profiles([profile.pk])
                upkeep.append((time.perf_counter() - t0) * 1000)
            upkeep_queries.append(len(ctx.captured_queries))
            # the same call's time inside the database (the function's execution,
            # as EXPLAIN ANALYZE reports it for the outer call only): what the
            # upkeep costs the server, without the round trip and the client's
            # wait for a CPU on a loaded machine
            CustomerOrder.objects.create(
                order_id=uuid.uuid4(),
                profile=profile,
                channel_id=channel_USD.pk,
                currency="USD",
                total_amount=17,
                status="unfulfilled",
                placed_at=timezone.now(),
                paid_at=timezone.now(),
            )
            with connection.cursor() as cursor:
                cursor.execute(
                    "EXPLAIN (ANALYZE, FORMAT JSON) "
                    f"SELECT {rollups.REFRESH_FUNCTION}(%s::bigint[])",
                    [[profile.pk]],
                )
                plan = cursor.fetchone()[0]
                plan = json.loads(plan) if isinstance(plan, str) else plan
                upkeep_server.append(plan[0]["Execution Time"])

    if os.environ.get("BENCH_EXPLAIN"):
        _explain_upkeep(channel_USD, rng.choice(some))

    t0 = time.perf_counter()
    rfm.recompute(channel_USD.pk, now)
    rfm_s = time.perf_counter() - t0
    with connection.cursor() as cursor:  # as autovacuum would after a recompute
        cursor.execute(f'ANALYZE "{t["rfm_score"]}"')
    if os.environ.get("BENCH_EXPLAIN"):
        with connection.cursor() as cursor:
            cursor.execute("SET jit = off")
            cursor.execute(
                "EXPLAIN (ANALYZE, BUFFERS) " + _RFM_SQL.format(**db_tables()),
                {"ch": ch.id},
            )
            print(
                "\n--- rfm\n" + "\n".join(r[0] for r in cursor.fetchall()), flush=True
            )
    dormant_ms, _, dormant = _median_ms(lambda: kpis.dormant(ch))
    rfm_ms, _, groups = _median_ms(lambda: kpis.by_rfm_group(ch))
    load["end"] = _loadavg()

    res = {
        "profiles": PROFILES,
        "crm_order_rows": order_rows,
        "time_zone": TZ,
        "populate_seconds": round(populate_s, 1),
        "populate_steps": populate,
        "profiles_and_rollups_seconds": round(profiles_and_rollups_s, 1),
        "rollup_rebuild_seconds": round(rebuild_s, 1),
        "rebuild": rebuilt,
        "rollup_rows": sizes,
        "kpi_year_by_day_ms": series_ms,
        "kpi_year_by_day_runs": series_runs,
        "kpi_year_by_week_ms": week_ms,
        "kpi_year_by_month_ms": month_ms,
        "kpi_year_by_day_endpoint_ms": endpoint_ms,
        "kpi_year_by_day_endpoint_runs": endpoint_runs,
        "plain_sql_over_order_order_ms": plain_ms,
        "plain_sql_runs": plain_runs,
        "plain_over_plugin": round(plain_ms / series_ms, 1),
        "plain_over_plugin_endpoint": round(plain_ms / endpoint_ms, 1),
        "cohort_matrix_36x36_ms": cohorts_ms,
        "cohort_matrix_runs": cohorts_runs,
        "cohort_matrix_endpoint_ms": cohorts_endpoint_ms,
        "customer_360_endpoint_ms_median": round(statistics.median(c360), 1),
        "customer_360_endpoint_ms_runs": [round(v, 1) for v in c360],
        "customer_360_queries": c360_queries,
        "upkeep_ms_median": round(statistics.median(upkeep), 2),
        "upkeep_ms_p95": round(sorted(upkeep)[int(len(upkeep) * 0.95) - 1], 2),
        "upkeep_queries_max": max(upkeep_queries),
        "upkeep_server_ms_median": round(statistics.median(upkeep_server), 3),
        "upkeep_server_ms_p95": round(
            sorted(upkeep_server)[int(len(upkeep_server) * 0.95) - 1], 3
        ),
        "rfm_recompute_seconds": round(rfm_s, 1),
        "dormant_ms": dormant_ms,
        "dormant": {
            "buyers": dormant.buyers,
            "one_time": dormant.one_time,
            "former_regulars": dormant.former_regulars,
        },
        "rfm_breakdown_ms": rfm_ms,
        "rfm_groups": {g.key: g.customers for g in groups},
        "year_total": {
            "orders": s.total.orders,
            "active_customers": s.total.active_customers,
            "new_customers": s.total.new_customers,
            "revenue": str(s.total.revenue),
        },
        "loadavg": load,
        "targets": TARGETS,
        "machine": machine_info(os.environ.get("SALEOR_DIR")),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(res, indent=2, default=str) + "\n")
    print()
    print("=" * 90)
    print(
        f"Analytics: {PROFILES:,} customers, {order_rows:,} orders (Saleor and CRM), "
        f"days in {TZ}"
    )
    print(
        f"  populate {populate_s:.1f} s {populate}; profiles + rollups "
        f"{profiles_and_rollups_s:.1f} s; rollup rebuild {rebuild_s:.1f} s; "
        f"rows {sizes}"
    )
    print(
        f"  KPI series, 365 days by day   {series_ms:8.1f} ms (target <= 200)  "
        f"endpoint {endpoint_ms:.1f} ms; by week {week_ms:.1f}, month {month_ms:.1f}"
    )
    print(
        f"  same by plain SQL over order_order {plain_ms:8.1f} ms  -> "
        f"{res['plain_over_plugin']}x the plugin ({res['plain_over_plugin_endpoint']}x "
        "its endpoint); answers equal"
    )
    print(
        f"  cohort matrix 36x36 + LTV     {cohorts_ms:8.1f} ms (target <= 500)  "
        f"endpoint {cohorts_endpoint_ms:.1f} ms"
    )
    print(
        f"  customer 360 (endpoint)       {res['customer_360_endpoint_ms_median']:8.1f}"
        f" ms (target <= 50)  queries {c360_queries}"
    )
    print(
        f"  upkeep per applied order      {res['upkeep_ms_median']:8.2f} ms median, "
        f"p95 {res['upkeep_ms_p95']} ms, {max(upkeep_queries)} statement(s) "
        "(target <= 2 ms, <= 2); in the database "
        f"{res['upkeep_server_ms_median']} ms median, p95 {res['upkeep_server_ms_p95']}"
    )
    print(
        f"  dormant {dormant_ms:.1f} ms, RFM breakdown {rfm_ms:.1f} ms "
        f"(RFM recompute {rfm_s:.1f} s)"
    )
    print(f"  load average {load}")
    print(f"  results: {OUT}")
    print("=" * 90)
