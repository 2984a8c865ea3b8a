"""Coupon rules on the real Saleor: issued codes are Saleor voucher codes that work
at checkout (only for their customer) and are attributed to the order on
redemption; each trigger selects the right customers; caps, cooldowns, budgets and
the control group hold; the dry run writes nothing; the report compares treated
and held-out customers."""

import re
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from crm_helpers import CHARGE, crm_gql, gid, gql, ok, place_order
from django.utils import timezone
from saleor.account.models import User
from saleor.discount import DiscountValueType, VoucherType
from saleor.discount.models import OrderDiscount, VoucherCode

from saleor_crm_plugin.coupons import issuing as coupons
from saleor_crm_plugin.coupons import rules as coupon_rules
from saleor_crm_plugin.domain.coupons import CouponRuleError, estimated_cost
from saleor_crm_plugin.models import (
    CouponGrant,
    CouponRule,
    CustomerOrder,
    CustomerProfile,
    LoyaltyProgram,
    Membership,
    Segment,
    SegmentEvent,
    Tier,
    TierChange,
)
from saleor_crm_plugin.segments.membership import materialize

CODE = re.compile(r"^CRM-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}$")
ADD_CODE = """
mutation A($id: ID, $code: String!) {
  checkoutAddPromoCode(id: $id, promoCode: $code) {
    checkout { id voucherCode discount { amount } totalPrice { gross { amount } } }
    errors { field code message }
  }
}"""
READ = "query R($id: ID) { checkout(id: $id) { id voucherCode discount { amount } } }"


def new_rule(channel, *, activated=None, **values) -> CouponRule:
    """A validated, active rule. Switched on a minute ago by default (the test's
    transaction — and so PostgreSQL's now() of the facts — began before the rule)."""
    data = {
        "name": "Rule",
        "channel": channel,
        "trigger": "first_order",
        "trigger_params": {},
        "discount_type": "percentage",
        "discount_value": Decimal(15),
        "validity_days": 30,
        **values,
    }
    rule = coupon_rules.save_rule(None, data)
    return coupon_rules.activate(
        rule, now=activated or timezone.now() - timedelta(minutes=1)
    )


def customer(channel, n, *, paid=1, days_ago=10, aov="40", user=True, **extra):
    last = timezone.now() - timedelta(days=days_ago) if paid else None
    account = User.objects.create(email=f"c{n}@example.com") if user else None
    return CustomerProfile.objects.create(
        channel=channel,
        user=account,
        email=f"c{n}@example.com",
        currency="USD",
        orders_count=paid,
        paid_orders_count=paid,
        last_order_at=last,
        last_paid_at=last,
        first_paid_at=last,
        average_order_value_amount=Decimal(aov),
        **extra,
    )


def crm_order(profile, n, *, days_ago, categories=(), paid=True, cancelled=False):
    import uuid

    placed = timezone.now() - timedelta(days=days_ago)
    return CustomerOrder.objects.create(
        order_id=uuid.uuid4(),
        profile=profile,
        channel_id=profile.channel_id,
        currency="USD",
        total_amount=Decimal(50),
        status="fulfilled",
        placed_at=placed,
        paid_at=placed if paid else None,
        cancelled=cancelled,
        category_ids=list(categories),
    )


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Channel averages are cached for an hour; channel keys repeat across tests."""
    from django.core.cache import cache

    cache.clear()


def days_ago(n):
    return timezone.now() - timedelta(days=n)


def grants(rule, **filters):
    return CouponGrant.objects.filter(rule=rule, **filters)


# --- a real order issues a real code, which works at checkout and is attributed ---


def test_first_order_issues_a_saleor_code_that_works_and_is_attributed(
    user_api_client, customer_user, shop_usd, channel_USD, api_client
):
    rule = new_rule(channel_USD, name="Welcome back", validity_days=14)
    first = place_order(user_api_client, shop_usd, quantity=1, token=CHARGE)

    grant = CouponGrant.objects.get(rule=rule)
    assert grant.profile.user_id == customer_user.pk and not grant.control
    assert CODE.match(grant.code)
    assert grant.trigger_key == "order:1"
    code = VoucherCode.objects.select_related("voucher").get(code=grant.code)
    voucher = code.voucher
    assert (voucher.type, voucher.discount_value_type, voucher.single_use) == (
        VoucherType.ENTIRE_ORDER,
        DiscountValueType.PERCENTAGE,
        True,
    )
    assert voucher.end_date == grant.expires_at
    assert grant.expires_at - grant.granted_at <= timedelta(days=15)
    assert grant.expires_at - grant.granted_at > timedelta(days=14)
    listing = voucher.channel_listings.get()
    assert (listing.channel_id, listing.discount_value) == (channel_USD.pk, 15)
    # the first order itself was placed without it
    assert first.voucher_code is None

    # someone else cannot use it: the checkout hook takes it off
    from crm_helpers import create_checkout

    other = create_checkout(api_client, shop_usd, quantity=2, email="x@example.com")
    gql(api_client, ADD_CODE, {"id": other, "code": grant.code})
    assert gql(api_client, READ, {"id": other})["checkout"]["voucherCode"] is None

    # its owner uses it on the second order: Saleor prices it and counts the use
    checkout_id = create_checkout(user_api_client, shop_usd, quantity=4)
    data = ok(
        gql(user_api_client, ADD_CODE, {"id": checkout_id, "code": grant.code})[
            "checkoutAddPromoCode"
        ]
    )
    assert data["checkout"]["voucherCode"] == grant.code
    assert Decimal(str(data["checkout"]["discount"]["amount"])) == Decimal("6.00")
    second = _complete(user_api_client, shop_usd, checkout_id)

    grant.refresh_from_db()
    assert second.voucher_code == grant.code
    assert grant.order_id == second.pk
    saleor_discount = sum(
        d.amount_value
        for d in OrderDiscount.objects.filter(order=second, voucher_code=grant.code)
    )
    assert grant.discount_amount == saleor_discount == Decimal("6.00")
    assert grant.order_total == second.total_gross_amount
    # single use: Saleor deactivates the code with the order
    assert VoucherCode.objects.get(code=grant.code).is_active is False
    # the second order is not a first order: nothing new
    assert grants(rule).count() == 1
    # single use: Saleor refuses it a second time
    again = create_checkout(user_api_client, shop_usd, quantity=1)
    errors = gql(user_api_client, ADD_CODE, {"id": again, "code": grant.code})[
        "checkoutAddPromoCode"
    ]["errors"]
    assert [e["field"] for e in errors] == ["promoCode"]


def test_a_cancelled_order_keeps_the_used_code_but_adds_no_revenue(
    user_api_client,
    customer_user,
    shop_usd,
    channel_USD,
    staff_api_client,
    permission_group_manage_orders,
):
    from crm_helpers import cancel, create_checkout

    permission_group_manage_orders.user_set.add(staff_api_client.user)
    rule = new_rule(channel_USD)
    place_order(user_api_client, shop_usd, quantity=1, token=CHARGE)
    grant = CouponGrant.objects.get(rule=rule)
    checkout_id = create_checkout(user_api_client, shop_usd, quantity=2)
    ok(
        gql(user_api_client, ADD_CODE, {"id": checkout_id, "code": grant.code})[
            "checkoutAddPromoCode"
        ]
    )
    order = _complete(user_api_client, shop_usd, checkout_id)
    grant.refresh_from_db()
    assert grant.order_id == order.pk
    assert coupons.report(rule).attributed_revenue == order.total_gross_amount
    cancel(staff_api_client, order)
    grant.refresh_from_db()
    # Saleor does not give a single-use code back on cancellation: still used
    assert grant.order_id == order.pk
    assert VoucherCode.objects.get(code=grant.code).is_active is False
    assert coupons.report(rule).attributed_revenue == 0


def test_a_real_order_enters_a_segment_and_triggers_its_rule_in_the_same_task(
    user_api_client, customer_user, shop_usd, channel_USD
):
    segment = Segment.objects.create(
        name="Buyers",
        channel=channel_USD,
        rule={"field": "paid_orders_count", "op": "gte", "value": 1},
    )
    materialize(segment)
    rule = new_rule(
        channel_USD, trigger="segment_entry", trigger_params={"segment_id": segment.pk}
    )
    place_order(user_api_client, shop_usd, quantity=1, token=CHARGE)
    grant = CouponGrant.objects.get(rule=rule)
    assert grant.profile.user_id == customer_user.pk
    assert grant.trigger_key.startswith("enter:")


def test_a_guests_code_follows_them_into_their_new_account(
    api_client, shop_usd, channel_USD, settings
):
    from crm_helpers import register_account

    rule = new_rule(channel_USD)
    place_order(
        api_client, shop_usd, quantity=1, email="Guest@Example.com", token=CHARGE
    )
    grant = CouponGrant.objects.get(rule=rule)
    assert grant.profile.user_id is None and grant.profile.email == "guest@example.com"
    user = register_account(
        api_client, "guest@example.com", shop_usd.channel_slug, settings
    )
    grant.refresh_from_db()
    assert grant.profile.user_id == user.pk
    assert not CustomerProfile.objects.filter(user__isnull=True).exists()
    # and the hook now recognizes the account as the code's owner
    assert coupons.code_owner(grant.code) == (user.pk, "guest@example.com")


def _complete(client, shop, checkout_id):
    import graphene
    from crm_helpers import (
        CHECKOUT_COMPLETE,
        CHECKOUT_DELIVERY,
        CHECKOUT_PAYMENT_CREATE,
        DUMMY_GATEWAY,
    )
    from saleor.order.models import Order

    delivery = ok(
        gql(
            client,
            CHECKOUT_DELIVERY,
            {"id": checkout_id, "deliveryMethodId": shop.shipping_method_id},
        )["checkoutDeliveryMethodUpdate"]
    )
    total = delivery["checkout"]["totalPrice"]["gross"]["amount"]
    ok(
        gql(
            client,
            CHECKOUT_PAYMENT_CREATE,
            {
                "id": checkout_id,
                "input": {"amount": total, "gateway": DUMMY_GATEWAY, "token": CHARGE},
            },
        )["checkoutPaymentCreate"]
    )
    data = ok(gql(client, CHECKOUT_COMPLETE, {"id": checkout_id})["checkoutComplete"])
    return Order.objects.get(pk=graphene.Node.from_global_id(data["order"]["id"])[1])


# --- triggers -----------------------------------------------------------------------


def issued_to(rule, now=None, **kwargs):
    coupons.run_rule(rule, now, **kwargs)
    return {g.profile.email for g in grants(rule).select_related("profile")}


def test_days_without_order_fires_once_when_the_line_is_crossed(channel_USD):
    crossed = customer(channel_USD, 1, days_ago=91)
    customer(channel_USD, 2, days_ago=89)  # not yet
    customer(channel_USD, 3, days_ago=400)  # crossed long before the rule
    customer(channel_USD, 4, paid=0)  # never ordered
    # time-based triggers fire for lines crossed since the rule was switched on
    rule = new_rule(
        channel_USD,
        trigger="days_without_order",
        trigger_params={"days": 90},
        activated=days_ago(2),
        max_per_customer=5,
    )
    assert issued_to(rule) == {crossed.email}
    assert issued_to(rule) == {crossed.email}  # idempotent
    # a new order and a new lapse: a new trigger key
    crossed.last_order_at = timezone.now() - timedelta(days=90, hours=1)
    crossed.save()
    coupons.run_rule(rule)
    assert grants(rule, profile=crossed).count() == 2


def test_nth_order_counts_paid_orders_after_activation(channel_USD):
    second = customer(channel_USD, 1, paid=2, days_ago=0)
    crm_order(second, 1, days_ago=100)
    crm_order(second, 2, days_ago=0)
    old = customer(channel_USD, 2, paid=2, days_ago=50)  # 2nd order before the rule
    crm_order(old, 1, days_ago=100)
    crm_order(old, 2, days_ago=50)
    third = customer(channel_USD, 3, paid=3, days_ago=0)
    for n, days in enumerate((30, 20, 0)):
        crm_order(third, n, days_ago=days)
    cancelled = customer(channel_USD, 4, paid=1, days_ago=0)
    crm_order(cancelled, 1, days_ago=10)
    crm_order(cancelled, 2, days_ago=0, cancelled=True)
    rule = new_rule(
        channel_USD,
        trigger="nth_order",
        trigger_params={"n": 2},
        activated=timezone.now() - timedelta(days=7),
    )
    assert issued_to(rule) == {second.email}


def test_birthday_from_metadata_with_days_before(channel_USD):
    soon = customer(channel_USD, 1)
    today = timezone.now().date()
    target = today + timedelta(days=3)
    soon.user.metadata = {"birthday": f"1990-{target:%m-%d}"}
    soon.user.save()
    other = customer(channel_USD, 2)
    other.user.metadata = {"birthday": f"{(target + timedelta(days=5)):%m-%d}"}
    other.user.save()
    customer(channel_USD, 3)  # no birthday known
    rule = new_rule(channel_USD, trigger="birthday", trigger_params={"days_before": 3})
    assert issued_to(rule) == {soon.email}
    assert grants(rule).get().trigger_key == f"birthday:{target.year}"


def test_category_purchase_after_n_days_unless_bought_again(channel_USD, category):
    due = customer(channel_USD, 1)
    crm_order(due, 1, days_ago=31, categories=[category.pk])
    rebought = customer(channel_USD, 2)
    crm_order(rebought, 1, days_ago=31, categories=[category.pk])
    crm_order(rebought, 2, days_ago=5, categories=[category.pk])
    other_category = customer(channel_USD, 3)
    crm_order(other_category, 1, days_ago=31, categories=[category.pk + 1000])
    too_early = customer(channel_USD, 4)
    crm_order(too_early, 1, days_ago=20, categories=[category.pk])
    rule = new_rule(
        channel_USD,
        trigger="category_purchase",
        trigger_params={"category_ids": [category.pk], "days": 30},
        activated=timezone.now() - timedelta(days=2),
    )
    assert issued_to(rule) == {due.email}


def test_tier_upgrade_only_upwards(channel_USD):
    program = LoyaltyProgram.objects.create(channel=channel_USD)
    base = Tier.objects.create(program=program, name="Base", rank=0)
    silver = Tier.objects.create(program=program, name="Silver", rank=1, threshold=50)
    up, down, enrolled = (customer(channel_USD, n) for n in (1, 2, 3))
    for profile, old, new in (
        (up, base, silver),
        (down, silver, base),
        (enrolled, None, base),
    ):
        member = Membership.objects.create(program=program, user=profile.user, tier=new)
        TierChange.objects.create(
            membership=member, from_tier=old, to_tier=new, reason="order"
        )
    rule = new_rule(channel_USD, trigger="tier_upgrade", trigger_params={})
    assert issued_to(rule) == {up.email}


def test_segment_entry_issues_to_customers_who_entered_and_stayed(channel_USD):
    dormant = customer(channel_USD, 1, paid=3, days_ago=200)
    customer(channel_USD, 2, paid=3, days_ago=10)
    segment = Segment.objects.create(
        name="Dormant regulars",
        channel=channel_USD,
        rule={
            "and": [
                {"field": "paid_orders_count", "op": "gte", "value": 2},
                {"field": "last_order_at", "op": "more_than_days_ago", "value": 90},
            ]
        },
    )
    rule = new_rule(
        channel_USD, trigger="segment_entry", trigger_params={"segment_id": segment.pk}
    )
    materialize(segment)
    assert issued_to(rule) == {dormant.email}
    # a customer who entered and left before the run gets nothing
    late = customer(channel_USD, 3, paid=2, days_ago=100)
    materialize(segment)
    late.last_order_at = timezone.now()
    late.save()
    materialize(segment)
    assert issued_to(rule) == {dormant.email}


def test_schedule_to_a_segment_every_week_with_cooldown_and_cap(channel_USD):
    customers = [customer(channel_USD, n) for n in range(3)]
    start = timezone.now() - timedelta(hours=1)
    rule = new_rule(
        channel_USD,
        trigger="schedule",
        trigger_params={"every_days": 7},
        starts_at=start,
        max_per_customer=2,
        cooldown_days=10,
    )
    assert coupons.run_rule(rule).issued == 3
    assert coupons.run_rule(rule).issued == 0  # run 0 done
    week = timedelta(days=7)
    assert coupons.run_rule(rule, start + week).issued == 0  # cooldown
    assert coupons.run_rule(rule, start + 2 * week).issued == 3  # run 2
    assert coupons.run_rule(rule, start + 4 * week).issued == 0  # cap of 2
    assert {g.trigger_key for g in grants(rule)} == {"schedule:0", "schedule:2"}
    assert all(grants(rule, profile=p).count() == 2 for p in customers)


# --- limits, budget, control group --------------------------------------------------


def test_budget_in_codes_and_in_discount(channel_USD):
    for n in range(10):
        customer(channel_USD, n, days_ago=91)
    rule = new_rule(
        channel_USD,
        trigger="days_without_order",
        trigger_params={"days": 90},
        activated=days_ago(2),
        budget_codes=4,
    )
    assert coupons.run_rule(rule).issued == 4
    again = coupons.run_rule(rule)
    assert (again.issued, again.budget_exhausted) == (0, True)

    fixed = new_rule(
        channel_USD,
        name="Fixed",
        trigger="days_without_order",
        trigger_params={"days": 90},
        activated=days_ago(2),
        discount_type="fixed",
        discount_value=Decimal(10),
        budget_amount=Decimal(35),
    )
    assert coupons.run_rule(fixed).issued == 3  # 3 x 10 <= 35
    assert sum(g.estimated_cost for g in grants(fixed)) == 30
    # an expired unused code frees its share of the budget
    grants(fixed).filter(pk=grants(fixed).first().pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert coupons.run_rule(fixed).issued == 1


def test_control_group_is_recorded_never_issued_and_counts_for_the_cap(channel_USD):
    for n in range(400):
        customer(channel_USD, n, days_ago=91)
    rule = new_rule(
        channel_USD,
        trigger="days_without_order",
        trigger_params={"days": 90},
        activated=days_ago(2),
        control_share=Decimal("0.25"),
    )
    result = coupons.run_rule(rule)
    assert result.issued + result.held_out == 400
    assert 60 <= result.held_out <= 140  # ~ Binomial(400, .25)
    held = grants(rule, control=True)
    assert held.count() == result.held_out
    assert not held.exclude(code="").exists()
    assert (
        VoucherCode.objects.filter(voucher__in=rule.vouchers.values("voucher")).count()
        == result.issued
    )
    assert coupons.run_rule(rule).issued == 0
    rule.refresh_from_db()
    assert (rule.issued_count, rule.control_count) == (result.issued, result.held_out)


def test_paused_ended_and_draft_rules_issue_nothing(channel_USD):
    customer(channel_USD, 1, days_ago=91)
    rule = new_rule(
        channel_USD,
        trigger="days_without_order",
        trigger_params={"days": 90},
        activated=days_ago(2),
    )
    coupon_rules.pause(rule)
    assert coupons.run_rule(rule).issued == 0
    rule.status, rule.ends_at = "active", timezone.now() - timedelta(seconds=1)
    rule.save()
    assert coupons.run_rule(rule).issued == 0
    with pytest.raises(CouponRuleError):
        coupon_rules.activate(rule)
    assert not grants(rule).exists()


def test_a_run_whose_customers_are_all_held_out_records_them(channel_USD):
    """A batch drawn wholly into the control group issues no code and needs no
    voucher: its hold-outs are recorded (an event run for one customer is such a
    batch whenever that customer is drawn)."""
    held = customer(channel_USD, 1, days_ago=91)
    rule = new_rule(
        channel_USD,
        trigger="days_without_order",
        trigger_params={"days": 90},
        activated=days_ago(2),
    )
    # above the 0.9 a merchant may set: every draw holds out
    CouponRule.objects.filter(pk=rule.pk).update(control_share=Decimal(1))
    rule.refresh_from_db()
    result = coupons.run_rule(rule)
    assert (result.issued, result.held_out) == (0, 1)
    grant = grants(rule).get()
    assert (grant.profile_id, grant.control, grant.code, grant.expires_at) == (
        held.pk,
        True,
        "",
        None,
    )
    assert not rule.vouchers.exists()


def test_codes_have_64_random_bits(channel_USD):
    for n in range(1500):
        customer(channel_USD, n, days_ago=91)
    rule = new_rule(
        channel_USD,
        trigger="days_without_order",
        trigger_params={"days": 90},
        activated=days_ago(2),
    )
    assert coupons.run_rule(rule).issued == 1500
    codes = list(grants(rule).values_list("code", flat=True))
    assert len(set(codes)) == 1500 and all(CODE.match(c) for c in codes)
    digits = Counter("".join(c[4:].replace("-", "") for c in codes))
    # 24,000 hex digits: each of the 16 values near 1,500 (no fixed nibble)
    assert set(digits) == set("0123456789ABCDEF")
    assert all(1200 < n < 1800 for n in digits.values()), digits


# --- dry run ------------------------------------------------------------------------


def test_dry_run_writes_nothing_and_matches_the_real_run(channel_USD):
    for n in range(12):
        customer(channel_USD, n, days_ago=91, aov=str(20 + n))
    rule = new_rule(
        channel_USD,
        trigger="days_without_order",
        trigger_params={"days": 90},
        activated=days_ago(2),
        budget_codes=10,
    )
    dry = coupons.dry_run(rule)
    assert (dry.eligible, dry.treated, dry.held_out, dry.budget_limited) == (
        12,
        10,
        0,
        True,
    )
    assert not CouponGrant.objects.exists() and not rule.vouchers.exists()
    assert not VoucherCode.objects.filter(code__startswith="CRM-").exists()
    assert {row["email"] for row in dry.sample} <= {
        f"c{n}@example.com" for n in range(12)
    }
    coupons.run_rule(rule)
    issued = list(grants(rule).select_related("profile"))
    assert len(issued) == 10
    # each code's estimate is the domain's, and the dry run's total is the run's
    # when no budget cuts differently
    reward = coupons.reward_of(rule)
    for grant in issued:
        assert grant.estimated_cost == estimated_cost(
            reward, grant.profile.average_order_value_amount, Decimal(0)
        )
    open_rule = new_rule(
        channel_USD,
        name="Open",
        trigger="days_without_order",
        trigger_params={"days": 90},
        activated=days_ago(2),
    )
    dry = coupons.dry_run(open_rule)
    coupons.run_rule(open_rule)
    assert dry.estimated_cost == sum(g.estimated_cost for g in grants(open_rule))


def _scenario(kind, channel, category):
    """A rule of each trigger kind, switched on, over customers some of whom its
    trigger selects and some not; returns the rule."""
    week_ago = days_ago(7)
    if kind in ("first_order", "nth_order"):
        n = 1 if kind == "first_order" else 2
        due = customer(channel, 1, paid=n, days_ago=0)
        for i in range(n):
            crm_order(due, i, days_ago=0 if i == n - 1 else 100)
        before = customer(channel, 2, paid=n, days_ago=50)  # before the switch-on
        for i in range(n):
            crm_order(before, i, days_ago=50 if i == n - 1 else 100)
        other = customer(channel, 3, paid=n, days_ago=1)
        for i in range(n):
            crm_order(other, i, days_ago=1 if i == n - 1 else 100)
        params = {} if kind == "first_order" else {"n": 2}
        return new_rule(
            channel, trigger=kind, trigger_params=params, activated=week_ago
        )
    if kind == "days_without_order":
        for n, days in enumerate((91, 91, 89, 400)):
            customer(channel, n, days_ago=days)
        return new_rule(
            channel, trigger=kind, trigger_params={"days": 90}, activated=days_ago(2)
        )
    if kind == "birthday":
        target = timezone.now().date() + timedelta(days=3)
        for n, day in enumerate((target, target, target + timedelta(days=5))):
            profile = customer(channel, n)
            profile.user.metadata = {"birthday": f"1990-{day:%m-%d}"}
            profile.user.save()
        return new_rule(channel, trigger=kind, trigger_params={"days_before": 3})
    if kind == "category_purchase":
        for n, days in enumerate((31, 32, 20)):
            crm_order(customer(channel, n), n, days_ago=days, categories=[category.pk])
        return new_rule(
            channel,
            trigger=kind,
            trigger_params={"category_ids": [category.pk], "days": 30},
            activated=days_ago(3),
        )
    if kind == "tier_upgrade":
        program = LoyaltyProgram.objects.create(channel=channel)
        base = Tier.objects.create(program=program, name="Base", rank=0)
        silver = Tier.objects.create(program=program, name="Silver", rank=1)
        for n, (old, new) in enumerate(
            ((base, silver), (base, silver), (silver, base))
        ):
            member = Membership.objects.create(
                program=program, user=customer(channel, n).user, tier=new
            )
            TierChange.objects.create(
                membership=member, from_tier=old, to_tier=new, reason="order"
            )
        return new_rule(channel, trigger=kind, trigger_params={})
    segment = Segment.objects.create(
        name="Dormant",
        channel=channel,
        rule={"field": "last_order_at", "op": "more_than_days_ago", "value": 90},
    )
    for n, days in enumerate((200, 150, 10)):
        customer(channel, n, days_ago=days)
    if kind == "segment_entry":
        rule = new_rule(
            channel, trigger=kind, trigger_params={"segment_id": segment.pk}
        )
        materialize(segment)
        return rule
    materialize(segment)
    params = {"every_days": 7}
    if kind == "schedule_segment":
        params["segment_id"] = segment.pk
    return new_rule(
        channel,
        trigger="schedule",
        trigger_params=params,
        starts_at=timezone.now() - timedelta(hours=1),
    )


@pytest.mark.parametrize(
    "kind",
    [
        "first_order",
        "nth_order",
        "days_without_order",
        "birthday",
        "category_purchase",
        "tier_upgrade",
        "segment_entry",
        "schedule_segment",
        "schedule_all",
    ],
)
def test_the_dry_run_picks_the_customers_the_run_picks(channel_USD, category, kind):
    """For every trigger kind, the dry run's answer for a rule that is on (what a
    run now issues) names exactly the customers the run then picks — treated and
    held out — with the same eligibility predicate: a customer the cap already
    excludes (an earlier grant) is left out by both."""
    rule = _scenario(kind, channel_USD, category)
    rule.control_share = Decimal("0.3")
    rule.save(update_fields=["control_share"])
    now = timezone.now()
    dry = coupons.dry_run(rule, now, sample_size=1000).on_activation
    first = {row["profile_id"] for row in dry.sample}
    assert len(first) >= 2, kind  # the scenario selects some customers
    assert dry.customers == len(first)
    # one of them already had this rule's code: the cap (1) now excludes them
    capped = min(first)
    CouponGrant.objects.create(
        rule=rule,
        profile_id=capped,
        trigger_key="earlier",
        control=True,
        granted_at=now - timedelta(days=400),
        currency="USD",
    )
    dry = coupons.dry_run(rule, now, sample_size=1000).on_activation
    picked = {row["profile_id"] for row in dry.sample}
    assert picked == first - {capped}
    coupons.run_rule(rule, now)
    ran = set(grants(rule, granted_at=now).values_list("profile_id", flat=True))
    assert ran == picked
    assert dry.customers == dry.codes + dry.held_out == len(ran)


def test_dry_run_of_a_draft_schedule_takes_its_first_run_as_due_now(channel_USD):
    members = [customer(channel_USD, n, paid=3, days_ago=200) for n in range(3)]
    customer(channel_USD, 9, paid=1, days_ago=5)
    segment = Segment.objects.create(
        name="Dormant",
        channel=channel_USD,
        rule={"field": "last_order_at", "op": "more_than_days_ago", "value": 90},
    )
    materialize(segment)
    draft = coupon_rules.save_rule(
        None,
        {
            "name": "Monthly",
            "channel": channel_USD,
            "trigger": "schedule",
            "trigger_params": {"segment_id": segment.pk, "every_days": 30},
            "starts_at": timezone.now() + timedelta(days=3),
            "discount_type": "fixed",
            "discount_value": Decimal(5),
        },
    )
    dry = coupons.dry_run(draft)
    assert (dry.treated, dry.estimated_cost) == (3, Decimal(15))
    assert {row["email"] for row in dry.sample} == {p.email for p in members}
    assert not CouponGrant.objects.exists()
    assert coupons.run_rule(draft).issued == 0  # a draft issues nothing


# --- dry run vs switch-on (issue 13, item 6) ----------------------------------------

ACTIVATE = """
mutation A($id: ID!) { crmCouponRuleActivate(id: $id) {
  issued heldOut budgetExhausted rule { status } errors { field code } } }"""


def draft(channel, **values) -> CouponRule:
    return coupon_rules.save_rule(
        None,
        {
            "name": "Draft",
            "channel": channel,
            "discount_type": "fixed",
            "discount_value": Decimal(5),
            "trigger_params": {},
            **values,
        },
    )


def switch_on(client, rule) -> dict:
    answer = crm_gql(client, ACTIVATE, {"id": gid("CRMCouponRule", rule.pk)})[
        "crmCouponRuleActivate"
    ]
    assert answer["errors"] == [] and answer["rule"]["status"] == "ACTIVE"
    return answer


def test_an_order_driven_rule_issues_nothing_at_switch_on_and_its_dry_run_says_so(
    user_api_client, user2_api_client, shop_usd, channel_USD, staff_discounts_admin
):
    # two real first orders, before the rule exists
    place_order(user_api_client, shop_usd, quantity=1, token=CHARGE)
    place_order(user2_api_client, shop_usd, quantity=1, token=CHARGE)
    rule = draft(channel_USD, trigger="first_order")

    dry = coupons.dry_run(rule)
    now = dry.window_to
    on = dry.on_activation
    assert (on.codes, on.customers, on.held_out, on.estimated_cost, on.sample) == (
        0,
        0,
        0,
        0,
        [],
    )
    assert "first paid orders after the switch-on" in on.explanation
    replay = dry.replayed_window
    assert (replay.codes, replay.customers, replay.estimated_cost) == (
        2,
        2,
        Decimal(10),
    )  # 2 x 5.00
    assert now - dry.window_from == timedelta(days=30)

    answer = switch_on(staff_discounts_admin, rule)
    assert (answer["issued"], answer["heldOut"]) == (on.codes, on.held_out) == (0, 0)
    assert not grants(rule).exists()
    # the deprecated single answer of a rule not switched on is the replay
    assert (dry.treated, dry.eligible) == (2, 2)


def test_switching_on_a_segment_schedule_issues_what_its_dry_run_said(
    user_api_client, user2_api_client, shop_usd, channel_USD, staff_discounts_admin
):
    place_order(user_api_client, shop_usd, quantity=1, token=CHARGE)
    place_order(user2_api_client, shop_usd, quantity=3, token=CHARGE)
    for n in range(5):
        customer(channel_USD, n, aov=str(30 + n))
    customer(channel_USD, 9, paid=0)  # never bought
    segment = Segment.objects.create(
        name="Buyers",
        channel=channel_USD,
        rule={"field": "paid_orders_count", "op": "gte", "value": 1},
    )
    materialize(segment)
    rule = draft(
        channel_USD,
        trigger="schedule",
        discount_type="percentage",
        discount_value=Decimal(10),
        trigger_params={"segment_id": segment.pk, "every_days": 30},
    )

    on = coupons.dry_run(rule, sample_size=100).on_activation
    assert (on.codes, on.customers, on.budget_limited) == (7, 7, False)
    assert on.explanation == (
        "The schedule's run due now issues to the segment's current members."
    )
    assert (on.explanation_code, on.explanation_params) == (
        "schedule_segment_members",
        {},
    )
    answer = switch_on(staff_discounts_admin, rule)
    issued = list(grants(rule, control=False))
    assert answer["issued"] == len(issued) == on.codes
    assert sum(g.estimated_cost for g in issued) == on.estimated_cost > 0
    assert {g.profile_id for g in issued} == {r["profile_id"] for r in on.sample}
    # switched on, the run is done: nothing more now, as the dry run now says
    dry = coupons.dry_run(rule)
    assert dry.on_activation.codes == 0
    assert switch_on(staff_discounts_admin, rule)["issued"] == 0


def test_a_segment_entry_rule_issues_at_switch_on_what_its_dry_run_says(
    user_api_client, customer_user, shop_usd, channel_USD, staff_discounts_admin
):
    place_order(user_api_client, shop_usd, quantity=1, token=CHARGE)
    for n in range(3):
        customer(channel_USD, n)
    segment = Segment.objects.create(
        name="Buyers",
        channel=channel_USD,
        rule={"field": "paid_orders_count", "op": "gte", "value": 1},
    )
    materialize(segment)
    # they entered three days ago, before the rule existed
    SegmentEvent.objects.filter(segment=segment).update(
        created_at=timezone.now() - timedelta(days=3)
    )
    rule = draft(
        channel_USD, trigger="segment_entry", trigger_params={"segment_id": segment.pk}
    )

    dry = coupons.dry_run(rule)
    assert (dry.on_activation.codes, dry.on_activation.estimated_cost) == (0, 0)
    assert "customers entering the segment after the switch-on" in (
        dry.on_activation.explanation
    )
    assert (dry.replayed_window.codes, dry.replayed_window.estimated_cost) == (
        4,
        Decimal(20),
    )
    answer = switch_on(staff_discounts_admin, rule)
    assert answer["issued"] == dry.on_activation.codes == 0
    assert not grants(rule).exists()

    # switched on a day ago; a customer enters now: the dry run's switch-on answer
    # (for a rule that is on: a run now) and the real run agree
    CouponRule.objects.filter(pk=rule.pk).update(
        activated_at=timezone.now() - timedelta(days=1)
    )
    rule.refresh_from_db()
    newcomer = customer(channel_USD, 7, aov="80")
    materialize(segment)
    dry = coupons.dry_run(rule)
    assert (dry.on_activation.codes, dry.on_activation.estimated_cost) == (
        1,
        Decimal(5),
    )
    assert dry.on_activation.explanation.startswith(
        "Counts customers entering the segment since the switch-on"
    )
    assert [r["profile_id"] for r in dry.on_activation.sample] == [newcomer.pk]
    assert coupons.run_rule(rule).issued == 1
    assert [(g.profile_id, g.estimated_cost) for g in grants(rule)] == [
        (newcomer.pk, Decimal(5))
    ]


def test_the_dry_run_of_a_rule_not_yet_started_or_out_of_budget_says_why(channel_USD):
    customer(channel_USD, 1, days_ago=91)
    later = draft(
        channel_USD,
        trigger="days_without_order",
        trigger_params={"days": 90},
        starts_at=timezone.now() + timedelta(days=2),
    )
    on = coupons.dry_run(later).on_activation
    assert on.codes == 0 and on.explanation.startswith("The rule starts at ")
    spent = new_rule(
        channel_USD,
        name="Spent",
        trigger="days_without_order",
        trigger_params={"days": 90},
        activated=days_ago(2),
        budget_codes=1,
    )
    assert coupons.run_rule(spent).issued == 1
    dry = coupons.dry_run(spent)
    assert (dry.on_activation.codes, dry.on_activation.budget_limited) == (0, True)
    assert "budget" in dry.on_activation.explanation
    assert dry.on_activation.explanation_code == "budget_used_up"
    assert dry.on_activation.explanation == coupons.explanation_text(
        "budget_used_up", {}
    )


def test_activating_a_rule_that_is_on_keeps_its_switch_on(channel_USD):
    rule = new_rule(channel_USD, activated=days_ago(2))
    coupon_rules.activate(rule)
    rule.refresh_from_db()
    assert abs(rule.activated_at - days_ago(2)) < timedelta(minutes=1)


# --- report -------------------------------------------------------------------------


def test_report_compares_treated_and_held_out_customers(channel_USD):
    rule = new_rule(
        channel_USD,
        trigger="days_without_order",
        trigger_params={"days": 90},
        activated=days_ago(2),
        report_window_days=30,
    )
    now = timezone.now()
    profiles = [customer(channel_USD, n, days_ago=91) for n in range(8)]
    # treated: 0..3 (two buy 50 within the window), held out: 4..7 (one buys)
    for i, p in enumerate(profiles):
        CouponGrant.objects.create(
            rule=rule,
            profile=p,
            trigger_key="t",
            control=i >= 4,
            currency="USD",
            code="" if i >= 4 else f"CRM-TEST-{i}",
            granted_at=now - timedelta(days=40),
            estimated_cost=Decimal(6),
            expires_at=now,
        )
    for p in (profiles[0], profiles[1], profiles[4]):
        order = crm_order(p, 1, days_ago=35)  # 5 days after the grant
        order.total_amount = Decimal(50)
        order.save()
    crm_order(profiles[2], 1, days_ago=1)  # outside the 30-day window
    CouponGrant.objects.filter(profile=profiles[0]).update(
        redeemed_at=now,
        discount_amount=Decimal("7.5"),
        order_total=Decimal(50),
        order_id=CustomerOrder.objects.filter(profile=profiles[0]).get().order_id,
    )

    result = coupons.report(rule, now)
    assert (result.treated.customers, result.treated.converted) == (4, 2)
    assert (result.control.customers, result.control.converted) == (4, 1)
    assert result.treated.revenue == 100 and result.control.revenue == 50
    assert result.conversion_uplift.estimate == pytest.approx(0.25)
    assert result.conversion_uplift.low < 0.25 < result.conversion_uplift.high
    assert result.revenue_uplift.estimate == pytest.approx(12.5)
    assert (result.redeemed, result.discount_cost, result.attributed_revenue) == (
        1,
        Decimal("7.5"),
        Decimal(50),
    )
    assert result.incremental_revenue == Decimal(50)
