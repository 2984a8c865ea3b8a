"""Preview before change: customers per proposed tier agree with what the real
review / evaluate_tier then does, the cost and points estimates match a hand
computation (on CRM rows and on real orders placed, paid, refunded and cancelled
through Saleor, category- and collection-limited discounts valued on the order
lines), minimum spend, other currencies and cancelled orders are honoured, a
proposed earn rate recomputes the points metric, nothing is written, and a bad
proposal is a typed error."""

import uuid
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from crm_helpers import CHARGE, cancel, crm_gql, crm_post, place_order, refund
from crm_loyalty_helpers import customer
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from saleor.account.models import User
from saleor.graphql.tests.fixtures import ApiClient
from saleor.graphql.tests.utils import assert_no_permission
from saleor.product.models import Category, Collection

from saleor_crm_plugin.domain.errors import CRMErrorCode
from saleor_crm_plugin.loyalty import (
    periodic as loyalty_periodic,
)
from saleor_crm_plugin.loyalty import (
    tiers as loyalty_tiers,
)
from saleor_crm_plugin.loyalty.errors import LoyaltyError
from saleor_crm_plugin.loyalty.preview import TierSpec, preview_program
from saleor_crm_plugin.models import (
    CustomerOrder,
    CustomerProfile,
    LoyaltyProgram,
    Membership,
    PointsEntry,
    Tier,
    TierChange,
)

PROPOSAL = [
    TierSpec(
        "Silver",
        1,
        "spend",
        Decimal(100),
        "percentage",
        Decimal(10),
        points_multiplier=Decimal("1.5"),
    ),
    TierSpec(
        "Gold",
        2,
        "spend",
        Decimal(500),
        "fixed",
        Decimal(30),
        min_spend=Decimal(200),
        points_multiplier=Decimal(2),
    ),
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
    result = preview_program(
        program, tiers=PROPOSAL, points_per_unit=Decimal(1), now=now
    )
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


def test_minimum_spend_is_honoured_exactly_at_the_limit(shop):
    program, now, _ = shop
    gold = {
        limit: next(
            t
            for t in preview_program(
                program,
                tiers=[PROPOSAL[0], replace(PROPOSAL[1], min_spend=Decimal(limit))],
                now=now,
            ).tiers
            if t.name == "Gold"
        ).estimated_discount
        for limit in (599, 600, 601)
    }
    # b's only channel-currency order is 600.00: at the minimum it counts, above not
    assert gold == {599: Decimal("30.00"), 600: Decimal("30.00"), 601: Decimal("0.00")}


def test_a_proposed_earn_rate_recomputes_the_points_metric_with_todays_multiplier(shop):
    program, now, (a, *_) = shop
    old = program.tiers.get()
    old.points_multiplier = Decimal(2)
    old.save()
    Membership.objects.filter(pk=a.pk).update(tier=old)
    proposal = [TierSpec("Points", 1, "points", Decimal(200))]
    result = preview_program(
        program, tiers=proposal, points_per_unit=Decimal(1), now=now
    )
    # a: (100 + 20) x 1 x 2 (a's tier today) = 240; b: 600 (the EUR order left
    # out); d: 200 net, exactly at the threshold; c: 50; the old order is outside
    # the 12-month window
    assert (result.tiers[0].customers, result.customers_without_tier) == (3, 2)
    # without a rate the ledger's points count: nothing was earned on these rows
    assert preview_program(program, tiers=proposal, now=now).tiers[0].customers == 0


def test_points_follow_the_programs_rounding_rule(shop):
    program, now, _ = shop
    proposal = [TierSpec("Any", 1, "spend", Decimal(0))]
    # orders 100, 20 (a), 600 (b), 50 (c), 200 net (d) at 0.25 a unit: c's 12.5
    assert (
        preview_program(
            program, tiers=proposal, points_per_unit=Decimal("0.25"), now=now
        ).estimated_points
        == 25 + 5 + 150 + 12 + 50
    )
    program.rounding = "half_up"
    program.save()
    assert (
        preview_program(
            program, tiers=proposal, points_per_unit=Decimal("0.25"), now=now
        ).estimated_points
        == 25 + 5 + 150 + 13 + 50
    )


def test_counts_agree_with_the_real_review_after_the_change(shop):
    program, now, members = shop
    result = preview_program(program, tiers=PROPOSAL, now=now)
    counts = {t.rank: t.customers for t in result.tiers}
    # now make the change for real and review
    program.tiers.all().delete()
    for spec in PROPOSAL:
        Tier.objects.create(
            program=program,
            name=spec.name,
            rank=spec.rank,
            metric=spec.metric,
            threshold=spec.threshold,
        )
    loyalty_periodic.review_tiers(now)
    real = {
        rank: Membership.objects.filter(program=program, tier__rank=rank).count()
        for rank in counts
    }
    assert real == counts
    assert Membership.objects.filter(program=program, tier__isnull=True).count() == (
        result.customers_without_tier
    )


def test_account_holders_the_review_would_not_enrol_stay_without_a_tier(shop):
    """A customer account with a CRM profile but no paid order and no membership
    is not enrolled by the review (it enrols account holders with a paid order),
    so a tier from 0 must not count them as moving onto the ladder; one with a
    paid order but not yet a member is enrolled and placed, and is counted."""
    program, now, _ = shop
    never_paid = CustomerProfile.objects.create(
        channel=program.channel,
        user=User.objects.create(email="registered-only@example.com"),
        currency=program.channel.currency_code,
    )
    buyer = CustomerProfile.objects.create(
        channel=program.channel,
        user=User.objects.create(email="buyer-not-member@example.com"),
        currency=program.channel.currency_code,
        paid_orders_count=1,
    )
    CustomerOrder.objects.create(
        order_id=uuid.uuid4(),
        profile=buyer,
        channel_id=program.channel_id,
        currency="USD",
        total_amount=Decimal(30),
        status="fulfilled",
        placed_at=now - timedelta(days=3),
        paid_at=now - timedelta(days=3),
    )
    ladder = [TierSpec("Club", 0, "spend", Decimal(0))]
    result = preview_program(program, tiers=ladder, now=now)
    # the five members of the fixture and the buyer; not the never-paid account
    assert result.tiers[0].customers == 6
    assert result.customers_without_tier == 1
    assert result.customers_without_tier_now == 7  # nobody holds a tier today

    # the change made for real: the review agrees, and never enrols the account
    program.tiers.all().delete()
    Tier.objects.create(program=program, name="Club", rank=0, threshold=0)
    loyalty_periodic.review_tiers(now)
    assert Membership.objects.filter(program=program, tier__rank=0).count() == 6
    assert not Membership.objects.filter(program=program, user=never_paid.user).exists()
    assert Membership.objects.filter(program=program, user=buyer.user).exists()


def test_current_ladder_and_nothing_written(shop):
    program, now, (a, *_) = shop
    Membership.objects.filter(pk=a.pk).update(tier=program.tiers.get())
    before = (
        Membership.objects.values_list("tier_id", flat=True).order_by("pk"),
        TierChange.objects.count(),
        Tier.objects.count(),
    )
    before = (list(before[0]), *before[1:])
    with CaptureQueriesContext(connection) as queries:
        result = preview_program(program, now=now)
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}
    ]
    assert writes == []
    assert [(t.name, t.customers, t.current_customers) for t in result.tiers] == [
        ("Old", 0, 1)
    ]
    after = (
        list(Membership.objects.values_list("tier_id", flat=True).order_by("pk")),
        TierChange.objects.count(),
        Tier.objects.count(),
    )
    assert after == before


def test_a_proposal_that_cannot_work_is_refused(shop):
    program, now, _ = shop
    with pytest.raises(LoyaltyError) as exc:
        preview_program(
            program,
            tiers=[
                TierSpec(
                    "A",
                    1,
                    "spend",
                    Decimal(5),
                    "percentage",
                    Decimal(5),
                    category_ids=(999_999,),
                )
            ],
        )
    assert (exc.value.field, exc.value.code) == ("category_ids", CRMErrorCode.NOT_FOUND)
    with pytest.raises(LoyaltyError) as exc:
        preview_program(program, window_kind="rolling_months", window_months=0)
    assert exc.value.field == "window_months"
    bad = [
        TierSpec("A", 1, "spend", Decimal(500)),
        TierSpec("B", 2, "spend", Decimal(100)),
    ]
    with pytest.raises(LoyaltyError) as exc:
        preview_program(program, tiers=bad, now=now)
    assert exc.value.field == "threshold"
    for rate in (Decimal(0), Decimal(-1), Decimal("NaN"), "x"):
        with pytest.raises(LoyaltyError) as exc:
            preview_program(program, points_per_unit=rate, now=now)
        assert (exc.value.field, exc.value.code) == (
            "points_per_unit",
            CRMErrorCode.INVALID,
        )


PREVIEW_FIELD = """($channel: String!, $input: CRMLoyaltyPreviewInput!) {
  crmLoyaltyPreview(channel: $channel, input: $input) {
    preview { tiers { name customers estimatedDiscount { amount currency } }
              customersWithoutTier estimatedDiscountTotal { amount } estimatedPoints }
    errors { field code message } crmErrors { field code message }
  }
}"""
# the preview is a query; the mutation of the same name is kept, deprecated
PREVIEW = "query P" + PREVIEW_FIELD
PREVIEW_MUTATION = "mutation P" + PREVIEW_FIELD


@pytest.mark.parametrize(
    "preview", [PREVIEW, PREVIEW_MUTATION], ids=["query", "deprecated mutation"]
)
def test_preview_through_graphql(
    shop, staff_discounts_admin, user_api_client, channel_USD, preview
):
    variables = {
        "channel": channel_USD.slug,
        "input": {
            "pointsPerUnit": 1,
            "tiers": [
                {
                    "name": "Silver",
                    "rank": 1,
                    "threshold": 100,
                    "discountType": "PERCENTAGE",
                    "discountValue": 10,
                    "pointsMultiplier": 1.5,
                },
                {
                    "name": "Gold",
                    "rank": 2,
                    "threshold": 500,
                    "discountType": "FIXED",
                    "discountValue": 30,
                    "minSpend": 200,
                    "pointsMultiplier": 2,
                },
            ],
        },
    }
    data = crm_gql(staff_discounts_admin, preview, variables)["crmLoyaltyPreview"]
    assert data["crmErrors"] == data["errors"] == []
    assert data["preview"]["estimatedDiscountTotal"] == {"amount": 62.0}
    assert data["preview"]["tiers"][1] == {
        "name": "Gold",
        "customers": 1,
        "estimatedDiscount": {"amount": 30.0, "currency": "USD"},
    }
    variables["input"]["tiers"][1]["threshold"] = 50
    data = crm_gql(staff_discounts_admin, preview, variables)["crmLoyaltyPreview"]
    for errors in (data["errors"], data["crmErrors"]):
        assert [(e["field"], e["code"]) for e in errors] == [("threshold", "INVALID")]
    assert data["preview"] is None
    data = crm_gql(staff_discounts_admin, preview, {**variables, "channel": "nowhere"})
    assert [(e["field"], e["code"]) for e in data["crmLoyaltyPreview"]["errors"]] == [
        ("channel", "NOT_FOUND")
    ]
    assert_no_permission(crm_post(user_api_client, preview, variables))


RECONCILE = """query P($channel: String!, $input: CRMLoyaltyPreviewInput!) {
  crmLoyaltyPreview(channel: $channel, input: $input) {
    preview { tiers { name customers currentCustomers }
              customersWithoutTier customersWithoutTierNow }
    errors { field code message }
  }
}"""


def test_customers_without_a_tier_now_reconcile_the_now_and_after_columns(
    shop, staff_discounts_admin, channel_USD
):
    program, now, (a, b, c, d, old) = shop
    Membership.objects.filter(pk=a.pk).update(tier=program.tiers.get())
    c.delete()  # c keeps a CRM profile in the channel but is not a member
    variables = {
        "channel": channel_USD.slug,
        "input": {"tiers": [{"name": "Old", "rank": 0, "threshold": 100}]},
    }
    data = crm_gql(staff_discounts_admin, RECONCILE, variables)["crmLoyaltyPreview"]
    assert data["errors"] == []
    preview = data["preview"]
    # now: a holds Old; b, d and the old customer are members without a tier, c
    # is no member. After: a (120), b (600) and d (200 net) reach 100; c (50)
    # and the old customer (outside the window) do not
    assert preview["tiers"] == [{"name": "Old", "customers": 3, "currentCustomers": 1}]
    assert (preview["customersWithoutTierNow"], preview["customersWithoutTier"]) == (
        4,
        2,
    )
    now_total = sum(t["currentCustomers"] for t in preview["tiers"])
    after_total = sum(t["customers"] for t in preview["tiers"])
    assert (
        now_total + preview["customersWithoutTierNow"]
        == after_total + preview["customersWithoutTier"]
        == 5
    )


def test_the_preview_mutation_is_deprecated_for_the_query():
    from saleor_crm_plugin.graphql.schema import schema

    query = schema.get_query_type().fields["crmLoyaltyPreview"]
    mutation = schema.get_mutation_type().fields["crmLoyaltyPreview"]
    assert not query.is_deprecated
    assert mutation.is_deprecated and "query" in mutation.deprecation_reason
    assert query.type is mutation.type  # the same payload: preview and errors
    assert set(query.args) == set(mutation.args)


# --- real orders through Saleor ------------------------------------------------


@pytest.fixture
def real_orders(
    channel_USD,
    user_api_client,
    customer_user,
    shop_usd,
    shop_pln,
    staff_orders,
    product,
    collection,
):
    """Five customers who bought through Saleor's API (10.00 a unit, 10.00 shipping):
    A 50.00 (and 70.00 PLN in another channel); B 100.00 and 20.00; C 50.00 with
    30.00 refunded and 100.00 cancelled; D 100.00 with 40.00 refunded; E 20.00
    refunded in full."""
    collection.products.add(product)
    program = LoyaltyProgram.objects.create(channel=channel_USD, points_per_unit=1)
    Tier.objects.create(program=program, name="Regular", rank=0, threshold=0)

    def client(name):
        return ApiClient(
            user=User.objects.create(email=f"{name}@example.com", is_active=True)
        )

    b, c, d, e = (client(n) for n in "bcde")
    place_order(user_api_client, shop_usd, quantity=4, token=CHARGE)
    place_order(user_api_client, shop_pln, quantity=1, token=CHARGE)
    place_order(b, shop_usd, quantity=9, token=CHARGE)
    place_order(b, shop_usd, quantity=1, token=CHARGE)
    refund(
        staff_orders, place_order(c, shop_usd, quantity=4, token=CHARGE), Decimal(30)
    )
    cancel(staff_orders, place_order(c, shop_usd, quantity=9, token=CHARGE))
    refund(
        staff_orders, place_order(d, shop_usd, quantity=9, token=CHARGE), Decimal(40)
    )
    refund(
        staff_orders, place_order(e, shop_usd, quantity=1, token=CHARGE), Decimal(20)
    )
    assert Membership.objects.filter(program=program).count() == 5
    return program, product, collection


def real_proposal(category_id, collection_id):
    return [
        TierSpec("Club", 0, "paid_orders", Decimal(1)),
        TierSpec(
            "Silver",
            1,
            "spend",
            Decimal(50),
            "percentage",
            Decimal(10),
            points_multiplier=Decimal("1.5"),
            category_ids=(category_id,),
        ),
        TierSpec(
            "Gold",
            2,
            "spend",
            Decimal(100),
            "fixed",
            Decimal(5),
            min_spend=Decimal(40),
            points_multiplier=Decimal(2),
            collection_ids=(collection_id,),
        ),
    ]


def test_real_orders_hand_computed_cost_points_and_counts(real_orders):
    program, product, collection = real_orders
    proposal = real_proposal(product.category_id, collection.pk)
    tables = (Membership, Tier, TierChange, PointsEntry, CustomerOrder)
    before = [m.objects.count() for m in tables]
    with CaptureQueriesContext(connection) as queries:
        result = preview_program(program, tiers=proposal, points_per_unit=Decimal(2))
    assert not [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}
    ]
    assert [m.objects.count() for m in tables] == before
    # one aggregate statement for every customer and order, whatever their number
    assert sum("WITH tiers AS" in q["sql"] for q in queries.captured_queries) == 1
    assert len(queries.captured_queries) <= 8

    by_name = {t.name: t for t in result.tiers}
    # Club: C (one paid order, 20.00 net); Silver: A (50.00), D (60.00 net);
    # Gold: B (120.00); E's only order is fully refunded: no tier
    assert {n: t.customers for n, t in by_name.items()} == {
        "Club": 1,
        "Silver": 2,
        "Gold": 1,
    }
    assert result.customers_without_tier == 1
    # today all five hold Regular (rank 0; a refund does not demote), nobody above
    assert [t.current_customers for t in result.tiers] == [5, 0, 0]
    # Silver, 10 % on the category's lines (not shipping): A 40.00 -> 4.00;
    # D 90.00 of lines x 60/100 unrefunded -> 54.00 -> 5.40
    assert by_name["Silver"].estimated_discount == Decimal("9.40")
    # Gold, 5.00 a unit on the collection's lines: B's 100.00 order, 9 units at
    # 10.00 -> 45.00; B's 20.00 order is below the 40.00 minimum spend
    assert by_name["Gold"].estimated_discount == Decimal("45.00")
    assert by_name["Club"].estimated_discount == Decimal("0.00")
    assert result.estimated_discount_total == Decimal("54.40")
    # 2 points a unit x the landed tier's multiplier on each order's net amount:
    # A 50x2x1.5 = 150; B (100 + 20)x2x2 = 480; C 20x2 = 40; D 60x2x1.5 = 180; E 0
    assert result.estimated_points == 150 + 480 + 40 + 180
    # A, B twice, C (the cancelled one left out), D, E; the PLN order is elsewhere
    assert result.orders_considered == 6
    assert result.currency == "USD"

    # limited to a category / collection none of the lines belong to: no cost
    elsewhere = real_proposal(
        Category.objects.create(name="Other", slug="other").pk,
        Collection.objects.create(name="Other", slug="other").pk,
    )
    other = preview_program(program, tiers=elsewhere, points_per_unit=Decimal(2))
    assert other.estimated_discount_total == Decimal("0.00")
    assert [t.customers for t in other.tiers] == [1, 2, 1]


def test_real_orders_counts_equal_evaluate_tier_after_the_change(real_orders):
    program, product, collection = real_orders
    proposal = real_proposal(product.category_id, collection.pk)
    now = timezone.now()
    result = preview_program(program, tiers=proposal, now=now)
    predicted = {t.rank: t.customers for t in result.tiers}

    # apply the proposal for real, then let evaluate_tier place every member
    program.tiers.all().delete()  # members' tiers go to NULL
    for spec in proposal:
        Tier.objects.create(
            program=program,
            name=spec.name,
            rank=spec.rank,
            metric=spec.metric,
            threshold=spec.threshold,
            discount_type=spec.discount_type,
            discount_value=spec.discount_value,
            min_spend=spec.min_spend,
            points_multiplier=spec.points_multiplier,
            category_ids=list(spec.category_ids),
            collection_ids=list(spec.collection_ids),
        )
    for m in Membership.objects.filter(program=program).select_related(
        "tier", "override_tier", "program__channel"
    ):
        loyalty_tiers.evaluate_tier(m, now, at_review=True)
    real = {
        rank: Membership.objects.filter(program=program, tier__rank=rank).count()
        for rank in predicted
    }
    assert real == predicted == {0: 1, 1: 2, 2: 1}
    assert Membership.objects.filter(program=program, tier__isnull=True).count() == (
        result.customers_without_tier
    )
    # and now the ladder is in place, the preview of it shows its holders
    again = preview_program(program, now=now)
    assert [(t.customers, t.current_customers) for t in again.tiers] == [
        (1, 1),
        (2, 2),
        (1, 1),
    ]
