"""Who may read, count and resync what on the CRM endpoint, with Saleor's own
clients and tokens; bad IDs give GraphQL errors, never a crash."""

# Fixtures are imported from crm_helpers and requested by name.
import uuid
from decimal import Decimal

import pytest
from crm_helpers import (
    CHARGE,
    CRM_MY_PROFILE,
    CRM_PROFILE,
    CRM_PROFILES,
    CRM_RESYNC,
    crm_gql,
    crm_post,
    gid,
    place_order,
)
from saleor.graphql.tests.utils import (
    assert_no_permission,
    get_graphql_content,
    get_graphql_content_from_response,
)

from saleor_crm_plugin.models import CustomerOrder, CustomerProfile


@pytest.fixture
def two_customers(
    user_api_client, user2_api_client, shop_usd, customer_user, customer_user2
):
    """customer_user bought twice (40.00 USD), customer_user2 once (20.00 USD)."""
    place_order(user_api_client, shop_usd, quantity=1, token=CHARGE)
    place_order(user_api_client, shop_usd, quantity=1, token=CHARGE)
    place_order(user2_api_client, shop_usd, quantity=1, token=CHARGE)
    return customer_user, customer_user2


def _client(request, who):
    """Saleor's test clients; the permission is granted the way Saleor does."""
    if who == "anonymous":
        return request.getfixturevalue("api_client")
    if who == "customer":
        return request.getfixturevalue("user_api_client")
    if who == "other_customer":
        return request.getfixturevalue("user2_api_client")
    if who.startswith("staff"):
        client = request.getfixturevalue("staff_api_client")
        if who == "staff_manage_users":
            client.user.user_permissions.add(
                request.getfixturevalue("permission_manage_users")
            )
        return client
    client = request.getfixturevalue("app_api_client")
    if who == "app_manage_users":
        client.app.permissions.add(request.getfixturevalue("permission_manage_users"))
    return client


SEGMENT_PREVIEW = """
query P($rule: JSON, $channel: String) {
  crmSegmentPreview(rule: $rule, channel: $channel) {
    result { count total } errors { field code message } } }"""

MANAGERS = {"staff_manage_users", "app_manage_users"}
SIGNED_IN_USERS = {"customer", "other_customer", "staff", "staff_manage_users"}
EVERYONE = [
    "anonymous",
    "customer",
    "other_customer",
    "staff",
    "staff_manage_users",
    "app",
    "app_manage_users",
]


@pytest.mark.parametrize("who", EVERYONE)
def test_permission_matrix(who, request, two_customers, channel_USD):
    first, second = two_customers
    client = _client(request, who)
    first_id = gid("User", first.pk)
    channel = channel_USD.slug

    # crmCustomerProfile: MANAGE_USERS only (a customer cannot read even their own).
    response = crm_post(client, CRM_PROFILE, {"id": first_id, "channel": channel})
    if who in MANAGERS:
        data = get_graphql_content(response)["data"]["crmCustomerProfile"]
        assert data["customerId"] == first_id
        assert data["ordersCount"] == 2
        assert data["totalSpent"] == {"amount": 40.0, "currency": "USD"}
    else:
        assert_no_permission(response)
        assert get_graphql_content_from_response(response)["data"] == {
            "crmCustomerProfile": None
        }

    # crmCustomerProfiles: MANAGE_USERS only.
    response = crm_post(client, CRM_PROFILES, {"id": first_id})
    if who in MANAGERS:
        data = get_graphql_content(response)["data"]["crmCustomerProfiles"]
        assert [(p["channel"], p["ordersCount"]) for p in data] == [(channel, 2)]
    else:
        assert_no_permission(response)

    # crmMyProfile: any signed-in user, always their own profile; not apps.
    response = crm_post(client, CRM_MY_PROFILE, {"channel": channel})
    if who in SIGNED_IN_USERS:
        mine = get_graphql_content(response)["data"]["crmMyProfile"]
        if who == "customer":
            assert mine["customerId"] == first_id
            assert mine["totalSpent"] == {"amount": 40.0, "currency": "USD"}
        elif who == "other_customer":
            # the other customer's own figures, never the first customer's
            assert mine["customerId"] == gid("User", second.pk)
            assert mine["totalSpent"] == {"amount": 20.0, "currency": "USD"}
        else:
            assert mine is None  # staff have no orders
    else:
        assert_no_permission(response)

    # crmSegmentPreview, the query and its deprecated mutation: MANAGE_USERS only.
    rule = {"field": "orders_count", "op": "gte", "value": 2}
    for operation in ("query", "mutation"):
        response = crm_post(
            client,
            SEGMENT_PREVIEW.replace("query", operation, 1),
            {"rule": rule, "channel": channel},
        )
        if who in MANAGERS:
            data = get_graphql_content(response)["data"]["crmSegmentPreview"]
            assert data == {"result": {"count": 1, "total": 2}, "errors": []}
        else:
            assert_no_permission(response)

    # crmCustomerResync: MANAGE_USERS only; a refused resync changes nothing.
    CustomerProfile.objects.filter(user=first).update(orders_count=99)
    response = crm_post(client, CRM_RESYNC, {"id": first_id})
    profile = CustomerProfile.objects.get(user=first)
    if who in MANAGERS:
        payload = get_graphql_content(response)["data"]["crmCustomerResync"]
        assert payload["errors"] == []
        assert [(p["channel"], p["ordersCount"]) for p in payload["profiles"]] == [
            (channel, 2)
        ]
        assert profile.orders_count == 2
    else:
        assert_no_permission(response)
        assert profile.orders_count == 99


def test_my_profile_per_channel(
    user_api_client, one_customer, channel_USD, channel_PLN
):
    data = crm_gql(user_api_client, CRM_MY_PROFILE, {"channel": channel_USD.slug})
    assert data["crmMyProfile"]["ordersCount"] == 1
    data = crm_gql(user_api_client, CRM_MY_PROFILE, {"channel": channel_PLN.slug})
    assert data["crmMyProfile"] is None
    data = crm_gql(user_api_client, CRM_MY_PROFILE, {"channel": "no-such-channel"})
    assert data["crmMyProfile"] is None


@pytest.fixture
def one_customer(user_api_client, shop_usd, customer_user):
    place_order(user_api_client, shop_usd, quantity=1, token=CHARGE)
    return customer_user


@pytest.fixture
def manager_client(staff_api_client, permission_manage_users):
    staff_api_client.user.user_permissions.add(permission_manage_users)
    return staff_api_client


BAD_IDS = {  # name: (global ID, crmCustomerResync error code)
    "not base64": ("not-an-id", "GRAPHQL_ERROR"),
    "no type": ("MTIz", "GRAPHQL_ERROR"),  # base64("123")
    "another type": (gid("Order", uuid.uuid4()), "GRAPHQL_ERROR"),
    "text as a user id": (gid("User", "abc"), "GRAPHQL_ERROR"),
    # users have integer keys: malformed, as on the queries (issue 13)
    "uuid as a user id": (gid("User", uuid.uuid4()), "GRAPHQL_ERROR"),
}


@pytest.mark.parametrize("bad_id", [v[0] for v in BAD_IDS.values()], ids=BAD_IDS.keys())
def test_bad_ids_on_queries_are_errors_not_crashes(
    bad_id, manager_client, one_customer, channel_USD
):
    for query, variables, field in (
        (
            CRM_PROFILE,
            {"id": bad_id, "channel": channel_USD.slug},
            "crmCustomerProfile",
        ),
        (CRM_PROFILES, {"id": bad_id}, "crmCustomerProfiles"),
    ):
        response = crm_post(manager_client, query, variables)
        assert response.status_code == 200
        content = get_graphql_content_from_response(response)
        assert len(content["errors"]) == 1
        assert content["errors"][0]["message"].startswith(f"Invalid ID: {bad_id}.")
        assert content["errors"][0]["extensions"]["exception"]["code"] == (
            "GraphQLError"
        )
        assert (content.get("data") or {}).get(field) is None


@pytest.mark.parametrize("bad_id,code", BAD_IDS.values(), ids=BAD_IDS.keys())
def test_bad_ids_on_resync_are_mutation_errors(
    bad_id, code, manager_client, one_customer
):
    before = sorted(CustomerOrder.objects.values_list("order_id", "total_amount"))
    assert before
    data = crm_gql(manager_client, CRM_RESYNC, {"id": bad_id})["crmCustomerResync"]
    assert data["profiles"] is None
    assert [(e["field"], e["code"]) for e in data["errors"]] == [("customerId", code)]
    assert sorted(CustomerOrder.objects.values_list("order_id", "total_amount")) == (
        before
    )


def test_resync_of_unknown_customer_is_not_found(manager_client):
    data = crm_gql(manager_client, CRM_RESYNC, {"id": gid("User", 987654321)})
    assert data["crmCustomerResync"] == {
        "profiles": None,
        "errors": [
            {
                "field": "customerId",
                "code": "NOT_FOUND",
                "message": data["crmCustomerResync"]["errors"][0]["message"],
            }
        ],
    }
    assert data["crmCustomerResync"]["errors"][0]["message"]


def test_resync_rebuilds_profiles_from_saleor(
    manager_client, two_customers, channel_USD
):
    first, _ = two_customers
    expected = CustomerProfile.objects.get(user=first)
    CustomerProfile.objects.filter(user=first).delete()  # the CRM lost its copy
    assert not CustomerOrder.objects.filter(profile__user=first).exists()

    data = crm_gql(manager_client, CRM_RESYNC, {"id": gid("User", first.pk)})
    payload = data["crmCustomerResync"]
    assert payload["errors"] == []
    assert payload["profiles"] == [
        {
            "channel": channel_USD.slug,
            "ordersCount": 2,
            "totalSpent": {"amount": 40.0, "currency": "USD"},
        }
    ]
    rebuilt = CustomerProfile.objects.get(user=first)
    assert rebuilt.total_spent_amount == expected.total_spent_amount == Decimal("40")
    assert rebuilt.paid_orders_count == expected.paid_orders_count == 2
    assert CustomerOrder.objects.filter(profile=rebuilt).count() == 2
