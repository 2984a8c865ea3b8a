"""Points are earned on a program setting, the points base: the products subtotal
after discounts (the default for new programs) or the order total. Earning,
reversal and the preview honour it, on real Saleor orders (10.00 USD a unit,
10.00 USD shipping). The preview also costs a free-shipping tier at the orders'
shipping, not at 0."""

from decimal import Decimal

import pytest
from crm_helpers import AUTHORIZE_ONLY, CHARGE, capture, crm_gql, place_order, refund

from saleor_crm_plugin.loyalty import ledger as loyalty
from saleor_crm_plugin.loyalty.preview import TierSpec, preview_program
from saleor_crm_plugin.models import (
    CustomerOrder,
    LoyaltyProgram,
    Membership,
    PointsEntry,
)

CREATE = """
mutation C($channel: String!, $input: CRMLoyaltyProgramInput!) {
  crmLoyaltyProgramCreate(channel: $channel, input: $input) {
    program { id pointsBase } errors { field code message }
  }
}"""
UPDATE = """
mutation U($id: ID!, $input: CRMLoyaltyProgramInput!) {
  crmLoyaltyProgramUpdate(id: $id, input: $input) {
    program { id pointsBase } errors { field code message }
  }
}"""


def earned(order):
    return PointsEntry.objects.get(operation=f"earn:{order.pk}", award__isnull=True)


@pytest.fixture
def program(staff_discounts_admin, channel_USD):
    data = crm_gql(
        staff_discounts_admin,
        CREATE,
        {"channel": channel_USD.slug, "input": {"pointsPerUnit": "1"}},
    )["crmLoyaltyProgramCreate"]
    assert data["errors"] == []
    # a new program earns on the products subtotal after discounts
    assert data["program"]["pointsBase"] == "SUBTOTAL"
    return LoyaltyProgram.objects.get(channel=channel_USD)


def test_points_are_earned_and_reversed_on_the_subtotal(
    program, user_api_client, customer_user, shop_usd, staff_orders
):
    order = place_order(user_api_client, shop_usd, quantity=2, token=AUTHORIZE_ONLY)
    capture(staff_orders, order)
    order.refresh_from_db()
    assert order.total_gross_amount == Decimal("30.000")
    assert CustomerOrder.objects.get(order_id=order.pk).subtotal_amount == Decimal(
        "20.000"
    )
    award = earned(order)
    assert award.points == 20  # 2 x 10.00, not the 10.00 shipping
    member = Membership.objects.get(user=customer_user, program=program)
    refund(staff_orders, order, Decimal("10.00"))  # one of the two units
    assert loyalty.balances(member.pk).pending == 10
    refund(staff_orders, order, Decimal("20.00"))  # the rest, shipping included
    assert loyalty.balances(member.pk).pending == 0
    assert list(award.taken.order_by("id").values_list("points", "shortfall")) == [
        (-10, 0),
        (-10, 0),
    ]


def test_a_program_on_the_total_earns_on_the_total(
    program, staff_discounts_admin, user_api_client, shop_usd
):
    data = crm_gql(
        staff_discounts_admin,
        UPDATE,
        {"id": _gid(program), "input": {"pointsBase": "TOTAL"}},
    )["crmLoyaltyProgramUpdate"]
    assert data["errors"] == [] and data["program"]["pointsBase"] == "TOTAL"
    order = place_order(user_api_client, shop_usd, quantity=2, token=CHARGE)
    assert earned(order).points == 30


def test_the_preview_counts_points_on_the_base(program, user_api_client, shop_usd):
    place_order(user_api_client, shop_usd, quantity=2, token=CHARGE)
    place_order(user_api_client, shop_usd, quantity=1, token=CHARGE)
    # subtotals 20 + 10; totals 30 + 20
    assert preview_program(program).estimated_points == 30
    assert preview_program(program, points_base="total").estimated_points == 50


PREVIEW = """
query P($channel: String!, $input: CRMLoyaltyPreviewInput!) {
  crmLoyaltyPreview(channel: $channel, input: $input) {
    preview { tiers { name customers estimatedDiscount { amount } }
              estimatedDiscountTotal { amount } estimatedPoints }
    errors { field code message }
  }
}"""


def test_the_preview_costs_free_shipping_at_the_orders_shipping(
    program, staff_discounts_admin, user_api_client, shop_usd, channel_USD
):
    place_order(user_api_client, shop_usd, quantity=2, token=CHARGE)
    place_order(user_api_client, shop_usd, quantity=1, token=CHARGE)
    tiers = [{"name": "Members", "rank": 0, "threshold": "0", "freeShipping": True}]
    data = crm_gql(
        staff_discounts_admin,
        PREVIEW,
        {"channel": channel_USD.slug, "input": {"tiers": tiers}},
    )["crmLoyaltyPreview"]
    assert data["errors"] == []
    # two orders, 10.00 USD shipping each
    assert data["preview"]["tiers"] == [
        {"name": "Members", "customers": 1, "estimatedDiscount": {"amount": 20.0}}
    ]
    assert data["preview"]["estimatedDiscountTotal"] == {"amount": 20.0}
    # the same through the service, with a minimum spend above one order's 10.00
    spec = TierSpec(
        "Members", 0, "spend", Decimal(0), min_spend=Decimal(25), free_shipping=True
    )
    assert preview_program(program, tiers=[spec]).estimated_discount_total == (
        Decimal("10.00")
    )


def _gid(program):
    import graphene

    return graphene.Node.to_global_id("CRMLoyaltyProgram", program.pk)
