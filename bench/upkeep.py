"""Benchmark: the KPI rollups' upkeep of an applied order, A/B, on a store that
``bench/backfill.py`` has backfilled (profiles, CRM order rows, rollups).

The same method as ``bench_analytics.py``: a new CRM order row for a random
customer, then the rollup refresh of that customer alone, timed, with its
statements counted — alternately (A) the upkeep statement sent as text, as the
pipeline did before migration 0020, and (B) the SQL function the pipeline calls
now (``rollups.refresh_profiles``), so both see the same machine load. Each
iteration is rolled back: the store is left as it was.

    SALEOR_DIR=~/saleor-3.23 ~/saleor-3.23/.venv/bin/python bench/upkeep.py \\
        --database-url postgres://saleor:saleor@127.0.0.1:5432/crm_bench [--n 50]

Target (issue 15, item 8): <= 2 ms and <= 2 statements added to the task that
applies an order. Results: bench/results/upkeep.json (with the load average).
"""

import argparse
import json
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
SALEOR_DIR = os.environ.get("SALEOR_DIR", str(Path.home() / "saleor-3.23"))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://saleor:saleor@127.0.0.1:5432/crm_bench"
        ),
    )
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--out", default=str(HERE / "results" / "upkeep.json"))
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("SECRET_KEY", "bench")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saleor.settings")
    # this checkout first, then Saleor
    sys.path[:0] = [str(HERE.parent), SALEOR_DIR, str(HERE)]
    import django

    django.setup()
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from machine import machine_info

    from saleor_crm_plugin.analytics import rollups
    from saleor_crm_plugin.models import CustomerOrder, CustomerProfile

    def as_text(ids):
        with connection.cursor() as cursor:
            cursor.execute(
                rollups._refresh_sql("p.id = ANY(%(ids)s)"), {"ids": sorted(set(ids))}
            )
            return cursor.fetchone()[0]

    ways = {"text_statement": as_text, "sql_function": rollups.refresh_profiles}
    profiles = list(
        CustomerProfile.objects.order_by("pk").values_list(
            "pk", "channel_id", "currency"
        )[:20000]
    )
    if not profiles:
        raise SystemExit("no profiles: run bench/backfill.py on this database first")
    rng = random.Random(15)
    times = {k: [] for k in ways}
    statements = {k: [] for k in ways}
    load_start = [round(x, 2) for x in os.getloadavg()]
    warmup = 10
    for i in range(warmup + 2 * args.n):
        name = list(ways)[i % 2]
        pk, channel_id, currency = rng.choice(profiles)
        with transaction.atomic():
            CustomerOrder.objects.create(
                order_id=uuid.uuid4(),
                profile_id=pk,
                channel_id=channel_id,
                currency=currency,
                total_amount=42,
                status="unfulfilled",
                placed_at=timezone.now(),
                paid_at=timezone.now(),
            )
            with CaptureQueriesContext(connection) as ctx:
                t0 = time.perf_counter()
                ways[name]([pk])
                ms = (time.perf_counter() - t0) * 1000
            transaction.set_rollback(True)
        if i >= warmup:
            times[name].append(ms)
            statements[name].append(len(ctx.captured_queries))
    result = {
        "benchmark": "rollup_upkeep",
        "profiles_in_store": CustomerProfile.objects.count(),
        "crm_order_rows": CustomerOrder.objects.count(),
        "runs_each": args.n,
        **{
            name: {
                "median_ms": round(statistics.median(v), 2),
                "p95_ms": round(sorted(v)[int(len(v) * 0.95) - 1], 2),
                "statements_max": max(statements[name]),
                "runs_ms": [round(x, 2) for x in v],
            }
            for name, v in times.items()
        },
        "loadavg": {"start": load_start, "end": [round(x, 2) for x in os.getloadavg()]},
        "targets": {"upkeep_ms": 2, "upkeep_statements": 2},
        "machine": machine_info(SALEOR_DIR),
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    for name in ways:
        r = result[name]
        print(
            f"{name:15} median {r['median_ms']:.2f} ms, p95 {r['p95_ms']:.2f} ms, "
            f"{r['statements_max']} statement(s)"
        )
    print(f"load average {result['loadavg']}; written {args.out}")


if __name__ == "__main__":
    main()
