"""A loyalty program and its tiers (the staff view and the customer's)."""

import graphene
from prices import Money as PricesMoney
from saleor.graphql.core.fields import PermissionsField
from saleor.graphql.core.scalars import Decimal
from saleor.graphql.core.types import ModelObjectType
from saleor.graphql.core.types.money import Money
from saleor.permission.enums import DiscountPermissions

from ....models import (
    LoyaltyProgram,
    Tier,
)
from ...core.utils import gid
from ..enums import (
    CRMDiscountPolicyEnum,
    CRMDiscountTypeEnum,
    CRMPointsBaseEnum,
    CRMRedemptionKindEnum,
    CRMRoundingEnum,
    CRMTierMetricEnum,
    CRMWindowKindEnum,
)


class CRMTier(ModelObjectType[Tier]):
    id = graphene.GlobalID(required=True)
    name = graphene.String(required=True)
    customer_name_ja = graphene.String(
        required=True, description="The name customers see in Japanese (may be empty)."
    )
    customer_name_en = graphene.String(
        required=True, description="The name customers see in English (may be empty)."
    )
    rank = graphene.Int(required=True, description="Higher is better.")
    metric = CRMTierMetricEnum(required=True)
    threshold = Decimal(required=True, description="Reached at >= this value.")
    discount_type = CRMDiscountTypeEnum(required=True)
    discount_value = Decimal(required=True)
    min_spend = Decimal(description="Minimum checkout subtotal for the discount.")
    category_ids = graphene.List(graphene.NonNull(graphene.ID), required=True)
    collection_ids = graphene.List(graphene.NonNull(graphene.ID), required=True)
    free_shipping = graphene.Boolean(required=True)
    points_multiplier = Decimal(required=True)
    voucher_id = PermissionsField(
        graphene.ID,
        description="Saleor voucher carrying the member discount (null: none).",
        permissions=[DiscountPermissions.MANAGE_DISCOUNTS],
    )

    class Meta:
        description = "A rung of a loyalty ladder and its benefits."
        interfaces = [graphene.relay.Node]
        model = Tier

    @staticmethod
    def resolve_category_ids(root: Tier, _info):
        return [gid("Category", pk) for pk in root.category_ids]

    @staticmethod
    def resolve_collection_ids(root: Tier, _info):
        return [gid("Collection", pk) for pk in root.collection_ids]

    @staticmethod
    def resolve_voucher_id(root: Tier, _info):
        return gid("Voucher", root.voucher_id)


class _ProgramFields:
    """Resolvers both program types share (a program's channel, currency, ladder)."""

    @staticmethod
    def resolve_channel(root, _info):
        return root.channel.slug

    @staticmethod
    def resolve_currency(root, _info):
        return root.channel.currency_code

    @staticmethod
    def resolve_tiers(root, _info):
        return list(root.tiers.order_by("rank"))


class CRMLoyaltyProgram(_ProgramFields, ModelObjectType[LoyaltyProgram]):
    id = graphene.GlobalID(required=True)
    channel = graphene.String(required=True, description="Slug of the channel.")
    currency = graphene.String(required=True)
    is_active = graphene.Boolean(required=True)
    points_per_unit = Decimal(
        required=True, description="Points per unit of the channel currency."
    )
    rounding = CRMRoundingEnum(required=True)
    return_window_days = graphene.Int(required=True)
    points_validity_days = graphene.Int(description="Null: points never expire.")
    point_value = Decimal(required=True, description="Currency value of one point.")
    min_redemption_points = graphene.Int(required=True)
    redemption_kind = CRMRedemptionKindEnum(required=True)
    window_kind = CRMWindowKindEnum(required=True)
    window_months = graphene.Int(required=True)
    time_zone = graphene.String(required=True)
    review_period_months = graphene.Int(required=True)
    discount_policy = CRMDiscountPolicyEnum(required=True)
    metadata_tier_key = graphene.String(required=True)
    metadata_points_key = graphene.String(required=True)
    expiry_warning_days = graphene.Int(required=True)
    points_base = CRMPointsBaseEnum(
        required=True, description="What points are earned on."
    )
    tiers = graphene.List(graphene.NonNull(CRMTier), required=True)

    class Meta:
        description = "A channel's loyalty program."
        interfaces = [graphene.relay.Node]
        model = LoyaltyProgram


class CRMPublicLoyaltyProgram(_ProgramFields, graphene.ObjectType):
    channel = graphene.String(required=True, description="Slug of the channel.")
    currency = graphene.String(required=True)
    is_active = graphene.Boolean(required=True)
    points_per_unit = Decimal(
        required=True, description="Points per unit of the channel currency."
    )
    rounding = CRMRoundingEnum(required=True)
    return_window_days = graphene.Int(
        required=True, description="Days earned points stay pending."
    )
    points_validity_days = graphene.Int(description="Null: points never expire.")
    point_value = graphene.Field(
        Money, required=True, description="What one point is worth when redeemed."
    )
    min_redemption_points = graphene.Int(required=True)
    redemption_kind = CRMRedemptionKindEnum(required=True)
    window_kind = CRMWindowKindEnum(required=True)
    window_months = graphene.Int(required=True)
    time_zone = graphene.String(required=True)
    points_base = CRMPointsBaseEnum(
        required=True, description="What points are earned on."
    )
    tiers = graphene.List(graphene.NonNull(CRMTier), required=True)

    class Meta:
        description = "What a customer may know of a channel's loyalty program."

    @staticmethod
    def resolve_point_value(root, _info):
        return PricesMoney(root.point_value, root.channel.currency_code)
