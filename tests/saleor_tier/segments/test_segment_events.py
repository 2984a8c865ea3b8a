"""``crmSegmentEvents``: customers entering and leaving segments, newest first,
filtered by segment, customer, kind and time (a FilterSet behind Saleor's filter
input), paginated, MANAGE_USERS only — and gone with the customer when Saleor
deletes them."""

from datetime import timedelta
from urllib.parse import urlparse

import pytest
from crm_helpers import CUSTOMER_DELETE, crm_gql, crm_post, gid, gql, ok
from django.test import Client
from django.utils import timezone
from saleor.account.models import User
from saleor.graphql.tests.utils import assert_no_permission, get_graphql_content

from saleor_crm_plugin.models import (
    CustomerProfile,
    Segment,
    SegmentEvent,
    SegmentMember,
)
from saleor_crm_plugin.segments.membership import materialize

EVENTS = """
query E($filter: CRMSegmentEventFilterInput, $sort: CRMSegmentEventSortingInput,
        $first: Int, $after: String) {
  crmSegmentEvents(filter: $filter, sortBy: $sort, first: $first, after: $after) {
    totalCount
    edges { node { kind createdAt segmentId segmentName customerId email channel } }
    pageInfo { hasNextPage endCursor }
  }
}"""
EXPORT = """
mutation X($id: ID!) { crmSegmentExport(id: $id) { url errors { code } } }"""
T0 = timezone.now().replace(microsecond=0) - timedelta(days=10)


@pytest.fixture
def history(channel_USD, customer_user):
    """Two segments; the customer, another account and a guest moving in and out
    at known times (events as ``materialize`` writes them)."""
    other = User.objects.create(email="other@example.com")
    profiles = {
        "customer": CustomerProfile.objects.create(
            channel=channel_USD, user=customer_user, currency="USD"
        ),
        "other": CustomerProfile.objects.create(
            channel=channel_USD, user=other, currency="USD"
        ),
        "guest": CustomerProfile.objects.create(
            channel=channel_USD, email="guest@example.com", currency="USD"
        ),
    }
    vip = Segment.objects.create(name="VIP", rule={})
    lapsed = Segment.objects.create(name="Lapsed", rule={})
    moves = [  # (segment, who, kind, days after T0)
        (vip, "customer", "enter", 0),
        (vip, "other", "enter", 1),
        (lapsed, "guest", "enter", 2),
        (vip, "customer", "exit", 3),
        (lapsed, "customer", "enter", 3),
        (vip, "guest", "enter", 5),
    ]
    for segment, who, kind, days in moves:
        SegmentEvent.objects.create(
            segment=segment,
            profile=profiles[who],
            kind=kind,
            created_at=T0 + timedelta(days=days),
        )
    return {"vip": vip, "lapsed": lapsed, "profiles": profiles, "other": other}


def events(client, **variables):
    return crm_gql(client, EVENTS, {"first": 20, **variables})["crmSegmentEvents"]


def moves(page):
    return [
        (n["node"]["segmentName"], n["node"]["email"], n["node"]["kind"])
        for n in page["edges"]
    ]


def test_newest_first_with_who_and_where(
    history, staff_users_admin, customer_user, channel_USD
):
    page = events(staff_users_admin)
    assert page["totalCount"] == 6
    assert moves(page) == [
        ("VIP", "guest@example.com", "ENTER"),
        # the same moment: the later record first
        ("Lapsed", "test@example.com", "ENTER"),
        ("VIP", "test@example.com", "EXIT"),
        ("Lapsed", "guest@example.com", "ENTER"),
        ("VIP", "other@example.com", "ENTER"),
        ("VIP", "test@example.com", "ENTER"),
    ]
    newest, _, customer_exit = (e["node"] for e in page["edges"][:3])
    assert newest["customerId"] is None  # a guest
    assert customer_exit["customerId"] == gid("User", customer_user.pk)
    assert customer_exit["segmentId"] == gid("CRMSegment", history["vip"].pk)
    assert customer_exit["channel"] == channel_USD.slug
    assert customer_exit["createdAt"] == (T0 + timedelta(days=3)).isoformat()
    oldest_first = events(
        staff_users_admin, sort={"field": "CREATED_AT", "direction": "ASC"}
    )
    assert moves(oldest_first) == moves(page)[::-1]


def test_filters(history, staff_users_admin, customer_user):
    vip = gid("CRMSegment", history["vip"].pk)
    customer = gid("User", customer_user.pk)
    assert moves(
        events(staff_users_admin, filter={"segment": vip, "kind": "EXIT"})
    ) == [("VIP", "test@example.com", "EXIT")]
    assert moves(events(staff_users_admin, filter={"customer": customer})) == [
        ("Lapsed", "test@example.com", "ENTER"),
        ("VIP", "test@example.com", "EXIT"),
        ("VIP", "test@example.com", "ENTER"),
    ]
    window = {
        "gte": (T0 + timedelta(days=1)).isoformat(),
        "lte": (T0 + timedelta(days=3)).isoformat(),
    }
    assert events(staff_users_admin, filter={"createdAt": window})["totalCount"] == 4
    assert moves(
        events(
            staff_users_admin,
            filter={"createdAt": {"gte": (T0 + timedelta(days=4)).isoformat()}},
        )
    ) == [("VIP", "guest@example.com", "ENTER")]
    assert (
        events(
            staff_users_admin,
            filter={"segment": vip, "customer": customer, "kind": "ENTER"},
        )["totalCount"]
        == 1
    )
    # an ID of the wrong type is an error, not an empty page
    response = crm_post(
        staff_users_admin, EVENTS, {"first": 5, "filter": {"segment": customer}}
    )
    content = get_graphql_content(response, ignore_errors=True)
    assert content["errors"][0]["message"] == "Expected a CRMSegment ID."


def test_pages(history, staff_users_admin):
    seen, after = [], None
    while True:
        page = events(staff_users_admin, first=4, after=after)
        assert page["totalCount"] == 6
        seen += moves(page)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == moves(events(staff_users_admin))


def test_permissions(
    history,
    api_client,
    user_api_client,
    staff_api_client,
    staff_discounts_admin,
    app_api_client,
    permission_manage_users,
):
    for client in (
        api_client,
        user_api_client,
        staff_api_client,
        staff_discounts_admin,
        app_api_client,
    ):
        assert_no_permission(crm_post(client, EVENTS, {"first": 5}))
    app_api_client.app.permissions.add(permission_manage_users)
    assert events(app_api_client)["totalCount"] == 6


def test_events_of_a_real_refresh(channel_USD, staff_users_admin):
    profile = CustomerProfile.objects.create(
        channel=channel_USD,
        email="buyer@example.com",
        currency="USD",
        paid_orders_count=1,
    )
    segment = Segment.objects.create(
        name="Buyers", rule={"field": "paid_orders_count", "op": "gte", "value": 1}
    )
    materialize(segment)
    CustomerProfile.objects.filter(pk=profile.pk).update(paid_orders_count=0)
    materialize(segment)
    assert moves(events(staff_users_admin)) == [
        ("Buyers", "buyer@example.com", "EXIT"),
        ("Buyers", "buyer@example.com", "ENTER"),
    ]


def test_deleting_the_customer_erases_their_events_and_export_rows(
    history, staff_users_admin, customer_user
):
    customer = history["profiles"]["customer"]
    SegmentMember.objects.create(segment=history["lapsed"], profile=customer)
    SegmentMember.objects.create(
        segment=history["lapsed"], profile=history["profiles"]["guest"]
    )
    ok(
        gql(staff_users_admin, CUSTOMER_DELETE, {"id": gid("User", customer_user.pk)})[
            "customerDelete"
        ]
    )
    assert not SegmentEvent.objects.filter(profile_id=customer.pk).exists()
    assert not SegmentMember.objects.filter(profile_id=customer.pk).exists()
    page = events(staff_users_admin)
    assert page["totalCount"] == 3
    assert "test@example.com" not in {e["node"]["email"] for e in page["edges"]}
    url = crm_gql(
        staff_users_admin, EXPORT, {"id": gid("CRMSegment", history["lapsed"].pk)}
    )["crmSegmentExport"]["url"]
    body = b"".join(Client().get(urlparse(url).path).streaming_content).decode()
    assert "test@example.com" not in body and "guest@example.com" in body
