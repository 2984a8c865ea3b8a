"""Personal codes on shared vouchers (issue 13).

Every member of a tier — and every recipient of a coupon rule on a day — holds a
personal ``VoucherCode`` of one shared Saleor voucher. Saleor 3.23 names an
entire-order voucher on each order line as ``Voucher.code`` (one code of the
voucher, not the order's); the plugin corrects that inside the order's own
transaction, so every reader — the order, its lines, Saleor's webhook and
notification payloads — sees the buyer's own code. A member's code exists as
soon as they enter a tier with a discount (paid order, review, override)."""

import json
from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from crm_helpers import CHARGE, crm_gql, gid, gql, place_order
from crm_loyalty_helpers import DELIVERY, complete, create, make_member, run
from saleor.core.models import EventPayload
from saleor.core.notify import NotifyEventType
from saleor.discount.models import OrderDiscount, Voucher, VoucherCode
from saleor.order.models import Order, OrderLine
from saleor.plugins.manager import PluginsManager
from saleor.webhook.event_types import WebhookEventAsyncType
from saleor.webhook.models import Webhook

from saleor_crm_plugin.loyalty import (
    member_discount as vouchers,
)
from saleor_crm_plugin.loyalty import (
    orders as loyalty_orders,
)
from saleor_crm_plugin.loyalty import (
    periodic as loyalty_periodic,
)
from saleor_crm_plugin.models import Membership, Tier

REASON = "Entire order voucher code: {}"

ORDER_READ = """
query O($id: ID!) { order(id: $id) {
  voucherCode
  lines { unitDiscountReason voucherCode }
  discounts { reason }
} }"""
MY_ORDERS = """
{ me { orders(first: 5) { edges { node {
  voucherCode lines { unitDiscountReason }
} } } } }"""
ORDER_CREATED_SUBSCRIPTION = """
subscription { event { ... on OrderCreated { order {
  voucherCode lines { unitDiscountReason } discounts { reason }
} } } }"""
MY_LOYALTY = """
query My($channel: String!) { crmMyLoyalty(channel: $channel) {
  tier { name } voucherCode
} }"""


def _codes_named(text: str) -> set[str]:
    """Every CRM member or coupon code a text names."""
    import re

    return set(re.findall(r"(?:MBR|CRM)-[0-9A-F-]+", text or ""))


@pytest.fixture
def order_webhooks(subscription_webhook, webhook_app, settings):
    """Saleor's WebhookPlugin placed before the CRM plugin, as in production (a
    built-in plugin), with a legacy ORDER_CREATED webhook (its payload is built
    synchronously, before any later plugin's order_created hook runs) and a
    subscription one (deferred payload; Celery runs eagerly in Saleor's test
    settings)."""
    settings.PLUGINS = [
        "saleor.plugins.webhook.plugin.WebhookPlugin",
        *settings.PLUGINS,
    ]
    legacy = Webhook.objects.create(
        name="legacy", app=webhook_app, target_url="http://www.example.com/legacy"
    )
    legacy.events.create(event_type=WebhookEventAsyncType.ORDER_CREATED)
    subscription_webhook(
        ORDER_CREATED_SUBSCRIPTION, WebhookEventAsyncType.ORDER_CREATED
    )


@pytest.fixture
def notifications(monkeypatch):
    """What Saleor's ``manager.notify`` would send, built at the moment it is
    called (payloads are built lazily by the receiving plugin)."""
    sent = []
    original = PluginsManager.notify

    def spy(self, event, payload_func, channel_slug=None, plugin_id=None):
        sent.append((event, payload_func()))
        return original(
            self, event, payload_func, channel_slug=channel_slug, plugin_id=plugin_id
        )

    monkeypatch.setattr(PluginsManager, "notify", spy)
    return sent


def _two_gold_members(
    ladder, customer_user, customer_user2, user_api_client, user2_api_client, shop_usd
):
    program, tiers = ladder
    first = make_member(customer_user, program, tiers["Gold"])
    second = make_member(customer_user2, program, tiers["Gold"])
    checkout_first = run(
        user_api_client,
        DELIVERY,
        create(user_api_client, shop_usd),
        m=shop_usd.shipping_method_id,
    )
    checkout_second = run(
        user2_api_client,
        DELIVERY,
        create(user2_api_client, shop_usd),
        m=shop_usd.shipping_method_id,
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.voucher_code != second.voucher_code
    # the situation of the issue: Saleor's Voucher.code is the first member's code
    voucher = Voucher.objects.get(pk=tiers["Gold"].voucher_id)
    assert voucher.code == first.voucher_code
    return (first, checkout_first), (second, checkout_second)


def test_each_members_order_names_their_own_code(
    ladder,
    customer_user,
    customer_user2,
    user_api_client,
    user2_api_client,
    shop_usd,
    staff_api_client,
    permission_group_manage_orders,
    order_webhooks,
    notifications,
):
    (first, checkout_first), (second, checkout_second) = _two_gold_members(
        ladder,
        customer_user,
        customer_user2,
        user_api_client,
        user2_api_client,
        shop_usd,
    )
    with mock.patch(
        "saleor.webhook.transport.asynchronous.transport"
        ".send_webhook_request_async.apply_async"
    ):
        order = complete(user2_api_client, checkout_second)  # the second member

    own = second.voucher_code
    assert order.voucher_code == own
    # stored: the order's lines and discounts
    reasons = list(
        OrderLine.objects.filter(order=order).values_list(
            "unit_discount_reason", flat=True
        )
    )
    assert reasons == [REASON.format(own)]
    for discount in OrderDiscount.objects.filter(order=order):
        assert _codes_named(discount.reason) <= {own}
        assert discount.voucher_code == own
    # what staff (the Dashboard) and the customer read
    permission_group_manage_orders.user_set.add(staff_api_client.user)
    staff_view = gql(staff_api_client, ORDER_READ, {"id": gid("Order", order.pk)})
    mine = gql(user2_api_client, MY_ORDERS)["me"]["orders"]["edges"][0]["node"]
    for view in (staff_view["order"], mine):
        assert view["voucherCode"] == own
        assert [line["unitDiscountReason"] for line in view["lines"]] == [
            REASON.format(own)
        ]
        assert _codes_named(json.dumps(view)) == {own}
    # what Saleor sent: the order-created webhooks (legacy payload built before
    # any later plugin hook; subscription payload deferred) and the confirmation
    payloads = [p.get_payload() for p in EventPayload.objects.all()]
    assert len(payloads) == 2
    confirmation = [
        payload
        for event, payload in notifications
        if event == NotifyEventType.ORDER_CONFIRMATION
    ]
    assert len(confirmation) == 1
    for sent in [*payloads, json.dumps(confirmation, default=str)]:
        assert own in sent
        assert _codes_named(sent) == {own}, sent
    assert first.voucher_code not in json.dumps(
        [payloads, staff_view, mine, confirmation], default=str
    )

    # the first member's order names the first member's code
    order_first = complete(user_api_client, checkout_first)
    assert list(
        OrderLine.objects.filter(order=order_first).values_list(
            "unit_discount_reason", flat=True
        )
    ) == [REASON.format(first.voucher_code)]


def test_the_correction_is_idempotent_and_leaves_other_orders_alone(
    ladder,
    customer_user,
    customer_user2,
    user_api_client,
    user2_api_client,
    shop_usd,
    django_assert_num_queries,
):
    from saleor_crm_plugin.pipeline import order_codes

    (_, _), (second, checkout_second) = _two_gold_members(
        ladder,
        customer_user,
        customer_user2,
        user_api_client,
        user2_api_client,
        shop_usd,
    )
    order = complete(user2_api_client, checkout_second)
    before = list(
        OrderLine.objects.filter(order=order).values_list(
            "unit_discount_reason", flat=True
        )
    )
    with django_assert_num_queries(1):
        assert order_codes.correct_order(order) == 0  # already right
    order.save()  # a later full save of the order
    assert (
        list(
            OrderLine.objects.filter(order=order).values_list(
                "unit_discount_reason", flat=True
            )
        )
        == before
    )
    # an order without a CRM code costs no query at all
    for code in (None, "", "SUMMER10"):
        plain = Order(number=1, voucher_code=code)
        with django_assert_num_queries(0):
            assert order_codes.correct_order(plain) == 0


def test_a_coupon_order_names_the_recipients_own_code(
    user_api_client,
    user2_api_client,
    customer_user,
    customer_user2,
    shop_usd,
    channel_USD,
):
    """Two customers hold single-use codes of one coupon voucher (as a rule's run
    issues them); the second one's order names the second one's code."""
    from crm_loyalty_helpers import ADD_CODE
    from django.utils import timezone

    from saleor_crm_plugin.coupons.rules import create_saleor_voucher
    from saleor_crm_plugin.domain.coupons import CODE_PREFIX
    from saleor_crm_plugin.models import CouponRule

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
    codes = [
        VoucherCode.objects.create(voucher=voucher, code=f"{CODE_PREFIX}{tail}")
        for tail in ("AAAA-AAAA-AAAA-0001", "BBBB-BBBB-BBBB-0002")
    ]
    assert voucher.code == codes[0].code
    checkout = create(user2_api_client, shop_usd)
    checkout = run(user2_api_client, DELIVERY, checkout, m=shop_usd.shipping_method_id)
    checkout = run(user2_api_client, ADD_CODE, checkout, code=codes[1].code)
    assert checkout["voucherCode"] == codes[1].code
    order = complete(user2_api_client, checkout)
    assert list(
        OrderLine.objects.filter(order=order).values_list(
            "unit_discount_reason", flat=True
        )
    ) == [REASON.format(codes[1].code)]


# --- item 2: the code exists as soon as the member enters the tier ----------------


def _my_loyalty(client, channel):
    return crm_gql(client, MY_LOYALTY, {"channel": channel.slug})["crmMyLoyalty"]


def _assert_own_active_code(membership, tier):
    membership.refresh_from_db()
    assert membership.voucher_code.startswith(vouchers.CODE_PREFIX)
    code = VoucherCode.objects.get(code=membership.voucher_code)
    assert (code.voucher_id, code.is_active) == (tier.voucher_id, True)
    return membership.voucher_code


def test_a_paid_order_that_upgrades_creates_the_code_in_its_transaction(
    ladder,
    user_api_client,
    customer_user,
    shop_usd,
    channel_USD,
    django_capture_on_commit_callbacks,
):
    program, tiers = ladder
    # nothing after the order task's commit: the code must come with the move
    with (
        mock.patch.object(loyalty_orders, "on_tiers_changed_safely") as after_commit,
        django_capture_on_commit_callbacks(execute=True),
    ):
        place_order(user_api_client, shop_usd, quantity=5, token=CHARGE)  # 60.00
    member = Membership.objects.get(user=customer_user, program=program)
    assert member.tier == tiers["Silver"]
    code = _assert_own_active_code(member, tiers["Silver"])
    assert after_commit.called
    state = _my_loyalty(user_api_client, channel_USD)
    assert state == {"tier": {"name": "Silver"}, "voucherCode": code}


def test_apply_orders_writes_the_code_before_its_commit(
    ladder,
    customer_user,
    channel_USD,
):
    """Inside the caller's transaction, with no on-commit callback run."""
    from saleor_crm_plugin.models import CustomerOrder, CustomerProfile

    program, tiers = ladder
    profile = CustomerProfile.objects.create(
        user=customer_user,
        channel=channel_USD,
        email=customer_user.email,
        currency="USD",
    )
    from django.utils import timezone

    now = timezone.now()
    CustomerOrder.objects.create(
        order_id="6f2e3cd4-0000-4000-8000-000000000001",
        profile=profile,
        channel_id=channel_USD.pk,
        status="unfulfilled",
        currency="USD",
        total_amount=Decimal(120),
        paid_at=now,
        placed_at=now,
    )
    loyalty_orders.apply_orders(["6f2e3cd4-0000-4000-8000-000000000001"], now)
    member = Membership.objects.get(user=customer_user, program=program)
    assert member.tier == tiers["Gold"]
    _assert_own_active_code(member, tiers["Gold"])


def test_a_tier_without_discount_gets_no_code(ladder, customer_user, channel_USD):
    program, tiers = ladder
    member = make_member(customer_user, program, tiers["Regular"])
    vouchers.sync_member_codes([member.pk])
    member.refresh_from_db()
    assert member.voucher_code == ""
    assert not VoucherCode.objects.filter(
        code__startswith=vouchers.CODE_PREFIX
    ).exists()


def test_the_review_creates_the_codes_of_members_it_moves(
    ladder,
    user_api_client,
    customer_user,
    shop_usd,
    channel_USD,
):
    program, tiers = ladder
    # orders from before the program: the review places the customer on the ladder
    Tier.objects.filter(program=program).delete()
    place_order(user_api_client, shop_usd, quantity=11, token=CHARGE)  # 120.00
    program_tiers = {}
    for name, rank, threshold, value in (("Silver", 1, 50, 10), ("Gold", 2, 100, 25)):
        tier = Tier.objects.create(
            program=program,
            name=name,
            rank=rank,
            threshold=threshold,
            discount_type="percentage",
            discount_value=Decimal(value),
        )
        vouchers.sync_tier_voucher(tier)
        program_tiers[name] = tier
    Membership.objects.filter(program=program).update(tier=None)
    with mock.patch.object(loyalty_periodic, "_after_changes"):  # nothing after commit
        result = loyalty_periodic.review_tiers()
    assert result["upgraded"] == 1
    member = Membership.objects.get(user=customer_user, program=program)
    code = _assert_own_active_code(member, program_tiers["Gold"])
    assert _my_loyalty(user_api_client, channel_USD) == {
        "tier": {"name": "Gold"},
        "voucherCode": code,
    }


def test_an_override_creates_the_code_in_its_transaction(
    ladder,
    staff_users_admin,
    user_api_client,
    customer_user,
    channel_USD,
):
    from test_loyalty_graphql import OVERRIDE

    from saleor_crm_plugin.loyalty import tiers as loyalty_tiers

    program, tiers = ladder
    with mock.patch.object(loyalty_tiers, "on_tiers_changed_safely"):
        data = crm_gql(
            staff_users_admin,
            OVERRIDE,
            {
                "id": gid("User", customer_user.pk),
                "channel": channel_USD.slug,
                "tier": gid("CRMTier", tiers["Silver"].pk),
                "reason": "VIP event",
            },
        )
    assert data["crmTierOverride"]["errors"] == []
    member = Membership.objects.get(user=customer_user, program=program)
    code = _assert_own_active_code(member, tiers["Silver"])
    assert _my_loyalty(user_api_client, channel_USD) == {
        "tier": {"name": "Silver"},
        "voucherCode": code,
    }

    # a member who already has a code keeps it; it moves with them
    with mock.patch.object(loyalty_tiers, "on_tiers_changed_safely"):
        crm_gql(
            staff_users_admin,
            OVERRIDE,
            {
                "id": gid("User", customer_user.pk),
                "channel": channel_USD.slug,
                "tier": gid("CRMTier", tiers["Gold"].pk),
                "reason": "VIP event",
            },
        )
    assert _assert_own_active_code(member, tiers["Gold"]) == code

    # in a tier without a discount the code is switched off: none to show
    with mock.patch.object(loyalty_tiers, "on_tiers_changed_safely"):
        crm_gql(
            staff_users_admin,
            OVERRIDE,
            {
                "id": gid("User", customer_user.pk),
                "channel": channel_USD.slug,
                "tier": gid("CRMTier", tiers["Regular"].pk),
                "reason": "test",
            },
        )
    assert VoucherCode.objects.get(code=code).is_active is False
    assert _my_loyalty(user_api_client, channel_USD) == {
        "tier": {"name": "Regular"},
        "voucherCode": None,
    }


def test_codes_for_many_members_at_once_are_distinct(ladder, channel_USD):
    """The set-based issue gives each member a code of their own (a collision with
    an existing code is retried, never shared)."""
    from saleor.account.models import User

    program, tiers = ladder
    users = User.objects.bulk_create(
        [User(email=f"m{i}@example.com") for i in range(50)]
    )
    members = Membership.objects.bulk_create(
        [Membership(program=program, user=u, tier=tiers["Silver"]) for u in users]
    )
    ids = [m.pk for m in members]
    assert vouchers.sync_member_codes(ids) == 50
    codes = list(
        Membership.objects.filter(pk__in=ids).values_list("voucher_code", flat=True)
    )
    assert len(set(codes)) == 50
    assert (
        VoucherCode.objects.filter(
            code__in=codes, voucher_id=tiers["Silver"].voucher_id
        ).count()
        == 50
    )
    assert vouchers.sync_member_codes(ids) == 0  # idempotent


def test_a_code_is_never_given_twice(ladder, customer_user, customer_user2):
    """A drawn code that already exists (as a voucher code or a gift card) is
    drawn again."""
    program, tiers = ladder
    taken = make_member(customer_user, program, tiers["Silver"])
    vouchers.sync_member_codes([taken.pk])
    taken.refresh_from_db()
    other = make_member(customer_user2, program, tiers["Silver"])
    draws = iter([taken.voucher_code, vouchers.CODE_PREFIX + "0123456789"])
    with mock.patch.object(vouchers, "_draw_code", side_effect=lambda: next(draws)):
        assert vouchers.sync_member_codes([other.pk]) == 1
    other.refresh_from_db()
    assert other.voucher_code == vouchers.CODE_PREFIX + "0123456789"
    taken_code = VoucherCode.objects.get(code=taken.voucher_code)
    assert taken_code.voucher_id == tiers["Silver"].voucher_id
    taken.refresh_from_db()
    assert taken.voucher_code == taken_code.code


def test_a_failed_correction_never_breaks_the_order_and_is_retried(
    ladder,
    customer_user,
    customer_user2,
    user_api_client,
    user2_api_client,
    shop_usd,
):
    from django.utils import timezone

    from saleor_crm_plugin import tasks
    from saleor_crm_plugin.models import HookFailure
    from saleor_crm_plugin.pipeline import order_codes

    (first, _), (second, checkout_second) = _two_gold_members(
        ladder,
        customer_user,
        customer_user2,
        user_api_client,
        user2_api_client,
        shop_usd,
    )
    with mock.patch.object(
        order_codes, "correct_order", side_effect=RuntimeError("boom")
    ):
        order = complete(user2_api_client, checkout_second)
    assert order.voucher_code == second.voucher_code  # the order is Saleor's
    failure = HookFailure.objects.get(hook=order_codes.HOOK_NAME)
    assert str(failure.order_id) == str(order.pk)
    assert list(
        OrderLine.objects.filter(order=order).values_list(
            "unit_discount_reason", flat=True
        )
    ) == [REASON.format(first.voucher_code)]

    HookFailure.objects.filter(pk=failure.pk).update(next_attempt_at=timezone.now())
    assert tasks.retry_hook_failures() == 1
    assert list(
        OrderLine.objects.filter(order=order).values_list(
            "unit_discount_reason", flat=True
        )
    ) == [REASON.format(second.voucher_code)]
