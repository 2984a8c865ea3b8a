"""Hand-picked members of a static segment (``crmSegmentMembersAdd`` /
``crmSegmentMembersRemove``): the Dashboard's customer selection added by Saleor
user ID, with the same ENTER / EXIT events as a refresh, refused for a dynamic
segment, MANAGE_USERS only."""

import pytest
from crm_helpers import crm_gql, crm_post, gid, ok
from saleor.account.models import User
from saleor.graphql.tests.utils import assert_no_permission

from saleor_crm_plugin.models import (
    CustomerProfile,
    Segment,
    SegmentEvent,
    SegmentMember,
)

NOBODY = {"and": [{"field": "orders_count", "op": "lt", "value": 0}]}
CREATE = """
mutation C($input: CRMSegmentInput!) {
  crmSegmentCreate(input: $input) { segment { id kind membersCount } errors { field code } }
}"""
ADD = """
mutation A($id: ID!, $ids: [ID!]!) {
  crmSegmentMembersAdd(id: $id, customerIds: $ids) {
    segment { id membersCount } added skippedCustomerIds
    errors { field code message }
  }
}"""
REMOVE = """
mutation R($id: ID!, $ids: [ID!]!) {
  crmSegmentMembersRemove(id: $id, customerIds: $ids) {
    segment { id membersCount } removed errors { field code message }
  }
}"""


@pytest.fixture
def people(channel_USD, channel_PLN, customer_user):
    other = User.objects.create(email="other@example.com")
    nobody = User.objects.create(email="no-orders@example.com")
    for user in (customer_user, other):
        CustomerProfile.objects.create(channel=channel_USD, user=user, currency="USD")
    CustomerProfile.objects.create(
        channel=channel_PLN, user=customer_user, currency="PLN"
    )
    return {"customer": customer_user, "other": other, "nobody": nobody}


def _static(client, channel=None):
    data = {"name": "Hand-picked", "kind": "STATIC", "rule": NOBODY}
    if channel:
        data["channel"] = channel
    payload = ok(crm_gql(client, CREATE, {"input": data})["crmSegmentCreate"])
    assert payload["segment"]["membersCount"] == 0
    return payload["segment"]["id"]


def _uid(user):
    return gid("User", user.pk)


def test_add_and_remove_customers_with_events(staff_users_admin, people, channel_USD):
    seg_id = _static(staff_users_admin, channel_USD.slug)
    segment = Segment.objects.get()
    ids = [_uid(people["customer"]), _uid(people["other"]), _uid(people["nobody"])]

    added = ok(
        crm_gql(staff_users_admin, ADD, {"id": seg_id, "ids": ids})[
            "crmSegmentMembersAdd"
        ]
    )
    assert added["added"] == 2
    assert added["skippedCustomerIds"] == [_uid(people["nobody"])]
    assert added["segment"]["membersCount"] == 2
    members = SegmentMember.objects.filter(segment=segment)
    assert {m.profile.user_id for m in members} == {
        people["customer"].pk,
        people["other"].pk,
    }
    assert {m.profile.channel_id for m in members} == {channel_USD.pk}
    assert sorted(
        SegmentEvent.objects.filter(segment=segment).values_list("kind", flat=True)
    ) == ["enter", "enter"]

    # again: nothing new, no second event
    again = ok(
        crm_gql(staff_users_admin, ADD, {"id": seg_id, "ids": ids[:2]})[
            "crmSegmentMembersAdd"
        ]
    )
    assert (again["added"], again["segment"]["membersCount"]) == (0, 2)
    assert SegmentEvent.objects.filter(segment=segment).count() == 2

    removed = ok(
        crm_gql(staff_users_admin, REMOVE, {"id": seg_id, "ids": ids[:1]})[
            "crmSegmentMembersRemove"
        ]
    )
    assert (removed["removed"], removed["segment"]["membersCount"]) == (1, 1)
    exits = SegmentEvent.objects.filter(segment=segment, kind="exit")
    assert [e.profile.user_id for e in exits] == [people["customer"].pk]
    segment.refresh_from_db()
    assert (
        segment.members_count
        == 1
        == SegmentMember.objects.filter(segment=segment).count()
    )


def test_a_segment_of_every_channel_takes_each_channel_profile(
    staff_users_admin, people
):
    seg_id = _static(staff_users_admin)
    added = ok(
        crm_gql(
            staff_users_admin, ADD, {"id": seg_id, "ids": [_uid(people["customer"])]}
        )["crmSegmentMembersAdd"]
    )
    assert added["added"] == 2  # USD and PLN profiles
    removed = ok(
        crm_gql(
            staff_users_admin, REMOVE, {"id": seg_id, "ids": [_uid(people["customer"])]}
        )["crmSegmentMembersRemove"]
    )
    assert removed["removed"] == 2


def test_a_dynamic_segment_is_refused(staff_users_admin, people):
    payload = ok(
        crm_gql(
            staff_users_admin,
            CREATE,
            {"input": {"name": "Rule", "kind": "DYNAMIC", "rule": NOBODY}},
        )["crmSegmentCreate"]
    )
    seg_id = payload["segment"]["id"]
    for query, name in (
        (ADD, "crmSegmentMembersAdd"),
        (REMOVE, "crmSegmentMembersRemove"),
    ):
        result = crm_gql(
            staff_users_admin, query, {"id": seg_id, "ids": [_uid(people["customer"])]}
        )[name]
        assert [(e["field"], e["code"]) for e in result["errors"]] == [
            ("id", "INVALID")
        ]
    assert not SegmentMember.objects.exists()


@pytest.mark.parametrize(
    ("ids", "code"),
    [
        ([], "REQUIRED"),
        (["VXNlcjo5OTk5OTk5"], "NOT_FOUND"),  # User:9999999
        ([gid("Product", 1)], "GRAPHQL_ERROR"),
    ],
)
def test_bad_customer_ids_are_typed_errors(staff_users_admin, people, ids, code):
    seg_id = _static(staff_users_admin)
    result = crm_gql(staff_users_admin, ADD, {"id": seg_id, "ids": ids})[
        "crmSegmentMembersAdd"
    ]
    assert [e["field"] for e in result["errors"]] == ["customerIds"]
    assert result["errors"][0]["code"] == code
    assert not SegmentMember.objects.exists()


def test_too_many_customers_at_once(staff_users_admin, people):
    seg_id = _static(staff_users_admin)
    ids = [_uid(people["customer"])] * 1001
    result = crm_gql(staff_users_admin, ADD, {"id": seg_id, "ids": ids})[
        "crmSegmentMembersAdd"
    ]
    assert [(e["field"], e["code"]) for e in result["errors"]] == [
        ("customerIds", "TOO_COMPLEX")
    ]


def test_unknown_segment(staff_users_admin, people):
    result = crm_gql(
        staff_users_admin,
        ADD,
        {"id": gid("CRMSegment", 987654), "ids": [_uid(people["customer"])]},
    )["crmSegmentMembersAdd"]
    assert [(e["field"], e["code"]) for e in result["errors"]] == [("id", "NOT_FOUND")]


def test_manage_users_is_required(staff_api_client, staff_discounts_admin, people):
    segment = Segment.objects.create(name="S", kind="static", rule=NOBODY)
    variables = {"id": gid("CRMSegment", segment.pk), "ids": [_uid(people["customer"])]}
    assert_no_permission(crm_post(staff_discounts_admin, ADD, variables))
    assert_no_permission(crm_post(staff_discounts_admin, REMOVE, variables))
    assert not SegmentMember.objects.exists()
