"""Loyalty helpers shared by the tests under ``loyalty/`` (the tier ladder whose
discounts are Saleor vouchers is the fixture ``crm_fixtures.loyalty.ladder``):

- the member-discount checkout flow through Saleor's own API (``create``, ``run``
  a mutation and ``read`` the checkout back, ``complete`` it with the dummy
  gateway), members and typed-in vouchers;
- ``customer``: a member with CRM order rows written directly (no Saleor orders),
  for the periodic review and the preview."""

import uuid
from decimal import Decimal

import graphene
from crm_helpers import (
    CHARGE,
    CHECKOUT_COMPLETE,
    CHECKOUT_PAYMENT_CREATE,
    DUMMY_GATEWAY,
    gql,
    ok,
)
from saleor.account.models import User
from saleor.checkout.models import Checkout
from saleor.discount import DiscountValueType
from saleor.discount.models import Voucher, VoucherChannelListing, VoucherCode
from saleor.order.models import Order

from saleor_crm_plugin.models import CustomerOrder, CustomerProfile, Membership

# --- member checkout ------------------------------------------------------------

CHECKOUT_FIELDS = """
  id voucherCode discount { amount }
  subtotalPrice { gross { amount } }
  shippingPrice { gross { amount } }
  totalPrice { gross { amount } }
"""
CREATE = f"""
mutation C($input: CheckoutCreateInput!) {{
  checkoutCreate(input: $input) {{ checkout {{ {CHECKOUT_FIELDS} }}
    errors {{ field code message }} }}
}}"""
DELIVERY = f"""
mutation D($id: ID, $m: ID) {{
  checkoutDeliveryMethodUpdate(id: $id, deliveryMethodId: $m) {{
    checkout {{ {CHECKOUT_FIELDS} }} errors {{ field code message }} }}
}}"""
ADD_CODE = f"""
mutation A($id: ID, $code: String!) {{
  checkoutAddPromoCode(id: $id, promoCode: $code) {{
    checkout {{ {CHECKOUT_FIELDS} }} errors {{ field code message }} }}
}}"""
LINES_ADD = f"""
mutation L($id: ID, $lines: [CheckoutLineInput!]!) {{
  checkoutLinesAdd(id: $id, lines: $lines) {{
    checkout {{ {CHECKOUT_FIELDS} }} errors {{ field code message }} }}
}}"""
READ = f"""
query R($id: ID) {{ checkout(id: $id) {{ {CHECKOUT_FIELDS} }} }}"""
CUSTOMER_ATTACH = f"""
mutation T($id: ID) {{
  checkoutCustomerAttach(id: $id) {{
    checkout {{ {CHECKOUT_FIELDS} }} errors {{ field code message }} }}
}}"""


def make_member(user, program, tier):
    return Membership.objects.create(program=program, user=user, tier=tier)


def typed_voucher(channel, code, amount):
    voucher = Voucher.objects.create(
        name=f"Typed {code}", discount_value_type=DiscountValueType.FIXED
    )
    VoucherCode.objects.create(voucher=voucher, code=code)
    VoucherChannelListing.objects.create(
        voucher=voucher,
        channel=channel,
        discount_value=Decimal(amount),
        currency=channel.currency_code,
    )
    return voucher


def create(client, shop, quantity=2):
    data = gql(
        client,
        CREATE,
        {
            "input": {
                "channel": shop.channel_slug,
                "lines": [{"variantId": shop.variant_id, "quantity": quantity}],
                "shippingAddress": shop.address,
                "billingAddress": shop.address,
                "email": "buyer@example.com",
            }
        },
    )["checkoutCreate"]
    return read(client, ok(data)["checkout"])


def read(client, checkout):
    """The checkout as the storefront reads it after a mutation. (Saleor's test
    client runs on-commit callbacks — and so the plugin's checkout hooks — only
    after the mutation's response is built; in production the hook runs before.)"""
    return gql(client, READ, {"id": checkout["id"]})["checkout"]


def run(client, query, checkout, **variables):
    key = {
        DELIVERY: "checkoutDeliveryMethodUpdate",
        ADD_CODE: "checkoutAddPromoCode",
        LINES_ADD: "checkoutLinesAdd",
        CUSTOMER_ATTACH: "checkoutCustomerAttach",
    }
    ok(gql(client, query, {"id": checkout["id"], **variables})[key[query]])
    return read(client, checkout)


def amount(node, field):
    value = node[field]
    value = value["gross"] if "gross" in value else value
    return Decimal(str(value["amount"]))


def complete(client, checkout) -> Order:
    total = amount(checkout, "totalPrice")
    ok(
        gql(
            client,
            CHECKOUT_PAYMENT_CREATE,
            {
                "id": checkout["id"],
                "input": {"amount": total, "gateway": DUMMY_GATEWAY, "token": CHARGE},
            },
        )["checkoutPaymentCreate"]
    )
    data = ok(
        gql(client, CHECKOUT_COMPLETE, {"id": checkout["id"]})["checkoutComplete"]
    )
    _, pk = graphene.Node.from_global_id(data["order"]["id"])
    return Order.objects.get(pk=pk)


def db_checkout(checkout) -> Checkout:
    _, token = graphene.Node.from_global_id(checkout["id"])
    return Checkout.objects.get(token=token)


# --- members with CRM order rows -------------------------------------------------


def customer(program, n, *orders, tier=None, retained_until=None, **member):
    user = User.objects.create(email=f"member{n}-{uuid.uuid4().hex[:6]}@example.com")
    profile = CustomerProfile.objects.create(
        channel=program.channel, user=user, currency=program.channel.currency_code
    )
    for total, paid_at, *rest in orders:
        extra = rest[0] if rest else {}
        CustomerOrder.objects.create(
            order_id=uuid.uuid4(),
            profile=profile,
            channel_id=program.channel_id,
            currency=extra.get("currency", "USD"),
            total_amount=Decimal(total),
            refunded_amount=Decimal(extra.get("refunded", 0)),
            status="fulfilled",
            placed_at=paid_at,
            paid_at=paid_at,
            cancelled=extra.get("cancelled", False),
        )
    return Membership.objects.create(
        program=program, user=user, tier=tier, retained_until=retained_until, **member
    )
