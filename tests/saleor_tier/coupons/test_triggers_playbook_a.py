"""The repeat-purchase playbook's triggers (issue 17, part A) on the real Saleor:
``sign_up`` (a welcome N hours after the registration), ``second_order_due``
(the F2 follow-up N days after the first paid order), ``points_expiring`` (the
loyalty sweep's expiry warnings) and ``segment_exit`` (a customer leaves a
segment). Each is driven through Saleor's own API and the plugin's pipeline
(registration, checkout, the loyalty sweep, segment refresh): who gets a code,
that a second run issues nothing new, that the dry run counts what the run then
issues; the GraphQL API takes each trigger and refuses bad parameters with typed
errors, writing nothing."""

from datetime import UTC, timedelta
from decimal import Decimal

import pytest
from crm_helpers import CHARGE, crm_gql, gid, place_order, profile_of, register_account
from django.utils import timezone
from saleor.account.models import User

from saleor_crm_plugin.coupons import issuing as coupons
from saleor_crm_plugin.coupons import rules as coupon_rules
from saleor_crm_plugin.loyalty import periodic as loyalty_periodic
from saleor_crm_plugin.models import (
    CouponGrant,
    CouponRule,
    CustomerProfile,
    LoyaltyProgram,
    Membership,
    PointsExpiryWarning,
    Segment,
    SegmentEvent,
)
from saleor_crm_plugin.pipeline.apply import link_account
from saleor_crm_plugin.segments.membership import materialize


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Channel averages are cached for an hour; channel keys repeat across tests."""
    from django.core.cache import cache

    cache.clear()


def draft(channel, **values) -> CouponRule:
    return coupon_rules.save_rule(
        None,
        {
            "name": "Rule",
            "channel": channel,
            "trigger_params": {},
            "discount_type": "fixed",
            "discount_value": Decimal(5),
            "validity_days": 30,
            **values,
        },
    )


def new_rule(channel, *, activated=None, **values) -> CouponRule:
    """A validated rule, switched on a minute ago unless told otherwise."""
    return coupon_rules.activate(
        draft(channel, **values),
        now=activated or timezone.now() - timedelta(minutes=1),
    )


def granted(rule) -> dict[str, str]:
    """email -> trigger key of the rule's grants."""
    return dict(
        CouponGrant.objects.filter(rule=rule).values_list(
            "profile__email", "trigger_key"
        )
    )


# --- sign_up ------------------------------------------------------------------------


def test_sign_up_welcomes_at_registration_or_hours_later(
    api_client, channel_USD, settings
):
    at_once = new_rule(channel_USD, name="Welcome", trigger="sign_up")
    assert at_once.trigger_params == {"hours": 0}
    next_day = new_rule(
        channel_USD,
        name="Welcome, next day",
        trigger="sign_up",
        trigger_params={"hours": 24},
        activated=timezone.now() - timedelta(days=3),
    )
    users = {
        name: register_account(
            api_client, f"{name}@example.com", channel_USD.slug, settings
        )
        for name in ("due", "fresh", "before")
    }
    # hours 0: the registration itself (customer_created → the account's
    # profile → the event-driven rules) issued the welcome, once each
    assert granted(at_once) == {f"{n}@example.com": "signup" for n in users}
    assert not CouponGrant.objects.filter(rule=next_day).exists()

    now = timezone.now()
    # "due" registered 30 hours ago, "before" 5 days ago (its welcome fell due
    # before the rule was switched on), "fresh" just now
    User.objects.filter(pk=users["due"].pk).update(
        date_joined=now - timedelta(hours=30)
    )
    User.objects.filter(pk=users["before"].pk).update(
        date_joined=now - timedelta(days=5)
    )
    dry = coupons.dry_run(next_day, now).on_activation
    assert (dry.customers, dry.codes, dry.estimated_cost) == (1, 1, Decimal(5))
    assert [row["email"] for row in dry.sample] == ["due@example.com"]
    assert "registrations reaching the waiting time since the switch-on" in (
        dry.explanation
    )
    assert coupons.run_rule(next_day, now).issued == 1
    assert granted(next_day) == {"due@example.com": "signup"}
    assert coupons.run_rule(next_day, now).issued == 0  # idempotent

    # the periodic sweep a day later welcomes "fresh"; nobody gets a second one
    later = now + timedelta(hours=25)
    results = coupons.run_all(later)
    assert (results[next_day.pk].issued, results[at_once.pk].issued) == (1, 0)
    assert granted(next_day) == {
        "due@example.com": "signup",
        "fresh@example.com": "signup",
    }
    assert coupons.run_all(later)[next_day.pk].issued == 0
    assert CouponGrant.objects.filter(rule=at_once).count() == 3


# --- second_order_due ---------------------------------------------------------------


def test_second_order_due_follows_up_a_single_first_order(
    user_api_client, user2_api_client, api_client, customer_user, shop_usd, channel_USD
):
    rule = new_rule(
        channel_USD, trigger="second_order_due", trigger_params={"days": 14}
    )
    first = place_order(user_api_client, shop_usd, quantity=1, token=CHARGE)
    place_order(user2_api_client, shop_usd, quantity=1, token=CHARGE)
    place_order(user2_api_client, shop_usd, quantity=2, token=CHARGE)  # came back
    unpaid = place_order(  # a guest's order authorized, never charged: not paid
        api_client, shop_usd, quantity=1, email="unpaid@example.com"
    )
    assert unpaid.user_id is None
    # a customer whose 14 days passed before the rule existed
    long_ago = timezone.now() - timedelta(days=40)
    CustomerProfile.objects.create(
        channel=channel_USD,
        user=User.objects.create(email="old@example.com"),
        email="old@example.com",
        currency="USD",
        orders_count=1,
        paid_orders_count=1,
        first_order_at=long_ago,
        last_order_at=long_ago,
        first_paid_at=long_ago,
        last_paid_at=long_ago,
    )
    once = profile_of(customer_user, channel_USD)
    assert (once.paid_orders_count, once.orders_count) == (1, 1)
    assert coupons.run_rule(rule).issued == 0  # not 14 days yet

    later = once.first_paid_at + timedelta(days=14, hours=1)
    dry = coupons.dry_run(rule, later).on_activation
    assert (dry.customers, dry.codes) == (1, 1)
    assert [row["user_id"] for row in dry.sample] == [customer_user.pk]
    assert coupons.run_rule(rule, later).issued == 1
    grant = CouponGrant.objects.get(rule=rule)
    assert grant.profile_id == once.pk
    assert grant.trigger_key == "f2:" + once.first_paid_at.astimezone(UTC).strftime(
        "%Y%m%dT%H%M%S"
    )
    assert coupons.run_rule(rule, later).issued == 0  # idempotent
    assert coupons.run_rule(rule, later + timedelta(days=3)).issued == 0
    assert first.user_id == customer_user.pk


def test_second_order_due_holds_out_a_control_group_the_dry_run_foresees(channel_USD):
    """The shared eligibility, control group and cost of every trigger: the dry
    run of a rule that is on names the customers the run then picks (treated and
    held out); held-out customers get no Saleor code."""
    from saleor.discount.models import VoucherCode

    first_paid = timezone.now() - timedelta(days=15)
    for n in range(40):
        user = User.objects.create(email=f"f{n}@example.com")
        CustomerProfile.objects.create(
            channel=channel_USD,
            user=user,
            email=user.email,
            currency="USD",
            orders_count=1,
            paid_orders_count=1,
            first_order_at=first_paid,
            last_order_at=first_paid,
            first_paid_at=first_paid,
            last_paid_at=first_paid,
            average_order_value_amount=Decimal(40),
        )
    rule = new_rule(
        channel_USD,
        trigger="second_order_due",
        trigger_params={"days": 14},
        control_share=Decimal("0.5"),
        activated=timezone.now() - timedelta(days=2),
    )
    now = timezone.now()
    dry = coupons.dry_run(rule, now, sample_size=100).on_activation
    assert dry.customers == dry.codes + dry.held_out == 40
    result = coupons.run_rule(rule, now)
    assert result.issued + result.held_out == 40
    assert result.issued > 0 and result.held_out > 0
    grants = CouponGrant.objects.filter(rule=rule)
    assert {g.profile_id for g in grants} == {row["profile_id"] for row in dry.sample}
    held_out = grants.filter(control=True)
    assert held_out.count() == result.held_out
    assert set(held_out.values_list("code", flat=True)) == {""}
    codes = set(grants.filter(control=False).values_list("code", flat=True))
    assert VoucherCode.objects.filter(code__in=codes).count() == result.issued
    assert coupons.run_rule(rule, now).issued == 0


# --- points_expiring ----------------------------------------------------------------


def test_points_expiring_issues_on_the_loyalty_sweeps_warnings(
    user_api_client, user2_api_client, customer_user, shop_usd, channel_USD, ladder
):
    program, _tiers = ladder
    # points of an order are available at once and expire 10 days later; the
    # sweep warns 30 days ahead
    LoyaltyProgram.objects.filter(pk=program.pk).update(
        return_window_days=0, points_validity_days=10, expiry_warning_days=30
    )
    place_order(user_api_client, shop_usd, quantity=5, token=CHARGE)
    place_order(user2_api_client, shop_usd, quantity=1, token=CHARGE)
    now = timezone.now()
    assert loyalty_periodic.warn_expiring(now) == 2
    warnings = {
        w.membership.user_id: w
        for w in PointsExpiryWarning.objects.select_related("membership")
    }
    big, small = (
        warnings[customer_user.pk],
        next(w for u, w in warnings.items() if u != customer_user.pk),
    )
    assert big.points > small.points > 0
    assert big.expires_on == (now + timedelta(days=10)).date()

    rule = new_rule(
        channel_USD,
        name="Use your points",
        trigger="points_expiring",
        trigger_params={"min_points": small.points + 1},
    )
    dry = coupons.dry_run(rule, now).on_activation
    assert (dry.customers, dry.codes) == (1, 1)
    assert "expire soon" in dry.explanation
    assert coupons.run_rule(rule, now).issued == 1
    assert granted(rule) == {customer_user.email: f"expiry:{big.expires_on:%Y%m%d}"}
    assert coupons.run_rule(rule, now).issued == 0  # idempotent
    # the sweep again: no new warning, no new code
    assert loyalty_periodic.warn_expiring(now) == 0
    assert coupons.run_all(now)[rule.pk].issued == 0

    # a last call 3 days before the expiry: nobody yet, both members then
    last_call = new_rule(
        channel_USD,
        name="Last call",
        trigger="points_expiring",
        trigger_params={"days_before": 3},
    )
    assert coupons.run_rule(last_call, now).issued == 0
    due = now + timedelta(days=8)
    assert coupons.dry_run(last_call, due).on_activation.customers == 2
    assert coupons.run_rule(last_call, due).issued == 2
    assert coupons.run_rule(last_call, due).issued == 0
    # once the points expired, a new rule finds nothing
    gone = new_rule(channel_USD, name="Too late", trigger="points_expiring")
    assert coupons.dry_run(gone, now + timedelta(days=11)).on_activation.customers == 0
    assert Membership.objects.filter(program=program).count() == 2


# --- segment_exit -------------------------------------------------------------------


SEGMENT_DELETE = """
mutation D($id: ID!) {
  crmSegmentDelete(id: $id) { segment { id } errors { field code message } }
}"""


def _never_bought(channel, n) -> CustomerProfile:
    user = User.objects.create(email=f"n{n}@example.com")
    return CustomerProfile.objects.create(
        channel=channel, user=user, email=user.email, currency="USD"
    )


def test_segment_exit_issues_when_an_order_takes_a_customer_out(
    user_api_client, customer_user, shop_usd, channel_USD, staff_users_admin
):
    link_account(customer_user.pk)  # registered, never bought: a profile
    stays, bounces = _never_bought(channel_USD, 1), _never_bought(channel_USD, 2)
    segment = Segment.objects.create(
        name="Never bought",
        channel=channel_USD,
        rule={"field": "paid_orders_count", "op": "eq", "value": 0},
    )
    assert materialize(segment)["members"] == 3
    rule = new_rule(
        channel_USD,
        name="Thanks for the first order",
        trigger="segment_exit",
        trigger_params={"segment_id": segment.pk},
    )
    # the first order takes the customer out of the segment; the order task
    # refreshes their segments and runs the event-driven rules in seconds
    place_order(user_api_client, shop_usd, quantity=1, token=CHARGE)
    event = SegmentEvent.objects.get(segment=segment, kind="exit")
    assert granted(rule) == {customer_user.email: f"exit:{event.pk}"}

    # one who left and came back before the run gets nothing
    CustomerProfile.objects.filter(pk=bounces.pk).update(paid_orders_count=1)
    materialize(segment)
    CustomerProfile.objects.filter(pk=bounces.pk).update(paid_orders_count=0)
    materialize(segment)
    assert SegmentEvent.objects.filter(profile=bounces, kind="exit").exists()
    assert coupons.run_rule(rule).issued == 0  # idempotent, and not the bouncer
    assert coupons.dry_run(rule).on_activation.codes == 0
    assert set(granted(rule)) == {customer_user.email}

    # a draft's replay of the last 30 days counts the one who left and stayed out
    replay = coupons.dry_run(
        draft(
            channel_USD,
            name="Draft exit",
            trigger="segment_exit",
            trigger_params={"segment_id": segment.pk},
        )
    ).replayed_window
    assert (replay.customers, replay.codes) == (1, 1)
    assert [row["email"] for row in replay.sample] == [customer_user.email]
    assert stays.pk not in {row["profile_id"] for row in replay.sample}

    # the segment a segment_exit rule uses cannot be deleted
    payload = crm_gql(
        staff_users_admin, SEGMENT_DELETE, {"id": gid("CRMSegment", segment.pk)}
    )["crmSegmentDelete"]
    [error] = payload["errors"]
    assert (error["field"], error["code"]) == ("id", "IN_USE")
    assert '"Thanks for the first order"' in error["message"]
    assert Segment.objects.filter(pk=segment.pk).exists()


# --- GraphQL ------------------------------------------------------------------------

CREATE = """
mutation C($input: CRMCouponRuleInput!) {
  crmCouponRuleCreate(input: $input) {
    rule { name trigger { kind hours days daysBefore minPoints segmentId } }
    errors { field code message }
  }
}"""
TRIGGERS = """
{ crmCouponTriggers { kind isEvent labelKey
    parameters { name type required min max default reference } } }"""


def _input(channel, name, trigger):
    return {
        "name": name,
        "channel": channel.slug,
        "trigger": trigger,
        "discountType": "PERCENTAGE",
        "discountValue": "10",
    }


def test_the_api_creates_rules_with_each_playbook_trigger(
    staff_discounts_admin, channel_USD
):
    segment = Segment.objects.create(
        name="Regulars",
        channel=channel_USD,
        rule={"field": "paid_orders_count", "op": "gte", "value": 3},
    )
    segment_id = gid("CRMSegment", segment.pk)
    empty = {"hours": None, "days": None, "daysBefore": None, "minPoints": None}
    cases = [
        ({"kind": "SIGN_UP"}, {**empty, "hours": 0}),
        ({"kind": "SIGN_UP", "hours": 48}, {**empty, "hours": 48}),
        ({"kind": "SECOND_ORDER_DUE", "days": 30}, {**empty, "days": 30}),
        ({"kind": "POINTS_EXPIRING"}, empty),
        (
            {"kind": "POINTS_EXPIRING", "daysBefore": 7, "minPoints": 100},
            {**empty, "daysBefore": 7, "minPoints": 100},
        ),
        ({"kind": "SEGMENT_EXIT", "segmentId": segment_id}, empty),
    ]
    for n, (trigger, expected) in enumerate(cases):
        payload = crm_gql(
            staff_discounts_admin,
            CREATE,
            {"input": _input(channel_USD, f"Rule {n}", trigger)},
        )["crmCouponRuleCreate"]
        assert payload["errors"] == [], payload
        got = payload["rule"]["trigger"]
        assert got == {
            "kind": trigger["kind"],
            "segmentId": segment_id if trigger["kind"] == "SEGMENT_EXIT" else None,
            **expected,
        }
    stored = dict(CouponRule.objects.values_list("name", "trigger_params"))
    assert stored["Rule 4"] == {"days_before": 7, "min_points": 100}
    assert stored["Rule 5"] == {"segment_id": segment.pk}

    catalogue = {
        t["kind"]: t
        for t in crm_gql(staff_discounts_admin, TRIGGERS)["crmCouponTriggers"]
    }
    kinds = list(catalogue)
    playbook = ["SIGN_UP", "SECOND_ORDER_DUE", "POINTS_EXPIRING", "SEGMENT_EXIT"]
    # offered after the original eight, in the order the editor lists them
    assert [k for k in kinds if k in playbook] == playbook
    assert kinds.index("SIGN_UP") > kinds.index("CATEGORY_PURCHASE")
    events = {k: catalogue[k]["isEvent"] for k in playbook}
    assert events == {
        "SIGN_UP": True,
        "SECOND_ORDER_DUE": False,
        "POINTS_EXPIRING": False,
        "SEGMENT_EXIT": True,
    }
    params = {
        k: [
            (p["name"], p["type"], p["required"], p["min"], p["max"], p["default"])
            for p in catalogue[k]["parameters"]
        ]
        for k in events
    }
    assert params == {
        "SIGN_UP": [("hours", "INT", False, 0, 720, 0)],
        "SECOND_ORDER_DUE": [("days", "INT", True, 1, 3650, None)],
        "POINTS_EXPIRING": [
            ("daysBefore", "INT", False, 0, 365, None),
            ("minPoints", "INT", False, 1, 1_000_000_000, None),
        ],
        "SEGMENT_EXIT": [("segmentId", "ID", True, None, None, None)],
    }
    assert catalogue["SEGMENT_EXIT"]["parameters"][0]["reference"] == "SEGMENT"


@pytest.mark.parametrize(
    ("trigger", "expected"),
    [
        ({"kind": "SIGN_UP", "hours": 721}, [("hours", "INVALID")]),
        ({"kind": "SIGN_UP", "days": 3}, [("days", "INVALID")]),
        ({"kind": "SECOND_ORDER_DUE"}, [("days", "REQUIRED")]),
        ({"kind": "POINTS_EXPIRING", "minPoints": 0}, [("minPoints", "INVALID")]),
        ({"kind": "POINTS_EXPIRING", "daysBefore": 400}, [("daysBefore", "INVALID")]),
        ({"kind": "SEGMENT_EXIT"}, [("segmentId", "REQUIRED")]),
        (
            {"kind": "SEGMENT_EXIT", "segmentId": gid("CRMSegment", 999999)},
            [("segmentId", "NOT_FOUND")],
        ),
    ],
)
def test_bad_playbook_triggers_are_typed_errors_and_write_nothing(
    staff_discounts_admin, channel_USD, trigger, expected
):
    payload = crm_gql(
        staff_discounts_admin, CREATE, {"input": _input(channel_USD, "Bad", trigger)}
    )["crmCouponRuleCreate"]
    assert [(e["field"], e["code"]) for e in payload["errors"]] == expected
    assert payload["rule"] is None
    assert not CouponRule.objects.exists()
