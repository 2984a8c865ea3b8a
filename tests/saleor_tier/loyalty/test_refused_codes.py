"""A code the plugin refuses is refused with a reason (issue 13, item 5).

Saleor 3.23 runs no plugin hook while ``checkoutAddPromoCode`` validates a code:
the code is on the checkout before the plugin's ``checkout_updated`` hook runs,
and a hook cannot answer the mutation with an error. So when the hook takes a code
off (another member's code, another customer's coupon or points code, a code
replaced by the member discount) it leaves a machine-readable reason in the
checkout's public metadata, which a storefront reads with ``metafield``."""

import json
from datetime import timedelta
from decimal import Decimal

import graphene
import pytest
from crm_helpers import gql, ok
from crm_loyalty_helpers import (
    DELIVERY,
    complete,
    create,
    make_member,
    run,
    typed_voucher,
)
from django.utils import timezone
from saleor.checkout.models import Checkout, CheckoutMetadata
from saleor.discount.models import VoucherCode

from saleor_crm_plugin.loyalty import member_discount as vouchers
from saleor_crm_plugin.models import LoyaltyProgram

KEY = "crm.promoCodeRefused"  # the documented contract with storefronts
FIELDS = f"""
  id voucherCode discount {{ amount }} totalPrice {{ gross {{ amount }} }}
  refused: metafield(key: "{KEY}")
"""
ADD_CODE = f"""
mutation A($id: ID, $code: String!) {{
  checkoutAddPromoCode(id: $id, promoCode: $code) {{
    checkout {{ {FIELDS} }} errors {{ field code message }} }}
}}"""
READ = f"query R($id: ID) {{ checkout(id: $id) {{ {FIELDS} }} }}"
META = """
mutation M($id: ID!, $input: [MetadataInput!]!) {
  updateMetadata(id: $id, input: $input) { errors { field code message } }
}"""


def add_code(client, checkout, code):
    """checkoutAddPromoCode, then the storefront's read of the checkout. Returns
    (the mutation's payload, the checkout as read)."""
    payload = gql(client, ADD_CODE, {"id": checkout["id"], "code": code})[
        "checkoutAddPromoCode"
    ]
    return payload, gql(client, READ, {"id": checkout["id"]})["checkout"]


def refused(checkout) -> dict | None:
    return json.loads(checkout["refused"]) if checkout["refused"] else None


def member_code(client, shop, program, tier, user):
    member = make_member(user, program, tier)
    create(client, shop)
    member.refresh_from_db()
    return member.voucher_code


def test_another_members_code_is_refused_with_a_reason(
    ladder,
    user_api_client,
    user2_api_client,
    api_client,
    customer_user,
    shop_usd,
):
    program, tiers = ladder
    stolen = member_code(
        user_api_client, shop_usd, program, tiers["Gold"], customer_user
    )
    # another account: NOT_YOURS
    checkout = create(user2_api_client, shop_usd)
    assert (
        gql(user2_api_client, READ, {"id": checkout["id"]})["checkout"]["refused"]
        is None
    )
    payload, after = add_code(user2_api_client, checkout, stolen)
    assert payload["errors"] == []  # Saleor itself accepted the code
    assert after["voucherCode"] is None
    assert Decimal(str(after["discount"]["amount"])) == 0
    note = refused(after)
    assert note["reason"] == "NOT_YOURS"
    assert note["message"] == "This code belongs to another customer."
    assert stolen not in after["refused"]  # the note never repeats the code
    # a guest: the code's account holder may simply not be signed in
    checkout = create(api_client, shop_usd)
    _, after = add_code(api_client, checkout, stolen)
    assert after["voucherCode"] is None
    assert refused(after)["reason"] == "SIGN_IN_REQUIRED"


def test_the_members_own_code_of_another_channel(
    ladder,
    user_api_client,
    customer_user,
    shop_usd,
    channel_PLN,
):
    program, tiers = ladder
    own = member_code(user_api_client, shop_usd, program, tiers["Gold"], customer_user)
    pln = LoyaltyProgram.objects.create(channel=channel_PLN)
    make_member(customer_user, pln, None)
    checkout = create(user_api_client, shop_usd)
    assert checkout["voucherCode"] == own
    # the code of the USD program typed into a checkout of the same channel is
    # the member's own; the USD code on a PLN-program checkout would be refused
    # as OTHER_CHANNEL, which needs a PLN shop: checked on the hook directly
    stored = Checkout.objects.get(token=graphene.Node.from_global_id(checkout["id"])[1])
    Checkout.objects.filter(pk=stored.pk).update(channel=channel_PLN)
    stored.refresh_from_db()
    vouchers.apply_member_discount(stored)
    stored.refresh_from_db()
    assert stored.voucher_code is None
    note = json.loads(CheckoutMetadata.objects.get(checkout=stored).metadata[KEY])
    assert note["reason"] == "OTHER_CHANNEL"


def test_another_customers_coupon_is_refused_with_a_reason(
    user_api_client,
    user2_api_client,
    customer_user,
    customer_user2,
    shop_usd,
    channel_USD,
):
    from saleor_crm_plugin.coupons.rules import create_saleor_voucher
    from saleor_crm_plugin.domain.coupons import CODE_PREFIX
    from saleor_crm_plugin.models import CouponGrant, CouponRule, CustomerProfile

    now = timezone.now()
    rule = CouponRule.objects.create(
        name="Welcome",
        channel=channel_USD,
        trigger="first_order",
        discount_type="percentage",
        discount_value=Decimal(10),
        validity_days=30,
    )
    voucher = create_saleor_voucher(rule, now, now + timedelta(days=30))
    code = VoucherCode.objects.create(
        voucher=voucher, code=f"{CODE_PREFIX}AAAA-BBBB-CCCC-DDDD"
    )
    profile = CustomerProfile.objects.create(
        user=customer_user,
        channel=channel_USD,
        email=customer_user.email,
        currency="USD",
    )
    CouponGrant.objects.create(
        rule=rule,
        profile=profile,
        trigger_key="t",
        code=code.code,
        granted_at=now,
        currency="USD",
    )
    checkout = create(user2_api_client, shop_usd)
    _, after = add_code(user2_api_client, checkout, code.code)
    assert after["voucherCode"] is None
    assert refused(after)["reason"] == "NOT_YOURS"
    # its holder keeps it, and no note is left
    checkout = create(user_api_client, shop_usd)
    _, after = add_code(user_api_client, checkout, code.code)
    assert after["voucherCode"] == code.code
    assert after["refused"] is None


def test_a_typed_code_replaced_by_the_member_discount_says_so(
    ladder,
    user_api_client,
    customer_user,
    shop_usd,
    channel_USD,
):
    program, tiers = ladder
    own = member_code(
        user_api_client, shop_usd, program, tiers["Silver"], customer_user
    )
    typed_voucher(channel_USD, "TYPED", "1.00")  # member_first: Silver wins anyway
    checkout = create(user_api_client, shop_usd)
    _, after = add_code(user_api_client, checkout, "TYPED")
    assert after["voucherCode"] == own
    assert refused(after)["reason"] == "REPLACED_BY_MEMBER_DISCOUNT"
    # best_for_customer with a better typed code: kept, nothing to say
    LoyaltyProgram.objects.filter(pk=program.pk).update(
        discount_policy="best_for_customer"
    )
    typed_voucher(channel_USD, "BETTER", "5.00")
    checkout = create(user_api_client, shop_usd)
    _, after = add_code(user_api_client, checkout, "BETTER")
    assert after["voucherCode"] == "BETTER"
    assert after["refused"] is None


def test_the_note_keeps_the_checkouts_metadata_and_stays_off_the_order(
    ladder,
    user_api_client,
    user2_api_client,
    customer_user,
    shop_usd,
):
    program, tiers = ladder
    stolen = member_code(
        user_api_client, shop_usd, program, tiers["Gold"], customer_user
    )
    checkout = create(user2_api_client, shop_usd)
    ok(
        gql(
            user2_api_client,
            META,
            {
                "id": checkout["id"],
                "input": [{"key": "storefront.source", "value": "web"}],
            },
        )["updateMetadata"]
    )
    _, after = add_code(user2_api_client, checkout, stolen)
    assert refused(after)["reason"] == "NOT_YOURS"
    stored = CheckoutMetadata.objects.get(
        checkout__token=graphene.Node.from_global_id(checkout["id"])[1]
    )
    assert stored.metadata["storefront.source"] == "web"
    after = run(user2_api_client, DELIVERY, checkout, m=shop_usd.shipping_method_id)
    order = complete(user2_api_client, after)
    assert order.metadata.get("storefront.source") == "web"
    assert KEY not in order.metadata
    order.refresh_from_db()
    assert KEY not in order.metadata


@pytest.mark.django_db(transaction=True)
def test_the_mutations_own_answer_carries_the_refusal(
    ladder,
    user_api_client,
    user2_api_client,
    customer_user,
    shop_usd,
):
    """Outside a test transaction (as in production) Saleor runs the hook before
    it answers the mutation: its own payload shows the code gone and why."""
    program, tiers = ladder
    stolen = member_code(
        user_api_client, shop_usd, program, tiers["Gold"], customer_user
    )
    checkout = create(user2_api_client, shop_usd)
    payload = gql(user2_api_client, ADD_CODE, {"id": checkout["id"], "code": stolen})[
        "checkoutAddPromoCode"
    ]
    assert payload["errors"] == []
    assert payload["checkout"]["voucherCode"] is None
    assert refused(payload["checkout"])["reason"] == "NOT_YOURS"
