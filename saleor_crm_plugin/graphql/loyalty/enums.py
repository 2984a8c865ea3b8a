import graphene

from ...models import LoyaltyProgram, PointsKind, Tier


def _enum(name, model, field, description):
    choices = model._meta.get_field(field).choices
    return graphene.Enum(
        name, [(value.upper(), value) for value, _ in choices], description=description
    )


CRMTierMetricEnum = _enum(
    "CRMTierMetricEnum", Tier, "metric", "What a tier's threshold is measured on."
)
CRMDiscountTypeEnum = _enum(
    "CRMDiscountTypeEnum", Tier, "discount_type", "A tier's member discount."
)
CRMWindowKindEnum = _enum(
    "CRMWindowKindEnum",
    LoyaltyProgram,
    "window_kind",
    "Qualification window of a tier ladder.",
)
CRMRoundingEnum = _enum(
    "CRMRoundingEnum", LoyaltyProgram, "rounding", "How earned points are rounded."
)
CRMRedemptionKindEnum = _enum(
    "CRMRedemptionKindEnum",
    LoyaltyProgram,
    "redemption_kind",
    "What points are redeemed into.",
)
CRMDiscountPolicyEnum = _enum(
    "CRMDiscountPolicyEnum",
    LoyaltyProgram,
    "discount_policy",
    "What happens to a voucher a member typed in.",
)
CRMPointsBaseEnum = _enum(
    "CRMPointsBaseEnum",
    LoyaltyProgram,
    "points_base",
    "What points are earned on: SUBTOTAL, the products subtotal after discounts "
    "(no shipping; taxes as the shop's prices carry them), or TOTAL, the order "
    "total with shipping and taxes.",
)
CRMPointsKindEnum = graphene.Enum(
    "CRMPointsKindEnum",
    [(k.upper(), k) for k in PointsKind.values],
    description="Kind of a points ledger entry.",
)
