"""The KPI rollups on real Saleor orders through the event path: kept by the
task that applies an order (one statement), corrected by refunds and
cancellations, unchanged by replayed hooks, the same after events delivered out
of order, equal to a rebuild from scratch (also by ``crm_rebuild_rollups``);
reads go to Saleor's replica alias when configured."""

# Fixtures are imported from crm_helpers and requested by name.
import importlib
import random
from datetime import timedelta
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from crm_helpers import (
    AUTHORIZE_ONLY,
    CHARGE,
    cancel,
    capture,
    fact_kinds,
    place_order,
    refund,
)
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from saleor.order.models import Order
from saleor.plugins.manager import get_plugins_manager

from saleor_crm_plugin.analytics import kpis, rollups
from saleor_crm_plugin.analytics.rollups import rebuild, rollup_snapshot
from saleor_crm_plugin.domain import analytics as A
from saleor_crm_plugin.models import (
    AnalyticsChannel,
    CustomerOrder,
    CustomerProfile,
    OrderEvent,
)
from saleor_crm_plugin.pipeline.apply import process_orders

FUNCTION_MIGRATION = importlib.import_module(
    "saleor_crm_plugin.migrations.0020_rollup_refresh_function"
)
TRIGGER_MIGRATION = importlib.import_module(
    "saleor_crm_plugin.migrations.0021_pday_gone_early_exit"
)


@pytest.fixture
def history(user_api_client, api_client, shop_usd, shop_pln, staff_orders):
    """Real orders: paid and partly refunded, unpaid, paid then cancelled, a
    fully refunded one, a guest's, and one in the PLN channel."""
    u = user_api_client
    orders = []
    o = place_order(u, shop_usd, quantity=3, token=AUTHORIZE_ONLY)
    capture(staff_orders, o)
    refund(staff_orders, o, "12.50")
    orders.append(o)
    orders.append(place_order(u, shop_usd, quantity=1, token=AUTHORIZE_ONLY))
    o = place_order(u, shop_usd, quantity=2, token=CHARGE)
    cancel(staff_orders, o)
    orders.append(o)
    o = place_order(u, shop_usd, quantity=1, token=CHARGE)
    refund(staff_orders, o, o.total_gross_amount)
    orders.append(o)
    orders.append(
        place_order(
            api_client,
            shop_usd,
            quantity=2,
            email="Rollup.Guest@Example.com",
            token=CHARGE,
        )
    )
    orders.append(place_order(u, shop_pln, quantity=2, token=CHARGE))
    return orders


def _snapshots():
    return {
        ch: rollup_snapshot(ch)
        for ch in CustomerProfile.objects.values_list("channel_id", flat=True)
    }


def _reference(channel_id):
    return [
        A.RefOrder(
            profile=r.profile_id,
            placed_at=r.placed_at,
            currency=r.currency,
            total=r.total_amount,
            refunded=r.refunded_amount,
            paid=r.paid_at is not None,
            cancelled=r.cancelled,
        )
        for r in CustomerOrder.objects.filter(channel_id=channel_id)
    ]


def test_rollups_follow_the_orders_and_equal_a_rebuild(history, channel_USD):
    assert OrderEvent.objects.filter(processed_at__isnull=True).count() == 0
    ch = kpis.channel(channel_USD.slug)
    today = ch.today()
    s = kpis.series(ch, today - timedelta(days=2), today, A.DAY)
    want = A.reference_period(
        _reference(channel_USD.pk),
        ch.currency,
        ch.time_zone,
        A.Bucket(today - timedelta(days=2), today),
        today=today,
    )
    # the account's and the guest's profiles; 4 orders not cancelled
    assert (s.total.orders, s.total.new_customers, s.total.active_customers) == (
        4,
        2,
        2,
    )
    assert (s.total.revenue, s.total.paid_orders) == (want.revenue, want.paid_orders)
    assert s.total.paid_orders == 2  # the fully refunded one is not counted
    kept = _snapshots()
    rebuild()
    assert _snapshots() == kept
    out = StringIO()
    call_command("crm_rebuild_rollups", "--no-progress", stdout=out)
    assert "Rebuilt the rollups" in out.getvalue()
    assert _snapshots() == kept


def test_refund_and_cancellation_correct_the_rollups(
    user_api_client, shop_usd, staff_orders, channel_USD
):
    o = place_order(user_api_client, shop_usd, quantity=2, token=CHARGE)
    ch = kpis.channel(channel_USD.slug)
    today = ch.today()

    def total():
        return kpis.series(ch, today, today, A.DAY).total

    before = total()
    assert (before.orders, before.paid_orders, before.revenue) == (
        1,
        1,
        o.total_gross_amount,
    )
    refund(staff_orders, o, Decimal("5.00"))
    assert total().revenue == o.total_gross_amount - Decimal("5.00")
    cancel_me = place_order(user_api_client, shop_usd, quantity=1, token=CHARGE)
    assert total().orders == 2
    cancel(staff_orders, cancel_me)
    after = total()
    assert (after.orders, after.paid_orders, after.active_customers) == (1, 1, 1)
    assert after.revenue == o.total_gross_amount - Decimal("5.00")
    kept = _snapshots()
    rebuild()
    assert _snapshots() == kept


def test_replayed_and_reordered_events_leave_the_same_rollups(
    history, django_capture_on_commit_callbacks
):
    kept = _snapshots()
    manager = get_plugins_manager(allow_replica=False)
    with django_capture_on_commit_callbacks(execute=True):
        for order in history:
            fresh = Order.objects.get(pk=order.pk)
            for kind in set(fact_kinds(order)):
                getattr(manager, f"order_{kind}")(fresh)
    assert _snapshots() == kept
    # the facts applied again (a redelivered task): the same rollups
    OrderEvent.objects.update(processed_at=None)
    process_orders([str(o.pk) for o in history])
    assert _snapshots() == kept
    # start over and deliver every order's events shuffled, orders reversed
    recorded = {o.pk: sorted(set(fact_kinds(o))) for o in history}
    CustomerProfile.objects.all().delete()
    OrderEvent.objects.all().delete()
    assert all(not any(v.values()) for v in _snapshots().values())
    rng = random.Random(15)
    with django_capture_on_commit_callbacks(execute=True):
        for order in reversed(history):
            kinds = list(recorded[order.pk])
            rng.shuffle(kinds)
            fresh = Order.objects.get(pk=order.pk)
            for kind in kinds:
                getattr(manager, f"order_{kind}")(fresh)
    assert _snapshots() == kept


def test_upkeep_is_one_statement_per_applied_batch(
    user_api_client, shop_usd, django_capture_on_commit_callbacks
):
    order = place_order(user_api_client, shop_usd, quantity=1, token=CHARGE)
    OrderEvent.objects.filter(order_id=order.pk).update(processed_at=None)
    with CaptureQueriesContext(connection) as ctx:
        process_orders([str(order.pk)])
    rollup_statements = [
        q["sql"]
        for q in ctx.captured_queries
        if "saleor_crm_plugin_analytics" in q["sql"]
        or rollups.REFRESH_FUNCTION in q["sql"]
    ]
    assert len(rollup_statements) == 1
    assert rollup_statements[0].startswith(f"SELECT {rollups.REFRESH_FUNCTION}(")


def test_the_upkeep_function_is_the_rebuild_statement():
    """The SQL function the upkeep calls (migration 0018, frozen there) is the
    statement of the rebuild and the backfill (``refresh_profile_range``) over
    a list of profile ids: the frozen text is the one the code makes today."""
    create, drop = rollups.refresh_function_sql()
    assert " ".join(FUNCTION_MIGRATION.CREATE.split()) == " ".join(create.split())
    assert " ".join(FUNCTION_MIGRATION.DROP.split()) == " ".join(drop.split())
    assert "p.id = ANY(crm_ids)" in create
    # the same statement as the rebuild's, but for the selection of the stored
    # rows (by the ids themselves, not through the selected profiles: the same
    # rows, since a deleted profile's rows are deleted with it)
    rebuild_sql = rollups._refresh_sql(
        "p.id >= %(lo)s AND p.id < %(hi)s", old_where="profile_id = ANY(crm_ids)"
    )
    assert (
        create.split("BEGIN", 1)[1]
        .replace("p.id = ANY(crm_ids)", "W")
        .split(" INTO n;")[0]
        .strip()
        == rebuild_sql.replace("p.id >= %(lo)s AND p.id < %(hi)s", "W").strip()
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.proconfig FROM pg_proc p WHERE p.proname = %s",
            [rollups.REFRESH_FUNCTION],
        )
        assert cursor.fetchone()[0] == ["jit=off", "plan_cache_mode=force_generic_plan"]


def test_the_delete_trigger_function_is_the_code_s():
    """The profile-day delete trigger's function as migration 0021 froze it is
    the one ``delete_trigger_sql`` makes today, and it is the one installed: it
    returns at once unless a deleted row's profile is gone."""
    create, _ = rollups.delete_trigger_sql()
    function = create.split("CREATE TRIGGER", 1)[0]
    frozen = TRIGGER_MIGRATION.FUNCTION.replace(
        "CREATE OR REPLACE FUNCTION", "CREATE FUNCTION", 1
    )
    assert " ".join(frozen.split()) == " ".join(function.split())
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.prosrc FROM pg_proc p WHERE p.proname = 'crm_analytics_pday_gone'"
        )
        installed = cursor.fetchone()[0]
    assert " ".join(installed.split()) == " ".join(
        function.split("AS $$", 1)[1].split("$$;", 1)[0].split()
    )
    assert "RETURN NULL;\n    END IF;" in installed


def test_time_zone_of_the_channel_decides_the_day(
    user_api_client, shop_usd, channel_USD
):
    place_order(user_api_client, shop_usd, quantity=1, token=CHARGE)
    placed = CustomerOrder.objects.get().placed_at
    for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):  # UTC+14 / UTC-11
        rebuild([channel_USD.pk], time_zone=zone)
        assert AnalyticsChannel.objects.get(channel_id=channel_USD.pk).time_zone == zone
        ch = kpis.channel(channel_USD.slug)
        day = timezone.localtime(placed, timezone=ZoneInfo(zone)).date()
        got = kpis.series(ch, day, day, A.DAY).total
        assert got.orders == 1
        other = day + timedelta(days=1 if zone == "Pacific/Pago_Pago" else -1)
        assert kpis.series(ch, other, other, A.DAY).total.orders == 0


def test_reads_use_the_replica_alias_when_configured(
    history, channel_USD, settings, monkeypatch
):
    asked = []
    real = kpis.connections

    class Spy:
        def __getitem__(self, alias):
            asked.append(alias)
            return real[alias]

    monkeypatch.setattr(kpis, "connections", Spy())
    ch = kpis.channel(channel_USD.slug)
    today = ch.today()
    with_replica = kpis.series(ch, today - timedelta(days=1), today, A.DAY)
    assert settings.DATABASE_CONNECTION_REPLICA_NAME in settings.DATABASES
    assert set(asked) == {settings.DATABASE_CONNECTION_REPLICA_NAME}
    asked.clear()
    settings.DATABASE_CONNECTION_REPLICA_NAME = "crm-no-such-replica"
    primary = kpis.series(ch, today - timedelta(days=1), today, A.DAY)
    assert set(asked) == {"default"}
    assert primary.total.orders == with_replica.total.orders > 0
