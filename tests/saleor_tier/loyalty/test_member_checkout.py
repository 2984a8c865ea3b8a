"""Member discounts at checkout through Saleor's own vouchers: complete checkouts
as members of different tiers and check Saleor's totals, OrderDiscount rows and
voucher usage; a member code in anyone else's checkout is removed; the typed-in
voucher policy both ways; tier changes re-check open checkouts; a failure never
breaks the checkout and is retried."""

from decimal import Decimal
from unittest import mock

import pytest
from crm_helpers import CHARGE
from crm_loyalty_helpers import (
    ADD_CODE,
    CUSTOMER_ATTACH,
    DELIVERY,
    LINES_ADD,
    amount,
    complete,
    create,
    db_checkout,
    make_member,
    run,
    typed_voucher,
)
from django.utils import timezone
from saleor.checkout.models import Checkout
from saleor.discount import DiscountType
from saleor.discount.models import (
    OrderDiscount,
    Voucher,
    VoucherCode,
)

from saleor_crm_plugin import tasks
from saleor_crm_plugin.loyalty import (
    member_discount as vouchers,
)
from saleor_crm_plugin.loyalty import (
    tiers as loyalty_tiers,
)
from saleor_crm_plugin.models import HookFailure, LoyaltyProgram, Membership, Tier


@pytest.mark.parametrize(
    ("tier_name", "discount"), [("Silver", Decimal("2.00")), ("Gold", Decimal("5.00"))]
)
def test_member_checkout_is_discounted_by_saleor_and_recorded_on_the_order(
    ladder, user_api_client, customer_user, shop_usd, tier_name, discount
):
    program, tiers = ladder
    member = make_member(customer_user, program, tiers[tier_name])
    checkout = create(user_api_client, shop_usd)  # 2 x 10.00
    member.refresh_from_db()
    assert member.voucher_code.startswith(vouchers.CODE_PREFIX)
    assert checkout["voucherCode"] == member.voucher_code
    assert amount(checkout, "discount") == discount
    checkout = run(user_api_client, DELIVERY, checkout, m=shop_usd.shipping_method_id)
    assert amount(checkout, "subtotalPrice") == Decimal("20.00") - discount
    assert amount(checkout, "totalPrice") == Decimal("30.00") - discount

    order = complete(user_api_client, checkout)

    assert order.total_gross_amount == Decimal("30.00") - discount
    assert order.voucher_id == tiers[tier_name].voucher_id
    assert order.voucher_code == member.voucher_code
    voucher_rows = OrderDiscount.objects.filter(order=order, type=DiscountType.VOUCHER)
    assert [(d.amount_value, d.voucher_id) for d in voucher_rows] == [
        (discount, tiers[tier_name].voucher_id)
    ]
    # Saleor counts the use on the member's code
    assert VoucherCode.objects.get(code=member.voucher_code).used == 1


def test_no_discount_for_a_tier_without_one_a_non_member_or_a_guest(
    ladder, user_api_client, api_client, customer_user, shop_usd
):
    program, tiers = ladder
    make_member(customer_user, program, tiers["Regular"])
    for client in (user_api_client, api_client):
        checkout = create(client, shop_usd)
        assert checkout["voucherCode"] is None
        assert amount(checkout, "discount") == 0
        assert amount(checkout, "totalPrice") == Decimal("20.00")
    Membership.objects.all().delete()  # signed in, but no membership at all
    checkout = create(user_api_client, shop_usd)
    assert checkout["voucherCode"] is None


def test_channel_without_program_is_untouched(
    ladder, user_api_client, customer_user, shop_usd, channel_USD
):
    program, tiers = ladder
    make_member(customer_user, program, tiers["Gold"])
    LoyaltyProgram.objects.filter(pk=program.pk).update(is_active=False)
    checkout = create(user_api_client, shop_usd)
    assert checkout["voucherCode"] is None
    assert amount(checkout, "totalPrice") == Decimal("20.00")


def test_member_code_is_removed_from_another_customers_checkout(
    ladder, user_api_client, user2_api_client, api_client, customer_user, shop_usd
):
    program, tiers = ladder
    member = make_member(customer_user, program, tiers["Gold"])
    create(user_api_client, shop_usd)
    member.refresh_from_db()
    stolen = member.voucher_code

    for thief in (user2_api_client, api_client):  # another account, and a guest
        checkout = create(thief, shop_usd)
        after = run(thief, ADD_CODE, checkout, code=stolen)
        assert after["voucherCode"] is None
        assert amount(after, "discount") == 0
        assert db_checkout(checkout).voucher_code is None
        assert amount(after, "totalPrice") == Decimal("20.00")


def test_member_code_leaves_the_checkout_when_another_customer_takes_it_over(
    ladder, user_api_client, user2_api_client, customer_user, shop_usd
):
    program, tiers = ladder
    make_member(customer_user, program, tiers["Gold"])
    checkout = create(user_api_client, shop_usd)
    assert checkout["voucherCode"]
    # the member signs out; another customer attaches the checkout to themselves
    Checkout.objects.filter(token=db_checkout(checkout).token).update(user=None)
    after = run(user2_api_client, CUSTOMER_ATTACH, checkout)
    assert after["voucherCode"] is None
    assert amount(after, "discount") == 0


@pytest.mark.parametrize(
    ("policy", "typed", "expect_member"),
    [
        ("member_first", "5.00", True),  # member discount wins even if smaller
        ("best_for_customer", "5.00", False),  # typed 5.00 beats Silver's 2.00
        ("best_for_customer", "1.00", True),  # Silver's 2.00 beats typed 1.00
    ],
)
def test_typed_in_voucher_policy(
    ladder,
    user_api_client,
    customer_user,
    shop_usd,
    channel_USD,
    policy,
    typed,
    expect_member,
):
    program, tiers = ladder
    LoyaltyProgram.objects.filter(pk=program.pk).update(discount_policy=policy)
    member = make_member(customer_user, program, tiers["Silver"])
    typed_voucher(channel_USD, "TYPED", typed)
    checkout = create(user_api_client, shop_usd)
    after = run(user_api_client, ADD_CODE, checkout, code="TYPED")
    member.refresh_from_db()
    if expect_member:
        assert after["voucherCode"] == member.voucher_code
        assert amount(after, "discount") == Decimal("2.00")
    else:
        assert after["voucherCode"] == "TYPED"
        assert amount(after, "discount") == Decimal(typed)
    assert db_checkout(checkout).voucher_code == after["voucherCode"]


def test_minimum_spend_attaches_once_reached(
    ladder, user_api_client, customer_user, shop_usd
):
    program, tiers = ladder
    silver = tiers["Silver"]
    silver.min_spend = Decimal(50)
    silver.save()
    vouchers.sync_tier_voucher(silver)
    make_member(customer_user, program, silver)
    checkout = create(user_api_client, shop_usd)  # 20.00 < 50.00
    assert checkout["voucherCode"] is None
    after = run(
        user_api_client,
        LINES_ADD,
        checkout,
        lines=[{"variantId": shop_usd.variant_id, "quantity": 4}],
    )  # 60.00
    assert after["voucherCode"]
    assert amount(after, "discount") == Decimal("6.00")


def test_free_shipping_tier_uses_a_shipping_voucher(
    ladder, user_api_client, customer_user, shop_usd
):
    program, _ = ladder
    vip = Tier.objects.create(
        program=program, name="VIP", rank=3, threshold=500, free_shipping=True
    )
    vouchers.sync_tier_voucher(vip)
    make_member(customer_user, program, vip)
    checkout = create(user_api_client, shop_usd)
    # Saleor cannot apply a shipping voucher before a delivery method is chosen
    assert checkout["voucherCode"] is None
    after = run(user_api_client, DELIVERY, checkout, m=shop_usd.shipping_method_id)
    assert after["voucherCode"]
    assert amount(after, "shippingPrice") == 0
    assert amount(after, "totalPrice") == Decimal("20.00")
    order = complete(user_api_client, after)
    assert order.total_gross_amount == Decimal("20.00")
    assert order.shipping_price_gross_amount == 0


def test_category_limited_discount(
    ladder, user_api_client, customer_user, shop_usd, product, non_default_category
):
    program, tiers = ladder
    silver = tiers["Silver"]
    silver.category_ids = [product.category_id]
    silver.save()
    vouchers.sync_tier_voucher(silver)
    assert Voucher.objects.get(pk=silver.voucher_id).type == "specific_product"
    make_member(customer_user, program, silver)
    checkout = create(user_api_client, shop_usd)
    assert amount(checkout, "totalPrice") == Decimal("18.00")
    # limited to another category: Saleor finds nothing to discount
    assert non_default_category.pk != product.category_id
    silver.category_ids = [non_default_category.pk]
    silver.save()
    vouchers.sync_tier_voucher(silver)
    checkout = create(user_api_client, shop_usd)
    assert checkout["voucherCode"] is None
    assert amount(checkout, "totalPrice") == Decimal("20.00")


def test_tier_change_rechecks_open_checkouts(
    ladder, user_api_client, customer_user, shop_usd, staff_user
):
    program, tiers = ladder
    member = make_member(customer_user, program, tiers["Silver"])
    checkout = create(user_api_client, shop_usd)
    assert amount(checkout, "discount") == Decimal("2.00")
    member.refresh_from_db()
    code = member.voucher_code

    # staff override to Gold: same code, now on Gold's voucher, checkout re-priced
    loyalty_tiers.override_tier(
        member, tiers["Gold"], reason="VIP event", expires_at=None, by=staff_user.pk
    )
    assert vouchers.on_tiers_changed([member.pk]) == 1
    assert VoucherCode.objects.get(code=code).voucher_id == tiers["Gold"].voucher_id
    after = run(user_api_client, DELIVERY, checkout, m=shop_usd.shipping_method_id)
    assert after["voucherCode"] == code
    assert amount(after, "discount") == Decimal("5.00")

    # override to a tier with no discount: the code is switched off and removed
    loyalty_tiers.override_tier(
        member,
        tiers["Regular"],
        reason="downgrade test",
        expires_at=None,
        by=staff_user.pk,
    )
    vouchers.on_tiers_changed([member.pk])
    assert VoucherCode.objects.get(code=code).is_active is False
    stored = db_checkout(checkout)
    assert stored.voucher_code is None
    assert stored.discount_amount == 0


def test_upgrade_by_a_paid_order_rechecks_the_open_checkout(
    ladder, user_api_client, customer_user, shop_usd, django_capture_on_commit_callbacks
):
    """A real order pays the customer into Silver; the order task's commit moves
    the member's open checkout onto the Silver discount."""
    from crm_helpers import place_order

    program, tiers = ladder
    open_checkout = create(user_api_client, shop_usd)
    assert open_checkout["voucherCode"] is None
    with django_capture_on_commit_callbacks(execute=True):
        place_order(user_api_client, shop_usd, quantity=5, token=CHARGE)  # 60.00
    member = Membership.objects.get(user=customer_user, program=program)
    assert member.tier == tiers["Silver"]
    stored = db_checkout(open_checkout)
    assert stored.voucher_code == member.voucher_code
    assert stored.discount_amount == Decimal("2.00")


def test_a_failing_member_discount_never_breaks_checkout_and_is_retried(
    ladder, user_api_client, customer_user, shop_usd
):
    program, tiers = ladder
    make_member(customer_user, program, tiers["Gold"])
    with mock.patch.object(vouchers, "_attach", side_effect=RuntimeError("boom")):
        checkout = create(user_api_client, shop_usd)
    assert checkout["voucherCode"] is None
    assert amount(checkout, "totalPrice") == Decimal("20.00")
    failure = HookFailure.objects.get(hook=vouchers.HOOK_NAME)
    assert str(failure.order_id) == str(db_checkout(checkout).token)
    assert "boom" in failure.error

    HookFailure.objects.filter(pk=failure.pk).update(next_attempt_at=timezone.now())
    assert tasks.retry_hook_failures() == 1
    stored = db_checkout(checkout)
    assert stored.voucher_code
    assert stored.discount_amount == Decimal("5.00")
