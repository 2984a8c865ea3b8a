"""The replenishment and cross-sell coupon triggers on the real Saleor: Saleor
orders of real products (order lines of Saleor variants, and a real checkout
through Saleor's API) become CRM orders and purchase facts through the plugin's
order sync; the repurchase intervals and co-purchases are rebuilt by their real
refreshes; the rule then issues codes to exactly the customers due (not those
who bought again, not those who already have Y), a second run issues nothing, the
dry run counts what the run issues, and the email names the product."""

import re
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from crm_helpers import CHARGE, crm_gql, gid, place_order
from django.utils import timezone
from saleor.account.models import User
from saleor.order import OrderChargeStatus, OrderOrigin, OrderStatus
from saleor.order.models import Order
from saleor.product.models import ProductTranslation
from test_coupon_messages import SMTPServer

from saleor_crm_plugin.analytics import copurchase, repurchase
from saleor_crm_plugin.coupons import issuing as coupons
from saleor_crm_plugin.coupons import messaging
from saleor_crm_plugin.coupons import rules as coupon_rules
from saleor_crm_plugin.models import CouponGrant, CouponRule, CustomerOrder
from saleor_crm_plugin.profiles.sync import sync_orders

CONSENT = "crm.marketing_consent"


@pytest.fixture
def smtp(settings):
    """The real SMTP server of the message tests, as Django's email backend."""
    server = SMTPServer()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.DEFAULT_FROM_EMAIL = "Shop <shop@example.com>"
    yield server
    server.close()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Channel averages are cached for an hour; channel keys repeat across tests."""
    from django.core.cache import cache

    cache.clear()


def account(n, *, language="en"):
    return User.objects.create(
        email=f"pb{n}@example.com",
        language_code=language,
        first_name=f"C{n}",
        metadata={CONSENT: "true"},
    )


def saleor_order(user, channel, products, *, days_ago):
    """A paid Saleor order of one line per product (its first variant), placed
    ``days_ago`` days ago, synced into the CRM by the plugin's order sync."""
    order = Order.objects.create(
        id=uuid.uuid4(),
        channel=channel,
        currency=channel.currency_code,
        user=user,
        user_email=user.email,
        status=OrderStatus.FULFILLED,
        origin=OrderOrigin.CHECKOUT,
        charge_status=OrderChargeStatus.FULL,
        total_gross_amount=Decimal(10) * len(products),
        total_net_amount=Decimal(10) * len(products),
        total_charged_amount=Decimal(10) * len(products),
        lines_count=len(products),
    )
    for product in products:
        variant = product.variants.first()
        order.lines.create(
            product_name=product.name,
            variant_name=variant.name,
            product_sku=variant.sku,
            is_shipping_required=False,
            is_gift_card=False,
            quantity=1,
            variant=variant,
            currency=channel.currency_code,
            unit_price_net_amount=Decimal(10),
            unit_price_gross_amount=Decimal(10),
            total_price_net_amount=Decimal(10),
            total_price_gross_amount=Decimal(10),
            undiscounted_unit_price_net_amount=Decimal(10),
            undiscounted_unit_price_gross_amount=Decimal(10),
            undiscounted_total_price_net_amount=Decimal(10),
            undiscounted_total_price_gross_amount=Decimal(10),
            base_unit_price_amount=Decimal(10),
            undiscounted_base_unit_price_amount=Decimal(10),
        )
    Order.objects.filter(pk=order.pk).update(
        created_at=timezone.now() - timedelta(days=days_ago)
    )
    sync_orders([order.pk], paid_at="placed")
    return order


def buyer(n, channel, *orders, language="en"):
    """A customer with Saleor orders: ``orders`` = (days ago, [products])."""
    user = account(n, language=language)
    for days, products in orders:
        saleor_order(user, channel, products, days_ago=days)
    return user


def new_rule(channel, *, activated_days=2, **values):
    data = {
        "name": "Playbook",
        "channel": channel,
        "discount_type": "percentage",
        "discount_value": Decimal(10),
        "validity_days": 30,
        **values,
    }
    rule = coupon_rules.save_rule(None, data)
    return coupon_rules.activate(
        rule, now=timezone.now() - timedelta(days=activated_days)
    )


def issued(rule):
    return {
        g.profile.email: g.trigger_key
        for g in CouponGrant.objects.filter(rule=rule).select_related("profile")
    }


def last_order_id(user, product):
    return (
        CustomerOrder.objects.filter(
            profile__user=user, product_ids__contains=[product.pk]
        )
        .order_by("-placed_at")
        .values_list("order_id", flat=True)
        .first()
    )


# --- replenishment ---------------------------------------------------------------------


@pytest.fixture
def rebuy_history(channel_USD, product):
    """``product`` (the shop's product) bought every 30 days by five regulars, so
    its learned median interval stays 30 days whatever the test's customers add."""
    for n in range(5):
        buyer(100 + n, channel_USD, (200, [product]), (170, [product]))


def test_replenishment_sends_before_the_due_date_unless_bought_again(
    channel_USD, product, rebuy_history, shop_usd, user_api_client, customer_user
):
    # due in 2 days by the item's median (30): sent 3 days before, i.e. yesterday
    due = buyer(1, channel_USD, (28, [product]))
    # due in 10 days: not yet
    early = buyer(2, channel_USD, (20, [product]))
    # due a month ago: the line was crossed long before the rule was on
    late = buyer(3, channel_USD, (60, [product]))
    # their own interval (10.5 days from 2 intervals) makes them due in 1.5 days;
    # by the item's median they would not be due for 3 weeks
    own = buyer(4, channel_USD, (30, [product]), (20, [product]), (9, [product]))
    # due like `due`, but bought it again today through Saleor's checkout
    saleor_order(customer_user, channel_USD, [product], days_ago=28)
    place_order(user_api_client, shop_usd, token=CHARGE)
    repurchase.refresh()

    rule = new_rule(
        channel_USD,
        trigger="replenishment",
        trigger_params={"product_ids": [product.pk], "days_before": 3},
        max_per_customer=2,
    )
    dry = coupons.dry_run(rule)
    result = coupons.run_rule(rule)
    got = issued(rule)
    assert set(got) == {due.email, own.email}
    assert early.email not in got and late.email not in got
    assert customer_user.email not in got
    assert got[due.email] == f"rebuy:p{product.pk}:{last_order_id(due, product)}"
    assert (result.issued, result.held_out) == (2, 0)
    assert dry.on_activation.codes + dry.on_activation.held_out == 2
    assert dry.on_activation.customers == 2
    # a repeated run issues nothing
    assert coupons.run_rule(rule).issued == 0
    assert CouponGrant.objects.filter(rule=rule).count() == 2

    # a new purchase cycle triggers again: `due` rebuys today; 27.5 days on, they
    # (and the checkout customer) are due again — a new key, a second code
    saleor_order(due, channel_USD, [product], days_ago=0)
    later = timezone.now() + timedelta(days=27, hours=12)
    assert coupons.run_rule(rule, later).issued == 2
    keys = CouponGrant.objects.filter(rule=rule, profile__user=due).values_list(
        "trigger_key", flat=True
    )
    assert len(set(keys)) == 2
    assert {
        g.profile.user_id
        for g in CouponGrant.objects.filter(rule=rule, granted_at=later)
    } == {due.pk, customer_user.pk}
    assert coupons.run_rule(rule, later).issued == 0


def test_replenishment_with_the_merchants_interval_and_a_category(
    channel_USD, product, category
):
    # the merchant's 14 days, on the product's category: due today, sent now
    due = buyer(1, channel_USD, (14, [product]))
    early = buyer(2, channel_USD, (7, [product]))
    # bought in the category again since
    again = buyer(3, channel_USD, (14, [product]), (3, [product]))
    rule = new_rule(
        channel_USD,
        trigger="replenishment",
        trigger_params={"category_ids": [category.pk], "days": 14},
        control_share=Decimal("0.5"),
    )
    dry = coupons.dry_run(rule)
    result = coupons.run_rule(rule)
    got = issued(rule)
    assert set(got) == {due.email}
    assert got[due.email].startswith(f"rebuy:c{category.pk}:")
    assert early.email not in got and again.email not in got
    # the control group: a hold-out is recorded without a code
    grant = CouponGrant.objects.get(rule=rule)
    assert (result.issued, result.held_out) == ((0, 1) if grant.control else (1, 0))
    assert (grant.code == "") is grant.control
    assert dry.on_activation.customers == 1
    assert dry.on_activation.codes + dry.on_activation.held_out == 1


# --- cross-sell ------------------------------------------------------------------------


@pytest.fixture
def baskets(channel_USD, product_list):
    """Product 1 is bought with product 2 (3 orders) and product 3 (2 orders)
    long ago: its top co-purchases are 2, then 3."""
    p1, p2, p3 = product_list[:3]
    for n in range(3):
        buyer(200 + n, channel_USD, (100, [p1, p2]))
    for n in range(2):
        buyer(210 + n, channel_USD, (100, [p1, p3]))
    return p1, p2, p3


def test_cross_sell_offers_the_best_co_purchase_not_bought_yet(channel_USD, baskets):
    p1, p2, p3 = baskets
    fresh = buyer(1, channel_USD, (4, [p1]))  # → product 2
    has_2 = buyer(2, channel_USD, (50, [p2]), (4, [p1]))  # → product 3
    has_both = buyer(3, channel_USD, (50, [p2, p3]), (4, [p1]))  # nothing left
    too_soon = buyer(4, channel_USD, (1, [p1]))  # within the 3 days
    copurchase.refresh()

    rule = new_rule(
        channel_USD,
        trigger="cross_sell",
        trigger_params={"product_ids": [p1.pk], "top_k": 2, "days": 3},
        activated_days=5,
        max_per_customer=3,
    )
    dry = coupons.dry_run(rule)
    result = coupons.run_rule(rule)
    got = issued(rule)
    assert set(got) == {fresh.email, has_2.email}
    assert got[fresh.email] == f"xsell:p{p2.pk}:{last_order_id(fresh, p1)}"
    assert got[has_2.email] == f"xsell:p{p3.pk}:{last_order_id(has_2, p1)}"
    assert has_both.email not in got and too_soon.email not in got
    assert result.issued == 2
    assert dry.on_activation.customers == 2 == dry.on_activation.codes
    # idempotent, also when the co-purchases move: one code per purchase of X
    assert coupons.run_rule(rule).issued == 0
    saleor_order(fresh, channel_USD, [p2], days_ago=0)
    assert coupons.run_rule(rule).issued == 0
    assert CouponGrant.objects.filter(rule=rule).count() == 2


def test_cross_sell_to_the_merchants_targets_after_a_category(
    channel_USD, category, product_list
):
    p1, p2, p3 = product_list[:3]  # all three in `category`
    fresh = buyer(1, channel_USD, (10, [p1]))
    has_target = buyer(2, channel_USD, (10, [p1, p3]))
    old = buyer(3, channel_USD, (30, [p1]))  # crossed before the switch-on
    rule = new_rule(
        channel_USD,
        trigger="cross_sell",
        trigger_params={
            "category_ids": [category.pk],
            "target_product_ids": [p3.pk],
            "days": 7,
        },
        activated_days=5,
    )
    assert coupons.dry_run(rule).on_activation.customers == 1
    assert coupons.run_rule(rule).issued == 1
    got = issued(rule)
    assert set(got) == {fresh.email}
    assert got[fresh.email].startswith(f"xsell:p{p3.pk}:")
    assert has_target.email not in got and old.email not in got


# --- the {product} placeholder in a real email --------------------------------------


def test_the_email_names_the_product_in_the_customers_language(
    smtp, channel_USD, baskets
):
    p1, p2, p3 = baskets
    ProductTranslation.objects.create(product=p2, language_code="ja", name="製品二")
    en = buyer(1, channel_USD, (4, [p1]))
    ja = buyer(2, channel_USD, (4, [p1]), language="ja")
    copurchase.refresh()
    rule = new_rule(
        channel_USD,
        trigger="cross_sell",
        trigger_params={"product_ids": [p1.pk], "top_k": 1, "days": 3},
        activated_days=5,
        delivery=["email"],
        message_templates={
            "en": {"subject": "{name}: {discount} on {product}"},
            "ja": {"subject": "{product}が{discount}"},
        },
    )
    assert coupons.run_rule(rule).issued == 2
    counts = messaging.send(rule.pk)
    assert (counts["sent"], counts["failed"]) == (2, 0)
    received = {rcpts[0]: msg for _sender, rcpts, msg in smtp.parsed()}
    assert received[en.email]["Subject"].strip() == f"C1: 10% off on {p2.name}"
    assert re.sub(r"\s", "", received[ja.email]["Subject"]) == "製品二が10%OFF"


# --- GraphQL -----------------------------------------------------------------------

CREATE = """
mutation C($input: CRMCouponRuleInput!) {
  crmCouponRuleCreate(input: $input) {
    rule { trigger { kind days daysBefore productIds categoryIds targetProductIds
                     topK relation } }
    errors { field code message }
  }
}"""


def rule_input(channel, trigger):
    return {
        "name": "Playbook",
        "channel": channel.slug,
        "trigger": trigger,
        "discountType": "PERCENTAGE",
        "discountValue": "10",
        "validityDays": 30,
    }


def product_gid(pk):
    return gid("Product", pk)


def test_create_a_replenishment_rule(staff_discounts_admin, channel_USD, product):
    data = crm_gql(
        staff_discounts_admin,
        CREATE,
        {
            "input": rule_input(
                channel_USD,
                {
                    "kind": "REPLENISHMENT",
                    "productIds": [product_gid(product.pk)],
                    "daysBefore": 5,
                },
            )
        },
    )["crmCouponRuleCreate"]
    assert data["errors"] == []
    assert data["rule"]["trigger"] == {
        "kind": "REPLENISHMENT",
        "days": None,
        "daysBefore": 5,
        "productIds": [product_gid(product.pk)],
        "categoryIds": [],
        "targetProductIds": [],
        "topK": None,
        "relation": None,
    }


def test_create_a_cross_sell_rule(staff_discounts_admin, channel_USD, product_list):
    p1, p2 = product_list[:2]
    data = crm_gql(
        staff_discounts_admin,
        CREATE,
        {
            "input": rule_input(
                channel_USD,
                {
                    "kind": "CROSS_SELL",
                    "productIds": [product_gid(p1.pk)],
                    "topK": 3,
                    "relation": "after",
                    "days": 7,
                },
            )
        },
    )["crmCouponRuleCreate"]
    assert data["errors"] == []
    assert data["rule"]["trigger"] == {
        "kind": "CROSS_SELL",
        "days": 7,
        "daysBefore": None,
        "productIds": [product_gid(p1.pk)],
        "categoryIds": [],
        "targetProductIds": [],
        "topK": 3,
        "relation": "after",
    }


# X: the first product given as productIds; "missing": a product that does not exist
@pytest.mark.parametrize(
    ("trigger", "field", "code"),
    [
        ({"kind": "CROSS_SELL", "topK": 3}, "productIds", "REQUIRED"),
        (
            {"kind": "CROSS_SELL", "X": 1, "topK": 3, "relation": "x"},
            "relation",
            "INVALID",
        ),
        (
            {"kind": "CROSS_SELL", "X": 1, "targetProductIds": "missing"},
            "targetProductIds",
            "NOT_FOUND",
        ),
        ({"kind": "REPLENISHMENT", "X": 1, "daysBefore": 400}, "daysBefore", "INVALID"),
    ],
)
def test_bad_trigger_input_is_a_typed_error(
    staff_discounts_admin, channel_USD, product_list, trigger, field, code
):
    trigger = dict(trigger)
    if trigger.pop("X", None):
        trigger["productIds"] = [product_gid(product_list[0].pk)]
    if trigger.get("targetProductIds") == "missing":
        trigger["targetProductIds"] = [product_gid(10**9)]
    data = crm_gql(
        staff_discounts_admin, CREATE, {"input": rule_input(channel_USD, trigger)}
    )["crmCouponRuleCreate"]
    assert data["rule"] is None
    assert [(e["field"], e["code"]) for e in data["errors"]] == [(field, code)]
    assert not CouponRule.objects.exists()


TRIGGERS_Q = """
query T {
  crmCouponTriggers {
    kind isEvent
    parameters { name type required min max maxItems default reference choices }
  }
}"""


def test_the_trigger_catalogue_describes_both(staff_discounts_admin):
    kinds = {
        t["kind"]: t
        for t in crm_gql(staff_discounts_admin, TRIGGERS_Q)["crmCouponTriggers"]
    }
    rows = {
        kind: [
            (p["name"], p["type"], p["required"], p["min"], p["max"], p["default"])
            for p in kinds[kind]["parameters"]
        ]
        for kind in ("REPLENISHMENT", "CROSS_SELL")
    }
    assert rows["REPLENISHMENT"] == [
        ("productIds", "IDS", False, None, None, None),
        ("categoryIds", "IDS", False, None, None, None),
        ("days", "INT", False, 1, 3650, None),
        ("daysBefore", "INT", False, 0, 365, 0),
    ]
    assert rows["CROSS_SELL"] == [
        ("productIds", "IDS", False, None, None, None),
        ("categoryIds", "IDS", False, None, None, None),
        ("targetProductIds", "IDS", False, None, None, None),
        ("topK", "INT", False, 1, 20, None),
        ("relation", "CHOICE", False, None, None, "together"),
        ("days", "INT", False, 0, 3650, 0),
    ]
    relation = kinds["CROSS_SELL"]["parameters"][4]
    assert relation["choices"] == ["together", "after"]
    targets = kinds["CROSS_SELL"]["parameters"][2]
    assert (targets["reference"], targets["maxItems"]) == ("PRODUCT", 100)
    assert not kinds["REPLENISHMENT"]["isEvent"] and not kinds["CROSS_SELL"]["isEvent"]


# --- the dry run names the customers the run picks (control group, cap) -----------


@pytest.mark.parametrize("kind", ["replenishment", "cross_sell"])
def test_the_dry_run_picks_the_customers_the_run_picks(channel_USD, product_list, kind):
    """As for every other trigger (test_coupons.py): the dry run of a rule that
    is on names exactly the customers the run then picks, treated and held out,
    and a customer the cap excludes is left out by both."""
    p1, p2, _p3 = product_list[:3]
    for n in range(4):
        buyer(n, channel_USD, (14, [p1]))
    buyer(8, channel_USD, (5, [p1]))  # not yet
    buyer(9, channel_USD, (14, [p1, p2]))  # rebought / already has Y
    buyer(10, channel_USD, (14, [p1]), (2, [p1, p2]))
    params = (
        {"product_ids": [p1.pk], "days": 14}
        if kind == "replenishment"
        else {"product_ids": [p1.pk], "target_product_ids": [p2.pk], "days": 14}
    )
    rule = new_rule(channel_USD, trigger=kind, trigger_params=params)
    if kind == "cross_sell":
        # customer 9 bought Y with X; customer 10 bought Y since
        expected = 4
    else:
        expected = 5  # customer 9's X purchase is due too; 10 bought again
    rule.control_share = Decimal("0.3")
    rule.save(update_fields=["control_share"])
    now = timezone.now()
    dry = coupons.dry_run(rule, now, sample_size=1000).on_activation
    first = {row["profile_id"] for row in dry.sample}
    assert len(first) == dry.customers == expected
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
    ran = set(
        CouponGrant.objects.filter(rule=rule, granted_at=now).values_list(
            "profile_id", flat=True
        )
    )
    assert ran == picked
    assert dry.customers == dry.codes + dry.held_out == len(ran) == expected - 1


def test_cross_sell_by_what_is_bought_next(channel_USD, product_list):
    """relation "after": Y is what X's buyers bought in their next order."""
    p1, _p2, p3 = product_list[:3]
    for n in range(2):
        buyer(300 + n, channel_USD, (100, [p1]), (90, [p3]))
    fresh = buyer(1, channel_USD, (4, [p1]))
    copurchase.refresh()
    rules = {
        relation: new_rule(
            channel_USD,
            name=f"Next {relation}",
            trigger="cross_sell",
            trigger_params={
                "product_ids": [p1.pk],
                "top_k": 1,
                "relation": relation,
                "days": 3,
            },
            activated_days=5,
        )
        for relation in ("after", "together")
    }
    assert coupons.run_rule(rules["after"]).issued == 1
    assert issued(rules["after"]) == {
        fresh.email: f"xsell:p{p3.pk}:{last_order_id(fresh, p1)}"
    }
    # never bought in the same order: no co-purchase "together", no code
    assert coupons.run_rule(rules["together"]).issued == 0
