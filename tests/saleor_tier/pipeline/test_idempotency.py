"""Replayed hooks change nothing; facts arriving out of order end in the same
profile; a redelivered processing task is harmless."""

# Fixtures are imported from crm_helpers and requested by name.
import random

import pytest
from crm_helpers import (
    AUTHORIZE_ONLY,
    CHARGE,
    cancel,
    capture,
    fact_kinds,
    figures,
    place_order,
    profile_of,
    refund,
)
from saleor.order.models import Order
from saleor.plugins.manager import get_plugins_manager

from saleor_crm_plugin.core.config import PLUGIN_ID
from saleor_crm_plugin.models import (
    CustomerOrder,
    CustomerProfile,
    HookFailure,
    OrderEvent,
)
from saleor_crm_plugin.pipeline.apply import process_order_events, process_orders
from saleor_crm_plugin.pipeline.tasks import process_pending_events


def _crm_state():
    """Everything the CRM stores about orders, minus bookkeeping timestamps."""
    return {
        "facts": sorted(
            OrderEvent.objects.values_list(
                "id", "order_id", "kind", "dedupe_key", "source", "processed_at"
            ),
            key=repr,
        ),
        "orders": sorted(
            CustomerOrder.objects.values_list(
                "order_id",
                "profile_id",
                "currency",
                "total_amount",
                "refunded_amount",
                "status",
                "placed_at",
                "paid_at",
                "cancelled",
                "product_ids",
            ),
            key=repr,
        ),
        "failures": list(HookFailure.objects.values_list("hook", "order_id")),
        "profiles": sorted(
            (
                (p.pk, p.user_id, p.email, p.channel_id, tuple(figures(p).items()))
                for p in CustomerProfile.objects.all()
            ),
            key=repr,
        ),
    }


@pytest.fixture
def history(user_api_client, shop_usd, staff_orders):
    """Three real orders: paid and partly refunded; authorised only; cancelled."""
    refunded = place_order(user_api_client, shop_usd, quantity=3, token=AUTHORIZE_ONLY)
    capture(staff_orders, refunded)
    refund(staff_orders, refunded, "12.50")
    unpaid = place_order(user_api_client, shop_usd, quantity=1, token=AUTHORIZE_ONLY)
    cancelled = place_order(user_api_client, shop_usd, quantity=2, token=CHARGE)
    cancel(staff_orders, cancelled)
    return [refunded, unpaid, cancelled]


def _replay(call, orders, django_capture_on_commit_callbacks):
    """Deliver again every hook already recorded for the orders, with the orders
    as Saleor holds them now."""
    calls = 0
    with django_capture_on_commit_callbacks(execute=True):
        for order in orders:
            fresh = Order.objects.get(pk=order.pk)
            for kind in set(fact_kinds(order)):
                call(kind, fresh)
                calls += 1
    return calls


def test_replaying_hooks_through_the_manager_changes_nothing(
    history, customer_user, channel_USD, django_capture_on_commit_callbacks
):
    before = _crm_state()
    profile = profile_of(customer_user, channel_USD)
    assert (profile.orders_count, profile.cancelled_orders_count) == (2, 1)
    assert len(before["facts"]) == 5 + 2 + 5

    manager = get_plugins_manager(allow_replica=False)

    def via_manager(kind, order):
        getattr(manager, f"order_{kind}")(order)

    for _ in range(2):
        assert _replay(via_manager, history, django_capture_on_commit_callbacks) == 12
        assert _crm_state() == before


def test_replaying_hooks_on_the_plugin_directly_changes_nothing(
    history, django_capture_on_commit_callbacks
):
    before = _crm_state()
    plugin = get_plugins_manager(allow_replica=False).get_plugin(PLUGIN_ID)

    def via_plugin(kind, order):
        assert getattr(plugin, f"order_{kind}")(order, "previous") == "previous"

    _replay(via_plugin, history, django_capture_on_commit_callbacks)
    _replay(via_plugin, history, django_capture_on_commit_callbacks)
    assert _crm_state() == before


def test_redelivered_processing_is_harmless(history, customer_user, channel_USD):
    before = _crm_state()
    for order in history:
        # The task again (a broker redelivery): nothing pending, nothing done.
        assert process_order_events.apply(args=[str(order.pk)]).get() == 0
    assert _crm_state() == before

    # Even if the facts were applied again, the set-based SQL is idempotent (the
    # payment date recorded the first time is kept).
    OrderEvent.objects.update(processed_at=None)
    touched = process_orders([str(o.pk) for o in history])
    assert touched == [profile_of(customer_user, channel_USD).pk]
    after = _crm_state()
    assert after["orders"] == before["orders"]
    assert after["profiles"] == before["profiles"]
    assert process_pending_events() == 0  # everything is processed again


ORDER_OF_EVENTS = ["created", "confirmed", "paid", "fully_paid", "cancelled"]


def _deliver(kinds, order, django_capture_on_commit_callbacks):
    manager = get_plugins_manager(allow_replica=False)
    with django_capture_on_commit_callbacks(execute=True):
        for kind in kinds:
            getattr(manager, f"order_{kind}")(order)


def _profile_snapshot(user, channel):
    profile = profile_of(user, channel)
    result = figures(profile)
    # When the CRM saw the payment is the processing time, not Saleor's; compare
    # whether there is one.
    result["first_paid_at"] = result["first_paid_at"] is not None
    result["last_paid_at"] = result["last_paid_at"] is not None
    return result


@pytest.mark.parametrize("seed", [None, 1, 2, 3])
def test_events_out_of_order_end_in_the_same_profile(
    seed,
    user_api_client,
    shop_usd,
    staff_orders,
    customer_user,
    channel_USD,
    django_capture_on_commit_callbacks,
):
    # A paid order and a cancelled (after payment) one, in the natural order.
    kept = place_order(user_api_client, shop_usd, quantity=1, token=CHARGE)
    dropped = place_order(user_api_client, shop_usd, quantity=4, token=CHARGE)
    cancel(staff_orders, dropped)
    expected = _profile_snapshot(customer_user, channel_USD)
    assert expected["orders_count"] == 1
    assert expected["cancelled_orders_count"] == 1
    assert expected["total_spent"] == kept.total_gross_amount

    # Start the CRM over and deliver the same events in another order: the
    # cancellation before the payments (reversed), or shuffled.
    CustomerProfile.objects.all().delete()
    OrderEvent.objects.all().delete()
    kinds = list(reversed(ORDER_OF_EVENTS))
    if seed is not None:
        random.Random(seed).shuffle(kinds)
    for order in (dropped, kept):
        fresh = Order.objects.get(pk=order.pk)
        _deliver(
            [k for k in kinds if k != "cancelled" or order is dropped],
            fresh,
            django_capture_on_commit_callbacks,
        )
    assert _profile_snapshot(customer_user, channel_USD) == expected
    assert sorted(fact_kinds(dropped)) == sorted(ORDER_OF_EVENTS)
    assert not OrderEvent.objects.filter(processed_at__isnull=True).exists()


def test_cancellation_processed_before_the_payment_fact(
    user_api_client,
    shop_usd,
    staff_orders,
    customer_user,
    channel_USD,
    django_capture_on_commit_callbacks,
):
    """The payment hook was recorded but its processing lagged (worker down); the
    cancellation is processed first. The late payment fact does not revive the
    order."""
    order = place_order(user_api_client, shop_usd, quantity=2, token=CHARGE)
    cancel(staff_orders, order)
    expected = _profile_snapshot(customer_user, channel_USD)
    assert expected["cancelled_orders_count"] == 1
    assert expected["orders_count"] == 0

    CustomerProfile.objects.all().delete()
    OrderEvent.objects.all().delete()
    fresh = Order.objects.get(pk=order.pk)
    _deliver(["created", "cancelled"], fresh, django_capture_on_commit_callbacks)
    assert _profile_snapshot(customer_user, channel_USD) == expected
    # The payment facts arrive late (stale order instance, as the hook saw it).
    _deliver(["paid", "fully_paid"], order, django_capture_on_commit_callbacks)
    assert _profile_snapshot(customer_user, channel_USD) == expected
    assert fact_kinds(order) == ["cancelled", "created", "fully_paid", "paid"]
