"""Segment fields that read Saleor and the loyalty program: ``country`` (default
billing, else default shipping address, else the last order's billing address),
``customer_type``, ``metadata`` (Saleor's public customer metadata), ``tier``
(the effective tier: an unexpired override, else the earned one) and ``points``
— on real users, addresses, metadata and orders changed through Saleor's API."""

from dataclasses import replace
from datetime import timedelta

import pytest
from crm_helpers import CHARGE, crm_gql, gid, gql, ok, place_order
from django.utils import timezone
from saleor.account.models import User
from saleor.graphql.tests.fixtures import ApiClient

from saleor_crm_plugin.models import (
    LoyaltyProgram,
    Membership,
    Segment,
    SegmentMember,
    Tier,
)

PREVIEW = """
mutation P($rule: JSON, $channel: String) {
  crmSegmentPreview(rule: $rule, channel: $channel) {
    result { count total } errors { field code message }
  }
}"""
CREATE = """
mutation C($input: CRMSegmentInput!) {
  crmSegmentCreate(input: $input) {
    segment { membersCount } errors { field code message }
  }
}"""
ADDRESS_CREATE = """
mutation A($user: ID!, $input: AddressInput!) {
  addressCreate(userId: $user, input: $input) {
    address { id } errors { field code message }
  }
}"""
ADDRESS_SET_DEFAULT = """
mutation D($address: ID!, $user: ID!, $type: AddressTypeEnum!) {
  addressSetDefault(addressId: $address, userId: $user, type: $type) {
    user { id } errors { field code message }
  }
}"""
ADDRESS_DELETE = """
mutation X($id: ID!) { addressDelete(id: $id) { errors { field code message } } }"""
UPDATE_METADATA = """
mutation M($id: ID!, $input: [MetadataInput!]!) {
  updateMetadata(id: $id, input: $input) { errors { field code message } }
}"""
ADJUST = """
mutation A($id: ID!, $channel: String!, $points: Int!) {
  crmPointsAdjust(customerId: $id, channel: $channel, points: $points,
                  reason: "welcome") {
    points { available } errors { field code message }
  }
}"""
OVERRIDE = """
mutation O($id: ID!, $channel: String!, $tier: ID, $expires: DateTime) {
  crmTierOverride(customerId: $id, channel: $channel, tierId: $tier, reason: "VIP",
                  expiresAt: $expires) { errors { field code message } }
}"""

US = {
    "firstName": "Ann",
    "lastName": "Lee",
    "streetAddress1": "2000 Main Street",
    "city": "Irvine",
    "postalCode": "92614",
    "countryArea": "CA",
    "country": "US",
}
DE = {
    "firstName": "Eva",
    "lastName": "Roth",
    "streetAddress1": "Unter den Linden 1",
    "city": "Berlin",
    "postalCode": "10115",
    "country": "DE",
}
FR = {
    "firstName": "Leslie",
    "lastName": "Wade",
    "streetAddress1": "1 Rue de Rivoli",
    "city": "Paris",
    "postalCode": "75001",
    "country": "FR",
}


def count(staff, rule, channel=None):
    data = crm_gql(staff, PREVIEW, {"rule": rule, "channel": channel})[
        "crmSegmentPreview"
    ]
    assert data["errors"] == [], data["errors"]
    return data["result"]["count"]


def country_is(code):
    return {"field": "country", "op": "eq", "value": code}


@pytest.fixture
def shoppers(user_api_client, api_client, customer_user, shop_usd):
    """The customer (default billing and shipping address in PL, an order billed
    to France), a guest whose last order went to the US, and an account without
    addresses whose order went to Germany."""
    place_order(user_api_client, replace(shop_usd, address=FR), token=CHARGE)
    place_order(
        api_client,
        replace(shop_usd, address=US),
        email="guest@example.com",
        token=CHARGE,
    )
    bare = User.objects.create(email="bare@example.com", is_active=True)
    place_order(ApiClient(user=bare), replace(shop_usd, address=DE), token=CHARGE)
    return customer_user, bare


def test_country_follows_the_default_addresses_then_the_last_order(
    shoppers, staff_users_admin
):
    customer, _bare = shoppers
    assert [
        count(staff_users_admin, country_is(c)) for c in ("PL", "US", "DE", "FR")
    ] == [1, 1, 1, 0]
    # lower case is accepted; a three-letter code is a typed error
    assert (
        count(
            staff_users_admin, {"field": "country", "op": "in", "value": ["us", "de"]}
        )
        == 2
    )
    bad = crm_gql(
        staff_users_admin,
        PREVIEW,
        {"rule": {"field": "country", "op": "eq", "value": "POL"}},
    )["crmSegmentPreview"]
    assert [(e["field"], e["code"]) for e in bad["errors"]] == [("rule", "INVALID")]

    # a new default billing address in the US decides over the shipping one
    user_id = gid("User", customer.pk)
    created = ok(
        gql(staff_users_admin, ADDRESS_CREATE, {"user": user_id, "input": US})[
            "addressCreate"
        ]
    )
    address_id = created["address"]["id"]
    ok(
        gql(
            staff_users_admin,
            ADDRESS_SET_DEFAULT,
            {"address": address_id, "user": user_id, "type": "BILLING"},
        )["addressSetDefault"]
    )
    assert count(staff_users_admin, country_is("US")) == 2
    assert count(staff_users_admin, country_is("PL")) == 0
    # without a default billing address the default shipping one (PL) counts
    ok(gql(staff_users_admin, ADDRESS_DELETE, {"id": address_id})["addressDelete"])
    customer.refresh_from_db()
    assert customer.default_billing_address_id is None
    assert count(staff_users_admin, country_is("PL")) == 1
    # and without any, the billing address of the customer's last order
    User.objects.filter(pk=customer.pk).update(default_shipping_address=None)
    assert count(staff_users_admin, country_is("PL")) == 0
    assert count(staff_users_admin, country_is("FR")) == 1
    assert count(staff_users_admin, {"not": country_is("FR")}) == 2


def test_customer_type_and_metadata(shoppers, staff_users_admin):
    customer, bare = shoppers
    guests = {"field": "customer_type", "op": "eq", "value": "guest"}
    assert count(staff_users_admin, guests) == 1
    assert count(staff_users_admin, {"not": guests}) == 2
    ok(
        gql(
            staff_users_admin,
            UPDATE_METADATA,
            {"id": gid("User", customer.pk), "input": [{"key": "vip", "value": "yes"}]},
        )["updateMetadata"]
    )
    ok(
        gql(
            staff_users_admin,
            UPDATE_METADATA,
            {"id": gid("User", bare.pk), "input": [{"key": "vip", "value": "no"}]},
        )["updateMetadata"]
    )

    def meta(op, key, value=None):
        return count(
            staff_users_admin,
            {"field": "metadata", "op": op, "key": key, "value": value},
        )

    assert meta("eq", "vip", "yes") == 1
    assert meta("ne", "vip", "yes") == 1  # the guest has no metadata: not "ne"
    assert meta("exists", "vip") == 2
    assert meta("not_exists", "vip") == 1  # the guest
    assert meta("exists", "key") == 1  # Saleor's fixture metadata of the customer
    assert meta("eq", "vip", "YES") == 0  # exact, as Saleor stores it
    # a blank key is refused like Saleor refuses it
    bad = crm_gql(
        staff_users_admin,
        PREVIEW,
        {"rule": {"field": "metadata", "op": "exists", "key": " "}},
    )["crmSegmentPreview"]
    assert [(e["field"], e["code"]) for e in bad["errors"]] == [("rule", "INVALID")]

    # a stored segment on the same rules (named parameters, jsonb operators)
    data = crm_gql(
        staff_users_admin,
        CREATE,
        {
            "input": {
                "name": "VIP accounts",
                "rule": {
                    "and": [
                        {"field": "metadata", "op": "eq", "key": "vip", "value": "yes"},
                        {"field": "customer_type", "op": "eq", "value": "account"},
                    ]
                },
            }
        },
    )["crmSegmentCreate"]
    assert data == {"segment": {"membersCount": 1}, "errors": []}
    member = SegmentMember.objects.get(segment=Segment.objects.get())
    assert member.profile.user_id == customer.pk


@pytest.fixture
def programs(channel_USD, channel_PLN):
    tiers = {}
    for channel in (channel_USD, channel_PLN):
        program = LoyaltyProgram.objects.create(channel=channel)
        for rank, name in enumerate(("Silver", "Gold")):
            tiers[channel.slug, name] = Tier.objects.create(
                program=program, name=name, rank=rank, threshold=1000 * (rank + 1)
            )
    return tiers


def test_tier_and_points(
    shoppers, programs, staff_users_admin, channel_USD, channel_PLN
):
    customer, bare = shoppers
    usd = {"id": gid("User", customer.pk), "channel": channel_USD.slug}
    gold = {"field": "tier", "op": "eq", "value": "Gold"}
    # Gold in the PLN program says nothing about the customer's USD profile
    Membership.objects.create(
        program=programs[channel_PLN.slug, "Gold"].program,
        user=bare,
        tier=programs[channel_PLN.slug, "Gold"],
    )
    assert count(staff_users_admin, gold) == 0

    data = crm_gql(staff_users_admin, ADJUST, {**usd, "points": 40})["crmPointsAdjust"]
    assert data == {"points": {"available": 40}, "errors": []}
    # mirrored after the commit (the test client runs on-commit callbacks)
    assert Membership.objects.get(user=customer).mirrored_points == 40
    assert count(staff_users_admin, {"field": "points", "op": "gte", "value": 40}) == 1
    assert count(staff_users_admin, {"field": "points", "op": "gt", "value": 40}) == 0
    # no membership, no points: false, also under not
    assert (
        count(staff_users_admin, {"not": {"field": "points", "op": "gte", "value": 0}})
        == 2
    )

    # an override counts while it lasts, then the earned tier again
    Membership.objects.filter(user=customer).update(
        tier=programs[channel_USD.slug, "Silver"]
    )
    expires = (timezone.now() + timedelta(days=1)).isoformat()
    assert (
        crm_gql(
            staff_users_admin,
            OVERRIDE,
            {
                **usd,
                "tier": gid("CRMTier", programs[channel_USD.slug, "Gold"].pk),
                "expires": expires,
            },
        )["crmTierOverride"]["errors"]
        == []
    )
    assert count(staff_users_admin, gold) == 1
    assert count(staff_users_admin, gold, channel_PLN.slug) == 0
    Membership.objects.filter(user=customer).update(
        override_expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert count(staff_users_admin, gold) == 0
    assert (
        count(
            staff_users_admin,
            {"field": "tier", "op": "in", "value": ["Silver", "Bronze"]},
        )
        == 1
    )
    # the guest and the bare account have no tier in USD: "ne" is false for them
    assert (
        count(
            staff_users_admin,
            {"field": "tier", "op": "ne", "value": "Gold"},
            channel_USD.slug,
        )
        == 1
    )
