"""Malformed input on the CRM endpoint (issue 13, items 4 and 11): list filters
take the enums the fields return; NUL bytes, over-long text, numbers beyond a
column or finer than the currency, malformed or foreign IDs, unknown rule keys and
a rule given together with a preset are refused with a typed error (``errors``
on mutations, a GraphQL error on queries) and write nothing — never an
"Internal Server Error"."""

import json
from decimal import Decimal

import pytest
from crm_helpers import crm_gql, crm_post, gid
from saleor.account.models import User
from saleor.graphql.tests.utils import get_graphql_content_from_response

from saleor_crm_plugin.models import (
    CouponRule,
    LoyaltyProgram,
    PointsEntry,
    RfmSettings,
    Segment,
    Tier,
)

NUL = "\x00"


@pytest.fixture
def admin(staff_users_admin, staff_discounts_admin):
    """Staff with MANAGE_USERS and MANAGE_DISCOUNTS (the same Saleor client)."""
    return staff_users_admin


def crm_errors(payload):
    return [(e["field"], e["code"]) for e in payload["errors"]]


def top_level_errors(response):
    """The request's GraphQL errors; none of them an unhandled exception."""
    assert response.status_code in (200, 400), response.status_code
    content = get_graphql_content_from_response(response)
    errors = content.get("errors") or []
    for error in errors:
        assert error["message"] != "Internal Server Error", error
        assert error["extensions"]["exception"]["code"] == "GraphQLError", error
    return errors, content.get("data")


# --- item 4: filters take the enums the fields return ----------------------------

RULES = """
query L($filter: CRMCouponRuleFilterInput) {
  crmCouponRules(first: 10, filter: $filter) {
    totalCount edges { node { name status trigger { kind } } } }
}"""
SEGMENTS = """
query L($filter: CRMSegmentFilterInput) {
  crmSegments(first: 10, filter: $filter) { totalCount edges { node { name kind } } }
}"""


def _rule(channel, name, status, trigger, params):
    return CouponRule.objects.create(
        name=name,
        channel=channel,
        status=status,
        trigger=trigger,
        trigger_params=params,
        discount_type="percentage",
        discount_value=Decimal(10),
    )


def test_coupon_rule_filters_take_the_returned_enums(admin, channel_USD):
    segment = Segment.objects.create(
        name="S", rule={"field": "orders_count", "op": "gte", "value": 1}
    )
    _rule(
        channel_USD,
        "Active entry",
        "active",
        "segment_entry",
        {"segment_id": segment.pk},
    )
    _rule(channel_USD, "Draft lapse", "draft", "days_without_order", {"days": 90})

    def names(filter_):
        data = crm_gql(admin, RULES, {"filter": filter_})["crmCouponRules"]
        return sorted(e["node"]["name"] for e in data["edges"])

    assert names({"status": "ACTIVE"}) == ["Active entry"]
    assert names({"status": "DRAFT"}) == ["Draft lapse"]
    assert names({"trigger": "SEGMENT_ENTRY"}) == ["Active entry"]
    assert names({"trigger": "DAYS_WITHOUT_ORDER", "status": "DRAFT"}) == [
        "Draft lapse"
    ]
    # what the list returns filters the list
    listed = crm_gql(admin, RULES, {})["crmCouponRules"]["edges"]
    for node in (e["node"] for e in listed):
        assert names(
            {"status": node["status"], "trigger": node["trigger"]["kind"]}
        ) == [node["name"]]


@pytest.mark.parametrize(
    "filter_",
    [
        {"status": "BOGUS"},
        {"status": "active"},
        {"trigger": "BOGUS"},
        {"trigger": "segment_entry"},
    ],
)
def test_coupon_rule_filters_refuse_unknown_values(admin, channel_USD, filter_):
    _rule(channel_USD, "Active lapse", "active", "days_without_order", {"days": 90})
    errors, data = top_level_errors(crm_post(admin, RULES, {"filter": filter_}))
    assert len(errors) == 1
    assert 'Expected type "CRMCoupon' in errors[0]["message"]  # names the enum
    assert not (data or {}).get("crmCouponRules")


def test_segment_kind_filter_takes_the_returned_enum(admin):
    rule = {"field": "orders_count", "op": "gte", "value": 1}
    Segment.objects.create(name="Dynamic one", kind="dynamic", rule=rule)
    Segment.objects.create(name="Static one", kind="static", rule=rule)
    for kind, expected in (("DYNAMIC", "Dynamic one"), ("STATIC", "Static one")):
        data = crm_gql(admin, SEGMENTS, {"filter": {"kind": kind}})["crmSegments"]
        assert [e["node"] for e in data["edges"]] == [{"name": expected, "kind": kind}]
    for bad in ("BOGUS", "dynamic"):
        errors, data = top_level_errors(
            crm_post(admin, SEGMENTS, {"filter": {"kind": bad}})
        )
        assert len(errors) == 1 and "CRMSegmentKindEnum" in errors[0]["message"]


# --- item 11: NUL bytes in any text input ------------------------------------------

SEGMENT_CREATE = """
mutation C($input: CRMSegmentInput!) {
  crmSegmentCreate(input: $input) { segment { id } errors { field code message } }
}"""
SEGMENT_UPDATE = """
mutation U($id: ID!, $input: CRMSegmentInput!) {
  crmSegmentUpdate(id: $id, input: $input) { segment { id name }
    errors { field code message } }
}"""
SEGMENT_PREVIEW = """
mutation P($rule: JSON, $preset: String, $params: JSON, $channel: String) {
  crmSegmentPreview(rule: $rule, preset: $preset, presetParams: $params,
                    channel: $channel) {
    result { count } errors { field code message } }
}"""
# the live count as a query (the mutation above is deprecated); the same payload
SEGMENT_PREVIEW_QUERY = SEGMENT_PREVIEW.replace("mutation P", "query P")
LOYALTY_PREVIEW_QUERY = """
query L($channel: String!, $input: CRMLoyaltyPreviewInput!) {
  crmLoyaltyPreview(channel: $channel, input: $input) {
    preview { customersWithoutTier } crmErrors { field code message } }
}"""
RULE_CREATE = """
mutation C($input: CRMCouponRuleInput!) {
  crmCouponRuleCreate(input: $input) { rule { id discountValue
    minSpend { amount } budgetAmount { amount } }
    errors { field code message } }
}"""
PROGRAM_CREATE = """
mutation P($channel: String!, $input: CRMLoyaltyProgramInput!) {
  crmLoyaltyProgramCreate(channel: $channel, input: $input) { program { id }
    errors { field code message } }
}"""
TIER_CREATE = """
mutation T($program: ID!, $input: CRMTierInput!) {
  crmTierCreate(programId: $program, input: $input) { tier { id }
    errors { field code message } }
}"""
ADJUST = """
mutation A($id: ID!, $channel: String!, $points: Int!, $reason: String!) {
  crmPointsAdjust(customerId: $id, channel: $channel, points: $points,
                  reason: $reason) { points { available }
    errors { field code message } }
}"""
RFM_SETTINGS = """
mutation S($channel: String!, $input: CRMRfmSettingsInput!) {
  crmRfmSettingsUpdate(channel: $channel, input: $input) { settings { method }
    errors { field code message } }
}"""

GOOD_RULE = {"field": "orders_count", "op": "gte", "value": 1}


def rule_input(channel_obj, **overrides):
    return {
        "name": "Come back",
        "channel": channel_obj.slug,
        "trigger": {"kind": "DAYS_WITHOUT_ORDER", "days": 90},
        "discountType": "PERCENTAGE",
        "discountValue": "15",
        **overrides,
    }


@pytest.fixture
def program(channel_USD):
    return LoyaltyProgram.objects.create(channel=channel_USD)


def written():
    """Everything the mutations below could write."""
    return (
        Segment.objects.count(),
        CouponRule.objects.count(),
        LoyaltyProgram.objects.count(),
        Tier.objects.count(),
        PointsEntry.objects.count(),
        RfmSettings.objects.count(),
    )


NUL_CASES = {
    "segment name": (
        SEGMENT_CREATE,
        lambda c: {"input": {"name": f"V{NUL}IP", "rule": GOOD_RULE}},
        "crmSegmentCreate",
        "name",
    ),
    "segment description": (
        SEGMENT_CREATE,
        lambda c: {
            "input": {"name": "VIP", "description": f"x{NUL}", "rule": GOOD_RULE}
        },
        "crmSegmentCreate",
        "description",
    ),
    "segment rule value": (
        SEGMENT_CREATE,
        lambda c: {
            "input": {
                "name": "VIP",
                "rule": {
                    "field": "email_domain",
                    "op": "eq",
                    "value": f"example.com{NUL}",
                },
            }
        },
        "crmSegmentCreate",
        "rule",
    ),
    "segment rule key": (
        SEGMENT_PREVIEW,
        lambda c: {"rule": {"field": "metadata", "op": "exists", "key": f"v{NUL}ip"}},
        "crmSegmentPreview",
        "rule",
    ),
    "segment channel": (
        SEGMENT_PREVIEW,
        lambda c: {"rule": GOOD_RULE, "channel": f"{c.slug}{NUL}"},
        "crmSegmentPreview",
        "channel",
    ),
    "segment preset": (
        SEGMENT_PREVIEW,
        lambda c: {"preset": f"regulars{NUL}"},
        "crmSegmentPreview",
        "preset",
    ),
    "coupon rule name": (
        RULE_CREATE,
        lambda c: {"input": rule_input(c, name=f"Come{NUL}back")},
        "crmCouponRuleCreate",
        "name",
    ),
    "coupon rule description": (
        RULE_CREATE,
        lambda c: {"input": rule_input(c, description=f"{NUL}")},
        "crmCouponRuleCreate",
        "description",
    ),
    "coupon rule channel": (
        RULE_CREATE,
        lambda c: {"input": rule_input(c, channel=f"{c.slug}{NUL}")},
        "crmCouponRuleCreate",
        "channel",
    ),
    "program time zone": (
        PROGRAM_CREATE,
        lambda c: {"channel": c.slug, "input": {"timeZone": f"Asia/Tokyo{NUL}"}},
        "crmLoyaltyProgramCreate",
        "timeZone",
    ),
    "program channel": (
        PROGRAM_CREATE,
        lambda c: {"channel": f"{c.slug}{NUL}", "input": {}},
        "crmLoyaltyProgramCreate",
        "channel",
    ),
    "rfm channel": (
        RFM_SETTINGS,
        lambda c: {"channel": f"{NUL}", "input": {"method": "QUANTILES"}},
        "crmRfmSettingsUpdate",
        "channel",
    ),
}


@pytest.mark.parametrize("case", NUL_CASES.values(), ids=NUL_CASES.keys())
def test_nul_bytes_in_mutation_text_are_typed_errors(admin, channel_USD, case):
    query, variables, name, field = case
    before = written()
    response = crm_post(admin, query, variables(channel_USD))
    errors, data = top_level_errors(response)
    assert errors == []
    assert crm_errors(data[name]) == [(field, "INVALID")], data[name]
    assert written() == before


def test_nul_bytes_in_tier_name_and_points_reason(
    admin, channel_USD, program, customer_user
):
    data = crm_gql(
        admin,
        TIER_CREATE,
        {
            "program": gid("CRMLoyaltyProgram", program.pk),
            "input": {"name": f"Gold{NUL}", "rank": 1},
        },
    )
    assert crm_errors(data["crmTierCreate"]) == [("name", "INVALID")]
    data = crm_gql(
        admin,
        ADJUST,
        {
            "id": gid("User", customer_user.pk),
            "channel": channel_USD.slug,
            "points": 5,
            "reason": f"sorry{NUL}",
        },
    )
    assert crm_errors(data["crmPointsAdjust"]) == [("reason", "INVALID")]
    assert not Tier.objects.exists() and not PointsEntry.objects.exists()


def test_a_reason_longer_than_its_column_is_refused_not_cut(
    admin, channel_USD, program, customer_user
):
    data = crm_gql(
        admin,
        ADJUST,
        {
            "id": gid("User", customer_user.pk),
            "channel": channel_USD.slug,
            "points": 5,
            "reason": "r" * 256,
        },
    )
    assert crm_errors(data["crmPointsAdjust"]) == [("reason", "INVALID")]
    assert not PointsEntry.objects.exists()
    data = crm_gql(
        admin,
        ADJUST,
        {
            "id": gid("User", customer_user.pk),
            "channel": channel_USD.slug,
            "points": 5,
            "reason": "r" * 255,
        },
    )
    assert crm_errors(data["crmPointsAdjust"]) == []
    assert PointsEntry.objects.get().reason == "r" * 255


QUERY_NUL_CASES = {
    "coupon rules search": (RULES, {"filter": {"search": f"a{NUL}"}}),
    "coupon rules channel": (RULES, {"filter": {"channelSlug": f"a{NUL}"}}),
    "segments search": (SEGMENTS, {"filter": {"search": f"a{NUL}"}}),
    "loyalty program channel": (
        "query P($c: String!) { crmLoyaltyProgram(channel: $c) { id } }",
        {"c": f"default{NUL}"},
    ),
    "rfm groups channel": (
        "query P($c: String!) { crmRfmGroups(channel: $c) { group } }",
        {"c": f"default{NUL}"},
    ),
    "customer profile channel": (
        "query P($id: ID!, $c: String!) { crmCustomerProfile(customerId: $id, "
        "channel: $c) { id } }",
        {"id": gid("User", 1), "c": f"x{NUL}"},
    ),
    "segment preview rule key": (
        SEGMENT_PREVIEW_QUERY,
        {"rule": {"field": "metadata", "op": "exists", "key": f"v{NUL}ip"}},
    ),
    "segment preview channel": (
        SEGMENT_PREVIEW_QUERY,
        {"rule": GOOD_RULE, "channel": f"default{NUL}"},
    ),
    "segment preview preset": (SEGMENT_PREVIEW_QUERY, {"preset": f"regulars{NUL}"}),
    "loyalty preview channel": (
        LOYALTY_PREVIEW_QUERY,
        {"channel": f"default{NUL}", "input": {}},
    ),
    "loyalty preview tier name": (
        LOYALTY_PREVIEW_QUERY,
        {"channel": "default", "input": {"tiers": [{"name": f"Gold{NUL}", "rank": 1}]}},
    ),
}


@pytest.mark.parametrize("case", QUERY_NUL_CASES.values(), ids=QUERY_NUL_CASES.keys())
def test_nul_bytes_in_query_arguments_are_graphql_errors(admin, case):
    query, variables = case
    errors, _ = top_level_errors(crm_post(admin, query, variables))
    assert len(errors) == 1
    assert "NUL" in errors[0]["message"]


# --- over-long text and numbers beyond a column or finer than the currency --------


@pytest.mark.parametrize("field", ["name", "description"])
def test_a_100_kb_segment_name_or_description_is_refused(admin, field):
    payload = {"name": "VIP", "rule": GOOD_RULE, field: "x" * 100_000}
    data = crm_gql(admin, SEGMENT_CREATE, {"input": payload})["crmSegmentCreate"]
    assert crm_errors(data) == [(field, "INVALID")]
    assert "at most" in data["errors"][0]["message"]
    assert not Segment.objects.exists()


def test_a_100_kb_segment_name_on_update_changes_nothing(admin):
    segment = Segment.objects.create(name="VIP", rule=GOOD_RULE)
    data = crm_gql(
        admin,
        SEGMENT_UPDATE,
        {"id": gid("CRMSegment", segment.pk), "input": {"name": "x" * 100_000}},
    )
    assert crm_errors(data["crmSegmentUpdate"]) == [("name", "INVALID")]
    segment.refresh_from_db()
    assert segment.name == "VIP"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"minSpend": "1e30"}, "minSpend"),
        ({"budgetAmount": "1e30"}, "budgetAmount"),
        ({"discountValue": "0.0000001"}, "discountValue"),  # percentage: 3 places
        ({"controlShare": "0.1234"}, "controlShare"),
        ({"minSpend": "10.005"}, "minSpend"),  # USD: 2 places
        ({"budgetAmount": "12.345"}, "budgetAmount"),
        ({"discountType": "FIXED", "discountValue": "1e30"}, "discountValue"),
    ],
)
def test_decimals_beyond_the_column_or_the_currency_are_refused(
    admin, channel_USD, overrides, field
):
    data = crm_gql(admin, RULE_CREATE, {"input": rule_input(channel_USD, **overrides)})
    assert crm_errors(data["crmCouponRuleCreate"]) == [(field, "INVALID")]
    assert not CouponRule.objects.exists()


def test_decimals_are_checked_against_the_channels_currency(admin, channel_PLN):
    data = crm_gql(
        admin, RULE_CREATE, {"input": rule_input(channel_PLN, budgetAmount="12.345")}
    )["crmCouponRuleCreate"]
    assert crm_errors(data) == [("budgetAmount", "INVALID")]
    data = crm_gql(
        admin,
        RULE_CREATE,
        {"input": rule_input(channel_PLN, budgetAmount="12.34", minSpend="5.5")},
    )["crmCouponRuleCreate"]
    assert crm_errors(data) == []
    assert data["rule"]["budgetAmount"] == {"amount": 12.34}
    assert CouponRule.objects.get().budget_amount == Decimal("12.34")


@pytest.mark.parametrize("dimension", ["recencyDays", "frequency", "monetary"])
def test_rfm_thresholds_beyond_the_column_are_refused(admin, channel_USD, dimension):
    bounds = {
        "recencyDays": [30, 90, 180, 365],
        "frequency": [2, 3, 5, 10],
        "monetary": [50, 150, 400, 1000],
    }
    bounds[dimension] = [1, 2, 3, "1e400"]
    data = crm_gql(
        admin,
        RFM_SETTINGS,
        {"channel": channel_USD.slug, "input": {"method": "THRESHOLDS", **bounds}},
    )["crmRfmSettingsUpdate"]
    assert crm_errors(data) == [(dimension, "INVALID")]
    assert not RfmSettings.objects.exists()


# --- malformed and foreign global IDs on queries ------------------------------------

SEGMENT = "query S($id: ID!) { crmSegment(id: $id) { id name } }"
REPORT = "query R($id: ID!) { crmCouponRuleReport(id: $id) { windowDays } }"
RULE = "query R($id: ID!) { crmCouponRule(id: $id) { id } }"
DRY_RUN = "query R($id: ID!) { crmCouponRuleDryRun(id: $id) { eligible } }"


@pytest.mark.parametrize("query", [SEGMENT, REPORT, RULE, DRY_RUN])
@pytest.mark.parametrize("bad_id", ["garbage", "", f"Q1JN{NUL}", "Q1JNU2VnbWVudDp4"])
def test_malformed_ids_on_queries_are_graphql_errors(admin, query, bad_id):
    errors, data = top_level_errors(crm_post(admin, query, {"id": bad_id}))
    assert len(errors) == 1
    assert errors[0]["message"].startswith("Invalid ID"), errors[0]
    assert all(v is None for v in (data or {}).values())


def test_an_id_of_another_type_is_refused(admin, channel_USD):
    segment = Segment.objects.create(name="VIP", rule=GOOD_RULE)
    rule = _rule(channel_USD, "R", "draft", "days_without_order", {"days": 90})
    rule_as_segment = gid("CRMCouponRule", segment.pk)  # same pk, wrong type
    assert rule.pk and segment.pk
    errors, _ = top_level_errors(crm_post(admin, SEGMENT, {"id": rule_as_segment}))
    assert errors[0]["message"] == (
        f"Invalid ID: {rule_as_segment}. Expected: CRMSegment, received: CRMCouponRule."
    )
    errors, _ = top_level_errors(
        crm_post(admin, REPORT, {"id": gid("CRMSegment", rule.pk)})
    )
    assert "Expected: CRMCouponRule" in errors[0]["message"]
    # the right IDs answer
    assert (
        crm_gql(admin, SEGMENT, {"id": gid("CRMSegment", segment.pk)})["crmSegment"][
            "name"
        ]
        == "VIP"
    )
    assert (
        crm_gql(admin, SEGMENT, {"id": gid("CRMSegment", 987654)})["crmSegment"] is None
    )


EVENTS = """
query E($filter: CRMSegmentEventFilterInput) {
  crmSegmentEvents(first: 5, filter: $filter) { totalCount }
}"""


@pytest.mark.parametrize(
    "filter_",
    [
        {"customer": "'; drop table x; --"},
        {"segment": "garbage"},
        {"customer": gid("CRMSegment", 1)},
        {"segment": gid("User", 1)},
    ],
)
def test_bad_ids_in_event_filters_are_graphql_errors(admin, filter_):
    errors, _ = top_level_errors(crm_post(admin, EVENTS, {"filter": filter_}))
    assert len(errors) == 1
    message = errors[0]["message"]
    assert "ID" in message


# --- what was accepted but should not be ------------------------------------------


@pytest.mark.parametrize(
    "rule",
    [
        {"field": "orders_count", "op": "gte", "value": 1, "sql": "1=1"},
        {"and": [{"field": "orders_count", "op": "gte", "value": 1, "x": None}]},
        {"field": "metadata", "op": "exists", "key": "vip", "extra": 1},
        {"and": [GOOD_RULE], "field": "orders_count"},
    ],
)
def test_unknown_rule_keys_are_refused(admin, rule):
    for preview in (SEGMENT_PREVIEW_QUERY, SEGMENT_PREVIEW):
        data = crm_gql(admin, preview, {"rule": rule})["crmSegmentPreview"]
        assert crm_errors(data) == [("rule", "INVALID")], data
    data = crm_gql(admin, SEGMENT_CREATE, {"input": {"name": "x", "rule": rule}})
    assert crm_errors(data["crmSegmentCreate"]) == [("rule", "INVALID")]
    assert not Segment.objects.exists()


def test_a_rule_and_a_preset_together_are_refused(admin):
    data = crm_gql(
        admin,
        SEGMENT_CREATE,
        {"input": {"name": "x", "rule": GOOD_RULE, "preset": "regulars"}},
    )["crmSegmentCreate"]
    assert crm_errors(data) == [("preset", "INVALID")]
    for preview in (SEGMENT_PREVIEW_QUERY, SEGMENT_PREVIEW):
        data = crm_gql(admin, preview, {"rule": GOOD_RULE, "preset": "regulars"})
        assert crm_errors(data["crmSegmentPreview"]) == [("preset", "INVALID")]
    segment = Segment.objects.create(name="VIP", rule=GOOD_RULE)
    data = crm_gql(
        admin,
        SEGMENT_UPDATE,
        {
            "id": gid("CRMSegment", segment.pk),
            "input": {"rule": GOOD_RULE, "preset": "regulars"},
        },
    )
    assert crm_errors(data["crmSegmentUpdate"]) == [("preset", "INVALID")]
    assert Segment.objects.get().preset == ""


RESYNC = """
mutation R($id: ID!) { crmCustomerResync(customerId: $id) {
  profiles { channel } errors { field code message } } }"""


@pytest.mark.parametrize(
    ("customer_id", "code"),
    [
        ("garbage", "GRAPHQL_ERROR"),
        ("", "GRAPHQL_ERROR"),
        (gid("CRMSegment", 1), "GRAPHQL_ERROR"),
        (gid("User", "abc"), "GRAPHQL_ERROR"),
        (gid("User", "7b1d0cf2-5d3d-4a7e-9a55-5c4f0b5b2c1e"), "GRAPHQL_ERROR"),
        (gid("User", 10**30), "NOT_FOUND"),  # well-formed, beyond any key
        (gid("User", 987654321), "NOT_FOUND"),
    ],
)
def test_resync_answers_the_documented_codes(admin, customer_id, code):
    data = crm_gql(admin, RESYNC, {"id": customer_id})["crmCustomerResync"]
    assert data["profiles"] is None
    assert [(e["field"], e["code"]) for e in data["errors"]] == [("customerId", code)]


def test_resync_of_a_customer_answers_profiles(admin, customer_user):
    data = crm_gql(admin, RESYNC, {"id": gid("User", customer_user.pk)})
    assert data["crmCustomerResync"] == {"profiles": [], "errors": []}
    assert User.objects.filter(pk=customer_user.pk).exists()


def test_typed_error_messages_are_json_for_filter_sets(admin):
    """Saleor's own convention for an invalid filter set: the form errors as JSON."""
    errors, _ = top_level_errors(
        crm_post(admin, EVENTS, {"filter": {"customer": "'; drop table x; --"}})
    )
    assert json.loads(errors[0]["message"])["customer"][0]["message"]


# --- the deprecated error field ---------------------------------------------------

BOTH_ERROR_FIELDS = """
mutation C($input: CRMSegmentInput!) {
  crmSegmentCreate(input: $input) {
    segment { name }
    errors { field code message }
    crmErrors { field code message }
  }
}"""


def test_the_deprecated_crm_errors_field_still_answers(admin):
    """``errors`` is the documented field; ``crmErrors`` (deprecated) still carries
    the same typed errors for clients written against it, and is empty when the
    mutation succeeds."""
    refused = crm_gql(
        admin,
        BOTH_ERROR_FIELDS,
        {"input": {"name": "x", "rule": GOOD_RULE, "preset": "regulars"}},
    )["crmSegmentCreate"]
    assert crm_errors(refused) == [("preset", "INVALID")]
    assert refused["crmErrors"] == refused["errors"]
    assert not Segment.objects.exists()
    created = crm_gql(
        admin, BOTH_ERROR_FIELDS, {"input": {"name": "VIP", "rule": GOOD_RULE}}
    )["crmSegmentCreate"]
    assert created == {"segment": {"name": "VIP"}, "errors": [], "crmErrors": []}
