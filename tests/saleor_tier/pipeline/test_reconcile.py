"""The reconciliation sweep catches orders no hook told the CRM about."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from saleor.order import OrderChargeStatus, OrderStatus
from saleor.order.models import Order

from saleor_crm_plugin.models import CustomerOrder, CustomerProfile, SyncCursor
from saleor_crm_plugin.pipeline.tasks import RECONCILE_KEY, reconcile_orders


def _paid_order(order_generator, total, minutes_ago, **kwargs):
    order = order_generator(**kwargs)
    Order.objects.filter(pk=order.pk).update(
        total_gross_amount=Decimal(total),
        total_net_amount=Decimal(total),
        total_charged_amount=Decimal(total),
        charge_status=OrderChargeStatus.FULL,
        updated_at=timezone.now() - timedelta(minutes=minutes_ago),
    )
    return order


def test_sweep_syncs_orders_changed_without_events(order_generator, customer_user):
    # Created straight in the database: no plugin hook fired for these.
    first = _paid_order(order_generator, "12.00", minutes_ago=10)
    second = _paid_order(order_generator, "8.00", minutes_ago=5)
    draft = _paid_order(
        order_generator, "5.00", minutes_ago=5, status=OrderStatus.DRAFT
    )

    assert reconcile_orders(batch_size=1) == 2  # batch of 1: the cursor walks

    profile = CustomerProfile.objects.get(user=customer_user)
    assert profile.orders_count == 2
    assert profile.total_spent_amount == Decimal("20.000")
    assert set(CustomerOrder.objects.values_list("order_id", flat=True)) == {
        first.pk,
        second.pk,
    }
    assert not CustomerOrder.objects.filter(order_id=draft.pk).exists()
    cursor = SyncCursor.objects.get(key=RECONCILE_KEY)
    assert cursor.last_id == draft.pk or cursor.last_id == second.pk

    # Nothing changed since: the next sweep syncs nothing.
    assert reconcile_orders() == 0

    # Saleor changes the order after the CRM synced it (e.g. an edit no hook
    # reports): resynced. Times are shifted back past the sweep's 30 s lag.
    CustomerOrder.objects.update(synced_at=timezone.now() - timedelta(minutes=4))
    Order.objects.filter(pk=first.pk).update(
        status=OrderStatus.CANCELED, updated_at=timezone.now() - timedelta(minutes=1)
    )
    assert reconcile_orders() == 1
    profile.refresh_from_db()
    assert profile.orders_count == 1
    assert profile.cancelled_orders_count == 1
    assert profile.total_spent_amount == Decimal("8.000")


def test_sweep_leaves_recent_changes_to_the_hooks(order_generator):
    _paid_order(order_generator, "3.00", minutes_ago=0)
    assert reconcile_orders() == 0
    assert not CustomerOrder.objects.exists()
