"""A customer's own coupon codes."""

import graphene
from saleor.graphql.core.scalars import DateTime, Decimal
from saleor.graphql.core.types.money import Money

from ..enums import CRMCouponDiscountTypeEnum


class CRMMyCoupon(graphene.ObjectType):
    code = graphene.String(required=True)
    name = graphene.String(
        required=True,
        description=(
            "The rule's name customers see, in the customer's language "
            "(Japanese or English; else the channel's)."
        ),
    )
    channel = graphene.String(required=True)
    discount_type = CRMCouponDiscountTypeEnum(required=True)
    discount_value = Decimal(required=True)
    min_spend = graphene.Field(Money, required=True)
    expires_at = DateTime()
    redeemed_at = DateTime()
    is_usable = graphene.Boolean(required=True, description="Not used and not expired.")
