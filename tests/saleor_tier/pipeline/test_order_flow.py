"""Real order flows through Saleor's GraphQL API, checked step by step against the
customer's CRM profile: checkout → checkoutComplete → payment → partial refund →
full refund; a cancellation; the transaction-API payment flow; two channels in
two currencies."""

# Fixtures are imported from crm_helpers and requested by name.
from decimal import Decimal

from crm_helpers import (
    AUTHORIZE_ONLY,
    CHARGE,
    CRM_PROFILES,
    TRANSACTION_CREATE,
    TRANSACTION_UPDATE,
    assert_figures,
    cancel,
    capture,
    corder,
    crm_gql,
    fact_kinds,
    facts,
    gid,
    gql,
    ok,
    place_order,
    profile_of,
    refund,
)

from saleor_crm_plugin.models import CustomerOrder, CustomerProfile, OrderEvent


def test_payment_refund_and_cancellation_flow(
    user_api_client, customer_user, shop_usd, staff_orders, channel_USD
):
    # Checkout → checkoutComplete, payment only authorised: an order, not paid.
    order = place_order(user_api_client, shop_usd, quantity=2, token=AUTHORIZE_ONLY)
    assert order.total_gross_amount == Decimal("30.000")
    assert fact_kinds(order) == ["confirmed", "created"]
    assert not OrderEvent.objects.filter(processed_at__isnull=True).exists()
    profile = profile_of(customer_user, channel_USD)
    assert_figures(
        profile,
        currency="USD",
        orders_count=1,
        cancelled_orders_count=0,
        paid_orders_count=0,
        total_spent="0",
        total_refunded="0",
        net_spent="0",
        average_order_value="0",
        first_order_at=order.created_at,
        last_order_at=order.created_at,
        first_paid_at=None,
        last_paid_at=None,
    )

    # Payment captured in full.
    capture(staff_orders, order)
    assert fact_kinds(order) == ["confirmed", "created", "fully_paid", "paid"]
    paid_at = corder(order).paid_at
    assert paid_at is not None
    assert_figures(
        profile,
        orders_count=1,
        paid_orders_count=1,
        total_spent="30.00",
        total_refunded="0",
        net_spent="30.00",
        average_order_value="30.00",
        first_paid_at=paid_at,
        last_paid_at=paid_at,
    )

    # Partial refund: still a paid order, its refund is accounted.
    refund(staff_orders, order, Decimal("5.00"))
    assert fact_kinds(order).count("refunded") == 1
    assert "fully_refunded" not in fact_kinds(order)
    assert corder(order).refunded_amount == Decimal("5.000")
    assert_figures(
        profile,
        orders_count=1,
        paid_orders_count=1,
        total_spent="30.00",
        total_refunded="5.00",
        net_spent="25.00",
        average_order_value="25.00",
        first_paid_at=paid_at,  # the payment date does not move with refunds
    )

    # Refund of the rest: the order no longer counts as a purchase that stands.
    refund(staff_orders, order, Decimal("25.00"))
    assert fact_kinds(order) == [
        "confirmed",
        "created",
        "fully_paid",
        "fully_refunded",
        "paid",
        "refunded",
        "refunded",
    ]
    # Each partial refund is its own fact, told apart by the amount still charged.
    assert sorted(key for kind, key, _ in facts(order) if kind == "refunded") == [
        "charged:0.000",
        "charged:25.000",
    ]
    assert_figures(
        profile,
        orders_count=1,
        paid_orders_count=0,
        total_spent="30.00",
        total_refunded="30.00",
        net_spent="0",
        average_order_value="0",
    )

    # A second order, paid at checkout (auto-capture), then cancelled.
    second = place_order(user_api_client, shop_usd, quantity=1, token=CHARGE)
    assert fact_kinds(second) == ["confirmed", "created", "fully_paid", "paid"]
    assert_figures(
        profile,
        orders_count=2,
        paid_orders_count=1,
        total_spent="50.00",
        total_refunded="30.00",
        net_spent="20.00",
        average_order_value="20.00",
        first_order_at=order.created_at,
        last_order_at=second.created_at,
    )
    cancel(staff_orders, second)
    assert fact_kinds(second) == [
        "cancelled",
        "confirmed",
        "created",
        "fully_paid",
        "paid",
    ]
    assert CustomerOrder.objects.get(order_id=second.pk).cancelled is True
    assert_figures(
        profile,
        orders_count=1,
        cancelled_orders_count=1,
        paid_orders_count=0,
        total_spent="30.00",
        total_refunded="30.00",
        net_spent="0",
        average_order_value="0",
        # a cancelled order is not an order placed for the dates
        first_order_at=order.created_at,
        last_order_at=order.created_at,
    )
    # Nothing left pending; one profile; the customer's two orders in it.
    assert not OrderEvent.objects.filter(processed_at__isnull=True).exists()
    assert CustomerProfile.objects.count() == 1
    assert set(profile.orders.values_list("order_id", flat=True)) == {
        order.pk,
        second.pk,
    }


def test_transaction_api_payment_and_refunds(
    user_api_client, customer_user, shop_usd, payments_app_client, channel_USD
):
    """The transaction flow (TransactionItem.charged/refunded values) instead of the
    legacy Payment/Transaction records."""
    channel_USD.allow_unpaid_orders = True
    channel_USD.save(update_fields=["allow_unpaid_orders"])
    order = place_order(user_api_client, shop_usd, quantity=3, token=None)
    order.refresh_from_db()
    # Saleor keeps an unpaid order unconfirmed: the CRM records the facts but does
    # not count the order yet.
    assert order.status == "unconfirmed"
    assert set(fact_kinds(order)) == {"created", "confirmed"}
    assert profile_of(customer_user, channel_USD) is None
    assert corder(order) is None

    def amounts(charged, refunded):
        return {
            "amountCharged": {"amount": charged, "currency": "USD"},
            "amountRefunded": {"amount": refunded, "currency": "USD"},
        }

    tx = ok(
        gql(
            payments_app_client,
            TRANSACTION_CREATE,
            {
                "id": gid("Order", order.pk),
                "transaction": {
                    "name": "Card",
                    "pspReference": "psp-1",
                    **amounts("40.00", "0"),
                },
            },
        )["transactionCreate"]
    )["transaction"]
    assert {"paid", "fully_paid"} <= set(fact_kinds(order))
    profile = profile_of(customer_user, channel_USD)
    assert_figures(
        profile,
        orders_count=1,
        paid_orders_count=1,
        total_spent="40.00",
        total_refunded="0",
        net_spent="40.00",
        average_order_value="40.00",
        first_order_at=order.created_at,
    )
    assert profile.first_paid_at is not None

    ok(
        gql(
            payments_app_client,
            TRANSACTION_UPDATE,
            {"id": tx["id"], "transaction": amounts("32.50", "7.50")},
        )["transactionUpdate"]
    )
    assert fact_kinds(order).count("refunded") == 1
    assert_figures(
        profile,
        paid_orders_count=1,
        total_spent="40.00",
        total_refunded="7.50",
        net_spent="32.50",
        average_order_value="32.50",
    )

    ok(
        gql(
            payments_app_client,
            TRANSACTION_UPDATE,
            {"id": tx["id"], "transaction": amounts("0", "40.00")},
        )["transactionUpdate"]
    )
    assert fact_kinds(order).count("refunded") == 2
    assert "fully_refunded" in fact_kinds(order)
    assert_figures(
        profile,
        orders_count=1,
        paid_orders_count=0,
        total_spent="40.00",
        total_refunded="40.00",
        net_spent="0",
        average_order_value="0",
    )


def test_two_channels_two_currencies_never_mix(
    user_api_client,
    customer_user,
    shop_usd,
    shop_pln,
    staff_users_admin,
    channel_USD,
    channel_PLN,
):
    usd_1 = place_order(user_api_client, shop_usd, quantity=1, token=CHARGE)  # 20
    pln_1 = place_order(user_api_client, shop_pln, quantity=2, token=CHARGE)  # 120
    usd_2 = place_order(user_api_client, shop_usd, quantity=3, token=CHARGE)  # 40
    pln_2 = place_order(user_api_client, shop_pln, quantity=1, token=AUTHORIZE_ONLY)
    assert (usd_1.currency, pln_1.currency) == ("USD", "PLN")

    usd = profile_of(customer_user, channel_USD)
    pln = profile_of(customer_user, channel_PLN)
    assert usd.pk != pln.pk
    assert_figures(
        usd,
        currency="USD",
        orders_count=2,
        paid_orders_count=2,
        other_currency_orders_count=0,
        total_spent="60.00",
        net_spent="60.00",
        average_order_value="30.00",
        first_order_at=usd_1.created_at,
        last_order_at=usd_2.created_at,
    )
    assert_figures(
        pln,
        currency="PLN",
        orders_count=2,
        paid_orders_count=1,
        other_currency_orders_count=0,
        total_spent="120.00",
        net_spent="120.00",
        average_order_value="120.00",
        first_order_at=pln_1.created_at,
        last_order_at=pln_2.created_at,
    )
    # Every order sits in the profile of its own channel and currency.
    for order, profile in ((usd_1, usd), (usd_2, usd), (pln_1, pln), (pln_2, pln)):
        row = corder(order)
        assert (row.profile_id, row.currency, row.channel_id) == (
            profile.pk,
            profile.currency,
            order.channel_id,
        )

    # The API shows both, each in its own currency.
    data = crm_gql(
        staff_users_admin, CRM_PROFILES, {"id": gid("User", customer_user.pk)}
    )["crmCustomerProfiles"]
    by_channel = {p["channel"]: p for p in data}
    assert by_channel[channel_USD.slug]["totalSpent"] == {
        "amount": 60.0,
        "currency": "USD",
    }
    assert by_channel[channel_PLN.slug]["totalSpent"] == {
        "amount": 120.0,
        "currency": "PLN",
    }
    assert {p["currency"] for p in data} == {"USD", "PLN"}
