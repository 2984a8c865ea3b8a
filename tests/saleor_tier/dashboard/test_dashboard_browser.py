"""The CRM Dashboard app in a real browser (headless Chromium driven by
playwright-core) against the real Saleor + plugin on a live server and a test
database: standalone sign-in with Saleor's tokenCreate; embedded in a page that
plays the Dashboard's side of AppBridge with tokens Saleor's API mints for the app
and its extension (handshake, tokenRefresh, theme, locale ja, routing); the
customer widget of a loyalty member (tier and points); a segment built by clicking
whose live count is the API's; a staff member without MANAGE_DISCOUNTS who cannot
change a coupon rule; a coupon rule for a segment created, dry-run and switched on
through the editor, its figures the API's dry run and what the switch-on issued;
a tier threshold edited on the Loyalty screen, its preview the API's, then saved.
Screenshots go to tests/saleor_tier/dashboard/artifacts/.

Needs the built bundle (``saleor_crm_plugin/static_app/``, built by scripts/test),
``dashboard_extension/node_modules`` (playwright-core) and Debian's chromium."""

import json
import shutil
import subprocess
import time
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import graphene
import pytest
import saleor
from crm_helpers import crm_gql
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone
from saleor.account.models import User
from saleor.graphql.tests.utils import get_graphql_content

from saleor_crm_plugin.dashboard.install import install
from saleor_crm_plugin.dashboard.serving import STATIC_ROOT
from saleor_crm_plugin.loyalty import ledger
from saleor_crm_plugin.models import (
    CouponGrant,
    CouponRule,
    CustomerOrder,
    CustomerProfile,
    Membership,
    Segment,
    Tier,
)
from saleor_crm_plugin.segments import membership as segment_membership

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
FLOWS = HERE / "browser" / "flows.mjs"
ARTIFACTS = HERE / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
PLAYWRIGHT = ROOT / "dashboard_extension" / "node_modules" / "playwright-core"

pytestmark = [
    pytest.mark.skipif(
        not (STATIC_ROOT / "index.html").is_file(),
        reason="the dashboard app is not built (saleor_crm_plugin/static_app/index.html "
        "missing): cd dashboard_extension && npm ci && npm run build",
    ),
    pytest.mark.skipif(
        not PLAYWRIGHT.is_dir(),
        reason="playwright-core is not installed: cd dashboard_extension && npm ci",
    ),
    pytest.mark.skipif(
        not CHROMIUM.exists() or shutil.which("node") is None,
        reason="needs node and Debian's chromium at /usr/bin/chromium",
    ),
]

TOKENS = """
query T($id: ID!) {
  app(id: $id) { accessToken }
  appExtensions(first: 20) { edges { node { identifier accessToken } } }
}"""


LOYALTY = """
query L($customer: ID!, $channel: String!) {
  crmCustomerLoyalty(customerId: $customer, channel: $channel) {
    tier { name } nextTier { name } points { available }
  }
}"""
PREVIEW = """
query P($channel: String, $rule: JSON) {
  crmSegmentPreview(channel: $channel, rule: $rule) {
    result { count total } errors { field code message }
  }
}"""
# what the flow clicks together in the builder: paid orders at least 1
PAID_AT_LEAST_ONE = {"and": [{"field": "paid_orders_count", "op": "gte", "value": 1}]}


def _profile(channel, user, paid_orders):
    return CustomerProfile.objects.create(
        channel=channel,
        user=user,
        currency=channel.currency_code,
        orders_count=paid_orders,
        paid_orders_count=paid_orders,
    )


def _member(channel, user, ladder):
    """``user`` buys twice in the ladder's channel ($75 net: Silver, $25 short of
    Gold) and holds 1,234 points from a staff grant."""
    program, tiers = ladder
    profile = _profile(channel, user, 2)
    now = timezone.now()
    CustomerProfile.objects.filter(pk=profile.pk).update(
        total_spent_amount=Decimal(75),
        net_spent_amount=Decimal(75),
        first_order_at=now - timedelta(days=20),
        last_order_at=now - timedelta(days=5),
        first_paid_at=now - timedelta(days=20),
        last_paid_at=now - timedelta(days=5),
    )
    for total, days in ((40, 20), (35, 5)):
        CustomerOrder.objects.create(
            order_id=uuid.uuid4(),
            profile=profile,
            channel_id=channel.pk,
            currency=channel.currency_code,
            total_amount=Decimal(total),
            status="fulfilled",
            placed_at=now - timedelta(days=days),
            paid_at=now - timedelta(days=days),
        )
    membership = Membership.objects.create(
        program=program, user=user, tier=tiers["Silver"], tier_since=now
    )
    ledger.grant_points(membership, 1234, reason="welcome", by=None)


def _tokens(client, app_id):
    data = get_graphql_content(client.post_graphql(TOKENS, {"id": app_id}))["data"]
    extensions = {
        e["node"]["identifier"]: e["node"]["accessToken"]
        for e in data["appExtensions"]["edges"]
    }
    return data["app"]["accessToken"], extensions


def _run_flows(config: Path) -> dict:
    """Run flows.mjs on ``config``; its result line, which must say ok."""
    run = subprocess.run(
        ["node", str(FLOWS), str(config)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    lines = [line for line in run.stdout.splitlines() if line.startswith("{")]
    assert lines, f"no result from the browser flows:\n{run.stdout}\n{run.stderr}"
    result = json.loads(lines[-1])
    assert result["ok"], json.dumps(result, indent=2) + "\n" + run.stderr[-3000:]
    return result


@pytest.fixture
def live_server_databases(request, settings, monkeypatch):
    """The live server's threads open their own connections from
    ``connections.settings``: point Saleor's replica alias (a test mirror of the
    default database) at the test database there too. Saleor's test settings make
    a read on the writer database inside a query an error
    (``restrict_writer_middleware``; production only logs it), which Saleor's own
    ``channels`` resolver trips with an app token: the live server (built once,
    here) runs without that test-only guard."""
    settings.MIDDLEWARE = [
        m
        for m in settings.MIDDLEWARE
        if m != "saleor.core.db.connection.restrict_writer_middleware"
    ]
    live_server = request.getfixturevalue("live_server")
    test_name = connections[DEFAULT_DB_ALIAS].settings_dict["NAME"]
    for alias in connections:
        if alias != DEFAULT_DB_ALIAS:
            monkeypatch.setitem(connections.settings[alias], "NAME", test_name)
    return live_server


def test_the_app_in_a_browser(
    transactional_db,  # the live server's threads see only committed rows
    live_server_databases,
    staff_api_client,
    permission_manage_users,
    permission_manage_discounts,
    customer_user,
    channel_USD,
    ladder,
    tmp_path,
):
    staff = staff_api_client.user
    staff.user_permissions.add(permission_manage_users, permission_manage_discounts)
    _member(channel_USD, customer_user, ladder)
    for n, paid_orders in enumerate((1, 3, 0)):
        user = User.objects.create(email=f"shopper{n}@example.com")
        _profile(channel_USD, user, paid_orders)
    customer_gid = graphene.Node.to_global_id("User", customer_user.pk)
    loyalty = crm_gql(
        staff_api_client,
        LOYALTY,
        {"customer": customer_gid, "channel": channel_USD.slug},
    )["crmCustomerLoyalty"]
    assert loyalty["tier"]["name"] == "Silver"
    assert loyalty["nextTier"]["name"] == "Gold"
    assert loyalty["points"]["available"] == 1234
    preview = crm_gql(
        staff_api_client,
        PREVIEW,
        {"channel": channel_USD.slug, "rule": PAID_AT_LEAST_ONE},
    )["crmSegmentPreview"]
    assert preview["errors"] == []
    expected = preview["result"]
    # three of the four profiles have a paid order: a count that tells the rule
    # from "everyone" and from "nobody"
    assert (expected["count"], expected["total"]) == (3, 4)
    # a second staff member with MANAGE_USERS only, and a coupon rule they open
    viewer = User(email="viewer@example.com", is_staff=True, is_active=True)
    viewer.set_password("password")
    viewer.save()
    viewer.user_permissions.add(permission_manage_users)
    rule = CouponRule.objects.create(
        name="Come back after 90 days",
        channel=channel_USD,
        trigger="days_without_order",
        trigger_params={"days": 90},
        discount_type="percentage",
        discount_value=Decimal(10),
    )
    rule_before = (rule.name, rule.status, rule.discount_value, rule.trigger_params)
    live_server = live_server_databases
    installed = install(live_server.url)
    app_gid = graphene.Node.to_global_id("App", installed.app.pk)
    page_token, extension_tokens = _tokens(staff_api_client, app_gid)
    time.sleep(1.1)  # a JWT's iat is in seconds: the refreshed token differs
    refreshed_token, _ = _tokens(staff_api_client, app_gid)
    assert page_token and refreshed_token and page_token != refreshed_token
    widget_token = extension_tokens["crm-customer-widget"]
    assert widget_token

    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)
    config = tmp_path / "config.json"
    config.write_text(
        json.dumps(
            {
                "base": live_server.url,
                "chromium": str(CHROMIUM),
                "artifacts": str(ARTIFACTS),
                "staff": {"email": staff.email, "password": "password"},
                "appId": app_gid,
                "pageToken": page_token,
                "refreshedToken": refreshed_token,
                "widgetToken": widget_token,
                "customerId": customer_gid,
                "saleorVersion": saleor.__version__,
                "member": {
                    "tier": loyalty["tier"]["name"],
                    "nextTier": loyalty["nextTier"]["name"],
                    "points": loyalty["points"]["available"],
                },
                "segment": {
                    "channelName": channel_USD.name,
                    "count": expected["count"],
                    "total": expected["total"],
                },
                "viewer": {"email": viewer.email, "password": "password"},
                "ruleId": graphene.Node.to_global_id("CRMCouponRule", rule.pk),
            }
        )
    )
    result = _run_flows(config)
    names = [check["name"] for check in result["checks"] if check["ok"]]
    assert any(name.startswith("standalone: signed in") for name in names)
    assert any("tokenRefresh" in name for name in names)
    assert any("ja locale" in name for name in names)
    assert any(name.startswith("widget: the member's tier") for name in names)
    assert any(
        name.startswith("widget: the member's available points") for name in names
    )
    assert any(name.startswith("segment: the live count") for name in names)
    assert any(name.startswith("coupons without MANAGE_DISCOUNTS") for name in names)
    # the read-only staff member changed nothing
    rule.refresh_from_db()
    assert (
        rule.name,
        rule.status,
        rule.discount_value,
        rule.trigger_params,
    ) == rule_before
    shots = sorted(p.name for p in ARTIFACTS.glob("*.png"))
    assert {
        "standalone-overview-en.png",
        "embedded-overview-ja-dark.png",
        "widget-member-en.png",
        "segment-builder-paid-orders-en.png",
        "coupon-rule-without-manage-discounts-en.png",
    } <= set(shots)


LOYALTY_PREVIEW = """
query P($channel: String!, $input: CRMLoyaltyPreviewInput!) {
  crmLoyaltyPreview(channel: $channel, input: $input) {
    preview {
      tiers { name rank customers currentCustomers
              estimatedDiscount { amount currency } }
      customersWithoutTier customersWithoutTierNow
      estimatedDiscountTotal { amount currency }
      estimatedPoints ordersConsidered
    }
    errors { field code message }
  }
}"""
COUPON_NAME = "Thank you, buyers"
# the tier the loyalty flow edits, and the threshold it types in
EDITED_TIER, NEW_THRESHOLD = "Gold", Decimal(60)


def _buyer(channel, email, spends, ladder, tier_name):
    """A loyalty member at ``tier_name`` with one paid order per amount of
    ``spends`` (dollars) in the last weeks, in the ladder's channel."""
    program, tiers = ladder
    user = User.objects.create(email=email)
    now = timezone.now()
    total = Decimal(sum(spends))
    first, last = now - timedelta(days=10 + 7 * len(spends)), now - timedelta(days=10)
    profile = CustomerProfile.objects.create(
        channel=channel,
        user=user,
        email=email,
        currency=channel.currency_code,
        orders_count=len(spends),
        paid_orders_count=len(spends),
        total_spent_amount=total,
        net_spent_amount=total,
        average_order_value_amount=total / len(spends),
        first_order_at=first,
        last_order_at=last,
        first_paid_at=first,
        last_paid_at=last,
    )
    for n, amount in enumerate(spends):
        placed = now - timedelta(days=10 + 7 * n)
        CustomerOrder.objects.create(
            order_id=uuid.uuid4(),
            profile=profile,
            channel_id=channel.pk,
            currency=channel.currency_code,
            total_amount=Decimal(amount),
            status="fulfilled",
            placed_at=placed,
            paid_at=placed,
        )
    Membership.objects.create(
        program=program, user=user, tier=tiers[tier_name], tier_since=now
    )
    return profile


def _proposed_ladder(program, edited, threshold):
    """The program's ladder as the preview takes it, ``edited``'s threshold
    changed: what the Loyalty screen proposes after the edit."""
    tiers = []
    for tier in Tier.objects.filter(program=program).order_by("rank"):
        tiers.append(
            {
                "name": tier.name,
                "rank": tier.rank,
                "metric": tier.metric.upper(),
                "threshold": str(threshold if tier.name == edited else tier.threshold),
                "discountType": tier.discount_type.upper(),
                "discountValue": str(tier.discount_value),
                "pointsMultiplier": str(tier.points_multiplier),
            }
        )
    return tiers


def test_coupon_rule_and_tier_edit_in_a_browser(
    transactional_db,  # the live server's threads see only committed rows
    live_server_databases,
    staff_api_client,
    permission_manage_users,
    permission_manage_discounts,
    channel_USD,
    ladder,
    tmp_path,
):
    """Coupon rules: a rule for a segment created in the editor, its dry run seen
    before switching on (the same figures as the API's dry run, in the card and in
    the switch-on dialog), switched on — and what the switch-on issued is what the
    dry run showed. Loyalty: Gold's threshold lowered from 100 to 60, the preview
    of who moves (the API's preview of that ladder) seen before saving, saved."""
    staff = staff_api_client.user
    staff.user_permissions.add(permission_manage_users, permission_manage_discounts)
    program, tiers = ladder
    # net spend 75: Silver now, Gold once Gold starts at 60; the others stay
    _buyer(channel_USD, "rising@example.com", (40, 35), ladder, "Silver")
    _buyer(channel_USD, "gold@example.com", (90, 70), ladder, "Gold")
    _buyer(channel_USD, "silver@example.com", (55,), ladder, "Silver")
    _buyer(channel_USD, "regular@example.com", (20,), ladder, "Regular")
    _profile(channel_USD, User.objects.create(email="browsing@example.com"), 0)
    segment = Segment.objects.create(
        name="Bought at least once", channel=channel_USD, rule=PAID_AT_LEAST_ONE
    )
    assert segment_membership.materialize(segment)["members"] == 4

    variables = {
        "channel": channel_USD.slug,
        "input": {"tiers": _proposed_ladder(program, EDITED_TIER, NEW_THRESHOLD)},
    }
    answer = crm_gql(staff_api_client, LOYALTY_PREVIEW, variables)["crmLoyaltyPreview"]
    assert answer["errors"] == []
    expected_preview = answer["preview"]
    moves = {
        t["name"]: (t["currentCustomers"], t["customers"])
        for t in expected_preview["tiers"]
    }
    # the preview has someone to show: one Silver member moves up to Gold; the
    # registered customer who never paid (no membership) stays without a tier, as
    # the review, which enrols only customers with a paid order, leaves them
    assert moves == {"Regular": (1, 1), "Silver": (2, 1), "Gold": (1, 2)}
    # ... counted among who holds no tier, now and after, so the columns add up
    without = (
        expected_preview["customersWithoutTierNow"],
        expected_preview["customersWithoutTier"],
    )
    assert without == (1, 1)

    live_server = live_server_databases
    installed = install(live_server.url)
    app_gid = graphene.Node.to_global_id("App", installed.app.pk)
    config = tmp_path / "config.json"
    config.write_text(
        json.dumps(
            {
                "flows": ["coupon", "loyalty"],
                "base": live_server.url,
                "chromium": str(CHROMIUM),
                "artifacts": str(ARTIFACTS),
                "staff": {"email": staff.email, "password": "password"},
                "appId": app_gid,
                "coupon": {
                    "name": COUPON_NAME,
                    "segment": segment.name,
                    "members": segment.members_count,
                },
                "loyalty": {
                    "tier": EDITED_TIER,
                    "threshold": str(NEW_THRESHOLD),
                    "currency": channel_USD.currency_code,
                    "preview": expected_preview,
                },
            }
        )
    )
    result = _run_flows(config)
    names = [check["name"] for check in result["checks"] if check["ok"]]
    assert any(
        name.startswith("coupon: the dry run shown is the API's") for name in names
    )
    assert any(name.startswith("coupon: the switch-on dialog") for name in names)
    assert any(
        name.startswith("loyalty: the preview shown is the API's") for name in names
    )

    # the rule the editor created: for the segment, switched on, and what the
    # switch-on issued is what the dry run showed
    rule = CouponRule.objects.get(name=COUPON_NAME)
    assert rule.channel_id == channel_USD.pk
    assert (rule.trigger, rule.trigger_params.get("segment_id")) == (
        "schedule",
        segment.pk,
    )
    assert rule.status == "active"
    shown = result["facts"]["coupon"]
    assert shown["ruleId"] == graphene.Node.to_global_id("CRMCouponRule", rule.pk)
    grants = CouponGrant.objects.filter(rule=rule)
    assert shown["codes"] == grants.filter(control=False).count() == 4
    assert shown["heldOut"] == grants.filter(control=True).count() == 0
    cost = sum(g.estimated_cost for g in grants.filter(control=False))
    assert Decimal(str(shown["cost"])) == cost
    # the edited threshold is stored, the rest of the ladder is as it was
    stored = {t.name: t.threshold for t in Tier.objects.filter(program=program)}
    assert stored == {"Regular": 0, "Silver": 50, EDITED_TIER: NEW_THRESHOLD}
    shots = {p.name for p in ARTIFACTS.glob("*.png")}
    assert {
        "coupon-rule-dry-run-en.png",
        "coupon-rule-switch-on-en.png",
        "coupon-rule-active-en.png",
        "loyalty-tier-preview-en.png",
        "loyalty-tier-saved-en.png",
    } <= shots
