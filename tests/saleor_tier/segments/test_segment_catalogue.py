"""The editors' catalogues over the API: ``crmSegmentFields`` /
``crmSegmentConditions`` (MANAGE_USERS) and ``crmCouponTriggers``
(MANAGE_DISCOUNTS), read from the validators (tests/core/test_catalogues.py checks
they agree), and a rule built from them accepted by the live count."""

from crm_helpers import crm_gql, crm_post
from saleor.graphql.tests.utils import assert_no_permission

from saleor_crm_plugin.domain.coupons import TRIGGER_PARAMS
from saleor_crm_plugin.domain.segments import CONDITIONS, FIELDS, OPERATORS

FIELDS_Q = """
query F {
  crmSegmentFields {
    name labelKey valueType enumValues valuePicker source channelScoped
    operators { name labelKey value }
  }
  crmSegmentConditions {
    name labelKey
    parameters { name labelKey type required min max maxItems default reference choices oneOf }
  }
}"""
TRIGGERS_Q = """
query T {
  crmCouponTriggers {
    kind labelKey isEvent
    parameters { name labelKey type required min max maxItems default reference choices oneOf }
  }
}"""
PREVIEW = """
query P($rule: JSON) { crmSegmentPreview(rule: $rule) { result { count total } errors { field code message } } }"""


def test_segment_fields_and_conditions(staff_users_admin):
    data = crm_gql(staff_users_admin, FIELDS_Q)
    fields = {f["name"]: f for f in data["crmSegmentFields"]}
    assert list(fields) == list(FIELDS)
    last = fields["last_order_at"]
    assert last["valueType"] == "DATETIME"
    assert last["labelKey"] == "segments.field.last_order_at"
    assert [op["name"] for op in last["operators"]] == list(OPERATORS["datetime"])
    assert {op["name"]: op["value"] for op in last["operators"]}[
        "more_than_days_ago"
    ] == "DAYS"
    assert fields["tier"]["valuePicker"] == "TIER"
    assert fields["tier"]["source"] == "LOYALTY"
    assert fields["customer_type"]["enumValues"] == ["account", "guest"]
    assert fields["date_joined"]["channelScoped"] is False
    assert fields["total_spent"]["valuePicker"] == "MONEY"

    conditions = {c["name"]: c for c in data["crmSegmentConditions"]}
    assert list(conditions) == list(CONDITIONS)
    bought = {p["name"]: p for p in conditions["bought"]["parameters"]}
    assert bought["categories"] == {
        "name": "categories",
        "labelKey": "segments.condition.bought.categories",
        "type": "IDS",
        "required": False,
        "min": None,
        "max": None,
        "maxItems": 1000,
        "default": None,
        "reference": "CATEGORY",
        "choices": [],
        "oneOf": "item",
    }
    assert (bought["min_times"]["min"], bought["min_times"]["max"]) == (1, 1000)
    assert bought["min_times"]["default"] == 1
    relation = {p["name"]: p for p in conditions["bought_not"]["parameters"]}[
        "relation"
    ]
    assert (relation["type"], relation["choices"], relation["default"]) == (
        "CHOICE",
        ["together", "after"],
        "together",
    )
    ordered = {p["name"]: p for p in conditions["ordered"]["parameters"]}
    assert list(ordered) == ["from", "to"]
    assert ordered["from"] == {
        "name": "from",
        "labelKey": "segments.condition.ordered.from",
        "type": "DATETIME",
        "required": True,
        "min": None,
        "max": None,
        "maxItems": None,
        "default": None,
        "reference": None,
        "choices": [],
        "oneOf": None,
    }


def test_a_rule_built_from_the_catalogue_is_counted(staff_users_admin):
    fields = crm_gql(staff_users_admin, FIELDS_Q)["crmSegmentFields"]
    field = next(f for f in fields if f["valueType"] == "INT")
    op = next(o for o in field["operators"] if o["value"] == "SINGLE")
    rule = {"and": [{"field": field["name"], "op": op["name"], "value": 1}]}
    preview = crm_gql(staff_users_admin, PREVIEW, {"rule": rule})["crmSegmentPreview"]
    assert preview["errors"] == []
    assert preview["result"] == {"count": 0, "total": 0}


def test_coupon_triggers(staff_discounts_admin):
    triggers = {
        t["kind"]: t
        for t in crm_gql(staff_discounts_admin, TRIGGERS_Q)["crmCouponTriggers"]
    }
    assert list(triggers) == [kind.upper() for kind in TRIGGER_PARAMS]
    nth = triggers["NTH_ORDER"]
    assert nth["isEvent"] is True
    assert nth["labelKey"] == "coupons.trigger.nth_order"
    assert [
        (p["name"], p["type"], p["required"], p["min"], p["max"])
        for p in nth["parameters"]
    ] == [("n", "INT", True, 2, 1000)]
    category = {p["name"]: p for p in triggers["CATEGORY_PURCHASE"]["parameters"]}
    assert category["categoryIds"]["type"] == "IDS"
    assert category["categoryIds"]["reference"] == "CATEGORY"
    assert category["categoryIds"]["maxItems"] == 100
    assert category["days"]["max"] == 3650
    segment_id = triggers["SEGMENT_ENTRY"]["parameters"][0]
    assert (segment_id["name"], segment_id["type"], segment_id["reference"]) == (
        "segmentId",
        "ID",
        "SEGMENT",
    )
    assert (segment_id["min"], segment_id["max"]) == (None, None)
    birthday = triggers["BIRTHDAY"]["parameters"][0]
    assert (birthday["name"], birthday["default"], birthday["required"]) == (
        "daysBefore",
        0,
        False,
    )
    assert triggers["SCHEDULE"]["isEvent"] is False


def test_permissions(staff_users_admin, staff_api_client):
    # staff_users_admin is the same client as staff_api_client with MANAGE_USERS
    assert_no_permission(crm_post(staff_users_admin, TRIGGERS_Q))
    staff_users_admin.user.user_permissions.clear()
    assert_no_permission(crm_post(staff_api_client, FIELDS_Q))
