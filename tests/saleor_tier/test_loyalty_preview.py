"""Preview before change: customers per proposed tier agree with what the real
review then does, the cost and points estimates match a hand computation, other
currencies and cancelled orders are left out, nothing is written, and a bad
proposal is a typed error."""

# ruff: noqa: F811

from datetime import timedelta
from decimal import Decimal

import pytest
from crm_helpers import crm_gql, crm_post, staff_discounts_admin  # noqa: F401
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from saleor.graphql.tests.utils import assert_no_permission
from test_loyalty_periodic import customer

from saleor_crm_plugin import loyalty_periodic
from saleor_crm_plugin.loyalty import LoyaltyError
from saleor_crm_plugin.models import LoyaltyProgram, Membership, Tier, TierChange
from saleor_crm_plugin.preview import TierSpec, preview_program

PROPOSAL = [
    TierSpec("Silver", 1, "spend", Decimal(100), "percentage", Decimal(10),
             points_multiplier=Decimal("1.5")),
    TierSpec("Gold", 2, "spend", Decimal(500), "fixed", Decimal(30),
             min_spend=Decimal(200), points_multiplier=Decimal(2)),
]


@pytest.fixture
def shop(channel_USD):
    program = LoyaltyProgram.objects.create(channel=channel_USD, points_per_unit=1)
    Tier.objects.create(program=program, name="Old", rank=0, threshold=1000)
    now = timezone.now()
    recent = now - timedelta(days=20)
    a = customer(program, 1, (100, recent), (20, recent))
    b = customer(program, 2, (600, recent), (999, recent, {"currency": "EUR"}))
    c = customer(program, 3, (50, recent), (700, recent, {"cancelled": True}))
    d = customer(program, 4, (250, recent, {"refunded": 50}))  # net 200: Silver
    old = customer(program, 5, (2000, now - timedelta(days=500)))  # out of window
    return program, now, (a, b, c, d, old)


def test_estimates_match_a_hand_computation(shop):
    program, now, _ = shop
    result = preview_program(program, tiers=PROPOSAL, points_per_unit=Decimal(1),
                             now=now)
    by_name = {t.name: t for t in result.tiers}
    assert (by_name["Silver"].customers, by_name["Gold"].customers) == (2, 1)
    assert result.customers_without_tier == 2  # c (50) and the old customer
    # Silver: 10 % of 100 + 20 (a) and of 200 net (d) = 32.00
    assert by_name["Silver"].estimated_discount == Decimal("32.00")
    # Gold: 30.00 fixed on b's 600 order (>= the 200 minimum)
    assert by_name["Gold"].estimated_discount == Decimal("30.00")
    assert result.estimated_discount_total == Decimal("62.00")
    # points at 1 per unit x multiplier: a 150 + 30, d 300, b 1200, c 50
    assert result.estimated_points == 150 + 30 + 300 + 1200 + 50
    assert result.orders_considered == 5
    assert result.currency == "USD"


def test_counts_agree_with_the_real_review_after_the_change(shop):
    program, now, members = shop
    result = preview_program(program, tiers=PROPOSAL, now=now)
    counts = {t.rank: t.customers for t in result.tiers}
    # now make the change for real and review
    program.tiers.all().delete()
    for spec in PROPOSAL:
        Tier.objects.create(program=program, name=spec.name, rank=spec.rank,
                            metric=spec.metric, threshold=spec.threshold)
    loyalty_periodic.review_tiers(now)
    real = {rank: Membership.objects.filter(program=program, tier__rank=rank).count()
            for rank in counts}
    assert real == counts
    assert Membership.objects.filter(program=program, tier__isnull=True).count() == (
        result.customers_without_tier)


def test_current_ladder_and_nothing_written(shop):
    program, now, (a, *_) = shop
    Membership.objects.filter(pk=a.pk).update(tier=program.tiers.get())
    before = (Membership.objects.values_list("tier_id", flat=True).order_by("pk"),
              TierChange.objects.count(), Tier.objects.count())
    before = (list(before[0]), *before[1:])
    with CaptureQueriesContext(connection) as queries:
        result = preview_program(program, now=now)
    writes = [q["sql"] for q in queries.captured_queries
              if q["sql"].lstrip().split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}]
    assert writes == []
    assert [(t.name, t.customers, t.current_customers) for t in result.tiers] == [
        ("Old", 0, 1)]
    after = (list(Membership.objects.values_list("tier_id", flat=True).order_by("pk")),
             TierChange.objects.count(), Tier.objects.count())
    assert after == before


def test_a_proposal_that_cannot_work_is_refused(shop):
    program, now, _ = shop
    bad = [TierSpec("A", 1, "spend", Decimal(500)), TierSpec("B", 2, "spend",
                                                             Decimal(100))]
    with pytest.raises(LoyaltyError) as exc:
        preview_program(program, tiers=bad, now=now)
    assert exc.value.field == "threshold"
    with pytest.raises(LoyaltyError) as exc:
        preview_program(program, points_per_unit=Decimal(0), now=now)
    assert exc.value.field == "points_per_unit"


PREVIEW = """
mutation P($channel: String!, $input: CRMLoyaltyPreviewInput!) {
  crmLoyaltyPreview(channel: $channel, input: $input) {
    preview { tiers { name customers estimatedDiscount { amount currency } }
              customersWithoutTier estimatedDiscountTotal { amount } estimatedPoints }
    crmErrors { field code message }
  }
}"""


def test_preview_through_graphql(shop, staff_discounts_admin, user_api_client,
                                 channel_USD):
    variables = {"channel": channel_USD.slug, "input": {
        "pointsPerUnit": 1,
        "tiers": [
            {"name": "Silver", "rank": 1, "threshold": 100,
             "discountType": "PERCENTAGE", "discountValue": 10,
             "pointsMultiplier": 1.5},
            {"name": "Gold", "rank": 2, "threshold": 500, "discountType": "FIXED",
             "discountValue": 30, "minSpend": 200, "pointsMultiplier": 2},
        ]}}
    data = crm_gql(staff_discounts_admin, PREVIEW, variables)["crmLoyaltyPreview"]
    assert data["crmErrors"] == []
    assert data["preview"]["estimatedDiscountTotal"] == {"amount": 62.0}
    assert data["preview"]["tiers"][1] == {
        "name": "Gold", "customers": 1,
        "estimatedDiscount": {"amount": 30.0, "currency": "USD"}}
    variables["input"]["tiers"][1]["threshold"] = 50
    data = crm_gql(staff_discounts_admin, PREVIEW, variables)["crmLoyaltyPreview"]
    assert [(e["field"], e["code"]) for e in data["crmErrors"]] == [
        ("threshold", "INVALID")]
    assert data["preview"] is None
    assert_no_permission(crm_post(user_api_client, PREVIEW, variables))
