"""The set-based SQL (``sql.py``) agrees with the pure-Python reference
(``domain.orders`` / ``domain.profile``) on real Saleor orders in varied states:
per order (imported or skipped, paid, refunded, cancelled) from Saleor's own
payment records, and per profile from the CRM's order rows — after live events
and after a backfill."""

# Fixtures are imported from crm_helpers and requested by name.
from decimal import Decimal
from io import StringIO

import pytest
from crm_helpers import (
    AUTHORIZE_ONLY,
    CHARGE,
    ORDER_CONFIRM,
    TRANSACTION_CREATE,
    TRANSACTION_UPDATE,
    cancel,
    capture,
    fulfill_all,
    gid,
    gql,
    ok,
    place_order,
    refund,
)
from django.core.management import call_command
from django.db.models import Sum
from saleor.order.models import Order
from saleor.payment.models import Transaction, TransactionItem

from saleor_crm_plugin.domain.orders import OrderState, is_paid, skip_reason
from saleor_crm_plugin.domain.profile import compute_profile
from saleor_crm_plugin.models import CustomerOrder, CustomerProfile
from saleor_crm_plugin.profiles.sync import sync_orders


def _transaction_paid(app_client, order, charged, refunded="0"):
    def amounts(c, r):
        return {
            "amountCharged": {"amount": c, "currency": order.currency},
            "amountRefunded": {"amount": r, "currency": order.currency},
        }

    tx = ok(
        gql(
            app_client,
            TRANSACTION_CREATE,
            {
                "id": gid("Order", order.pk),
                "transaction": {
                    "name": "Card",
                    "pspReference": f"psp-{order.pk}",
                    **amounts(charged, "0"),
                },
            },
        )["transactionCreate"]
    )["transaction"]
    if refunded != "0":
        left = str(Decimal(charged) - Decimal(refunded))
        ok(
            gql(
                app_client,
                TRANSACTION_UPDATE,
                {
                    "id": tx["id"],
                    "transaction": amounts(left, refunded),
                },
            )["transactionUpdate"]
        )


@pytest.fixture
def varied_orders(
    user_api_client,
    api_client,
    shop_usd,
    shop_pln,
    staff_orders,
    payments_app_client,
    warehouse,
    channel_USD,
):
    """Real orders through Saleor's API, in as many states as Saleor allows."""

    def allow_unpaid(allowed):
        channel_USD.allow_unpaid_orders = allowed
        channel_USD.save(update_fields=["allow_unpaid_orders"])

    u = user_api_client
    orders = {}
    orders["authorised"] = place_order(u, shop_usd, quantity=1, token=AUTHORIZE_ONLY)
    orders["captured"] = o = place_order(u, shop_usd, quantity=2, token=AUTHORIZE_ONLY)
    capture(staff_orders, o)
    orders["paid_at_checkout"] = place_order(u, shop_usd, quantity=3, token=CHARGE)
    orders["partly_refunded"] = o = place_order(u, shop_usd, quantity=4, token=CHARGE)
    refund(staff_orders, o, Decimal("7.25"))
    refund(staff_orders, o, Decimal("3.10"))
    orders["fully_refunded"] = o = place_order(u, shop_usd, quantity=1, token=CHARGE)
    refund(staff_orders, o, o.total_gross_amount)
    orders["paid_then_cancelled"] = o = place_order(
        u, shop_usd, quantity=2, token=CHARGE
    )
    cancel(staff_orders, o)
    orders["authorised_then_cancelled"] = o = place_order(
        u, shop_usd, quantity=1, token=AUTHORIZE_ONLY
    )
    cancel(staff_orders, o)
    orders["fulfilled"] = o = place_order(u, shop_usd, quantity=1, token=CHARGE)
    fulfill_all(staff_orders, o, warehouse)
    allow_unpaid(True)  # checkouts completed without payment (transaction flow)
    orders["unpaid_unconfirmed"] = place_order(u, shop_usd, quantity=1, token=None)
    orders["transaction_refunded"] = o = place_order(
        u, shop_usd, quantity=5, token=None
    )
    _transaction_paid(payments_app_client, o, "60.00", refunded="15.50")
    orders["transaction_partly_charged"] = o = place_order(
        u, shop_usd, quantity=2, token=None
    )
    ok(gql(staff_orders, ORDER_CONFIRM, {"id": gid("Order", o.pk)})["orderConfirm"])
    _transaction_paid(payments_app_client, o, "10.00")
    allow_unpaid(False)
    orders["guest_refunded"] = o = place_order(
        api_client, shop_usd, quantity=2, email="Ref.Guest@Example.com", token=CHARGE
    )
    refund(staff_orders, o, Decimal("0.01"))
    orders["guest_cancelled"] = o = place_order(
        api_client,
        shop_usd,
        quantity=1,
        email="ref.guest@example.com",
        token=AUTHORIZE_ONLY,
    )
    cancel(staff_orders, o)
    orders["pln_paid"] = place_order(u, shop_pln, quantity=3, token=CHARGE)
    orders["pln_refunded"] = o = place_order(u, shop_pln, quantity=1, token=CHARGE)
    refund(staff_orders, o, Decimal("33.33"))
    # A channel whose currency changed after an order: the order keeps its own.
    orders["other_currency"] = o = place_order(u, shop_usd, quantity=1, token=CHARGE)
    Order.objects.filter(pk=o.pk).update(currency="EUR")
    sync_orders([str(o.pk)])
    return {k: Order.objects.get(pk=v.pk) for k, v in orders.items()}


def _refunded_in_saleor(order):
    legacy = Transaction.objects.filter(
        payment__order=order, kind="refund", is_success=True
    ).aggregate(s=Sum("amount"))["s"] or Decimal(0)
    items = TransactionItem.objects.filter(order=order).aggregate(
        s=Sum("refunded_value")
    )["s"] or Decimal(0)
    return legacy + items


def _check_orders_against_reference(orders):
    for name, order in orders.items():
        row = CustomerOrder.objects.filter(order_id=order.pk).first()
        if skip_reason(order.status):
            assert row is None, name
            continue
        assert row is not None, name
        refunded = _refunded_in_saleor(order)
        paid = is_paid(
            total=order.total_gross_amount,
            charged=order.total_charged_amount,
            refunded=refunded,
            charge_status=order.charge_status,
        )
        assert (row.total_amount, row.refunded_amount, row.currency) == (
            order.total_gross_amount,
            refunded,
            order.currency,
        ), name
        assert (row.paid_at is not None) == paid, name
        assert row.cancelled == (order.status == "canceled"), name
        assert row.status == order.status, name
        assert row.placed_at == order.created_at, name


def _check_profiles_against_reference():
    profiles = list(CustomerProfile.objects.all())
    assert len(profiles) == 3  # customer USD, customer PLN, guest USD
    for profile in profiles:
        states = [
            OrderState(
                currency=row.currency,
                total=row.total_amount,
                refunded=row.refunded_amount,
                placed_at=row.placed_at,
                paid_at=row.paid_at,
                cancelled=row.cancelled,
            )
            for row in profile.orders.all()
        ]
        expected = compute_profile(profile.currency, states)
        actual = (
            profile.currency,
            profile.orders_count,
            profile.cancelled_orders_count,
            profile.paid_orders_count,
            profile.other_currency_orders_count,
            profile.total_spent_amount,
            profile.total_refunded_amount,
            profile.net_spent_amount,
            profile.average_order_value_amount,
            profile.first_order_at,
            profile.last_order_at,
            profile.first_paid_at,
            profile.last_paid_at,
        )
        assert actual == (
            expected.currency,
            expected.orders_count,
            expected.cancelled_orders_count,
            expected.paid_orders_count,
            expected.other_currency_orders_count,
            expected.total_spent,
            expected.total_refunded,
            expected.net_spent,
            expected.average_order_value,
            expected.first_order_at,
            expected.last_order_at,
            expected.first_paid_at,
            expected.last_paid_at,
        ), profile.email


def test_sql_agrees_with_the_reference_on_real_orders(
    varied_orders, customer_user, channel_USD
):
    orders = varied_orders
    # The history really is varied (guards against a fixture that silently
    # produced only one kind of order).
    rows = {
        name: CustomerOrder.objects.filter(order_id=o.pk).first()
        for name, o in orders.items()
    }
    assert rows["unpaid_unconfirmed"] is None
    assert rows["authorised"].paid_at is None
    assert rows["captured"].paid_at is not None
    assert rows["partly_refunded"].refunded_amount == Decimal("10.35")
    assert rows["fully_refunded"].refunded_amount == rows["fully_refunded"].total_amount
    assert rows["transaction_refunded"].refunded_amount == Decimal("15.50")
    assert rows["transaction_partly_charged"].paid_at is None
    assert rows["paid_then_cancelled"].cancelled
    assert rows["other_currency"].currency == "EUR"

    _check_orders_against_reference(orders)
    _check_profiles_against_reference()

    usd = CustomerProfile.objects.get(user=customer_user, channel=channel_USD)
    assert usd.other_currency_orders_count == 1
    assert usd.paid_orders_count == 5  # captured, at checkout, partly, fulfilled, tx
    assert usd.total_refunded_amount == Decimal("10.35") + Decimal("20") + Decimal(
        "15.50"
    )


def test_backfill_agrees_with_the_reference_on_real_orders(varied_orders):
    live = sorted(
        CustomerProfile.objects.values_list(
            "channel_id",
            "user_id",
            "email",
            "orders_count",
            "paid_orders_count",
            "total_spent_amount",
            "total_refunded_amount",
            "net_spent_amount",
            "average_order_value_amount",
        ),
        key=repr,
    )
    CustomerProfile.objects.all().delete()
    call_command("crm_backfill", "--no-progress", stdout=StringIO())

    _check_orders_against_reference(varied_orders)
    _check_profiles_against_reference()
    # Same figures as the live events gave (only payment dates differ: the backfill
    # uses the order date).
    backfilled = sorted(
        CustomerProfile.objects.values_list(
            "channel_id",
            "user_id",
            "email",
            "orders_count",
            "paid_orders_count",
            "total_spent_amount",
            "total_refunded_amount",
            "net_spent_amount",
            "average_order_value_amount",
        ),
        key=repr,
    )
    assert backfilled == live
