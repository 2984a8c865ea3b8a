"""Redeeming points into a Saleor gift card or a single-use voucher: the card or
code is Saleor's own and usable only by the member, the points are taken
soonest-expiring first under a lock, bad requests are refused with a typed code,
and a failure part-way keeps nothing."""

from decimal import Decimal
from unittest import mock

import pytest
from crm_helpers import race
from crm_loyalty_helpers import ADD_CODE, create, run
from saleor.discount.models import VoucherCode
from saleor.giftcard import GiftCardEvents
from saleor.giftcard.models import GiftCard, GiftCardEvent

from saleor_crm_plugin.domain.errors import CRMErrorCode
from saleor_crm_plugin.loyalty import (
    errors as loyalty_errors,
)
from saleor_crm_plugin.loyalty import (
    ledger as loyalty,
)
from saleor_crm_plugin.loyalty import (
    redemption,
)
from saleor_crm_plugin.models import (
    LoyaltyProgram,
    Membership,
    PointsEntry,
    PointsKind,
    PointsRedemption,
)


@pytest.fixture
def member(channel_USD, customer_user):
    program = LoyaltyProgram.objects.create(
        channel=channel_USD, point_value=Decimal("0.01"), min_redemption_points=100
    )
    m = Membership.objects.create(program=program, user=customer_user)
    loyalty.grant_points(m, 500, reason="welcome", by=None)
    return Membership.objects.select_related("program__channel", "user").get(pk=m.pk)


def test_redeem_into_a_gift_card_assigned_to_the_member(member, customer_user):
    result = redemption.redeem_points(member, 350)

    assert (result.points, result.amount, result.currency, result.kind) == (
        350,
        Decimal("3.50"),
        "USD",
        "gift_card",
    )
    card = GiftCard.objects.get(pk=result.gift_card_id)
    assert card.code == result.code
    assert (card.initial_balance_amount, card.current_balance_amount) == (
        Decimal("3.50"),
        Decimal("3.50"),
    )
    assert (card.currency, card.assigned_to_id, card.is_active) == (
        "USD",
        customer_user.pk,
        True,
    )
    assert GiftCardEvent.objects.filter(
        gift_card=card, type=GiftCardEvents.ISSUED
    ).exists()
    assert loyalty.balances(member.pk).available == 150
    spent = PointsEntry.objects.filter(operation=result.operation)
    assert [(e.kind, e.points) for e in spent] == [(PointsKind.SPEND, -350)]


def test_value_is_rounded_down_to_the_currency(member):
    LoyaltyProgram.objects.filter(pk=member.program_id).update(
        point_value=Decimal("0.0133")
    )
    member.program.refresh_from_db()
    # 123 x 0.0133 = 1.6359 USD -> 1.63 (never more than the points are worth)
    assert redemption.redeem_points(member, 123).amount == Decimal("1.63")


def test_redeem_into_a_single_use_voucher_only_the_member_can_use(
    member, user_api_client, user2_api_client, shop_usd
):
    LoyaltyProgram.objects.filter(pk=member.program_id).update(
        redemption_kind="voucher"
    )
    member.program.refresh_from_db()
    result = redemption.redeem_points(member, 200)
    code = VoucherCode.objects.select_related("voucher").get(code=result.code)
    assert (code.voucher.single_use, code.voucher.usage_limit) == (True, 1)
    assert code.voucher.channel_listings.get().discount_value == Decimal("2.00")

    mine = run(
        user_api_client, ADD_CODE, create(user_api_client, shop_usd), code=result.code
    )
    assert mine["voucherCode"] == result.code
    assert Decimal(str(mine["discount"]["amount"])) == Decimal("2.00")
    theirs = run(
        user2_api_client, ADD_CODE, create(user2_api_client, shop_usd), code=result.code
    )
    assert theirs["voucherCode"] is None


@pytest.mark.parametrize(
    ("points", "code"),
    [
        (0, "INVALID"),
        (-5, "INVALID"),
        (99, "BELOW_MINIMUM"),
        (501, "INSUFFICIENT_POINTS"),
    ],
)
def test_refused_requests_write_nothing(member, points, code):
    with pytest.raises(loyalty_errors.LoyaltyError) as exc:
        redemption.redeem_points(member, points)
    assert (exc.value.field, exc.value.code) == ("points", CRMErrorCode[code])
    assert not PointsRedemption.objects.exists()
    assert not GiftCard.objects.exists()
    assert loyalty.balances(member.pk).available == 500


def test_inactive_program_refuses(member):
    LoyaltyProgram.objects.filter(pk=member.program_id).update(is_active=False)
    member.program.refresh_from_db()
    with pytest.raises(loyalty_errors.LoyaltyError) as exc:
        redemption.redeem_points(member, 200)
    assert exc.value.code is CRMErrorCode.PROGRAM_INACTIVE


def test_a_failure_while_issuing_the_card_keeps_the_points(member):
    with (
        mock.patch(
            "saleor.giftcard.events.gift_card_issued_event",
            side_effect=RuntimeError("event store down"),
        ),
        pytest.raises(RuntimeError),
    ):
        redemption.redeem_points(member, 300)
    assert loyalty.balances(member.pk).available == 500
    assert not GiftCard.objects.exists()
    assert not PointsRedemption.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_parallel_redemptions_on_separate_connections_never_overspend(
    channel_USD, customer_user
):
    program = LoyaltyProgram.objects.create(
        channel=channel_USD, point_value=Decimal("0.01"), min_redemption_points=100
    )
    m = Membership.objects.create(program=program, user=customer_user)
    loyalty.grant_points(m, 1000, reason="seed", by=None)

    def redeem():
        member = Membership.objects.select_related("program__channel", "user").get(
            pk=m.pk
        )
        redemption.redeem_points(member, 300)

    assert race(5, redeem) == ["INSUFFICIENT_POINTS"] * 2 + ["ok"] * 3
    assert loyalty.balances(m.pk).available == 100
    assert GiftCard.objects.count() == PointsRedemption.objects.count() == 3


def test_a_members_own_redemption_voucher_is_never_replaced_by_the_member_discount(
    member, user_api_client, shop_usd
):
    from saleor_crm_plugin.loyalty import member_discount as vouchers
    from saleor_crm_plugin.models import Tier

    gold = Tier.objects.create(
        program=member.program,
        name="Gold",
        rank=1,
        discount_type="percentage",
        discount_value=10,
    )
    vouchers.sync_tier_voucher(gold)
    Membership.objects.filter(pk=member.pk).update(tier=gold)
    LoyaltyProgram.objects.filter(pk=member.program_id).update(
        redemption_kind="voucher", discount_policy="member_first"
    )
    member.program.refresh_from_db()
    result = redemption.redeem_points(member, 300)
    checkout = create(user_api_client, shop_usd)  # the member code is attached
    assert checkout["voucherCode"] != result.code
    after = run(user_api_client, ADD_CODE, checkout, code=result.code)
    assert after["voucherCode"] == result.code
    assert Decimal(str(after["discount"]["amount"])) == Decimal("3.00")
