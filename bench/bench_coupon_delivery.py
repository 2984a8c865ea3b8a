"""Benchmark: the scheduled run of every coupon rule with email delivery, and the
sending of the emails to a real SMTP server, on a real Saleor 3.23 schema
(Saleor's test database, real commits).

1. ``test_scheduled_run_with_delivery_queueing`` — BENCH_DELIVERY_PROFILES
   customers (default 1,000,000), one CRM profile each, 90 % with the marketing
   consent in their metadata. Three active rules, all delivering by email, find
   BENCH_DELIVERY_RECIPIENTS customers together (default 100,000: 40 % / 40 % /
   20 %, disjoint):

   * ``days_without_order`` (90 days): customers who crossed the line within the
     last day;
   * ``schedule`` every 7 days over a segment (its first run is due);
   * ``segment_entry``: customers who entered a segment since the switch-on (the
     segment also holds as many members who entered before);

   and a ``birthday`` rule that finds nobody. The frequency cap (4 messages per
   30 days) and the open-codes cap (3) are on, so their checks are paid for.

   Timed, as a production run does it:

   * the periodic task's body (``tasks.run_coupon_rules``): ``run_all`` issuing
     the codes (Saleor ``VoucherCode`` rows and grants), then the enqueueing of
     the delivery tasks — Celery is pointed at a real Redis broker
     (BENCH_DELIVERY_BROKER_URL, default ``redis://127.0.0.1:6379/12``) with
     ``task_always_eager`` off, so ``send_coupon_messages_task.delay`` publishes a
     message as in production (nothing consumes it here);
   * the delivery rows: ``messaging.queue`` of each rule — the first step of each
     published ``send_coupon_messages_task`` in a worker: one ``CouponDelivery``
     per recipient, ``queued`` or ``skipped`` with the reason (here: no consent).

   "Run including delivery queueing" = the two together (target <= 60 s).

2. ``test_send_emails_to_local_smtp`` — BENCH_EMAILS (default 10,000) queued
   email deliveries sent by ``send_coupon_messages_task`` (applied in-process as a
   worker runs it) through Django's SMTP backend to an SMTP server on 127.0.0.1
   running in a process of its own (``tests/saleor_tier/crm_smtp.py``, the Saleor
   tier's server; aiosmtpd is not in Saleor's venv). First a round of
   BENCH_EMAILS_SMALL (default 2,000), then BENCH_EMAILS, in the same process: the
   resident memory during each send (sampled every 20 ms from /proc) shows
   whether memory grows with the number of messages. The server's count of
   received messages, distinct recipients and connections is checked.

No timing is asserted; the guards check counts. Figures printed and written to
bench/results/coupon_delivery.json (BENCH_COUPON_DELIVERY_OUT), with the load
average of the machine at each measurement.
"""

from __future__ import annotations

import gc
import json
import os
import resource
import subprocess
import sys
import threading
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Count
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
from saleor_crm_plugin.coupons import messaging
from saleor_crm_plugin.models import (
    CouponDelivery,
    CouponGrant,
    CouponRule,
    Segment,
)

HERE = Path(__file__).resolve().parent
PROFILES = int(os.environ.get("BENCH_DELIVERY_PROFILES", "1000000"))
RECIPIENTS = int(os.environ.get("BENCH_DELIVERY_RECIPIENTS", "100000"))
EMAILS = int(os.environ.get("BENCH_EMAILS", "10000"))
EMAILS_SMALL = int(os.environ.get("BENCH_EMAILS_SMALL", "2000"))
BROKER_URL = os.environ.get("BENCH_DELIVERY_BROKER_URL", "redis://127.0.0.1:6379/12")
OUT = Path(
    os.environ.get(
        "BENCH_COUPON_DELIVERY_OUT", HERE / "results" / "coupon_delivery.json"
    )
)
SMTP_SERVER = HERE.parent / "tests" / "saleor_tier" / "crm_smtp.py"
RUN_TARGET_S = 60
SEND_TARGET_S = 60
CONSENT = "crm.marketing_consent"


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def rss_mb() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class RssSampler:
    """The highest resident set size of this process while the block runs."""

    def __enter__(self):
        self.start = rss_mb()
        self.high = self.start
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self):
        while not self._stop.wait(0.02):
            self.high = max(self.high, rss_mb())

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.end = rss_mb()
        self.high = max(self.high, self.end)


def configure(plugin_configuration, **values):
    kept = [i for i in plugin_configuration.configuration if i["name"] not in values]
    plugin_configuration.configuration = [
        *kept,
        *({"name": k, "value": v} for k, v in values.items()),
    ]
    plugin_configuration.save()


# --- 1. the scheduled run ---------------------------------------------------------------


def populate(channel, n: int, lapse: int, scheduled: int, entering: int, now):
    """``n`` customers with a profile each (90 % consented: every tenth has no
    consent key). Profiles by id: the first ``lapse`` ordered last between 90 and
    91 days ago; the next ``scheduled`` are the members of segment A; the next
    ``entering`` entered segment B an hour ago (after the switch-on), and as many
    others are members of B who entered 30 days ago. Everyone else ordered 1-89
    or 92-700 days ago."""
    t = db_tables()
    sql = f"""
    INSERT INTO "{t["user"]}" (is_superuser, email, is_staff, is_active, password,
        date_joined, first_name, last_name, private_metadata, metadata, jwt_token_key,
        language_code, search_document, updated_at, uuid, is_confirmed,
        number_of_orders)
    SELECT false, 'cd' || g || '@bench.example', false, true, '!', %(now)s,
           'First' || g, 'Last', '{{}}',
           CASE WHEN g %% 10 = 0 THEN '{{}}'::jsonb
                ELSE jsonb_build_object(%(consent)s, 'true') END,
           substr(md5('jwt' || g), 1, 12),
           CASE WHEN g %% 2 = 0 THEN 'ja' ELSE 'en' END, '', %(now)s,
           md5('cd' || g)::uuid, true, 0
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
          FROM "{t["user"]}" u WHERE u.email LIKE 'cd%%@bench.example') u
    CROSS JOIN LATERAL (
        SELECT 1 + abs(hashtext('n' || u.id)) %% 6 AS orders,
               CASE WHEN u.rn <= %(lapse)s
                    THEN %(now)s - interval '90 days'
                         - make_interval(secs => abs(hashtext('m' || u.id)) %% 86000)
                    WHEN u.rn %% 2 = 0
                    THEN %(now)s - make_interval(days => 1 + u.rn::int %% 89)
                    ELSE %(now)s - make_interval(days => 92 + u.rn::int %% 600)
               END AS last
    ) k
    ORDER BY u.id;

    CREATE TEMP TABLE bench_rank AS
    SELECT id AS profile_id, row_number() OVER (ORDER BY id) AS rn
    FROM "{t["profile"]}" WHERE channel_id = %(channel)s;

    INSERT INTO "{t["segment_member"]}" (segment_id, profile_id, entered_at)
    SELECT %(seg_a)s, profile_id, %(now)s - interval '3 days' FROM bench_rank
    WHERE rn > %(lapse)s AND rn <= %(lapse)s + %(scheduled)s;

    INSERT INTO "{t["segment_member"]}" (segment_id, profile_id, entered_at)
    SELECT %(seg_b)s, profile_id,
           CASE WHEN rn <= %(b_new)s THEN %(now)s - interval '1 hour'
                ELSE %(now)s - interval '30 days' END
    FROM bench_rank
    WHERE rn > %(lapse)s + %(scheduled)s AND rn <= %(b_new)s + %(entering)s;

    INSERT INTO "{t["segment_event"]}" (segment_id, profile_id, kind, created_at)
    SELECT segment_id, profile_id, 'enter', entered_at
    FROM "{t["segment_member"]}" WHERE segment_id = %(seg_b)s;

    DROP TABLE bench_rank;
    ANALYZE;
    """
    seg_a = Segment.objects.create(
        name="Regulars", channel=channel, rule={"and": []}, computed_at=now
    )
    seg_b = Segment.objects.create(
        name="Dormant", channel=channel, rule={"and": []}, computed_at=now
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "n": n,
                "lapse": lapse,
                "scheduled": scheduled,
                "entering": entering,
                "b_new": lapse + scheduled + entering,
                "now": now,
                "channel": channel.pk,
                "currency": channel.currency_code,
                "consent": CONSENT,
                "seg_a": seg_a.pk,
                "seg_b": seg_b.pk,
            },
        )
    return seg_a, seg_b


def email_rule(channel, name, trigger, params, now, **values):
    return CouponRule.objects.create(
        name=name,
        channel=channel,
        status="active",
        trigger=trigger,
        trigger_params=params,
        discount_type="percentage",
        discount_value=Decimal(10),
        validity_days=30,
        activated_at=now - timedelta(days=2),
        delivery=["email"],
        **values,
    )


@pytest.fixture
def broker():
    """Celery publishing to a real Redis broker (not eager) for the test."""
    import redis
    from saleor.celeryconf import app

    client = redis.Redis.from_url(BROKER_URL)
    client.delete("celery")  # this bench's own queue in its own Redis database
    # the app reads Django's settings under the CELERY_ namespace: set those keys
    before = (app.conf.CELERY_TASK_ALWAYS_EAGER, app.conf.CELERY_BROKER_URL)
    app.conf.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.CELERY_BROKER_URL = BROKER_URL
    assert not app.conf.task_always_eager and app.conf.broker_url == BROKER_URL
    try:
        yield client
    finally:
        app.conf.CELERY_TASK_ALWAYS_EAGER, app.conf.CELERY_BROKER_URL = before
        client.delete("celery")


@pytest.mark.django_db(transaction=True)
def test_scheduled_run_with_delivery_queueing(crm_plugin_active, channel_USD, broker):
    from saleor.discount.models import VoucherCode

    from saleor_crm_plugin.coupons.tasks import run_coupon_rules

    configure(
        crm_plugin_active,
        frequency_cap_messages=4,
        frequency_cap_days=30,
        open_codes_cap=3,
    )
    now = timezone.now()
    lapse, scheduled = RECIPIENTS * 2 // 5, RECIPIENTS * 2 // 5
    entering = RECIPIENTS - lapse - scheduled
    t0 = time.perf_counter()
    seg_a, seg_b = populate(channel_USD, PROFILES, lapse, scheduled, entering, now)
    populate_s = time.perf_counter() - t0
    rules = [
        email_rule(channel_USD, "Come back", "days_without_order", {"days": 90}, now),
        email_rule(
            channel_USD,
            "Weekly regulars",
            "schedule",
            {"segment_id": seg_a.pk, "every_days": 7},
            now,
            starts_at=now - timedelta(hours=1),
        ),
        email_rule(
            channel_USD,
            "Welcome to dormant",
            "segment_entry",
            {"segment_id": seg_b.pk},
            now,
        ),
        email_rule(channel_USD, "Birthday", "birthday", {"days_before": 0}, now),
    ]

    gc.collect()
    load_before = load()
    with RssSampler() as run_rss:
        t0 = time.perf_counter()
        run_coupon_rules()  # the periodic task's body: run_all + enqueue
        run_s = time.perf_counter() - t0
    published = [json.loads(m) for m in broker.lrange("celery", 0, -1)]
    tasks = sorted((m["headers"]["task"], m["headers"]["argsrepr"]) for m in published)

    queue_s = {}
    with RssSampler() as queue_rss:
        for rule in rules:
            rule.refresh_from_db()
            t0 = time.perf_counter()
            messaging.queue(rule, now)
            queue_s[rule.name] = time.perf_counter() - t0
    load_after = load()
    total_s = run_s + sum(queue_s.values())

    # guards: every finder got its code, a delivery row for every code
    issued = dict(
        CouponGrant.objects.filter(control=False)
        .values_list("rule__name")
        .annotate(n=Count("pk"))
    )
    assert issued == {
        "Come back": lapse,
        "Weekly regulars": scheduled,
        "Welcome to dormant": entering,
    }, issued
    assert VoucherCode.objects.filter(code__startswith="CRM-").count() == RECIPIENTS
    statuses = {}
    for status, reason in CouponDelivery.objects.values_list("status", "reason"):
        statuses[f"{status}:{reason}" if reason else status] = (
            statuses.get(f"{status}:{reason}" if reason else status, 0) + 1
        )
    assert sum(statuses.values()) == RECIPIENTS
    assert statuses.get("skipped:no_consent", 0) > 0, statuses
    assert statuses.get("queued", 0) > 0, statuses
    assert {name for name, _args in tasks} == {
        "saleor_crm_plugin.tasks.send_coupon_messages_task"
    }

    res = {
        "profiles": PROFILES,
        "recipients": RECIPIENTS,
        "rules": {r.name: r.trigger for r in rules},
        "issued_per_rule": issued,
        "settings": {
            "frequency_cap": "4 per 30 days",
            "open_codes_cap": 3,
            "consent": "90 % of customers",
        },
        "populate_seconds": round(populate_s, 1),
        "run_coupon_rules_seconds": round(run_s, 2),
        "tasks_published": len(tasks),
        "task_publish": f"Celery, not eager, to Redis ({BROKER_URL.split('@')[-1]})",
        "queue_deliveries_seconds": {k: round(v, 2) for k, v in queue_s.items()},
        "queue_deliveries_total_seconds": round(sum(queue_s.values()), 2),
        "deliveries": statuses,
        "run_including_delivery_queueing_seconds": round(total_s, 2),
        "target_seconds": RUN_TARGET_S,
        "rss_mb": {
            "run_start": round(run_rss.start),
            "run_high": round(run_rss.high),
            "queue_high": round(queue_rss.high),
            "process_peak": round(peak_rss_mb()),
        },
        "load_average_before": load_before,
        "load_average_after": load_after,
        "machine": machine_info(os.environ.get("SALEOR_DIR")),
    }
    write("scheduled_run", res)
    print()
    print("=" * 90)
    print(
        f"Scheduled run of {len(rules)} rules: {RECIPIENTS:,} recipients among "
        f"{PROFILES:,} profiles (Saleor {res['machine']['saleor']})"
    )
    print(f"  populate (SQL)             {populate_s:8.1f} s")
    print(
        f"  run_coupon_rules           {run_s:8.2f} s   issue {issued} + "
        f"{len(tasks)} send tasks published to Redis"
    )
    for name, s in queue_s.items():
        print(f"  queue deliveries {name[:10]:10s}{s:8.2f} s")
    print(f"  deliveries                 {statuses}")
    print(
        f"  run incl. delivery queueing{total_s:8.2f} s   (target <= {RUN_TARGET_S} s)"
    )
    print(
        f"  RSS                        {run_rss.start:.0f} MB -> run {run_rss.high:.0f}"
        f" MB, queue {queue_rss.high:.0f} MB (process peak {peak_rss_mb():.0f} MB)"
    )
    print(f"  load average               {load_before} -> {load_after}")
    print("=" * 90)


# --- 2. sending -------------------------------------------------------------------------


@pytest.fixture
def smtp_sink(settings):
    """The Saleor tier's SMTP server in a process of its own, as Saleor's email
    backend (``EMAIL_*`` settings, what ``EMAIL_URL`` sets)."""
    import crm_smtp

    proc = subprocess.Popen(
        [sys.executable, str(SMTP_SERVER)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        port = int(proc.stdout.readline())
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = port
        settings.EMAIL_HOST_USER = ""
        settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_USE_SSL = False
        settings.DEFAULT_FROM_EMAIL = "Shop <shop@example.com>"
        yield lambda: crm_smtp.stats(port)
    finally:
        proc.stdin.close()
        proc.wait(timeout=10)


def lapsed_customers(channel, prefix: str, n: int, days: int, now) -> None:
    """``n`` consenting customers who crossed ``days`` without an order within
    the last day (half Japanese, half English)."""
    t = db_tables()
    sql = f"""
    INSERT INTO "{t["user"]}" (is_superuser, email, is_staff, is_active, password,
        date_joined, first_name, last_name, private_metadata, metadata, jwt_token_key,
        language_code, search_document, updated_at, uuid, is_confirmed,
        number_of_orders)
    SELECT false, %(prefix)s || g || '@bench.example', false, true, '!', %(now)s,
           'Name' || g, 'Family', '{{}}', jsonb_build_object(%(consent)s, 'true'),
           substr(md5(%(prefix)s || g), 1, 12),
           CASE WHEN g %% 2 = 0 THEN 'ja' ELSE 'en' END, '', %(now)s,
           md5(%(prefix)s || g)::uuid, true, 1
    FROM generate_series(1, %(n)s) g;

    INSERT INTO "{t["profile"]}" (channel_id, user_id, email, currency, created_at,
        updated_at, orders_count, paid_orders_count, cancelled_orders_count,
        other_currency_orders_count, total_spent_amount, total_refunded_amount,
        net_spent_amount, average_order_value_amount, first_order_at, last_order_at,
        first_paid_at, last_paid_at)
    SELECT %(channel)s, u.id, u.email, %(currency)s, %(now)s, %(now)s, 1, 1, 0, 0,
           40, 0, 40, 40, k.last, k.last, k.last, k.last
    FROM "{t["user"]}" u
    CROSS JOIN LATERAL (
        SELECT %(now)s - make_interval(days => %(days)s)
               - make_interval(secs => abs(hashtext('m' || u.id)) %% 86000) AS last
    ) k
    WHERE u.email LIKE %(like)s;
    ANALYZE;
    """
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "n": n,
                "prefix": prefix,
                "like": prefix + "%@bench.example",
                "days": days,
                "now": now,
                "channel": channel.pk,
                "currency": channel.currency_code,
                "consent": CONSENT,
            },
        )


@pytest.mark.django_db(transaction=True)
def test_send_emails_to_local_smtp(crm_plugin_active, channel_USD, smtp_sink, broker):
    # ``broker``: the run's own send task is published, not run eagerly; the
    # send is then applied here as a worker runs it
    now = timezone.now()
    rounds = []
    sent_before = 0
    connections_before = 0
    # each round its own customers and rule: they cross different lines
    for prefix, n, days in (("es", EMAILS_SMALL, 60), ("el", EMAILS, 90)):
        lapsed_customers(channel_USD, prefix, n, days, now)
        rule = email_rule(
            channel_USD, f"Lapsed {days}", "days_without_order", {"days": days}, now
        )
        assert coupons.run_rule(rule, now).issued == n
        t0 = time.perf_counter()
        queued = messaging.queue(rule, now)
        queue_s = time.perf_counter() - t0
        assert queued == {"queued": n, "skipped": 0}
        gc.collect()
        load_before = load()
        with RssSampler() as rss:
            t0 = time.perf_counter()
            result = messaging.send_coupon_messages_task.apply(args=[rule.pk])
            send_s = time.perf_counter() - t0
        load_after = load()
        assert result.successful(), result.traceback
        counts = result.get()
        assert counts["sent"] == n and counts["failed"] == 0, counts
        stats = smtp_sink()
        received = stats["messages"] - sent_before
        assert received == n, stats
        # every delivery recorded as sent, once
        sent_rows = CouponDelivery.objects.filter(
            rule=rule, status="sent", attempts=1, sent_at__isnull=False
        ).count()
        assert sent_rows == n
        rounds.append(
            {
                "emails": n,
                "queue_seconds": round(queue_s, 2),
                "send_seconds": round(send_s, 2),
                "emails_per_second": round(n / send_s),
                "received_by_server": received,
                "smtp_connections": stats["connections"] - connections_before - 1,
                "mean_message_bytes": round(
                    (stats["bytes"] - sum(r["bytes"] for r in rounds)) / n
                ),
                "bytes": stats["bytes"] - sum(r["bytes"] for r in rounds),
                "rss_mb_start": round(rss.start),
                "rss_mb_high": round(rss.high),
                "rss_mb_growth": round(rss.high - rss.start, 1),
                "load_average_before": load_before,
                "load_average_after": load_after,
            }
        )
        sent_before = stats["messages"]
        connections_before = stats["connections"]

    res = {
        "rounds": rounds,
        "send_batch": messaging.SEND_BATCH,
        "smtp_server": "tests/saleor_tier/crm_smtp.py in its own process, 127.0.0.1",
        "target_seconds": SEND_TARGET_S,
        "process_peak_rss_mb": round(peak_rss_mb()),
        "machine": machine_info(os.environ.get("SALEOR_DIR")),
    }
    write("send", res)
    print()
    print("=" * 90)
    print(f"Sending emails to a local SMTP server (Saleor {res['machine']['saleor']})")
    for r in rounds:
        print(
            f"  {r['emails']:6,} emails   queue {r['queue_seconds']:6.2f} s   send "
            f"{r['send_seconds']:6.2f} s ({r['emails_per_second']:,}/s)   received "
            f"{r['received_by_server']:,} over {r['smtp_connections']} connections   "
            f"RSS {r['rss_mb_start']} -> {r['rss_mb_high']} MB   load "
            f"{r['load_average_before']} -> {r['load_average_after']}"
        )
    print("=" * 90)


def write(part: str, res: dict) -> None:
    """Each test writes its part of the results file (the other part kept)."""
    data = json.loads(OUT.read_text()) if OUT.exists() else {}
    data[part] = res
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(data, indent=2, default=str) + "\n")
