"""Segments through the plugin's GraphQL API on the real Saleor schema: live counts
of unsaved rules, create / refresh with entry and exit events, ready-made segments
with edited thresholds, fresh membership right after a real order, typed errors
that write nothing, permissions."""

from datetime import timedelta

import pytest
from crm_helpers import CHARGE, crm_gql, crm_post, place_order
from django.utils import timezone
from saleor.account.models import User
from saleor.graphql.tests.utils import assert_no_permission

from saleor_crm_plugin.models import (
    CustomerProfile,
    Segment,
    SegmentEvent,
    SegmentMember,
)

PREVIEW_FIELD = """
  crmSegmentPreview(rule: $rule, preset: $preset, presetParams: $params,
                    channel: $channel) {
    result { count total share } errors { field code message }
    crmErrors { field code message }
  }
}"""
PREVIEW_ARGS = "($rule: JSON, $preset: String, $params: JSON, $channel: String) {"
# the live count is a query; the mutation of the same name is kept, deprecated
PREVIEW = "query P" + PREVIEW_ARGS + PREVIEW_FIELD
PREVIEW_MUTATION = "mutation P" + PREVIEW_ARGS + PREVIEW_FIELD
BOTH = pytest.mark.parametrize(
    "preview", [PREVIEW, PREVIEW_MUTATION], ids=["query", "deprecated mutation"]
)
CREATE = """
mutation C($input: CRMSegmentInput!) {
  crmSegmentCreate(input: $input) {
    segment { id name kind membersCount preset
              members(first: 2) { totalCount edges { node { customerId } }
                                  pageInfo { hasNextPage endCursor } } }
    errors { field code message }
  }
}"""
REFRESH = """
mutation R($id: ID!) {
  crmSegmentRefresh(id: $id) { entered exited segment { membersCount }
                               errors { field code message } }
}"""
LIST = """
query L($filter: CRMSegmentFilterInput) {
  crmSegments(first: 10, filter: $filter) { totalCount edges { node { name kind } } }
  crmSegmentPresets { key defaults }
}"""


def profile(channel, n, *, paid, days_ago):
    user = User.objects.create(email=f"s{n}@example.com")
    last = timezone.now() - timedelta(days=days_ago) if paid else None
    return CustomerProfile.objects.create(
        channel=channel,
        user=user,
        email=user.email,
        currency="USD",
        orders_count=paid,
        paid_orders_count=paid,
        last_order_at=last,
        last_paid_at=last,
        first_paid_at=last,
    )


@pytest.fixture
def customers(channel_USD):
    return [
        profile(channel_USD, 1, paid=1, days_ago=10),  # first-time buyer
        profile(channel_USD, 2, paid=1, days_ago=200),  # dormant one-time
        profile(channel_USD, 3, paid=4, days_ago=20),  # regular
        profile(channel_USD, 4, paid=5, days_ago=300),  # dormant former regular
        profile(channel_USD, 5, paid=0, days_ago=0),  # never paid
    ]


def errors(payload):
    found = [(e["field"], e["code"]) for e in payload["crmErrors"]]
    assert found == [(e["field"], e["code"]) for e in payload["errors"]]
    return found


@BOTH
def test_live_count_of_an_unsaved_rule(
    customers, staff_users_admin, channel_USD, preview
):
    rule = {
        "and": [
            {"field": "paid_orders_count", "op": "gte", "value": 3},
            {"field": "last_order_at", "op": "more_than_days_ago", "value": 90},
        ]
    }
    data = crm_gql(
        staff_users_admin, preview, {"rule": rule, "channel": channel_USD.slug}
    )
    assert data["crmSegmentPreview"]["result"] == {"count": 1, "total": 5, "share": 0.2}
    assert errors(data["crmSegmentPreview"]) == []
    data = crm_gql(
        staff_users_admin,
        preview,
        {"preset": "dormant_one_time", "params": {"after_days": 100}},
    )
    assert data["crmSegmentPreview"]["result"]["count"] == 1
    assert not Segment.objects.exists()


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        (
            {"rule": {"field": "password", "op": "eq", "value": "x"}},
            ("rule", "INVALID"),
        ),
        (
            {
                "rule": {
                    "and": [
                        {
                            "not": {
                                "not": {
                                    "not": {
                                        "not": {
                                            "not": {
                                                "not": {
                                                    "field": "orders_count",
                                                    "op": "gte",
                                                    "value": 1,
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    ]
                }
            },
            ("rule", "TOO_COMPLEX"),
        ),
        ({"preset": "nope"}, ("preset", "INVALID")),
        (
            {"preset": "at_risk", "params": {"after_days": 200, "before_days": 100}},
            ("presetParams", "INVALID"),
        ),
        (
            {"preset": "regulars", "params": {"min_orders": "many"}},
            ("presetParams", "INVALID"),
        ),
        ({}, ("rule", "REQUIRED")),
        (
            {
                "rule": {"field": "orders_count", "op": "gte", "value": 1},
                "channel": "nowhere",
            },
            ("channel", "NOT_FOUND"),
        ),
    ],
)
def test_invalid_rules_are_typed_errors(staff_users_admin, variables, expected):
    data = crm_gql(staff_users_admin, PREVIEW, variables)["crmSegmentPreview"]
    assert errors(data) == [expected]
    assert data["result"] is None


def test_create_refresh_and_events(customers, staff_users_admin, channel_USD):
    data = crm_gql(
        staff_users_admin,
        CREATE,
        {
            "input": {
                "name": "Dormant former regulars",
                "channel": channel_USD.slug,
                "preset": "dormant_former_regulars",
            }
        },
    )["crmSegmentCreate"]
    assert data["errors"] == []
    segment = Segment.objects.get()
    assert data["segment"]["membersCount"] == 1
    assert list(SegmentMember.objects.values_list("profile_id", flat=True)) == [
        customers[3].pk
    ]
    # the regular lapses, the former regular comes back
    CustomerProfile.objects.filter(pk=customers[2].pk).update(
        last_paid_at=timezone.now() - timedelta(days=400)
    )
    CustomerProfile.objects.filter(pk=customers[3].pk).update(
        last_paid_at=timezone.now()
    )
    segment_id = data["segment"]["id"]
    data = crm_gql(staff_users_admin, REFRESH, {"id": segment_id})
    assert data["crmSegmentRefresh"]["entered"] == 1
    assert data["crmSegmentRefresh"]["exited"] == 1
    events = sorted(
        SegmentEvent.objects.filter(segment=segment).values_list("profile_id", "kind")
    )
    assert events == sorted(
        [
            (customers[3].pk, "enter"),
            (customers[3].pk, "exit"),
            (customers[2].pk, "enter"),
        ]
    )
    # nothing moved: a second refresh records nothing
    again = crm_gql(staff_users_admin, REFRESH, {"id": segment_id})["crmSegmentRefresh"]
    assert (again["entered"], again["exited"]) == (0, 0)
    assert SegmentEvent.objects.filter(segment=segment).count() == 3


def test_members_pages_and_list_filter(customers, staff_users_admin, channel_PLN):
    data = crm_gql(
        staff_users_admin,
        CREATE,
        {
            "input": {
                "name": "Paid",
                "kind": "STATIC",
                "rule": {"field": "paid_orders_count", "op": "gte", "value": 1},
            }
        },
    )["crmSegmentCreate"]
    members = data["segment"]["members"]
    assert members["totalCount"] == 4 and len(members["edges"]) == 2
    assert members["pageInfo"]["hasNextPage"] is True
    listed = crm_gql(staff_users_admin, LIST, {"filter": {"kind": "STATIC"}})
    assert listed["crmSegments"]["edges"] == [
        {"node": {"name": "Paid", "kind": "STATIC"}}
    ]
    assert (
        crm_gql(staff_users_admin, LIST, {"filter": {"search": "zzz"}})["crmSegments"][
            "totalCount"
        ]
        == 0
    )
    assert (
        crm_gql(staff_users_admin, LIST, {"filter": {"channelSlug": "other"}})[
            "crmSegments"
        ]["totalCount"]
        == 0
    )
    keys = {p["key"] for p in listed["crmSegmentPresets"]}
    assert {
        "first_time_buyers",
        "second_purchase_candidates",
        "regulars",
        "loyal_vip",
        "at_risk",
        "dormant_one_time",
        "dormant_former_regulars",
        "high_order_value",
        "lapsed_since",
        "registered_not_bought",
    } == keys


def test_a_real_order_moves_the_customer_into_a_segment_within_the_task(
    staff_users_admin, user_api_client, customer_user, shop_usd, channel_USD
):
    crm_gql(
        staff_users_admin,
        CREATE,
        {
            "input": {
                "name": "Buyers",
                "channel": channel_USD.slug,
                "rule": {"field": "paid_orders_count", "op": "gte", "value": 1},
            }
        },
    )
    segment = Segment.objects.get()
    assert segment.members_count == 0
    place_order(user_api_client, shop_usd, quantity=1, token=CHARGE)
    member = SegmentMember.objects.get(segment=segment)
    assert member.profile.user_id == customer_user.pk
    assert SegmentEvent.objects.filter(segment=segment, kind="enter").count() == 1


def test_real_orders_move_the_customer_through_purchase_segments_within_the_task(
    staff_users_admin, user_api_client, customer_user, shop_usd, channel_USD, product
):
    """The per-customer refresh after an order (purchase conditions counted on
    the customer's own order rows) enters, and leaves, as a full refresh would."""
    ids = []
    for name, bought in (
        ("Bought it", {"products": [product.pk]}),
        (
            "Bought it twice",
            {"categories": [product.category_id], "min_times": 2, "within_days": 30},
        ),
    ):
        created = crm_gql(
            staff_users_admin,
            CREATE,
            {
                "input": {
                    "name": name,
                    "channel": channel_USD.slug,
                    "rule": {
                        "and": [
                            {"bought": bought},
                            {
                                "not": {
                                    "field": "paid_orders_count",
                                    "op": "gte",
                                    "value": 3,
                                }
                            },
                        ]
                    },
                }
            },
        )
        assert created["crmSegmentCreate"]["errors"] == []
        ids.append(created["crmSegmentCreate"]["segment"]["id"])
    once, twice = Segment.objects.order_by("pk")

    def members(segment):
        return set(
            SegmentMember.objects.filter(segment=segment).values_list(
                "profile__user_id", flat=True
            )
        )

    place_order(user_api_client, shop_usd, quantity=1, token=CHARGE)
    assert (members(once), members(twice)) == ({customer_user.pk}, set())
    place_order(user_api_client, shop_usd, quantity=1, token=CHARGE)
    assert (members(once), members(twice)) == ({customer_user.pk},) * 2
    place_order(user_api_client, shop_usd, quantity=1, token=CHARGE)  # 3 paid
    assert (members(once), members(twice)) == (set(), set())
    for segment, segment_id in zip((once, twice), ids):
        kinds = list(
            SegmentEvent.objects.filter(segment=segment)
            .order_by("pk")
            .values_list("kind", flat=True)
        )
        assert kinds == ["enter", "exit"]
        # a full refresh finds nothing left to move, either way
        refreshed = crm_gql(staff_users_admin, REFRESH, {"id": segment_id})[
            "crmSegmentRefresh"
        ]
        assert (refreshed["entered"], refreshed["exited"]) == (0, 0)


def test_permissions(customers, api_client, user_api_client, staff_api_client):
    rule = {"field": "orders_count", "op": "gte", "value": 1}
    for client in (api_client, user_api_client, staff_api_client):
        assert_no_permission(crm_post(client, PREVIEW, {"rule": rule}))
        assert_no_permission(crm_post(client, PREVIEW_MUTATION, {"rule": rule}))
        assert_no_permission(crm_post(client, LIST, {}))
        assert_no_permission(
            crm_post(client, CREATE, {"input": {"name": "x", "rule": rule}})
        )
    assert not Segment.objects.exists()
