"""The loyalty GraphQL API on the plugin endpoint, through Saleor's own GraphQL
stack: who may call what, the signed-in customer's tier / next tier / points /
ledger pages / redemption, staff administration of programs and tiers (with the
Saleor voucher behind a tier), point adjustments and tier overrides — and every
bad input answered with a typed error that writes nothing."""

from decimal import Decimal

import pytest
from crm_helpers import CHARGE, crm_gql, crm_post, gid, place_order
from saleor.discount.models import Voucher
from saleor.graphql.tests.utils import assert_no_permission, get_graphql_content

from saleor_crm_plugin.loyalty import ledger as loyalty
from saleor_crm_plugin.loyalty import tiers as loyalty_tiers
from saleor_crm_plugin.models import (
    LoyaltyProgram,
    Membership,
    PointsEntry,
    Tier,
    TierChange,
)

MY_LOYALTY = """
query My($channel: String!, $first: Int, $after: String) {
  crmMyLoyalty(channel: $channel) {
    program { channel currency }
    tier { name } earnedTier { name } nextTier { name }
    missingForNextTier { metric amount money { amount currency } }
    points { available pending expiringSoon }
    voucherCode
    tierHistory { fromTier toTier reason }
    ledger(first: $first, after: $after) {
      totalCount edges { node { kind points reason } }
      pageInfo { hasNextPage endCursor }
    }
  }
}"""
CUSTOMER_LOYALTY = """
query C($id: ID!, $channel: String!) {
  crmCustomerLoyalty(customerId: $id, channel: $channel) {
    tier { name } points { available } override { reason tier { name } }
  }
}"""
PROGRAMS = "{ crmLoyaltyPrograms { channel tiers { name rank voucherId } } }"
PROGRAM_CREATE = """
mutation P($channel: String!, $input: CRMLoyaltyProgramInput!) {
  crmLoyaltyProgramCreate(channel: $channel, input: $input) {
    program { id channel pointsPerUnit windowKind timeZone }
    errors { field code message }
  }
}"""
PROGRAM_UPDATE = """
mutation U($id: ID!, $input: CRMLoyaltyProgramInput!) {
  crmLoyaltyProgramUpdate(id: $id, input: $input) {
    program { pointsPerUnit timeZone } errors { field code message }
  }
}"""
TIER_CREATE = """
mutation T($program: ID!, $input: CRMTierInput!) {
  crmTierCreate(programId: $program, input: $input) {
    tier { id name rank threshold discountType discountValue voucherId categoryIds }
    errors { field code message }
  }
}"""
TIER_UPDATE = """
mutation TU($id: ID!, $input: CRMTierInput!) {
  crmTierUpdate(id: $id, input: $input) {
    tier { name discountValue } errors { field code message }
  }
}"""
PROGRAM_DELETE = """
mutation PD($id: ID!) {
  crmLoyaltyProgramDelete(id: $id) { program { id } errors { field code message } }
}"""
TIER_DELETE = """
mutation TD($id: ID!) {
  crmTierDelete(id: $id) { tier { id } errors { field code message } }
}"""
ADJUST = """
mutation A($id: ID!, $channel: String!, $points: Int!, $reason: String!) {
  crmPointsAdjust(customerId: $id, channel: $channel, points: $points, reason: $reason) {
    points { available } errors { field code message }
  }
}"""
OVERRIDE = """
mutation O($id: ID!, $channel: String!, $tier: ID, $reason: String!, $expires: DateTime) {
  crmTierOverride(customerId: $id, channel: $channel, tierId: $tier, reason: $reason,
                  expiresAt: $expires) {
    tier { name } errors { field code message }
  }
}"""
REDEEM = """
mutation R($channel: String!, $points: Int!) {
  crmPointsRedeem(channel: $channel, points: $points) {
    redemption { points kind code amount { amount currency } }
    points { available }
    errors { field code message }
  }
}"""


@pytest.fixture
def program(channel_USD):
    program = LoyaltyProgram.objects.create(
        channel=channel_USD, min_redemption_points=10
    )
    Tier.objects.create(program=program, name="Regular", rank=0, threshold=0)
    Tier.objects.create(program=program, name="Silver", rank=1, threshold=50)
    Tier.objects.create(program=program, name="Gold", rank=2, threshold=100)
    return program


def errors(payload):
    return [(e["field"], e["code"]) for e in payload["errors"]]


def test_my_loyalty_after_real_orders(
    program, user_api_client, customer_user, shop_usd, channel_USD
):
    # 2 x 10.00 + 10.00 shipping = 30.00 paid: Regular, 20.00 short of Silver
    place_order(user_api_client, shop_usd, quantity=2, token=CHARGE)
    state = crm_gql(user_api_client, MY_LOYALTY, {"channel": channel_USD.slug})[
        "crmMyLoyalty"
    ]
    assert state["program"] == {"channel": channel_USD.slug, "currency": "USD"}
    assert state["tier"] == state["earnedTier"] == {"name": "Regular"}
    assert state["nextTier"] == {"name": "Silver"}
    assert state["missingForNextTier"] == {
        "metric": "SPEND",
        "amount": 20.0,
        "money": {"amount": 20.0, "currency": "USD"},
    }
    assert state["points"] == {"available": 0, "pending": 30, "expiringSoon": 0}
    assert state["tierHistory"] == [
        {"fromTier": None, "toTier": "Regular", "reason": "qualified"}
    ]
    # exactly at the threshold qualifies: 20.00 more reaches Silver's 50.00
    place_order(user_api_client, shop_usd, quantity=1, token=CHARGE)
    state = crm_gql(user_api_client, MY_LOYALTY, {"channel": channel_USD.slug})[
        "crmMyLoyalty"
    ]
    assert state["tier"] == {"name": "Silver"}
    assert state["missingForNextTier"]["amount"] == 50.0


def test_my_loyalty_without_membership_writes_nothing(
    program, user_api_client, channel_USD, channel_PLN
):
    state = crm_gql(user_api_client, MY_LOYALTY, {"channel": channel_USD.slug})[
        "crmMyLoyalty"
    ]
    assert state["tier"] is None and state["nextTier"] == {"name": "Regular"}
    assert state["points"] == {"available": 0, "pending": 0, "expiringSoon": 0}
    assert state["ledger"]["totalCount"] == 0
    assert not Membership.objects.exists()
    # a channel without a program
    assert (
        crm_gql(user_api_client, MY_LOYALTY, {"channel": channel_PLN.slug})[
            "crmMyLoyalty"
        ]
        is None
    )


def test_ledger_pages_newest_first(
    program, user_api_client, customer_user, channel_USD
):
    m = Membership.objects.create(program=program, user=customer_user)
    for i in range(5):
        loyalty.grant_points(m, 10 + i, reason=f"grant {i}", by=None)
    seen, after = [], None
    while True:
        page = crm_gql(
            user_api_client,
            MY_LOYALTY,
            {"channel": channel_USD.slug, "first": 2, "after": after},
        )["crmMyLoyalty"]["ledger"]
        assert page["totalCount"] == 5
        seen += [e["node"]["points"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [14, 13, 12, 11, 10]


def test_redeem_mutation(program, user_api_client, customer_user, channel_USD):
    m = Membership.objects.create(program=program, user=customer_user)
    loyalty.grant_points(m, 120, reason="seed", by=None)
    data = crm_gql(
        user_api_client, REDEEM, {"channel": channel_USD.slug, "points": 100}
    )["crmPointsRedeem"]
    assert data["errors"] == []
    assert data["redemption"]["amount"] == {"amount": 1.0, "currency": "USD"}
    assert data["redemption"]["kind"] == "GIFT_CARD"
    assert data["points"] == {"available": 20}
    data = crm_gql(
        user_api_client, REDEEM, {"channel": channel_USD.slug, "points": 50}
    )["crmPointsRedeem"]
    assert errors(data) == [("points", "INSUFFICIENT_POINTS")]
    assert data["redemption"] is None
    data = crm_gql(user_api_client, REDEEM, {"channel": channel_USD.slug, "points": 5})[
        "crmPointsRedeem"
    ]
    assert errors(data) == [("points", "BELOW_MINIMUM")]
    assert loyalty.balances(m.pk).available == 20


def test_permissions(
    program,
    request,
    api_client,
    user_api_client,
    staff_api_client,
    app_api_client,
    customer_user,
    channel_USD,
):
    customer = gid("User", customer_user.pk)
    staff_only = [
        (PROGRAMS, {}),
        (CUSTOMER_LOYALTY, {"id": customer, "channel": channel_USD.slug}),
        (
            ADJUST,
            {"id": customer, "channel": channel_USD.slug, "points": 5, "reason": "x"},
        ),
        (TIER_DELETE, {"id": gid("CRMTier", program.tiers.first().pk)}),
    ]
    for client in (api_client, user_api_client, staff_api_client, app_api_client):
        for query, variables in staff_only:
            assert_no_permission(crm_post(client, query, variables))
    assert_no_permission(
        crm_post(api_client, MY_LOYALTY, {"channel": channel_USD.slug})
    )
    assert_no_permission(
        crm_post(api_client, REDEEM, {"channel": channel_USD.slug, "points": 10})
    )
    assert Tier.objects.count() == 3 and not PointsEntry.objects.exists()
    # apps and staff with the permission
    app_api_client.app.permissions.add(
        request.getfixturevalue("permission_manage_users")
    )
    assert crm_gql(
        app_api_client, CUSTOMER_LOYALTY, {"id": customer, "channel": channel_USD.slug}
    )["crmCustomerLoyalty"]["points"] == {"available": 0}


def test_program_and_tier_administration(
    staff_discounts_admin, channel_USD, channel_PLN, category
):
    data = crm_gql(
        staff_discounts_admin,
        PROGRAM_CREATE,
        {
            "channel": channel_PLN.slug,
            "input": {
                "pointsPerUnit": 0.5,
                "windowKind": "CALENDAR_YEAR",
                "timeZone": "Asia/Tokyo",
            },
        },
    )["crmLoyaltyProgramCreate"]
    assert data["errors"] == []
    assert data["program"]["windowKind"] == "CALENDAR_YEAR"
    program_id = data["program"]["id"]
    again = crm_gql(
        staff_discounts_admin,
        PROGRAM_CREATE,
        {"channel": channel_PLN.slug, "input": {}},
    )["crmLoyaltyProgramCreate"]
    assert errors(again) == [("channel", "UNIQUE")]

    bad = crm_gql(
        staff_discounts_admin,
        PROGRAM_UPDATE,
        {"id": program_id, "input": {"timeZone": "Mars/Olympus", "pointsPerUnit": 2}},
    )["crmLoyaltyProgramUpdate"]
    assert errors(bad) == [("timeZone", "INVALID")]
    assert LoyaltyProgram.objects.get(channel=channel_PLN).points_per_unit == Decimal(
        "0.5"
    )  # nothing half-written
    ok_update = crm_gql(
        staff_discounts_admin,
        PROGRAM_UPDATE,
        {"id": program_id, "input": {"pointsPerUnit": 2}},
    )["crmLoyaltyProgramUpdate"]
    assert ok_update["errors"] == []
    stored = LoyaltyProgram.objects.get(channel=channel_PLN)
    # fields left out stay as they were; an explicit null means "never expire"
    assert (stored.points_per_unit, stored.points_validity_days) == (2, 365)
    crm_gql(
        staff_discounts_admin,
        PROGRAM_UPDATE,
        {"id": program_id, "input": {"pointsValidityDays": None}},
    )
    assert LoyaltyProgram.objects.get(channel=channel_PLN).points_validity_days is None

    silver = crm_gql(
        staff_discounts_admin,
        TIER_CREATE,
        {
            "program": program_id,
            "input": {
                "name": "Silver",
                "rank": 1,
                "threshold": 100,
                "discountType": "PERCENTAGE",
                "discountValue": 10,
                "categories": [gid("Category", category.pk)],
            },
        },
    )["crmTierCreate"]
    assert silver["errors"] == []
    voucher = Voucher.objects.get(
        pk=int(
            __import__("graphene").Node.from_global_id(silver["tier"]["voucherId"])[1]
        )
    )
    assert voucher.type == "specific_product"
    assert list(voucher.categories.values_list("pk", flat=True)) == [category.pk]
    listing = voucher.channel_listings.get()
    assert (listing.channel_id, listing.discount_value) == (channel_PLN.pk, 10)

    cases = [
        ({"name": "Gold", "rank": 1, "threshold": 200}, ("rank", "INVALID")),
        ({"name": "Gold", "rank": 2, "threshold": 50}, ("threshold", "INVALID")),
        ({"name": "silver", "rank": 2, "threshold": 500}, ("name", "UNIQUE")),
        (
            {
                "name": "Gold",
                "rank": 2,
                "threshold": 500,
                "discountType": "PERCENTAGE",
                "discountValue": 150,
            },
            ("discountValue", "INVALID"),
        ),
        (
            {
                "name": "Gold",
                "rank": 2,
                "threshold": 500,
                "discountType": "FIXED",
                "discountValue": 5,
                "freeShipping": True,
            },
            ("freeShipping", "INVALID"),
        ),
        (
            {
                "name": "Gold",
                "rank": 2,
                "threshold": 500,
                "discountType": "FIXED",
                "discountValue": 5,
                "collections": [gid("Collection", 999999)],
            },
            ("collectionIds", "NOT_FOUND"),
        ),
        (
            {"name": "Gold", "rank": 2, "threshold": 500, "pointsMultiplier": 0},
            ("pointsMultiplier", "INVALID"),
        ),
        ({"rank": 2}, ("name", "REQUIRED")),
    ]
    for tier_input, expected in cases:
        data = crm_gql(
            staff_discounts_admin,
            TIER_CREATE,
            {"program": program_id, "input": tier_input},
        )
        assert errors(data["crmTierCreate"]) == [expected], tier_input
    assert Tier.objects.filter(program__channel=channel_PLN).count() == 1

    updated = crm_gql(
        staff_discounts_admin,
        TIER_UPDATE,
        {"id": silver["tier"]["id"], "input": {"discountValue": 15, "minSpend": 40}},
    )["crmTierUpdate"]
    assert updated["tier"]["discountValue"] == 15.0
    listing = voucher.channel_listings.get()
    assert (listing.discount_value, listing.min_spent_amount) == (15, 40)
    crm_gql(
        staff_discounts_admin,
        TIER_UPDATE,
        {"id": silver["tier"]["id"], "input": {"minSpend": None}},
    )
    assert voucher.channel_listings.get().min_spent_amount is None

    deleted = crm_gql(staff_discounts_admin, TIER_DELETE, {"id": silver["tier"]["id"]})
    assert deleted["crmTierDelete"]["errors"] == []
    assert not Voucher.objects.filter(pk=voucher.pk).exists()
    programs = crm_gql(staff_discounts_admin, PROGRAMS)["crmLoyaltyPrograms"]
    assert programs == [{"channel": channel_PLN.slug, "tiers": []}]


def test_adjust_and_override(program, staff_users_admin, customer_user, channel_USD):
    customer = gid("User", customer_user.pk)
    base = {"id": customer, "channel": channel_USD.slug}
    data = crm_gql(
        staff_users_admin, ADJUST, {**base, "points": 40, "reason": "apology"}
    )["crmPointsAdjust"]
    assert data == {"points": {"available": 40}, "errors": []}
    data = crm_gql(staff_users_admin, ADJUST, {**base, "points": -50, "reason": "fix"})[
        "crmPointsAdjust"
    ]
    assert errors(data) == [("points", "INSUFFICIENT_POINTS")]
    data = crm_gql(staff_users_admin, ADJUST, {**base, "points": -15, "reason": "fix"})[
        "crmPointsAdjust"
    ]
    assert data["points"] == {"available": 25}
    assert errors(
        crm_gql(staff_users_admin, ADJUST, {**base, "points": 5, "reason": " "})[
            "crmPointsAdjust"
        ]
    ) == [("reason", "REQUIRED")]
    assert errors(
        crm_gql(staff_users_admin, ADJUST, {**base, "points": 0, "reason": "x"})[
            "crmPointsAdjust"
        ]
    ) == [("points", "INVALID")]
    assert errors(
        crm_gql(
            staff_users_admin,
            ADJUST,
            {**base, "channel": "nowhere", "points": 5, "reason": "x"},
        )["crmPointsAdjust"]
    ) == [("channel", "NOT_FOUND")]

    gold = gid("CRMTier", Tier.objects.get(name="Gold").pk)
    data = crm_gql(
        staff_users_admin, OVERRIDE, {**base, "tier": gold, "reason": "VIP"}
    )["crmTierOverride"]
    assert data == {"tier": {"name": "Gold"}, "errors": []}
    state = crm_gql(staff_users_admin, CUSTOMER_LOYALTY, base)["crmCustomerLoyalty"]
    assert state["override"] == {"reason": "VIP", "tier": {"name": "Gold"}}
    assert TierChange.objects.filter(reason="override", note="VIP").exists()
    data = crm_gql(
        staff_users_admin,
        OVERRIDE,
        {**base, "tier": gold, "reason": "x", "expires": "2000-01-01T00:00:00+00:00"},
    )
    assert errors(data["crmTierOverride"]) == [("expiresAt", "INVALID")]
    data = crm_gql(
        staff_users_admin, OVERRIDE, {**base, "tier": None, "reason": "ended"}
    )
    assert data["crmTierOverride"]["tier"] is None
    state = crm_gql(staff_users_admin, CUSTOMER_LOYALTY, base)["crmCustomerLoyalty"]
    assert state["override"] is None


def test_a_customer_cannot_read_another_customers_loyalty(
    program, user_api_client, customer_user2, channel_USD
):
    m = Membership.objects.create(program=program, user=customer_user2)
    loyalty.grant_points(m, 77, reason="theirs", by=None)
    response = crm_post(
        user_api_client,
        CUSTOMER_LOYALTY,
        {"id": gid("User", customer_user2.pk), "channel": channel_USD.slug},
    )
    assert_no_permission(response)
    mine = get_graphql_content(
        crm_post(user_api_client, MY_LOYALTY, {"channel": channel_USD.slug})
    )["data"]["crmMyLoyalty"]
    assert mine["points"]["available"] == 0


def test_a_program_with_members_is_deactivated_not_deleted(
    program, staff_discounts_admin, customer_user
):
    Tier.objects.filter(program=program).update(
        discount_type="percentage", discount_value=5
    )
    Membership.objects.create(program=program, user=customer_user)
    program_id = gid("CRMLoyaltyProgram", program.pk)
    data = crm_gql(staff_discounts_admin, PROGRAM_DELETE, {"id": program_id})
    assert errors(data["crmLoyaltyProgramDelete"]) == [("id", "INVALID")]
    assert LoyaltyProgram.objects.filter(pk=program.pk).exists()
    Membership.objects.all().delete()
    data = crm_gql(staff_discounts_admin, PROGRAM_DELETE, {"id": program_id})
    assert data["crmLoyaltyProgramDelete"]["errors"] == []
    assert not LoyaltyProgram.objects.exists() and not Tier.objects.exists()


# --- who may call what: every loyalty field, every kind of caller -------------------

PROGRAM_QUERY = """
query P($channel: String!) { crmLoyaltyProgram(channel: $channel) { channel } }"""
TIER_VOUCHER = """
query V($channel: String!) { crmMyLoyalty(channel: $channel) { nextTier { voucherId } } }"""
PREVIEW = """
query PV($channel: String!, $input: CRMLoyaltyPreviewInput!) {
  crmLoyaltyPreview(channel: $channel, input: $input) {
    preview { customersWithoutTier } errors { field code message }
  }
}"""
PREVIEW_MUTATION = PREVIEW.replace("query PV", "mutation PV")  # deprecated

AUTHENTICATED, USERS, DISCOUNTS = "authenticated", "manage_users", "manage_discounts"


def matrix_fields(program, customer_user, pln):
    """(name, who may call it, query, variables) for every loyalty root field."""
    usd = program.channel.slug
    customer = gid("User", customer_user.pk)
    gold = gid("CRMTier", Tier.objects.get(program=program, name="Gold").pk)
    program_id = gid("CRMLoyaltyProgram", program.pk)
    return [
        ("crmMyLoyalty", AUTHENTICATED, MY_LOYALTY, {"channel": usd}),
        ("crmPointsRedeem", AUTHENTICATED, REDEEM, {"channel": usd, "points": 10}),
        (
            "crmCustomerLoyalty",
            USERS,
            CUSTOMER_LOYALTY,
            {"id": customer, "channel": usd},
        ),
        (
            "crmPointsAdjust",
            USERS,
            ADJUST,
            {"id": customer, "channel": usd, "points": 5, "reason": "x"},
        ),
        (
            "crmTierOverride",
            USERS,
            OVERRIDE,
            {"id": customer, "channel": usd, "tier": gold, "reason": "x"},
        ),
        ("crmLoyaltyPrograms", DISCOUNTS, PROGRAMS, {}),
        ("crmLoyaltyProgram", DISCOUNTS, PROGRAM_QUERY, {"channel": usd}),
        (
            "crmLoyaltyProgramCreate",
            DISCOUNTS,
            PROGRAM_CREATE,
            {"channel": pln, "input": {}},
        ),
        (
            "crmLoyaltyProgramUpdate",
            DISCOUNTS,
            PROGRAM_UPDATE,
            {"id": program_id, "input": {"pointsPerUnit": 3}},
        ),
        ("crmLoyaltyProgramDelete", DISCOUNTS, PROGRAM_DELETE, {"id": program_id}),
        (
            "crmTierCreate",
            DISCOUNTS,
            TIER_CREATE,
            {
                "program": program_id,
                "input": {"name": "Platinum", "rank": 3, "threshold": 500},
            },
        ),
        (
            "crmTierUpdate",
            DISCOUNTS,
            TIER_UPDATE,
            {"id": gold, "input": {"discountValue": 0}},
        ),
        ("crmTierDelete", DISCOUNTS, TIER_DELETE, {"id": gold}),
        ("crmLoyaltyPreview", DISCOUNTS, PREVIEW, {"channel": usd, "input": {}}),
        (
            "crmLoyaltyPreview (deprecated mutation)",
            DISCOUNTS,
            PREVIEW_MUTATION,
            {"channel": usd, "input": {}},
        ),
    ]


def test_the_matrix_covers_every_loyalty_root_field():
    from saleor_crm_plugin.graphql.loyalty.schema import (
        LoyaltyMutations,
        LoyaltyQueries,
    )

    def camel(name):
        head, *rest = name.split("_")
        return head + "".join(part.title() for part in rest)

    declared = {
        camel(name)
        for cls in (LoyaltyQueries, LoyaltyMutations)
        for name in cls._meta.fields
    }
    assert declared == {name.split()[0] for name in FIELD_NAMES}


FIELD_NAMES = [
    "crmMyLoyalty",
    "crmPointsRedeem",
    "crmCustomerLoyalty",
    "crmPointsAdjust",
    "crmTierOverride",
    "crmLoyaltyPrograms",
    "crmLoyaltyProgram",
    "crmLoyaltyProgramCreate",
    "crmLoyaltyProgramUpdate",
    "crmLoyaltyProgramDelete",
    "crmTierCreate",
    "crmTierUpdate",
    "crmTierDelete",
    "crmLoyaltyPreview",
    "crmLoyaltyPreview (deprecated mutation)",
]
# caller -> what it may do
ROLES = {
    "anonymous": set(),
    "customer": {AUTHENTICATED},
    "other_customer": {AUTHENTICATED},
    "staff": {AUTHENTICATED},
    "staff_manage_users": {AUTHENTICATED, USERS},
    "staff_manage_discounts": {AUTHENTICATED, DISCOUNTS},
    "app": set(),  # an app is no signed-in customer
    "app_manage_users": {USERS},
    "app_manage_discounts": {DISCOUNTS},
}


@pytest.fixture
def caller(request):
    role = request.param
    get = request.getfixturevalue
    if role == "anonymous":
        return role, get("api_client")
    if role == "customer":
        return role, get("user_api_client")
    if role == "other_customer":
        return role, get("user2_api_client")
    client = get("staff_api_client" if role.startswith("staff") else "app_api_client")
    if role.endswith(USERS) or role.endswith(DISCOUNTS):
        permission = get(f"permission_{role.split('_', 1)[1]}")
        if role.startswith("staff"):
            client.user.user_permissions.add(permission)
        else:
            client.app.permissions.add(permission)
    return role, client


@pytest.mark.parametrize("caller", list(ROLES), indirect=True)
@pytest.mark.parametrize("field", FIELD_NAMES)
def test_permission_matrix(field, caller, program, customer_user, channel_PLN):
    role, client = caller
    _, needs, query, variables = next(
        f
        for f in matrix_fields(program, customer_user, channel_PLN.slug)
        if f[0] == field
    )
    # whoever signs in has points of their own to redeem
    if field == "crmPointsRedeem" and AUTHENTICATED in ROLES[role]:
        m = Membership.objects.create(program=program, user=client.user)
        loyalty.grant_points(m, 20, reason="seed", by=None)
    before = (
        list(LoyaltyProgram.objects.values()),
        list(Tier.objects.values()),
        list(Membership.objects.values()),
        list(PointsEntry.objects.values()),
        Voucher.objects.count(),
    )
    response = crm_post(client, query, variables)
    if needs in ROLES[role]:
        data = get_graphql_content(response)["data"][field.split()[0]]
        assert data is not None
        if isinstance(data, dict) and "errors" in data:
            assert data["errors"] == [], data
    else:
        assert_no_permission(response)
        after = (
            list(LoyaltyProgram.objects.values()),
            list(Tier.objects.values()),
            list(Membership.objects.values()),
            list(PointsEntry.objects.values()),
            Voucher.objects.count(),
        )
        assert after == before


def test_customers_see_the_public_program_and_no_voucher_ids(
    program, user_api_client, staff_discounts_admin, channel_USD
):
    Tier.objects.filter(name="Regular").update(
        discount_type="percentage", discount_value=5
    )
    variables = {"channel": channel_USD.slug}
    public = crm_gql(
        user_api_client,
        """
    query P($channel: String!) { crmMyLoyalty(channel: $channel) { program {
      channel currency isActive pointsPerUnit pointValue { amount currency }
      minRedemptionPoints redemptionKind windowKind windowMonths timeZone
      tiers { name rank threshold discountType discountValue }
    } } }""",
        variables,
    )["crmMyLoyalty"]["program"]
    assert public["pointValue"] == {"amount": 0.01, "currency": "USD"}
    assert [t["name"] for t in public["tiers"]] == ["Regular", "Silver", "Gold"]
    # the merchant's settings are not part of the customer's type at all
    response = crm_post(
        user_api_client,
        """
    query P($channel: String!) {
      crmMyLoyalty(channel: $channel) { program { metadataTierKey discountPolicy } } }""",
        variables,
    )
    assert response.status_code == 400
    assert "Cannot query field" in response.json()["errors"][0]["message"]
    # the Saleor voucher behind a tier is for MANAGE_DISCOUNTS only
    assert_no_permission(crm_post(user_api_client, TIER_VOUCHER, variables))
    staff_view = crm_gql(staff_discounts_admin, PROGRAMS)["crmLoyaltyPrograms"]
    assert staff_view[0]["tiers"][0]["voucherId"] is None  # created by .update()


def test_customer_loyalty_of_an_unknown_customer_is_null(
    program, staff_users_admin, channel_USD
):
    data = crm_gql(
        staff_users_admin,
        CUSTOMER_LOYALTY,
        {"id": gid("User", 987654), "channel": channel_USD.slug},
    )
    assert data["crmCustomerLoyalty"] is None
    assert not Membership.objects.exists()


def test_failed_adjustments_and_redemptions_create_no_membership(
    program, staff_users_admin, user_api_client, customer_user, channel_USD
):
    base = {"id": gid("User", customer_user.pk), "channel": channel_USD.slug}
    data = crm_gql(staff_users_admin, ADJUST, {**base, "points": -1, "reason": "fix"})
    assert errors(data["crmPointsAdjust"]) == [("points", "INSUFFICIENT_POINTS")]
    data = crm_gql(user_api_client, REDEEM, {"channel": channel_USD.slug, "points": 10})
    assert errors(data["crmPointsRedeem"]) == [("points", "INSUFFICIENT_POINTS")]
    data = crm_gql(user_api_client, REDEEM, {"channel": "nowhere", "points": 10})
    assert errors(data["crmPointsRedeem"]) == [("channel", "NOT_FOUND")]
    assert not Membership.objects.exists() and not PointsEntry.objects.exists()
    # an adjustment that works creates the membership and its award
    data = crm_gql(staff_users_admin, ADJUST, {**base, "points": 30, "reason": "gift"})
    assert data["crmPointsAdjust"]["points"] == {"available": 30}
    entry = PointsEntry.objects.get()
    assert (entry.kind, entry.points, entry.reason, entry.created_by_id) == (
        "adjust",
        30,
        "gift",
        staff_users_admin.user.pk,
    )
    # a failing take leaves the balance and the ledger as they were
    data = crm_gql(staff_users_admin, ADJUST, {**base, "points": -31, "reason": "fix"})
    assert errors(data["crmPointsAdjust"]) == [("points", "INSUFFICIENT_POINTS")]
    assert PointsEntry.objects.count() == 1
    assert loyalty.balances(Membership.objects.get().pk).available == 30


def test_redeem_when_the_program_is_switched_off(
    program, user_api_client, customer_user, channel_USD
):
    m = Membership.objects.create(program=program, user=customer_user)
    loyalty.grant_points(m, 50, reason="seed", by=None)
    LoyaltyProgram.objects.filter(pk=program.pk).update(is_active=False)
    data = crm_gql(user_api_client, REDEEM, {"channel": channel_USD.slug, "points": 20})
    assert errors(data["crmPointsRedeem"]) == [("points", "PROGRAM_INACTIVE")]
    assert loyalty.balances(m.pk).available == 50
    data = crm_gql(user_api_client, REDEEM, {"channel": channel_USD.slug, "points": 0})
    assert data["crmPointsRedeem"]["errors"][0]["field"] == "points"


def test_override_validation(
    program, staff_users_admin, customer_user, channel_USD, channel_PLN
):
    other = LoyaltyProgram.objects.create(channel=channel_PLN)
    foreign = Tier.objects.create(program=other, name="Elsewhere", rank=0, threshold=0)
    base = {"id": gid("User", customer_user.pk), "channel": channel_USD.slug}
    gold = gid("CRMTier", Tier.objects.get(program=program, name="Gold").pk)
    cases = [
        ({"tier": gid("CRMTier", foreign.pk), "reason": "x"}, ("tierId", "INVALID")),
        ({"tier": gid("CRMTier", 987654), "reason": "x"}, ("tierId", "NOT_FOUND")),
        ({"tier": gold, "reason": "  "}, ("reason", "REQUIRED")),
        (
            {"tier": gold, "reason": "x", "expires": "2001-01-01T00:00:00+00:00"},
            ("expiresAt", "INVALID"),
        ),
        (
            {"id": gid("User", 987654), "tier": gold, "reason": "x"},
            ("customerId", "NOT_FOUND"),
        ),
    ]
    for variables, expected in cases:
        data = crm_gql(staff_users_admin, OVERRIDE, {**base, **variables})
        assert errors(data["crmTierOverride"]) == [expected], variables
    assert not Membership.objects.exists() and not TierChange.objects.exists()
    # an expiry in the future is kept and shown
    data = crm_gql(
        staff_users_admin,
        OVERRIDE,
        {**base, "tier": gold, "reason": "VIP", "expires": "2100-01-01T00:00:00+00:00"},
    )
    assert data["crmTierOverride"] == {"tier": {"name": "Gold"}, "errors": []}
    m = Membership.objects.get()
    assert (m.override_tier.name, m.override_expires_at.year) == ("Gold", 2100)


def test_program_mutation_errors_are_typed_and_write_nothing(
    staff_discounts_admin, channel_PLN, program
):
    cases = [
        ({"pointsPerUnit": 0}, ("pointsPerUnit", "INVALID")),
        ({"pointsPerUnit": 0.00001}, ("pointsPerUnit", "INVALID")),
        ({"pointValue": -1}, ("pointValue", "INVALID")),
        (
            {"windowKind": "ROLLING_MONTHS", "windowMonths": 0},
            ("windowMonths", "INVALID"),
        ),
        ({"timeZone": "Nowhere/City"}, ("timeZone", "INVALID")),
        (
            {"metadataTierKey": "same", "metadataPointsKey": "same"},
            ("metadataPointsKey", "INVALID"),
        ),
        ({"pointsValidityDays": 0}, ("pointsValidityDays", "INVALID")),
    ]
    for program_input, expected in cases:
        data = crm_gql(
            staff_discounts_admin,
            PROGRAM_CREATE,
            {"channel": channel_PLN.slug, "input": program_input},
        )
        assert errors(data["crmLoyaltyProgramCreate"]) == [expected], program_input
        assert data["crmLoyaltyProgramCreate"]["program"] is None
        data = crm_gql(
            staff_discounts_admin,
            PROGRAM_UPDATE,
            {"id": gid("CRMLoyaltyProgram", program.pk), "input": program_input},
        )
        assert errors(data["crmLoyaltyProgramUpdate"]) == [expected], program_input
    assert not LoyaltyProgram.objects.filter(channel=channel_PLN).exists()
    stored = LoyaltyProgram.objects.get(pk=program.pk)
    assert (stored.points_per_unit, stored.time_zone, stored.window_months) == (
        Decimal(1),
        "UTC",
        12,
    )
    data = crm_gql(
        staff_discounts_admin,
        PROGRAM_CREATE,
        {"channel": "no-such-channel", "input": {}},
    )
    assert errors(data["crmLoyaltyProgramCreate"]) == [("channel", "NOT_FOUND")]
    data = crm_gql(
        staff_discounts_admin,
        PROGRAM_UPDATE,
        {"id": gid("CRMLoyaltyProgram", 987654), "input": {}},
    )
    assert errors(data["crmLoyaltyProgramUpdate"]) == [("id", "NOT_FOUND")]
    data = crm_gql(
        staff_discounts_admin,
        TIER_CREATE,
        {
            "program": gid("CRMLoyaltyProgram", program.pk),
            "input": {
                "name": "X",
                "rank": 9,
                "threshold": 900,
                "categories": [gid("Product", 1)],
            },
        },
    )
    assert data["crmTierCreate"]["errors"][0]["field"] == "categories"
    assert Tier.objects.filter(program=program).count() == 3


def test_top_tier_has_no_next_tier_and_thresholds_count_exactly(
    program, user_api_client, customer_user, channel_USD
):
    # a ladder on points earned: what is missing is a number of points, not money
    Tier.objects.filter(program=program).update(metric="points")
    m = Membership.objects.create(program=program, user=customer_user)
    variables = {"channel": channel_USD.slug}

    def state():
        return crm_gql(user_api_client, MY_LOYALTY, variables)["crmMyLoyalty"]

    s = state()
    assert s["tier"] is None and s["nextTier"] == {"name": "Regular"}
    assert s["missingForNextTier"] == {"metric": "POINTS", "amount": 0.0, "money": None}
    # 99 points: Silver, one point short of Gold's 100
    loyalty.grant_points(m, 99, reason="gift", by=None)
    m = Membership.objects.select_related("program__channel").get(pk=m.pk)
    assert loyalty_tiers.evaluate_tier(m)
    s = state()
    assert (s["tier"], s["nextTier"]) == ({"name": "Silver"}, {"name": "Gold"})
    assert s["missingForNextTier"] == {"metric": "POINTS", "amount": 1.0, "money": None}
    # exactly at the threshold: Gold, the top, with nothing above it
    loyalty.grant_points(m, 1, reason="gift", by=None)
    assert loyalty_tiers.evaluate_tier(m)
    s = state()
    assert s["tier"] == {"name": "Gold"}
    assert s["nextTier"] is None and s["missingForNextTier"] is None


ADJUST_ONCE = """
mutation A($id: ID!, $channel: String!, $points: Int!, $key: String) {
  crmPointsAdjust(customerId: $id, channel: $channel, points: $points,
                  reason: "goodwill", idempotencyKey: $key) {
    points { available } errors { field code message }
  }
}"""


def test_an_adjustment_retried_with_its_key_applies_once(
    program, staff_users_admin, customer_user, channel_USD
):
    base = {"id": gid("User", customer_user.pk), "channel": channel_USD.slug}
    for _ in range(2):
        data = crm_gql(
            staff_users_admin, ADJUST_ONCE, {**base, "points": 30, "key": "ticket-1"}
        )["crmPointsAdjust"]
        assert data == {"points": {"available": 30}, "errors": []}
    for _ in range(2):
        data = crm_gql(
            staff_users_admin, ADJUST_ONCE, {**base, "points": -10, "key": "ticket-2"}
        )["crmPointsAdjust"]
        assert data["points"] == {"available": 20}
    # without a key, each call is its own adjustment
    crm_gql(staff_users_admin, ADJUST_ONCE, {**base, "points": 5, "key": None})
    data = crm_gql(staff_users_admin, ADJUST_ONCE, {**base, "points": 5, "key": None})
    assert data["crmPointsAdjust"]["points"] == {"available": 30}
    bad = crm_gql(
        staff_users_admin, ADJUST_ONCE, {**base, "points": 5, "key": "x" * 41}
    )
    assert [e["field"] for e in bad["crmPointsAdjust"]["errors"]] == ["idempotencyKey"]
