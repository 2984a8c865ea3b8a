"""Every hook the plugin wires fires from Saleor and is recorded: the eight order
kinds, checkout activity of a signed-in customer, account creation/update (guest
orders linked, email kept in step), and the plugin switched off."""

# Fixtures are imported from crm_helpers and requested by name.
from datetime import timedelta

import pytest
from crm_helpers import (
    AUTHORIZE_ONLY,
    CHARGE,
    CHECKOUT_LINES_ADD,
    CRM_MY_PROFILE,
    CUSTOMER_UPDATE,
    ORDER_CONFIRM,
    cancel,
    capture,
    create_checkout,
    crm_post,
    fact_kinds,
    fulfill_all,
    gid,
    gql,
    ok,
    place_order,
    profile_of,
    refund,
)
from saleor.checkout.models import Checkout
from saleor.plugins.base_plugin import BasePlugin
from saleor.plugins.manager import get_plugins_manager

from saleor_crm_plugin.core.config import PLUGIN_ID
from saleor_crm_plugin.models import (
    CustomerOrder,
    CustomerProfile,
    EventSource,
    OrderEvent,
    OrderEventKind,
)
from saleor_crm_plugin.plugin import CRMPlugin

ORDER_KINDS = [k for k in OrderEventKind.values if k != OrderEventKind.BACKFILLED]


def test_plugin_overrides_every_hook_it_documents():
    for name in [f"order_{kind}" for kind in ORDER_KINDS] + [
        "checkout_created",
        "checkout_updated",
        "customer_created",
        "customer_updated",
        "customer_deleted",
        "account_deleted",
        "webhook",
    ]:
        # defined by the CRM plugin, under a name Saleor's plugin manager calls
        assert name in vars(CRMPlugin), name
        assert name in BasePlugin.__annotations__ or name in vars(BasePlugin), name
    assert len(ORDER_KINDS) == 8


def test_every_order_hook_fires_through_saleors_api(
    user_api_client, customer_user, shop_usd, staff_orders, warehouse, channel_USD
):
    first = place_order(user_api_client, shop_usd, quantity=2, token=AUTHORIZE_ONLY)
    capture(staff_orders, first)
    fulfill_all(staff_orders, first, warehouse)
    first.refresh_from_db()
    assert first.status == "fulfilled"
    refund(staff_orders, first, first.total_gross_amount)
    second = place_order(user_api_client, shop_usd, quantity=1, token=AUTHORIZE_ONLY)
    cancel(staff_orders, second)

    assert fact_kinds(first) == sorted(
        [
            "created",
            "confirmed",
            "paid",
            "fully_paid",
            "fulfilled",
            "refunded",
            "fully_refunded",
        ]
    )
    assert fact_kinds(second) == ["cancelled", "confirmed", "created"]
    recorded = set(OrderEvent.objects.values_list("kind", flat=True))
    assert recorded == set(ORDER_KINDS)
    # All from hooks, all applied to the profile by the (eager) task.
    assert set(OrderEvent.objects.values_list("source", flat=True)) == {
        EventSource.HOOK
    }
    assert not OrderEvent.objects.filter(processed_at__isnull=True).exists()
    assert set(OrderEvent.objects.values_list("channel_id", flat=True)) == {
        channel_USD.pk
    }
    assert CustomerOrder.objects.get(order_id=first.pk).status == "fulfilled"
    profile = profile_of(customer_user, channel_USD)
    assert (profile.orders_count, profile.cancelled_orders_count) == (1, 1)


@pytest.mark.parametrize("kind", ORDER_KINDS)
def test_plugins_manager_dispatches_order_hook(
    kind, order_with_lines, customer_user, django_capture_on_commit_callbacks
):
    manager = get_plugins_manager(allow_replica=False)
    with django_capture_on_commit_callbacks(execute=True):
        getattr(manager, f"order_{kind}")(order_with_lines)

    event = OrderEvent.objects.get(order_id=order_with_lines.pk)
    assert event.kind == kind
    assert event.source == EventSource.HOOK
    assert event.channel_id == order_with_lines.channel_id
    assert event.processed_at is not None
    row = CustomerOrder.objects.get(order_id=order_with_lines.pk)
    assert row.profile.user_id == customer_user.pk
    assert row.total_amount == order_with_lines.total_gross_amount


def test_checkout_activity_of_signed_in_customer(
    user_api_client,
    api_client,
    customer_user,
    shop_usd,
    shop_pln,
    channel_USD,
    channel_PLN,
):
    place_order(user_api_client, shop_usd, token=CHARGE)
    profile = profile_of(customer_user, channel_USD)
    CustomerProfile.objects.filter(pk=profile.pk).update(last_checkout_at=None)

    # checkout_created
    checkout_id = create_checkout(user_api_client, shop_usd)
    profile.refresh_from_db()
    created_at = profile.last_checkout_at
    assert created_at is not None

    # checkout_updated within a minute of the last write: nothing is written
    add_line = {
        "id": checkout_id,
        "lines": [{"variantId": shop_usd.variant_id, "quantity": 1}],
    }
    ok(gql(user_api_client, CHECKOUT_LINES_ADD, add_line)["checkoutLinesAdd"])
    profile.refresh_from_db()
    assert profile.last_checkout_at == created_at

    # ... and once that minute is over, the activity is recorded again
    an_hour_ago = created_at - timedelta(hours=1)
    CustomerProfile.objects.filter(pk=profile.pk).update(last_checkout_at=an_hour_ago)
    ok(gql(user_api_client, CHECKOUT_LINES_ADD, add_line)["checkoutLinesAdd"])
    profile.refresh_from_db()
    assert profile.last_checkout_at > created_at
    updated_at = profile.last_checkout_at

    # A guest's checkout with the customer's email is not the customer's activity.
    create_checkout(api_client, shop_usd, email=customer_user.email)
    profile.refresh_from_db()
    assert profile.last_checkout_at == updated_at

    # A checkout in a channel without a profile creates none (and nothing else moves).
    create_checkout(user_api_client, shop_pln)
    assert profile_of(customer_user, channel_PLN) is None
    profile.refresh_from_db()
    assert profile.last_checkout_at == updated_at

    # The figures are untouched by checkout activity.
    assert profile.orders_count == 1
    assert Checkout.objects.filter(user=customer_user).count() == 2


def test_checkout_hooks_through_the_manager(
    checkout_with_item,
    customer_user,
    order_with_lines,
    channel_USD,
    django_capture_on_commit_callbacks,
):
    manager = get_plugins_manager(allow_replica=False)
    with django_capture_on_commit_callbacks(execute=True):
        manager.order_created(order_with_lines)
    profile = profile_of(customer_user, channel_USD)
    assert profile.last_checkout_at is None

    checkout_with_item.user = customer_user
    checkout_with_item.save(update_fields=["user"])
    manager.checkout_created(checkout_with_item)
    profile.refresh_from_db()
    first = profile.last_checkout_at
    assert first is not None
    manager.checkout_updated(checkout_with_item)
    profile.refresh_from_db()
    assert profile.last_checkout_at == first  # throttled: once a minute at most
    CustomerProfile.objects.filter(pk=profile.pk).update(
        last_checkout_at=first - timedelta(minutes=2)
    )
    manager.checkout_updated(checkout_with_item)
    profile.refresh_from_db()
    assert profile.last_checkout_at > first


def test_customer_updated_keeps_profile_email_in_step(
    user_api_client, customer_user, shop_usd, staff_users_admin, channel_USD
):
    place_order(user_api_client, shop_usd, token=CHARGE)
    assert profile_of(customer_user, channel_USD).email == "test@example.com"

    ok(
        gql(
            staff_users_admin,
            CUSTOMER_UPDATE,
            {
                "id": gid("User", customer_user.pk),
                "input": {"email": "Renamed@Example.com"},
            },
        )["customerUpdate"]
    )
    profile = profile_of(customer_user, channel_USD)
    assert profile.email == "renamed@example.com"
    assert profile.orders_count == 1


def test_inactive_plugin_records_nothing_and_serves_nothing(
    crm_plugin_active, user_api_client, customer_user, shop_usd
):
    crm_plugin_active.active = False
    crm_plugin_active.save(update_fields=["active"])

    order = place_order(user_api_client, shop_usd, token=CHARGE)
    assert fact_kinds(order) == []
    assert not CustomerProfile.objects.exists()
    response = crm_post(user_api_client, CRM_MY_PROFILE, {"channel": "main"})
    assert response.status_code == 404

    # Switched on again: the plugin records the next events.
    crm_plugin_active.active = True
    crm_plugin_active.save(update_fields=["active"])
    manager = get_plugins_manager(allow_replica=False)
    assert manager.get_plugin(PLUGIN_ID).active


def test_unpaid_order_confirmed_by_staff_is_counted(
    user_api_client, customer_user, shop_usd, staff_orders, channel_USD
):
    """In an auto-confirming channel Saleor fires order_confirmed when an unpaid
    order is created (it stays unconfirmed), then again when staff confirm it. The
    second is a new fact: the order must reach the profile then."""
    channel_USD.allow_unpaid_orders = True
    channel_USD.save(update_fields=["allow_unpaid_orders"])
    order = place_order(user_api_client, shop_usd, quantity=2, token=None)
    order.refresh_from_db()
    assert order.status == "unconfirmed"
    assert fact_kinds(order) == ["confirmed", "created"]
    assert profile_of(customer_user, channel_USD) is None  # unconfirmed: not yet

    data = ok(
        gql(staff_orders, ORDER_CONFIRM, {"id": gid("Order", order.pk)})["orderConfirm"]
    )
    assert data["order"]["status"] == "UNFULFILLED"
    assert fact_kinds(order) == ["confirmed", "confirmed", "created"]
    profile = profile_of(customer_user, channel_USD)
    assert profile is not None
    assert (profile.orders_count, profile.paid_orders_count) == (1, 0)
    assert CustomerOrder.objects.get(order_id=order.pk).status == "unfulfilled"

    # Replaying either confirmation changes nothing.
    manager = get_plugins_manager(allow_replica=False)
    manager.order_confirmed(order)
    order.refresh_from_db()
    manager.order_confirmed(order)
    assert fact_kinds(order) == ["confirmed", "confirmed", "created"]
