"""``crmCustomer360`` and the analytics queries through the plugin endpoint: one
customer's profiles per channel, loyalty, RFM, segments, coupon codes with their
status and rule, segment events and last orders; the analytics queries' typed
errors and the CSV export's signed URL."""

# Fixtures are imported from crm_helpers and requested by name.
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse

import pytest
from crm_helpers import (
    CHARGE,
    crm_gql,
    crm_post,
    gid,
    place_order,
)
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from saleor_crm_plugin.analytics.customer360 import customer_360
from saleor_crm_plugin.models import (
    CouponGrant,
    CouponRule,
    CustomerProfile,
    LoyaltyProgram,
    RfmScore,
    Segment,
    Tier,
)
from saleor_crm_plugin.segments.membership import materialize

Q360 = """
query ($id: ID!) { crmCustomer360(customerId: $id, lastOrders: 2) {
  customerId email
  channels { channel
    profile { ordersCount netSpent { amount currency } }
    loyalty { tier { name } nextTier { name } points { available pending } }
    rfm { recency frequency monetary group }
    segments { name }
    coupons { status ruleName ruleId grant { code } }
    segmentEvents { kind segmentName }
    lastOrderIds
  } } }
"""


@pytest.fixture
def customer_story(user_api_client, shop_usd, shop_pln, customer_user, channel_USD):
    orders = [
        place_order(user_api_client, shop_usd, quantity=q, token=CHARGE)
        for q in (1, 2, 3)
    ]
    place_order(user_api_client, shop_pln, quantity=1, token=CHARGE)
    profile = CustomerProfile.objects.get(user=customer_user, channel=channel_USD)
    program = LoyaltyProgram.objects.create(channel=channel_USD)
    Tier.objects.create(program=program, name="Silver", rank=1, threshold=1)
    Tier.objects.create(program=program, name="Gold", rank=2, threshold=100000)
    RfmScore.objects.create(
        profile=profile,
        channel=channel_USD,
        recency=5,
        frequency=3,
        monetary=2,
        group_name="potential_loyalists",
        computed_at=timezone.now(),
    )
    segment = Segment.objects.create(
        name="Buyers",
        channel=channel_USD,
        rule={"field": "paid_orders_count", "op": "gte", "value": 1},
    )
    materialize(segment)
    rule = CouponRule.objects.create(
        name="Welcome back",
        channel=channel_USD,
        trigger="segment_entry",
        discount_type="percentage",
        discount_value=Decimal(10),
    )
    now = timezone.now()
    for key, extra in (
        ("open", {"code": "CRM-OPEN1", "expires_at": now + timedelta(days=5)}),
        ("used", {"code": "CRM-USED1", "redeemed_at": now, "order_id": orders[0].pk}),
        ("expired", {"code": "CRM-OLD1", "expires_at": now - timedelta(days=1)}),
        ("held", {"control": True}),
    ):
        CouponGrant.objects.create(
            rule=rule, profile=profile, trigger_key=key, currency="USD", **extra
        )
    return orders, rule


def test_customer_360(staff_users_admin, customer_user, customer_story):
    orders, rule = customer_story
    data = crm_gql(staff_users_admin, Q360, {"id": gid("User", customer_user.pk)})
    c = data["crmCustomer360"]
    assert c["email"] == customer_user.email
    assert len(c["channels"]) == 2  # USD and PLN
    usd = next(
        ch for ch in c["channels"] if ch["profile"]["netSpent"]["currency"] == "USD"
    )
    assert usd["profile"]["ordersCount"] == 3
    assert usd["loyalty"]["nextTier"]["name"] in ("Silver", "Gold")
    assert usd["rfm"] == {
        "recency": 5,
        "frequency": 3,
        "monetary": 2,
        "group": "potential_loyalists",
    }
    assert [s["name"] for s in usd["segments"]] == ["Buyers"]
    assert [e["kind"] for e in usd["segmentEvents"]] == ["ENTER"]
    statuses = sorted((x["status"], x["grant"]["code"]) for x in usd["coupons"])
    assert statuses == [
        ("EXPIRED", "CRM-OLD1"),
        ("HELD_OUT", ""),
        ("OPEN", "CRM-OPEN1"),
        ("USED", "CRM-USED1"),
    ]
    assert {x["ruleName"] for x in usd["coupons"]} == {"Welcome back"}
    assert {x["ruleId"] for x in usd["coupons"]} == {gid("CRMCouponRule", rule.pk)}
    # the last two orders, newest first
    assert usd["lastOrderIds"] == [gid("Order", o.pk) for o in orders[::-1][:2]]
    pln = next(ch for ch in c["channels"] if ch is not usd)
    assert pln["loyalty"] is None and pln["rfm"] is None and pln["coupons"] == []


def test_customer_360_needs_manage_users(staff_api_client, customer_user):
    response = crm_post(staff_api_client, Q360, {"id": gid("User", customer_user.pk)})
    body = response.json()
    assert body["data"]["crmCustomer360"] is None
    assert body["errors"][0]["extensions"]["exception"]["code"] == "PermissionDenied"


def test_customer_360_reads_all_channels_in_four_statements(
    customer_user, customer_story, channel_USD
):
    """Profiles (with user, RFM, last order ids and the loyalty program's id),
    segments, coupon codes, segment events: one statement each, for every channel
    of the customer at once."""
    orders, _ = customer_story
    with CaptureQueriesContext(connection) as ctx:
        views = customer_360(customer_user.pk, orders=2)
    assert len(ctx.captured_queries) == 4
    by_channel = {v.profile.channel_id: v for v in views}
    usd = by_channel.pop(channel_USD.pk)
    (pln,) = by_channel.values()
    assert usd.order_ids == [o.pk for o in orders[::-1][:2]]
    assert usd.program_id == LoyaltyProgram.objects.get(channel=channel_USD).pk
    assert pln.program_id is None and len(pln.order_ids) == 1


def test_customer_360_unknown_customer(staff_users_admin):
    data = crm_gql(staff_users_admin, Q360, {"id": gid("User", 987654)})
    assert data["crmCustomer360"] is None


KPIS = """
query ($channel: String!, $gte: Date!, $lte: Date!, $grain: CRMAnalyticsGrainEnum,
       $n: Int) {
  crmAnalyticsKpis(channel: $channel, range: {gte: $gte, lte: $lte}, grain: $grain,
                   f2Days: $n) {
    kpis { currency timeZone periods { start end orders } total {
      orders revenue { amount currency } newCustomers activeCustomers
      repeatPurchaseRate f2Conversion secondOrderDays { label customers } } }
    errors { field code message } } }
"""


@pytest.mark.parametrize(
    ("variables", "field", "code"),
    [
        ({"channel": "no-such-channel"}, "channel", "NOT_FOUND"),
        ({"gte": "2026-02-01", "lte": "2026-01-01"}, "to", "INVALID_RANGE"),
        (
            {"gte": "2020-01-01", "lte": "2026-01-01", "grain": "MONTH"},
            "to",
            "RANGE_TOO_LONG",
        ),
        (
            {"gte": "2024-01-01", "lte": "2025-06-01", "grain": "DAY"},
            "grain",
            "GRAIN_TOO_FINE",
        ),
        ({"n": 0}, "f2Days", "OUT_OF_BOUNDS"),
        ({"n": 731}, "f2Days", "OUT_OF_BOUNDS"),
    ],
)
def test_kpis_bad_input_is_a_typed_error(
    staff_users_admin, channel_USD, variables, field, code
):
    base = {
        "channel": channel_USD.slug,
        "gte": "2026-01-01",
        "lte": "2026-01-31",
        "grain": "DAY",
        "n": 90,
    }
    data = crm_gql(staff_users_admin, KPIS, {**base, **variables})
    payload = data["crmAnalyticsKpis"]
    assert payload["kpis"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [(field, code)]


def test_kpis_through_the_endpoint(staff_users_admin, customer_story, channel_USD):
    today = timezone.now().date()
    data = crm_gql(
        staff_users_admin,
        KPIS,
        {
            "channel": channel_USD.slug,
            "gte": str(today - timedelta(days=6)),
            "lte": str(today),
            "grain": "DAY",
            "n": 90,
        },
    )
    payload = data["crmAnalyticsKpis"]
    assert payload["errors"] == []
    k = payload["kpis"]
    assert (k["currency"], k["timeZone"]) == ("USD", "UTC")
    assert len(k["periods"]) == 7
    assert k["total"]["orders"] == 3
    assert (k["total"]["newCustomers"], k["total"]["activeCustomers"]) == (1, 1)
    assert k["total"]["repeatPurchaseRate"] == 1.0
    assert sum(p["orders"] for p in k["periods"]) == 3
    assert k["total"]["secondOrderDays"][0] == {"label": "0-7", "customers": 1}


EXPORT = """
mutation ($channel: String!, $table: CRMAnalyticsTableEnum!, $range: CRMAnalyticsRangeInput) {
  crmAnalyticsExport(table: $table, channel: $channel, range: $range) {
    url columns errors { field code message } } }
"""


def test_export_of_the_kpi_table(
    staff_users_admin, customer_story, channel_USD, client
):
    today = timezone.now().date()
    data = crm_gql(
        staff_users_admin,
        EXPORT,
        {
            "channel": channel_USD.slug,
            "table": "KPIS",
            "range": {"gte": str(today - timedelta(days=1)), "lte": str(today)},
        },
    )
    payload = data["crmAnalyticsExport"]
    assert payload["errors"] == []
    assert payload["columns"][:3] == ["period", "start", "end"]
    response = client.get(urlparse(payload["url"]).path)
    assert response.status_code == 200
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0].startswith("period,start,end,currency,orders")
    assert lines[-1].startswith("total,")
    assert len(lines) == 1 + 2 + 1
    assert lines[-1].split(",")[4] == "3"
    # bad input: a typed error and no URL
    data = crm_gql(
        staff_users_admin,
        EXPORT,
        {
            "channel": channel_USD.slug,
            "table": "KPIS",
            "range": {"gte": str(today), "lte": str(today - timedelta(days=3))},
        },
    )
    assert data["crmAnalyticsExport"]["url"] is None
    assert [(e["field"], e["code"]) for e in data["crmAnalyticsExport"]["errors"]] == [
        ("to", "INVALID_RANGE")
    ]


def test_the_readme_analytics_example_runs(
    staff_users_admin, customer_story, channel_USD
):
    """The query shown in the README's "Analytics" section, as written there, for the
    year of today in this channel: no error, a month per period, the year's orders."""
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    section = readme.split("## Analytics: KPIs and their definitions", 1)[1]
    query = section.split("```graphql\n", 1)[1].split("```", 1)[0]
    year = timezone.now().year
    query = (
        query.replace("default-channel", channel_USD.slug)
        .replace("2026-01-01", f"{year}-01-01")
        .replace("2026-12-31", f"{year}-12-31")
    )
    payload = crm_gql(staff_users_admin, query)["crmAnalyticsKpis"]
    assert payload["errors"] == []
    kpis = payload["kpis"]
    assert kpis["currency"] == "USD"
    assert len(kpis["periods"]) == 12
    assert kpis["total"]["activeCustomers"] >= 1
    # a customer is new in exactly one month of the year
    assert (
        sum(p["newCustomers"] for p in kpis["periods"]) == kpis["total"]["newCustomers"]
    )
