"""Query cost on the CRM endpoint, through Saleor's own mechanism: the CRM fields
have costs (Saleor's cost-map format, checked against the CRM schema), a request
reports its cost in ``extensions.cost`` like Saleor's, and a request above
``GRAPHQL_QUERY_MAX_COMPLEXITY`` is refused with Saleor's ``QueryCostError`` —
exactly as Saleor refuses its own expensive queries — before anything runs."""

from decimal import Decimal

import pytest
from crm_helpers import crm_post, gid
from graphql import GraphQLInterfaceType, GraphQLObjectType, get_named_type
from saleor.graphql.core.validators.query_cost import validate_cost_map
from saleor.graphql.tests.utils import get_graphql_content_from_response

from saleor_crm_plugin.coupons import issuing as coupons
from saleor_crm_plugin.coupons import rules as coupon_rules
from saleor_crm_plugin.graphql.cost import CRM_COST_MAP
from saleor_crm_plugin.graphql.schema import schema
from saleor_crm_plugin.segments import membership as segments

# Saleor's production default (saleor/settings.py); set explicitly so the tests
# do not depend on the environment the suite runs in
MAX = 50_000

DRY_RUN = "crmCouponRuleDryRun(id: $id) { onActivation { codes } }"


@pytest.fixture(autouse=True)
def _production_limit(settings):
    settings.GRAPHQL_QUERY_MAX_COMPLEXITY = MAX


@pytest.fixture
def rule(channel_USD):
    return coupon_rules.save_rule(
        None,
        {
            "name": "Come back",
            "channel": channel_USD,
            "trigger": "days_without_order",
            "trigger_params": {"days": 90},
            "discount_type": "percentage",
            "discount_value": Decimal(15),
            "validity_days": 30,
        },
    )


def _aliases(n: int, field: str) -> str:
    body = "\n".join(f"  a{i}: {field}" for i in range(n))
    return f"query Q($id: ID!) {{\n{body}\n}}"


# --- every field that does work has a cost ------------------------------------------


def test_every_crm_root_field_and_paginated_field_has_a_cost():
    type_map = schema.get_type_map()
    validate_cost_map(CRM_COST_MAP, schema)  # every entry names a real field
    for root in ("Query", "Mutation"):
        missing = set(type_map[root].fields) - set(CRM_COST_MAP[root])
        assert not missing, f"{root} fields without a cost: {sorted(missing)}"
    for name, graphql_type in type_map.items():
        if name.startswith("__") or not isinstance(
            graphql_type, GraphQLObjectType | GraphQLInterfaceType
        ):
            continue
        for field_name, field in graphql_type.fields.items():
            paginated = "first" in field.args or get_named_type(
                field.type
            ).name.endswith("Connection")
            if not paginated:
                continue
            entry = CRM_COST_MAP.get(name, {}).get(field_name)
            assert entry is not None, f"{name}.{field_name} has no cost"
            assert {"first"} <= set(entry.get("multipliers", [])), (
                f"{name}.{field_name} is not priced by its page size"
            )


def test_heavy_fields_are_priced_by_their_work():
    query, mutation = CRM_COST_MAP["Query"], CRM_COST_MAP["Mutation"]
    # one request of Saleor's default limit holds only a few channel-wide runs
    for entry in (
        query["crmCouponRuleDryRun"],
        query["crmCouponRuleReport"],
        query["crmRfmGroups"],
        mutation["crmSegmentPreview"],
        mutation["crmLoyaltyPreview"],
        mutation["crmRfmRecompute"],
        mutation["crmSegmentRefresh"],
        mutation["crmCouponRuleRun"],
        mutation["crmCouponRuleActivate"],
    ):
        assert MAX // 20 <= entry["complexity"] <= MAX // 2, entry
    assert mutation["crmSegmentExport"]["complexity"] >= 100
    assert mutation["crmCouponCodesExport"]["complexity"] >= 100
    # the read-only previews are queries now, priced as their deprecated mutations
    for name in ("crmSegmentPreview", "crmLoyaltyPreview"):
        assert query[name] == mutation[name]
        assert MAX // 20 <= query[name]["complexity"] <= MAX // 2


def test_live_counts_in_one_request_are_priced_and_refused_above_the_limit(
    staff_users_admin, monkeypatch
):
    ran = []
    real = segments.count
    monkeypatch.setattr(
        segments, "count", lambda *a, **k: ran.append(1) or real(*a, **k)
    )
    per_count = CRM_COST_MAP["Query"]["crmSegmentPreview"]["complexity"]
    field = "crmSegmentPreview(rule: $rule) { result { count } errors { code } }"

    def request(n):
        body = "\n".join(f"  a{i}: {field}" for i in range(n))
        return get_graphql_content_from_response(
            crm_post(
                staff_users_admin,
                f"query Q($rule: JSON) {{\n{body}\n}}",
                {"rule": {"field": "orders_count", "op": "gte", "value": 1}},
            )
        )

    allowed = MAX // per_count
    content = request(allowed)
    assert "errors" not in content and len(ran) == allowed
    assert content["extensions"]["cost"]["requestedQueryCost"] == allowed * per_count
    refused = request(allowed + 1)
    assert refused["errors"][0]["message"].startswith(
        f"The query exceeds the maximum cost of {MAX}."
    )
    assert len(ran) == allowed  # nothing more ran


# --- the cost is reported the Saleor way ---------------------------------------------


def test_a_crm_request_reports_its_cost(staff_discounts_admin, rule):
    rule_id = gid("CRMCouponRule", rule.pk)
    response = crm_post(
        staff_discounts_admin,
        """
        query Q($id: ID!) {
          crmCouponRules(first: 20) { edges { node { name
            grants(first: 10) { totalCount } } } }
          crmCouponRule(id: $id) { name grants { totalCount } }
        }""",
        {"id": rule_id},
    )
    content = get_graphql_content_from_response(response)
    assert "errors" not in content, content
    # 20 rules + 20 x 10 grants; 1 rule + its 50 grants (the default page)
    assert content["extensions"]["cost"] == {
        "requestedQueryCost": 20 + 20 * 10 + 1 + 50,
        "maximumAvailable": MAX,
    }

    content = get_graphql_content_from_response(
        crm_post(staff_discounts_admin, _aliases(1, DRY_RUN), {"id": rule_id})
    )
    assert content["data"]["a0"]["onActivation"]["codes"] == 0
    assert (
        content["extensions"]["cost"]["requestedQueryCost"]
        == CRM_COST_MAP["Query"]["crmCouponRuleDryRun"]["complexity"]
        > 0
    )


# --- and too costly a request is refused before anything runs ---------------------


def test_100_dry_runs_in_one_request_are_refused_as_saleor_refuses(
    staff_discounts_admin, staff_api_client, rule, monkeypatch
):
    ran = []
    real = coupons.dry_run
    monkeypatch.setattr(
        coupons, "dry_run", lambda *a, **k: ran.append(1) or real(*a, **k)
    )
    rule_id = gid("CRMCouponRule", rule.pk)

    response = crm_post(staff_discounts_admin, _aliases(100, DRY_RUN), {"id": rule_id})
    crm = get_graphql_content_from_response(response)
    assert ran == []  # refused before anything ran
    per_dry_run = CRM_COST_MAP["Query"]["crmCouponRuleDryRun"]["complexity"]
    assert crm["extensions"]["cost"] == {
        "requestedQueryCost": 100 * per_dry_run,
        "maximumAvailable": MAX,
    }
    [error] = crm["errors"]
    assert error["message"] == (
        f"The query exceeds the maximum cost of {MAX}. "
        f"Actual cost is {100 * per_dry_run}"
    )
    assert "data" not in crm

    # Saleor refusing its own expensive query on /graphql/: the same answer
    saleor_query = (
        "query { "
        + " ".join(
            f"c{i}: categories(first: 100) {{ edges {{ node {{ "
            f"products(first: 100) {{ edges {{ node {{ id }} }} }} }} }} }}"
            for i in range(5)
        )
        + " }"
    )
    saleor_response = staff_api_client.post_graphql(saleor_query)
    saleor = get_graphql_content_from_response(saleor_response)
    assert saleor["errors"][0]["message"].startswith(
        f"The query exceeds the maximum cost of {MAX}."
    )
    assert response.status_code == saleor_response.status_code == 400
    assert set(crm) == set(saleor)
    saleor_error = saleor["errors"][0]
    assert set(error["extensions"]) == set(saleor_error["extensions"])
    assert error["extensions"]["exception"] == saleor_error["extensions"]["exception"]
    assert error["extensions"]["cost"] == crm["extensions"]["cost"]

    # a request within the limit runs
    allowed = MAX // per_dry_run
    content = get_graphql_content_from_response(
        crm_post(staff_discounts_admin, _aliases(allowed, DRY_RUN), {"id": rule_id})
    )
    assert "errors" not in content and len(ran) == allowed


def test_the_limit_is_off_when_saleor_turns_it_off(
    staff_discounts_admin, rule, settings
):
    settings.GRAPHQL_QUERY_MAX_COMPLEXITY = 0
    content = get_graphql_content_from_response(
        crm_post(
            staff_discounts_admin,
            _aliases(3, DRY_RUN),
            {"id": gid("CRMCouponRule", rule.pk)},
        )
    )
    assert "errors" not in content and "cost" not in content.get("extensions", {})
