"""Helpers for the Saleor-tier flow tests: drive Saleor's real ``/graphql/`` API
(checkout, payments, order management, accounts) with Saleor's own test clients and
fixtures, and read the CRM's rows back.

Mutations are the ones Saleor's own tests and e2e suite use
(``saleor/tests/e2e/checkout/utils``, ``saleor/graphql/order/tests/mutations``,
``saleor/graphql/payment/tests/mutations``, ``saleor/graphql/account/tests``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import graphene
from django.urls import reverse
from saleor.graphql.tests.utils import get_graphql_content
from saleor.order.models import Order

from saleor_crm_plugin.core.config import PLUGIN_ID
from saleor_crm_plugin.models import CustomerOrder, CustomerProfile, OrderEvent

# --- Saleor mutations -------------------------------------------------------------

CHECKOUT_CREATE = """
mutation CreateCheckout($input: CheckoutCreateInput!) {
  checkoutCreate(input: $input) {
    checkout { id email user { id } totalPrice { gross { amount currency } } }
    errors { field code message }
  }
}
"""

CHECKOUT_LINES_ADD = """
mutation LinesAdd($id: ID!, $lines: [CheckoutLineInput!]!) {
  checkoutLinesAdd(id: $id, lines: $lines) {
    checkout { id }
    errors { field code message }
  }
}
"""

CHECKOUT_DELIVERY = """
mutation Delivery($id: ID, $deliveryMethodId: ID) {
  checkoutDeliveryMethodUpdate(id: $id, deliveryMethodId: $deliveryMethodId) {
    checkout { id totalPrice { gross { amount currency } } }
    errors { field code message }
  }
}
"""

CHECKOUT_PAYMENT_CREATE = """
mutation Pay($id: ID, $input: PaymentInput!) {
  checkoutPaymentCreate(id: $id, input: $input) {
    payment { id chargeStatus }
    errors { field code message }
  }
}
"""

CHECKOUT_COMPLETE = """
mutation Complete($id: ID) {
  checkoutComplete(id: $id) {
    order { id status total { gross { amount currency } } }
    errors { field code message }
  }
}
"""

ORDER_CAPTURE = """
mutation Capture($id: ID!, $amount: PositiveDecimal!) {
  orderCapture(id: $id, amount: $amount) {
    order { id isPaid paymentStatus }
    errors { field code message }
  }
}
"""

ORDER_REFUND = """
mutation Refund($id: ID!, $amount: PositiveDecimal!) {
  orderRefund(id: $id, amount: $amount) {
    order { id paymentStatus }
    errors { field code message }
  }
}
"""

ORDER_CANCEL = """
mutation Cancel($id: ID!) {
  orderCancel(id: $id) {
    order { id status }
    errors { field code message }
  }
}
"""

ORDER_CONFIRM = """
mutation Confirm($id: ID!) {
  orderConfirm(id: $id) {
    order { id status }
    errors { field code message }
  }
}
"""

ORDER_FULFILL = """
mutation Fulfill($order: ID!, $input: OrderFulfillInput!) {
  orderFulfill(order: $order, input: $input) {
    order { id status }
    errors { field code message }
  }
}
"""

TRANSACTION_CREATE = """
mutation TxCreate($id: ID!, $transaction: TransactionCreateInput!) {
  transactionCreate(id: $id, transaction: $transaction) {
    transaction { id chargedAmount { amount } refundedAmount { amount } }
    errors { field code message }
  }
}
"""

TRANSACTION_UPDATE = """
mutation TxUpdate($id: ID, $transaction: TransactionUpdateInput) {
  transactionUpdate(id: $id, transaction: $transaction) {
    transaction { id chargedAmount { amount } refundedAmount { amount } }
    errors { field code message }
  }
}
"""

ACCOUNT_REGISTER = """
mutation Register($input: AccountRegisterInput!) {
  accountRegister(input: $input) {
    user { id email }
    errors { field code message }
  }
}
"""

CUSTOMER_CREATE = """
mutation CustomerCreate($input: UserCreateInput!) {
  customerCreate(input: $input) {
    user { id email }
    errors { field code message }
  }
}
"""

CUSTOMER_UPDATE = """
mutation CustomerUpdate($id: ID!, $input: CustomerInput!) {
  customerUpdate(id: $id, input: $input) {
    user { id email }
    errors { field code message }
  }
}
"""

CUSTOMER_DELETE = """
mutation CustomerDelete($id: ID) {
  customerDelete(id: $id) {
    user { id }
    errors { field message }
  }
}
"""

ACCOUNT_DELETE = """
mutation AccountDelete($token: String!) {
  accountDelete(token: $token) {
    errors { field message }
  }
}
"""

# --- CRM mutations / queries --------------------------------------------------------

CRM_PROFILE = """
query ($id: ID!, $channel: String!) {
  crmCustomerProfile(customerId: $id, channel: $channel) {
    id channel customerId currency ordersCount paidOrdersCount
    totalSpent { amount currency } netSpent { amount currency }
  }
}
"""

CRM_PROFILES = """
query ($id: ID!) {
  crmCustomerProfiles(customerId: $id) {
    channel currency ordersCount totalSpent { amount currency }
  }
}
"""

CRM_MY_PROFILE = """
query ($channel: String!) {
  crmMyProfile(channel: $channel) {
    channel customerId ordersCount totalSpent { amount currency }
  }
}
"""

CRM_RESYNC = """
mutation ($id: ID!) {
  crmCustomerResync(customerId: $id) {
    profiles { channel ordersCount totalSpent { amount currency } }
    errors { field code message }
  }
}
"""

DUMMY_GATEWAY = "mirumee.payments.dummy"
# Dummy gateway tokens (``ChargeStatus`` values): authorise only, or capture.
AUTHORIZE_ONLY = "not-charged"
CHARGE = "fully-charged"


def crm_url():
    return reverse("plugins-global", kwargs={"plugin_id": PLUGIN_ID}) + "graphql/"


def on_crm(client):
    """The same Saleor test client (same JWT or app token), posting to the CRM
    endpoint instead of ``/graphql/``."""
    client.api_path = crm_url()
    return client


def gid(type_name: str, pk) -> str:
    return graphene.Node.to_global_id(type_name, pk)


def gql(client, query: str, variables=None) -> dict:
    """Post and return ``data`` (fails on any top-level GraphQL error)."""
    return get_graphql_content(client.post_graphql(query, variables))["data"]


def crm_post(client, query: str, variables=None):
    """Post to the CRM endpoint with the client's credentials, leaving the client
    pointed at Saleor's ``/graphql/`` afterwards."""
    saved = client.api_path
    try:
        return on_crm(client).post_graphql(query, variables)
    finally:
        client.api_path = saved


def crm_gql(client, query: str, variables=None) -> dict:
    """Post to the CRM endpoint and return ``data`` (fails on any top-level error)."""
    return get_graphql_content(crm_post(client, query, variables))["data"]


def ok(payload: dict) -> dict:
    """A mutation payload whose ``errors`` must be empty."""
    assert payload["errors"] == [], payload["errors"]
    return payload


# --- the shop -------------------------------------------------------------------


@dataclass
class Shop:
    """What a checkout needs; the fixtures ``shop_usd`` / ``shop_pln``
    (``crm_fixtures.shop``) make one."""

    channel_slug: str
    variant_id: str
    shipping_method_id: str
    address: dict
    unit_price: Decimal
    shipping_price: Decimal


# --- flows ------------------------------------------------------------------------


def create_checkout(client, shop: Shop, *, quantity=1, email=None) -> str:
    checkout_input = {
        "channel": shop.channel_slug,
        "lines": [{"variantId": shop.variant_id, "quantity": quantity}],
        "shippingAddress": shop.address,
        "billingAddress": shop.address,
    }
    if email:
        checkout_input["email"] = email
    data = ok(gql(client, CHECKOUT_CREATE, {"input": checkout_input})["checkoutCreate"])
    return data["checkout"]["id"]


def place_order(
    client, shop: Shop, *, quantity=1, email=None, token: str | None = AUTHORIZE_ONLY
) -> Order:
    """checkoutCreate → checkoutDeliveryMethodUpdate → checkoutPaymentCreate (dummy
    gateway; ``token=None``: no payment) → checkoutComplete, all through Saleor's
    API. Returns the order from the database."""
    checkout_id = create_checkout(client, shop, quantity=quantity, email=email)
    delivery = ok(
        gql(
            client,
            CHECKOUT_DELIVERY,
            {"id": checkout_id, "deliveryMethodId": shop.shipping_method_id},
        )["checkoutDeliveryMethodUpdate"]
    )
    total = Decimal(str(delivery["checkout"]["totalPrice"]["gross"]["amount"]))
    assert total == shop.unit_price * quantity + shop.shipping_price
    if token is not None:
        ok(
            gql(
                client,
                CHECKOUT_PAYMENT_CREATE,
                {
                    "id": checkout_id,
                    "input": {
                        "amount": total,
                        "gateway": DUMMY_GATEWAY,
                        "token": token,
                    },
                },
            )["checkoutPaymentCreate"]
        )
    data = ok(gql(client, CHECKOUT_COMPLETE, {"id": checkout_id})["checkoutComplete"])
    _, pk = graphene.Node.from_global_id(data["order"]["id"])
    order = Order.objects.get(pk=pk)
    assert order.total_gross_amount == total
    return order


def capture(staff, order: Order, amount=None):
    amount = order.total_gross_amount if amount is None else amount
    return ok(
        gql(staff, ORDER_CAPTURE, {"id": gid("Order", order.pk), "amount": amount})[
            "orderCapture"
        ]
    )


def refund(staff, order: Order, amount):
    return ok(
        gql(staff, ORDER_REFUND, {"id": gid("Order", order.pk), "amount": amount})[
            "orderRefund"
        ]
    )


def cancel(staff, order: Order):
    return ok(gql(staff, ORDER_CANCEL, {"id": gid("Order", order.pk)})["orderCancel"])


def fulfill_all(staff, order: Order, warehouse):
    lines = [
        {
            "orderLineId": gid("OrderLine", line.pk),
            "stocks": [
                {"quantity": line.quantity, "warehouse": gid("Warehouse", warehouse.pk)}
            ],
        }
        for line in order.lines.all()
    ]
    return ok(
        gql(
            staff,
            ORDER_FULFILL,
            {"order": gid("Order", order.pk), "input": {"lines": lines}},
        )["orderFulfill"]
    )


# --- reading the CRM ------------------------------------------------------------


def profile_of(user=None, channel=None, *, email=None) -> CustomerProfile | None:
    qs = CustomerProfile.objects.all()
    if channel is not None:
        qs = qs.filter(channel=channel)
    if user is not None:
        qs = qs.filter(user=user)
    else:
        qs = qs.filter(user__isnull=True, email=email)
    return qs.first()


def figures(profile: CustomerProfile) -> dict:
    """The profile's figures, for whole-profile comparisons."""
    return {
        "currency": profile.currency,
        "orders_count": profile.orders_count,
        "cancelled_orders_count": profile.cancelled_orders_count,
        "paid_orders_count": profile.paid_orders_count,
        "other_currency_orders_count": profile.other_currency_orders_count,
        "total_spent": profile.total_spent_amount,
        "total_refunded": profile.total_refunded_amount,
        "net_spent": profile.net_spent_amount,
        "average_order_value": profile.average_order_value_amount,
        "first_order_at": profile.first_order_at,
        "last_order_at": profile.last_order_at,
        "first_paid_at": profile.first_paid_at,
        "last_paid_at": profile.last_paid_at,
    }


def money_figures(profile: CustomerProfile) -> dict:
    """Figures without the event-time dates (``paid_at`` is the time the CRM saw
    the payment, which differs between two runs of the same history)."""
    result = figures(profile)
    for key in ("first_paid_at", "last_paid_at"):
        result[key] = result[key] is not None
    return result


MONEY_FIGURES = ("total_spent", "total_refunded", "net_spent", "average_order_value")


def assert_figures(profile: CustomerProfile, **expected):
    """Compare the named figures of the profile as stored now; money as
    ``Decimal`` (strings are converted, floats are refused)."""
    assert profile is not None, "no profile"
    profile.refresh_from_db()
    actual = figures(profile)
    for key, value in expected.items():
        if key in MONEY_FIGURES:
            assert not isinstance(value, float)
            value = Decimal(value)
        assert actual[key] == value, f"{key}: {actual[key]!r} != {value!r}"


def fact_kinds(order: Order) -> list[str]:
    """Kinds of the order's facts, sorted (a kind recorded twice appears twice)."""
    return sorted(
        OrderEvent.objects.filter(order_id=order.pk).values_list("kind", flat=True)
    )


def facts(order: Order):
    return list(
        OrderEvent.objects.filter(order_id=order.pk)
        .order_by("occurred_at", "id")
        .values_list("kind", "dedupe_key", "source")
    )


def corder(order: Order) -> CustomerOrder | None:
    return CustomerOrder.objects.filter(order_id=order.pk).first()


def register_account(client, email: str, channel_slug: str, settings):
    """Self-service accountRegister through Saleor's API (Saleor lower-cases the
    email; the user is created by its eager ``finish_creating_user`` task, which
    fires ``customer_created``)."""
    from saleor.account.models import User

    settings.ALLOWED_CLIENT_HOSTS = ["localhost"]
    ok(
        gql(
            client,
            ACCOUNT_REGISTER,
            {
                "input": {
                    "email": email,
                    "password": "Str0ng-Passw0rd!",
                    "channel": channel_slug,
                    "redirectUrl": "http://localhost:3000/confirm",
                }
            },
        )["accountRegister"]
    )
    return User.objects.get(email=email.lower())


def create_customer(staff, email: str):
    """Staff customerCreate through Saleor's API (needs MANAGE_USERS)."""
    from saleor.account.models import User

    ok(gql(staff, CUSTOMER_CREATE, {"input": {"email": email}})["customerCreate"])
    return User.objects.get(email=email.lower())


def race(n: int, action) -> list[str]:
    """Run ``action`` in ``n`` threads at once, each on its own database connection
    (needs ``django_db(transaction=True)``). Returns "ok" or the name of the
    ``LoyaltyError``'s code of each, sorted."""
    import threading

    from django.db import connections

    from saleor_crm_plugin.loyalty.errors import LoyaltyError

    results, barrier = [], threading.Barrier(n)

    def run():
        try:
            barrier.wait()
            action()
            results.append("ok")
        except LoyaltyError as exc:
            results.append(exc.code.name)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(results)
