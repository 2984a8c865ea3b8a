"""Coupon rules through the plugin's GraphQL API: create / update / activate /
pause / run / delete with typed errors that write nothing, list with filter and
sort, dry run and report, the permission matrix (MANAGE_DISCOUNTS), customers
seeing only their own codes; delivery by signed webhook and Saleor's NOTIFY_USER
path to a real local HTTP receiver; erasure."""

import json
import threading
from datetime import datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer

import graphene
import pytest
from crm_helpers import crm_gql, crm_post, gid
from django.utils import timezone
from saleor.account.models import User
from saleor.discount.models import Voucher
from saleor.graphql.tests.utils import assert_no_permission

from saleor_crm_plugin.coupons import delivery as coupon_delivery
from saleor_crm_plugin.coupons import issuing as coupons
from saleor_crm_plugin.models import CouponGrant, CouponRule, CustomerProfile

FIELDS = """
  id name status isRunning channel
  trigger { kind days segmentId categoryIds }
  discountType discountValue minSpend { amount currency } validityDays
  maxPerCustomer cooldownDays budgetCodes budgetAmount { amount } controlShare
  delivery issuedCount controlCount
"""
CREATE = f"""
mutation C($input: CRMCouponRuleInput!) {{
  crmCouponRuleCreate(input: $input) {{ rule {{ {FIELDS} }}
    errors {{ field code message }} }}
}}"""
UPDATE = f"""
mutation U($id: ID!, $input: CRMCouponRuleInput!) {{
  crmCouponRuleUpdate(id: $id, input: $input) {{ rule {{ {FIELDS} }}
    errors {{ field code message }} }}
}}"""
ACTION = """
mutation A($id: ID!) {
  activate: crmCouponRuleActivate(id: $id) { rule { status isRunning }
    errors { field code } }
}"""
PAUSE = """
mutation P($id: ID!) { crmCouponRulePause(id: $id) { rule { status }
  errors { field code } } }"""
RUN = """
mutation R($id: ID!) { crmCouponRuleRun(id: $id) { issued heldOut budgetExhausted
  rule { issuedCount } errors { field code } } }"""
DELETE = """
mutation D($id: ID!) { crmCouponRuleDelete(id: $id) { rule { id }
  errors { field code message } } }"""
LIST = """
query L($filter: CRMCouponRuleFilterInput, $sort: CRMCouponRuleSortingInput) {
  crmCouponRules(first: 10, filter: $filter, sortBy: $sort) {
    totalCount edges { node { name status } } }
}"""
DETAIL = """
query D($id: ID!) {
  crmCouponRule(id: $id) { name
    grants(first: 5) { totalCount edges { node { code control email customerId
      estimatedCost { amount currency } expiresAt } } } }
  crmCouponRuleDryRun(id: $id) { eligible treated heldOut budgetLimited
    estimatedCost { amount currency } sample { email control } }
  crmCouponRuleReport(id: $id) { windowDays redeemed
    treated { customers converted } control { customers }
    discountCost { amount } conversionUplift { estimate low high } }
}"""
MINE = """
query M { crmMyCoupons { code name channel discountType discountValue isUsable
  expiresAt minSpend { amount } } }"""


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Channel averages are cached for an hour; channel keys repeat across tests."""
    from django.core.cache import cache

    cache.clear()


def errors(payload):
    return [(e["field"], e["code"]) for e in payload["errors"]]


def rule_input(channel_obj, **overrides):
    return {
        "name": "Come back",
        "channel": channel_obj.slug,
        "trigger": {"kind": "DAYS_WITHOUT_ORDER", "days": 90},
        "discountType": "PERCENTAGE",
        "discountValue": "15",
        "validityDays": 30,
        **overrides,
    }


def lapsed(channel, n, email=None):
    user = User.objects.create(email=email or f"l{n}@example.com")
    last = timezone.now() - timedelta(days=91)
    return CustomerProfile.objects.create(
        channel=channel,
        user=user,
        email=user.email,
        currency="USD",
        orders_count=1,
        paid_orders_count=1,
        last_order_at=last,
        last_paid_at=last,
        average_order_value_amount=Decimal(40),
    )


def create(client, channel_obj, **overrides):
    data = crm_gql(client, CREATE, {"input": rule_input(channel_obj, **overrides)})
    return data["crmCouponRuleCreate"]


def activated(rule_id, days=2):
    """Activate and move the switch-on back, so lines crossed in the last days
    count (a time-based trigger fires for crossings since activation)."""
    pk = int(graphene.Node.from_global_id(rule_id)[1])
    CouponRule.objects.filter(pk=pk).update(
        status="active", activated_at=timezone.now() - timedelta(days=days)
    )
    return CouponRule.objects.get(pk=pk)


def test_create_update_activate_run_pause_delete(
    staff_discounts_admin, channel_USD, category
):
    for n in range(3):
        lapsed(channel_USD, n)
    created = create(
        staff_discounts_admin,
        channel_USD,
        minSpend="20",
        budgetCodes=2,
        controlShare="0",
    )
    assert errors(created) == []
    rule = created["rule"]
    assert (
        rule["status"],
        rule["isRunning"],
        rule["trigger"]["days"],
        rule["minSpend"],
        rule["budgetCodes"],
    ) == ("DRAFT", False, 90, {"amount": 20.0, "currency": "USD"}, 2)

    # the reward changes before anything is issued
    data = crm_gql(
        staff_discounts_admin,
        UPDATE,
        {
            "id": rule["id"],
            "input": {
                "discountType": "FIXED",
                "discountValue": "5",
                "budgetCodes": None,
                "categoryIds": [gid("Category", category.pk)],
            },
        },
    )["crmCouponRuleUpdate"]
    assert errors(data) == []
    assert (data["rule"]["discountType"], data["rule"]["budgetCodes"]) == (
        "FIXED",
        None,
    )

    assert crm_gql(staff_discounts_admin, ACTION, {"id": rule["id"]})["activate"][
        "rule"
    ] == {"status": "ACTIVE", "isRunning": True}
    activated(rule["id"])
    ran = crm_gql(staff_discounts_admin, RUN, {"id": rule["id"]})["crmCouponRuleRun"]
    assert (ran["issued"], ran["heldOut"], ran["rule"]["issuedCount"]) == (3, 0, 3)
    voucher = Voucher.objects.get(codes__code=CouponGrant.objects.first().code)
    assert list(voucher.categories.values_list("pk", flat=True)) == [category.pk]

    paused = crm_gql(staff_discounts_admin, PAUSE, {"id": rule["id"]})
    assert paused["crmCouponRulePause"]["rule"]["status"] == "PAUSED"
    refused = crm_gql(staff_discounts_admin, DELETE, {"id": rule["id"]})[
        "crmCouponRuleDelete"
    ]
    assert errors(refused) == [("id", "INVALID")]

    draft = create(staff_discounts_admin, channel_USD, name="Never used")["rule"]
    gone = crm_gql(staff_discounts_admin, DELETE, {"id": draft["id"]})[
        "crmCouponRuleDelete"
    ]
    assert errors(gone) == [] and gone["rule"]["id"] == draft["id"]
    assert CouponRule.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"name": " "}, [("name", "REQUIRED")]),
        ({"channel": "nowhere"}, [("channel", "NOT_FOUND")]),
        ({"trigger": {"kind": "SEGMENT_ENTRY"}}, [("segmentId", "REQUIRED")]),
        (
            {"trigger": {"kind": "SEGMENT_ENTRY", "segmentId": "bad"}},
            [("segmentId", "GRAPHQL_ERROR")],
        ),
        (
            {"trigger": {"kind": "SEGMENT_ENTRY", "segmentId": gid("CRMSegment", 999)}},
            [("segmentId", "NOT_FOUND")],
        ),
        ({"trigger": {"kind": "NTH_ORDER", "n": 1}}, [("n", "INVALID")]),
        ({"trigger": {"kind": "FIRST_ORDER", "days": 4}}, [("days", "INVALID")]),
        ({"discountValue": "150"}, [("discountValue", "INVALID")]),
        (
            {"discountType": "FIXED", "discountValue": "1.005"},
            [("discountValue", "INVALID")],
        ),
        (
            {"discountType": "FREE_SHIPPING", "categoryIds": [gid("Category", 1)]},
            [("categoryIds", "INVALID")],
        ),
        ({"productIds": [gid("Product", 987654)]}, [("productIds", "NOT_FOUND")]),
        ({"controlShare": "0.95"}, [("controlShare", "INVALID")]),
        ({"budgetAmount": "0"}, [("budgetAmount", "INVALID")]),
        (
            {
                "startsAt": "2026-12-01T00:00:00+00:00",
                "endsAt": "2026-11-01T00:00:00+00:00",
            },
            [("endsAt", "INVALID")],
        ),
        ({"delivery": ["WEBHOOK"]}, [("delivery", "INVALID")]),  # no URL configured
    ],
)
def test_invalid_rules_are_typed_errors_and_write_nothing(
    staff_discounts_admin, channel_USD, overrides, expected
):
    payload = create(staff_discounts_admin, channel_USD, **overrides)
    assert errors(payload) == expected, payload["errors"]
    assert payload["rule"] is None
    assert not CouponRule.objects.exists()


def test_list_filter_sort_detail_dry_run_report(staff_discounts_admin, channel_USD):
    for n in range(4):
        lapsed(channel_USD, n)
    ids = [
        create(staff_discounts_admin, channel_USD, name=name)["rule"]["id"]
        for name in ("Beta", "alpha", "Gamma")
    ]
    activated(ids[0])
    data = crm_gql(staff_discounts_admin, LIST, {"filter": {"status": "ACTIVE"}})
    assert [e["node"]["name"] for e in data["crmCouponRules"]["edges"]] == ["Beta"]
    data = crm_gql(
        staff_discounts_admin, LIST, {"sort": {"field": "NAME", "direction": "DESC"}}
    )
    # by name as PostgreSQL compares it (like Saleor's own voucher sorting)
    assert [e["node"]["name"] for e in data["crmCouponRules"]["edges"]] == [
        "alpha",
        "Gamma",
        "Beta",
    ]

    detail = crm_gql(staff_discounts_admin, DETAIL, {"id": ids[0]})
    dry = detail["crmCouponRuleDryRun"]
    assert (dry["eligible"], dry["treated"], dry["budgetLimited"]) == (4, 4, False)
    assert dry["estimatedCost"] == {"amount": 24.0, "currency": "USD"}  # 4 x 15 % of 40
    assert len(dry["sample"]) == 4
    assert detail["crmCouponRule"]["grants"]["totalCount"] == 0  # nothing written

    crm_gql(staff_discounts_admin, RUN, {"id": ids[0]})
    detail = crm_gql(staff_discounts_admin, DETAIL, {"id": ids[0]})
    node = detail["crmCouponRule"]["grants"]["edges"][0]["node"]
    assert node["code"].startswith("CRM-") and node["email"].endswith("@example.com")
    assert node["estimatedCost"] == {"amount": 6.0, "currency": "USD"}
    report = detail["crmCouponRuleReport"]
    assert (report["windowDays"], report["treated"], report["control"]) == (
        30,
        {"customers": 4, "converted": 0},
        {"customers": 0},
    )
    assert report["conversionUplift"] is None  # no held-out customers


DRY_RUN = """
query D($id: ID!) { crmCouponRuleDryRun(id: $id) {
  onActivation { codes customers heldOut budgetLimited explanation
    explanationCode explanationParams { trigger since startsAt }
    estimatedCost { amount currency } sample { email } }
  replayedWindow { from to codes customers heldOut budgetLimited
    estimatedCost { amount currency } sample { email } } } }"""
SWITCH_ON = """
mutation A($id: ID!) { crmCouponRuleActivate(id: $id) { issued heldOut
  budgetExhausted rule { status issuedCount } errors { field code } } }"""
DEPRECATED = """
{ __type(name: "CRMCouponDryRun") { fields(includeDeprecated: true) {
  name isDeprecated } } }"""


def test_dry_run_answers_switch_on_and_replayed_window_apart(
    staff_discounts_admin, channel_USD
):
    for n in range(4):
        lapsed(channel_USD, n)  # crossed 90 days without an order a day ago
    rule_id = create(staff_discounts_admin, channel_USD)["rule"]["id"]
    dry = crm_gql(staff_discounts_admin, DRY_RUN, {"id": rule_id})[
        "crmCouponRuleDryRun"
    ]
    assert dry["onActivation"] == {
        "codes": 0,
        "customers": 0,
        "heldOut": 0,
        "budgetLimited": False,
        "explanation": "Counts only customers crossing the days-without-order line "
        "after the switch-on: nothing that happened before is caught "
        "up, so switching on issues nothing now.",
        "explanationCode": "NO_BACKLOG",
        "explanationParams": {
            "trigger": "DAYS_WITHOUT_ORDER",
            "since": None,
            "startsAt": None,
        },
        "estimatedCost": {"amount": 0.0, "currency": "USD"},
        "sample": [],
    }
    replay = dry["replayedWindow"]
    assert (
        replay["codes"],
        replay["customers"],
        replay["heldOut"],
        replay["budgetLimited"],
        replay["estimatedCost"],
        len(replay["sample"]),
    ) == (4, 4, 0, False, {"amount": 24.0, "currency": "USD"}, 4)  # 4 x 15 % of 40
    window = datetime.fromisoformat(replay["to"]) - datetime.fromisoformat(
        replay["from"]
    )
    assert window == timedelta(days=7)  # a line crossed by time: its catch-up

    answer = crm_gql(staff_discounts_admin, SWITCH_ON, {"id": rule_id})[
        "crmCouponRuleActivate"
    ]
    assert answer == {
        "issued": 0,
        "heldOut": 0,
        "budgetExhausted": False,
        "rule": {"status": "ACTIVE", "issuedCount": 0},
        "errors": [],
    }
    fields = crm_gql(staff_discounts_admin, DEPRECATED)["__type"]["fields"]
    assert {f["name"] for f in fields if f["isDeprecated"]} == {
        "eligible",
        "treated",
        "heldOut",
        "estimatedCost",
        "budgetLimited",
        "sample",
    }


EXPLANATION = """
query D($id: ID!) { crmCouponRuleDryRun(id: $id) { onActivation {
  explanation explanationCode explanationParams { trigger since startsAt } } } }"""
EXPLANATION_CODES = """
{ __type(name: "CRMCouponDryRunExplanationCodeEnum") { enumValues { name } } }"""


def test_dry_run_explanation_comes_back_as_a_code_with_parameters(
    staff_discounts_admin, channel_USD
):
    """The explanation as data (code + parameters) beside the English sentence
    made from them, for each kind of answer."""

    def explain(rule_id):
        return crm_gql(staff_discounts_admin, EXPLANATION, {"id": rule_id})[
            "crmCouponRuleDryRun"
        ]["onActivation"]

    lapsed(channel_USD, 1)
    # on for two days: counts the crossings since the switch-on
    rule_id = create(staff_discounts_admin, channel_USD)["rule"]["id"]
    rule = activated(rule_id)
    on = explain(rule_id)
    assert on["explanationCode"] == "COUNTS_SINCE_SWITCH_ON"
    assert on["explanationParams"]["trigger"] == "DAYS_WITHOUT_ORDER"
    assert datetime.fromisoformat(on["explanationParams"]["since"]) == (
        rule.activated_at
    )
    assert on["explanationParams"]["startsAt"] is None
    assert on["explanation"] == (
        "Counts customers crossing the days-without-order line since the "
        f"switch-on ({rule.activated_at:%Y-%m-%d %H:%M} UTC)."
    )
    # not started yet: the start is the parameter
    starts = timezone.now() + timedelta(days=3)
    later = create(
        staff_discounts_admin, channel_USD, name="Later", startsAt=starts.isoformat()
    )["rule"]["id"]
    on = explain(later)
    assert on["explanationCode"] == "NOT_STARTED"
    assert datetime.fromisoformat(on["explanationParams"]["startsAt"]) == starts
    assert on["explanationParams"]["trigger"] is None
    assert on["explanation"].startswith(f"The rule starts at {starts:%Y-%m-%d %H:%M}")
    # a schedule for the whole channel: no parameters
    schedule = create(
        staff_discounts_admin,
        channel_USD,
        name="Monthly",
        trigger={"kind": "SCHEDULE", "everyDays": 30},
    )["rule"]["id"]
    on = explain(schedule)
    assert on == {
        "explanation": "The schedule's run due now issues to every customer of "
        "the channel.",
        "explanationCode": "SCHEDULE_CHANNEL_CUSTOMERS",
        "explanationParams": {"trigger": None, "since": None, "startsAt": None},
    }
    # the enum lists exactly the codes the service gives
    values = crm_gql(staff_discounts_admin, EXPLANATION_CODES)["__type"]
    assert sorted(v["name"] for v in values["enumValues"]) == sorted(
        code.upper() for code in coupons.EXPLANATIONS
    )


def test_permission_matrix(
    staff_discounts_admin, staff_users_admin, api_client, user_api_client, channel_USD
):
    rule_id = create(staff_discounts_admin, channel_USD)["rule"]["id"]
    staff_discounts_admin.user.user_permissions.clear()
    # staff with MANAGE_USERS only, customers and anonymous: no coupon rules
    for client in (staff_users_admin, user_api_client, api_client):
        assert_no_permission(crm_post(client, LIST, {}))
        assert_no_permission(crm_post(client, DETAIL, {"id": rule_id}))
        assert_no_permission(
            crm_post(client, CREATE, {"input": rule_input(channel_USD, name="x")})
        )
        assert_no_permission(crm_post(client, RUN, {"id": rule_id}))
        assert_no_permission(crm_post(client, DELETE, {"id": rule_id}))
    assert_no_permission(crm_post(api_client, MINE, {}))
    assert CouponRule.objects.count() == 1


def test_customers_see_only_their_own_codes(
    user_api_client, customer_user, channel_USD
):
    mine = CustomerProfile.objects.create(
        channel=channel_USD,
        user=customer_user,
        email=customer_user.email,
        currency="USD",
        orders_count=1,
        paid_orders_count=1,
        last_order_at=timezone.now() - timedelta(days=91),
    )
    lapsed(channel_USD, 1)
    rule = CouponRule.objects.create(
        name="Come back",
        channel=channel_USD,
        status="active",
        trigger="days_without_order",
        trigger_params={"days": 90},
        discount_type="percentage",
        discount_value=Decimal(10),
        min_spend=Decimal(5),
        activated_at=timezone.now() - timedelta(days=2),
    )
    assert coupons.run_rule(rule).issued == 2
    own = CouponGrant.objects.get(profile=mine)
    data = crm_gql(user_api_client, MINE)["crmMyCoupons"]
    assert [c["code"] for c in data] == [own.code]
    assert data[0]["isUsable"] is True and data[0]["minSpend"] == {"amount": 5.0}
    CouponGrant.objects.filter(pk=own.pk).update(redeemed_at=timezone.now())
    assert crm_gql(user_api_client, MINE)["crmMyCoupons"] == []


def test_deleting_a_customer_erases_their_grants(staff_users_admin, channel_USD):
    profile = lapsed(channel_USD, 1)
    rule = CouponRule.objects.create(
        name="R",
        channel=channel_USD,
        status="active",
        trigger="days_without_order",
        trigger_params={"days": 90},
        discount_type="fixed",
        discount_value=5,
        activated_at=timezone.now() - timedelta(days=2),
    )
    coupons.run_rule(rule)
    assert CouponGrant.objects.filter(profile=profile).exists()
    profile.user.delete()
    assert not CouponGrant.objects.exists()


# --- delivery -----------------------------------------------------------------------


class Receiver:
    """A real HTTP server on localhost recording what it is sent."""

    def __init__(self, status=200):
        self.requests, self.status = [], status
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                owner.requests.append((dict(self.headers), body))
                self.send_response(owner.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


SECRET = "s3cret-signing-key-0123"


def configure_webhook(plugin_configuration, url):
    config = [
        item
        for item in plugin_configuration.configuration
        if item["name"] not in ("coupon_webhook_url", "coupon_webhook_secret")
    ]
    plugin_configuration.configuration = [
        *config,
        {"name": "coupon_webhook_url", "value": url},
        {"name": "coupon_webhook_secret", "value": SECRET},
    ]
    plugin_configuration.save()


def test_signed_webhook_delivery_with_retry(crm_plugin_active, receiver, channel_USD):
    configure_webhook(crm_plugin_active, receiver.url)
    for n in range(3):
        lapsed(channel_USD, n)
    rule = CouponRule.objects.create(
        name="R",
        channel=channel_USD,
        status="active",
        trigger="days_without_order",
        trigger_params={"days": 90},
        discount_type="fixed",
        discount_value=5,
        delivery=["webhook", "csv"],
        activated_at=timezone.now() - timedelta(days=2),
    )
    coupons.run_rule(rule)

    receiver.status = 500
    assert coupon_delivery.deliver(rule.pk) == {"delivered": 0, "failed": 3}
    failed = CouponGrant.objects.filter(rule=rule)
    assert all(
        g.delivered_at is None
        and g.delivery_attempts == 1
        and "500" in g.delivery_error
        for g in failed
    )

    receiver.status = 200
    assert coupon_delivery.deliver(rule.pk) == {"delivered": 3, "failed": 0}
    headers, body = receiver.requests[-1]
    assert coupon_delivery.verify(SECRET, body, headers["X-CRM-Signature"])
    assert not coupon_delivery.verify(SECRET, body + b" ", headers["X-CRM-Signature"])
    assert not coupon_delivery.verify(
        "another-secret-000000", body, headers["X-CRM-Signature"]
    )
    payload = json.loads(body)
    assert payload["event"] == "crm.coupons.issued"
    assert sorted(c["code"] for c in payload["coupons"]) == sorted(
        CouponGrant.objects.values_list("code", flat=True)
    )
    assert {c["email"] for c in payload["coupons"]} == {
        "l0@example.com",
        "l1@example.com",
        "l2@example.com",
    }
    assert all(g.delivered_at for g in CouponGrant.objects.all())
    # nothing left: a second delivery posts nothing
    posts = len(receiver.requests)
    assert coupon_delivery.deliver(rule.pk) == {"delivered": 0, "failed": 0}
    assert len(receiver.requests) == posts


def test_saleor_notify_user_webhook_receives_the_codes(
    receiver, channel_USD, app, permission_manage_users, settings
):
    """Saleor's own notification path: an app subscribed to NOTIFY_USER gets one
    notification per code through Saleor's webhook machinery."""
    from saleor.webhook.event_types import WebhookEventAsyncType
    from saleor.webhook.models import Webhook

    settings.PLUGINS = [
        *settings.PLUGINS,
        "saleor.plugins.webhook.plugin.WebhookPlugin",
    ]
    app.permissions.add(permission_manage_users)
    webhook = Webhook.objects.create(app=app, name="mailer", target_url=receiver.url)
    webhook.events.create(event_type=WebhookEventAsyncType.NOTIFY_USER)
    lapsed(channel_USD, 1, email="notify-me@example.com")
    rule = CouponRule.objects.create(
        name="R",
        channel=channel_USD,
        status="active",
        trigger="days_without_order",
        trigger_params={"days": 90},
        discount_type="percentage",
        discount_value=10,
        delivery=["saleor_notify"],
        activated_at=timezone.now() - timedelta(days=2),
    )
    coupons.run_rule(rule)
    assert coupon_delivery.deliver(rule.pk) == {"delivered": 1, "failed": 0}
    bodies = [json.loads(body) for _, body in receiver.requests]
    notified = [b for b in bodies if b.get("notify_event") == "crm_coupon_issued"]
    assert len(notified) == 1
    assert notified[0]["payload"]["email"] == "notify-me@example.com"
    assert notified[0]["payload"]["code"] == CouponGrant.objects.get().code


# --- CSV delivery -------------------------------------------------------------------

EXPORT = """
mutation E($id: ID!, $format: CRMSegmentExportFormatEnum) {
  crmCouponCodesExport(id: $id, format: $format) {
    url columns errors { field code message } }
}"""


def download(url) -> list[dict]:
    import csv
    import io
    from urllib.parse import urlparse

    from django.test import Client

    response = Client().get(urlparse(url).path)
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


def test_codes_export_for_email_and_postal_tools(
    staff_discounts_admin, permission_manage_users, channel_USD
):
    from saleor.account.models import Address

    named = lapsed(channel_USD, 1)
    named.user.first_name, named.user.last_name = "Hanako", "Yamada"
    named.user.default_shipping_address = Address.objects.create(
        first_name="Hanako",
        last_name="Yamada",
        street_address_1="1-1 Chiyoda",
        city="Chiyoda-ku",
        postal_code="100-0001",
        country="JP",
    )
    named.user.save()
    lapsed(channel_USD, 2)
    rule = CouponRule.objects.create(
        name="R",
        channel=channel_USD,
        status="active",
        trigger="days_without_order",
        trigger_params={"days": 90},
        discount_type="fixed",
        discount_value=5,
        delivery=["csv"],
        activated_at=timezone.now() - timedelta(days=2),
    )
    coupons.run_rule(rule)
    codes = set(CouponGrant.objects.values_list("code", flat=True))
    rule_id = gid("CRMCouponRule", rule.pk)

    # MANAGE_DISCOUNTS alone: codes and emails, no names, no postal list
    data = crm_gql(staff_discounts_admin, EXPORT, {"id": rule_id})[
        "crmCouponCodesExport"
    ]
    assert "first_name" not in data["columns"] and "email" in data["columns"]
    rows = download(data["url"])
    assert {r["code"] for r in rows} == codes
    assert {r["email"] for r in rows} == {"l1@example.com", "l2@example.com"}
    assert all("first_name" not in r for r in rows)
    assert_no_permission(
        crm_post(staff_discounts_admin, EXPORT, {"id": rule_id, "format": "POSTAL"})
    )

    # with MANAGE_USERS too: the postal list, only customers with an address
    staff_discounts_admin.user.user_permissions.add(permission_manage_users)
    data = crm_gql(staff_discounts_admin, EXPORT, {"id": rule_id, "format": "POSTAL"})[
        "crmCouponCodesExport"
    ]
    rows = download(data["url"])
    assert [(r["first_name"], r["postal_code"], r["country"]) for r in rows] == [
        ("Hanako", "100-0001", "JP")
    ]
    assert rows[0]["code"] == CouponGrant.objects.get(profile=named).code
