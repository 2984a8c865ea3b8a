import graphene
from saleor.graphql.core.scalars import Decimal

from .enums import (
    CRMDiscountPolicyEnum,
    CRMDiscountTypeEnum,
    CRMPointsBaseEnum,
    CRMRedemptionKindEnum,
    CRMRoundingEnum,
    CRMTierMetricEnum,
    CRMWindowKindEnum,
)


class CRMLoyaltyProgramInput(graphene.InputObjectType):
    is_active = graphene.Boolean()
    points_per_unit = Decimal(description="Points per unit of the channel currency.")
    rounding = CRMRoundingEnum()
    return_window_days = graphene.Int()
    points_validity_days = graphene.Int(description="Days an award stays valid.")
    point_value = Decimal(description="Currency value of one point when redeemed.")
    min_redemption_points = graphene.Int()
    redemption_kind = CRMRedemptionKindEnum()
    window_kind = CRMWindowKindEnum()
    window_months = graphene.Int()
    time_zone = graphene.String(description="IANA time zone of the windows.")
    review_period_months = graphene.Int()
    discount_policy = CRMDiscountPolicyEnum()
    metadata_tier_key = graphene.String()
    metadata_points_key = graphene.String()
    expiry_warning_days = graphene.Int()
    points_base = CRMPointsBaseEnum(
        description="What points are earned on (new programs: SUBTOTAL)."
    )


class CRMTierInput(graphene.InputObjectType):
    name = graphene.String()
    customer_name_ja = graphene.String(
        description=(
            "The name customers see in Japanese (at most 128 characters); "
            "empty: the English one, else the tier's name."
        )
    )
    customer_name_en = graphene.String(
        description=(
            "The name customers see in English (at most 128 characters); "
            "empty: the Japanese one, else the tier's name."
        )
    )
    rank = graphene.Int(description="Position on the ladder; higher is better.")
    metric = CRMTierMetricEnum()
    threshold = Decimal()
    discount_type = CRMDiscountTypeEnum()
    discount_value = Decimal()
    min_spend = Decimal()
    categories = graphene.List(
        graphene.NonNull(graphene.ID),
        description="Limit the discount to these categories.",
    )
    collections = graphene.List(
        graphene.NonNull(graphene.ID),
        description="Limit the discount to these collections.",
    )
    free_shipping = graphene.Boolean()
    points_multiplier = Decimal()


class CRMLoyaltyPreviewInput(graphene.InputObjectType):
    tiers = graphene.List(
        graphene.NonNull(CRMTierInput),
        description="A proposed ladder (omit: the current one).",
    )
    points_per_unit = Decimal(description="A proposed earn rate.")
    points_base = CRMPointsBaseEnum(
        description="A proposed points base (omit: the program's)."
    )
    window_kind = CRMWindowKindEnum(description="A proposed qualification window.")
    window_months = graphene.Int()
