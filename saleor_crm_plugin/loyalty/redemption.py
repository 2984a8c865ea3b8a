"""Redeeming points into a Saleor gift card or a single-use voucher code (Saleor
layer).

One transaction: the points are taken under the membership's row lock
(:func:`~.ledger.spend_points`, soonest-expiring first, never below zero), then the
gift card or voucher is created with Saleor's own models and events, then the
:class:`PointsRedemption` row. If any step fails nothing is kept — no points taken
without a card, no card without its points."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_DOWN, Decimal

from django.db import transaction
from django.utils import timezone

from ..domain.errors import CRMErrorCode
from ..models import Membership, PointsKind, PointsRedemption
from .errors import LoyaltyError
from .ledger import spend_points


def redemption_value(points: int, point_value: Decimal, currency: str) -> Decimal:
    """What ``points`` are worth, rounded down to the currency's precision (a
    redemption never gives more than the points are worth)."""
    from saleor.core.prices import get_currency_precision

    step = Decimal(10) ** -get_currency_precision(currency)
    return (Decimal(points) * point_value).quantize(step, rounding=ROUND_DOWN)


def redeem_points(
    membership: Membership, points: int, *, now: datetime | None = None
) -> PointsRedemption:
    program = membership.program
    if not program.is_active:
        raise LoyaltyError(
            "points",
            "The loyalty program is not active.",
            CRMErrorCode.PROGRAM_INACTIVE,
        )
    if not isinstance(points, int) or points <= 0:
        raise LoyaltyError(
            "points", "Enter a positive number of points.", CRMErrorCode.INVALID
        )
    if points < program.min_redemption_points:
        raise LoyaltyError(
            "points",
            f"Redeem at least {program.min_redemption_points} points.",
            CRMErrorCode.BELOW_MINIMUM,
        )
    currency = program.channel.currency_code
    amount = redemption_value(points, program.point_value, currency)
    if amount <= 0:
        raise LoyaltyError(
            "points", "These points are worth nothing.", CRMErrorCode.BELOW_MINIMUM
        )
    now = now or timezone.now()
    with transaction.atomic():
        operation = spend_points(
            membership.pk, points, kind=PointsKind.SPEND, reason="redemption", now=now
        )
        if program.redemption_kind == "voucher":
            gift_card, voucher, code = None, *_voucher(program, amount, currency)
        else:
            gift_card = _gift_card(membership, amount, currency)
            voucher, code = None, gift_card.code
        return PointsRedemption.objects.create(
            membership=membership,
            operation=operation,
            points=points,
            amount=amount,
            currency=currency,
            kind=program.redemption_kind,
            gift_card=gift_card,
            voucher=voucher,
            code=code,
            created_at=now,
        )


def _gift_card(membership: Membership, amount: Decimal, currency: str):
    """A gift card assigned to the member (Saleor only lets its assignee use it)."""
    from saleor.core.utils.promo_code import generate_promo_code
    from saleor.giftcard.events import gift_card_issued_event
    from saleor.giftcard.models import GiftCard

    user = membership.user
    card = GiftCard.objects.create(
        code=generate_promo_code(),
        currency=currency,
        initial_balance_amount=amount,
        current_balance_amount=amount,
        assigned_to=user,
        assigned_to_email=user.email,
        is_active=True,
    )
    gift_card_issued_event(card, user=user, app=None)
    return card


def _voucher(program, amount: Decimal, currency: str):
    """A single-use, fixed-amount voucher in the program's channel. Its code is
    removed from any checkout that is not the redeeming member's (see
    :mod:`vouchers`)."""
    from saleor.core.utils.promo_code import generate_promo_code
    from saleor.discount import DiscountValueType, VoucherType
    from saleor.discount.models import Voucher, VoucherChannelListing, VoucherCode

    voucher = Voucher.objects.create(
        name="Loyalty points redemption",
        type=VoucherType.ENTIRE_ORDER,
        discount_value_type=DiscountValueType.FIXED,
        usage_limit=1,
        single_use=True,
    )
    VoucherChannelListing.objects.create(
        voucher=voucher,
        channel=program.channel,
        discount_value=amount,
        currency=currency,
    )
    code = VoucherCode.objects.create(voucher=voucher, code=generate_promo_code())
    return voucher, code.code
