"""Benchmark: crm_backfill over a synthetic store (default ~1M orders).

Runs the real management command in a child process (as a merchant would) and
reports wall time, throughput and the child's peak RSS; then runs it again to show
that a second run over the same data changes nothing.

    SALEOR_DIR=~/saleor-3.23 ~/saleor-3.23/.venv/bin/python bench/backfill.py \
        --database-url postgres://saleor:saleor@127.0.0.1:5432/crm_bench [--scale 1.0]

Targets (issue 2): 1M orders in <= 3 minutes with <= 500 MB peak RSS.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SALEOR_DIR = os.environ.get("SALEOR_DIR", str(Path.home() / "saleor-3.23"))


def manage(args, env, capture=True):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=SALEOR_DIR,
        env=env,
        check=True,
        text=True,
        capture_output=capture,
    )


def psql(url, sql):
    return subprocess.run(
        ["psql", url, "-tAc", sql], check=True, capture_output=True, text=True
    ).stdout.strip()


def timed_backfill(env, *extra):
    """Run crm_backfill in a child; return (seconds, that child's peak RSS in MB,
    its output). ``os.wait4`` gives the rusage of exactly this child."""
    with tempfile.TemporaryFile(mode="w+") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "manage.py", "crm_backfill", "--no-progress", *extra],
            cwd=SALEOR_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read()
    if proc.returncode:
        raise SystemExit(f"crm_backfill failed ({proc.returncode}):\n{text}")
    return seconds, usage.ru_maxrss / 1024, text


def _summary(out: str) -> list[str]:
    lines = out.strip().splitlines()
    start = next(
        (i for i, line in enumerate(lines) if line.startswith("CRM backfill")), 0
    )
    return lines[start:]


def _phase_seconds(out: str) -> dict:
    """The command's own time per phase, from its summary lines
    ``seconds: <phase>``."""
    phases = {}
    for line in out.splitlines():
        head, _, value = line.strip().rpartition(" ")
        if head.startswith("seconds: "):
            phases[head.removeprefix("seconds: ").strip()] = float(
                value.replace(",", "")
            )
    return phases


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://saleor:saleor@127.0.0.1:5432/crm_bench"
        ),
    )
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--out", default=str(HERE / "results" / "backfill.json"))
    args = parser.parse_args()

    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "SECRET_KEY": "bench",
        "DJANGO_SETTINGS_MODULE": "saleor.settings",
        # this checkout first, so the command measured is the code of the tree
        # the script is run from even when Saleor's venv has another checkout
        # installed (as bench/run does)
        "PYTHONPATH": os.pathsep.join([str(HERE.parent), SALEOR_DIR]),
    }
    sys.path.insert(0, str(HERE))
    from machine import machine_info

    orders = 0
    try:
        orders = int(psql(args.database_url, "SELECT count(*) FROM order_order"))
    except subprocess.CalledProcessError:
        pass
    if orders == 0:
        from synth import generate

        print(f"generating a synthetic store at scale {args.scale} ...", flush=True)
        generate(args.database_url, args.scale)
        orders = int(psql(args.database_url, "SELECT count(*) FROM order_order"))

    manage(["migrate", "saleor_crm_plugin", "-v", "0"], env)
    # a first run: the CRM's order rows and profiles (with what hangs on them:
    # purchase facts, profile-day rows) and the channel rollups emptied
    psql(
        args.database_url,
        "TRUNCATE saleor_crm_plugin_customerorder, saleor_crm_plugin_customerprofile,"
        " saleor_crm_plugin_backfillrun, saleor_crm_plugin_analyticsday,"
        " saleor_crm_plugin_analyticsdaygap, saleor_crm_plugin_analyticsfirstorder,"
        " saleor_crm_plugin_analyticscohort CASCADE",
    )
    customers = int(psql(args.database_url, "SELECT count(*) FROM account_user"))

    # What Saleor alone costs: the same command, loading Django and Saleor's
    # apps (its GraphQL schema and plugins), doing nothing (--help).
    _, baseline_rss, _ = timed_backfill(env, "--help")
    print(f"backfill of {orders:,} orders ({customers:,} accounts) ...", flush=True)
    first_s, first_rss, first_out = timed_backfill(env)
    snapshot_sql = (
        "SELECT md5(string_agg(concat_ws(',', channel_id, user_id, email, "
        "orders_count, paid_orders_count, cancelled_orders_count, "
        "total_spent_amount, total_refunded_amount, first_order_at, last_order_at),"
        " ';' ORDER BY id)) FROM saleor_crm_plugin_customerprofile"
    )
    first_hash = psql(args.database_url, snapshot_sql)
    second_s, second_rss, _ = timed_backfill(env)
    second_hash = psql(args.database_url, snapshot_sql)
    profiles = int(
        psql(
            args.database_url, "SELECT count(*) FROM saleor_crm_plugin_customerprofile"
        )
    )
    imported = int(
        psql(args.database_url, "SELECT count(*) FROM saleor_crm_plugin_customerorder")
    )

    result = {
        "benchmark": "backfill",
        "orders_in_saleor": orders,
        "orders_imported": imported,
        "profiles": profiles,
        "first_run_seconds": round(first_s, 1),
        "first_run_orders_per_second": round(orders / first_s),
        "first_run_peak_rss_mb": round(first_rss),
        "first_run_phase_seconds": _phase_seconds(first_out),
        "second_run_seconds": round(second_s, 1),
        "second_run_identical_profiles": first_hash == second_hash,
        "peak_rss_mb_any_run": round(max(first_rss, second_rss)),
        "saleor_baseline_rss_mb": round(baseline_rss),
        "targets": {"seconds": 180, "peak_rss_mb": 500},
        "machine": machine_info(SALEOR_DIR),
        # the command's own summary (not the warnings Saleor logs on start-up,
        # which name paths of the machine that ran it)
        "command_summary": _summary(first_out),
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")

    print()
    print("| backfill | value | target |")
    print("|---|---:|---:|")
    print(f"| orders in Saleor | {orders:,} | |")
    print(f"| imported / profiles | {imported:,} / {profiles:,} | |")
    print(
        f"| first run | {first_s:.1f} s ({orders / first_s:,.0f} orders/s) | <= 180 s |"
    )
    phases = ", ".join(f"{k} {v:.1f} s" for k, v in _phase_seconds(first_out).items())
    print(f"| of which, per phase | {phases} | |")
    print(f"| peak RSS (child process) | {first_rss:.0f} MB | <= 500 MB |")
    print(f"| of which Saleor loaded, idle | {baseline_rss:.0f} MB | |")
    print(
        f"| second run (idempotent) | {second_s:.1f} s, profiles identical: "
        f"{first_hash == second_hash} | |"
    )
    print(f"\nwritten {args.out}")
    if first_hash != second_hash:
        raise SystemExit("second run changed the profiles: backfill not idempotent")


if __name__ == "__main__":
    main()
