import graphene
from prices import Money as PricesMoney
from saleor.graphql.core.connection import CountableConnection
from saleor.graphql.core.fields import PermissionsField
from saleor.graphql.core.scalars import DateTime, Decimal
from saleor.graphql.core.types import ModelObjectType
from saleor.graphql.core.types.money import Money
from saleor.permission.enums import DiscountPermissions

from ...domain.tiers import Metric, missing_for
from ...models import (
    LoyaltyProgram,
    PointsEntry,
    PointsKind,
    PointsRedemption,
    Tier,
    TierChange,
)


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
CRMPointsKindEnum = graphene.Enum(
    "CRMPointsKindEnum",
    [(k.upper(), k) for k in PointsKind.values],
    description="Kind of a points ledger entry.",
)


def _gid(type_name, pk):
    return None if pk is None else graphene.Node.to_global_id(type_name, pk)


class CRMTier(ModelObjectType[Tier]):
    id = graphene.GlobalID(required=True)
    name = graphene.String(required=True)
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
        return [_gid("Category", pk) for pk in root.category_ids]

    @staticmethod
    def resolve_collection_ids(root: Tier, _info):
        return [_gid("Collection", pk) for pk in root.collection_ids]

    @staticmethod
    def resolve_voucher_id(root: Tier, _info):
        return _gid("Voucher", root.voucher_id)


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
    tiers = graphene.List(graphene.NonNull(CRMTier), required=True)

    class Meta:
        description = "What a customer may know of a channel's loyalty program."

    @staticmethod
    def resolve_point_value(root, _info):
        return PricesMoney(root.point_value, root.channel.currency_code)


class CRMPointsEntry(ModelObjectType[PointsEntry]):
    id = graphene.GlobalID(required=True)
    kind = CRMPointsKindEnum(required=True)
    points = graphene.Int(
        required=True, description="Positive: added; negative: taken."
    )
    order_id = graphene.ID(description="Saleor order, for earned and reversed points.")
    available_at = DateTime(description="Awards: when the points can be spent.")
    expires_at = DateTime(description="Awards: when what is left expires.")
    shortfall = graphene.Int(
        required=True, description="Reversals: points already spent or expired."
    )
    reason = graphene.String(required=True)
    created_at = DateTime(required=True)

    class Meta:
        description = "One entry of a member's append-only points ledger."
        interfaces = [graphene.relay.Node]
        model = PointsEntry

    @staticmethod
    def resolve_order_id(root, _info):
        return _gid("Order", root.order_id)


class CRMPointsEntryCountableConnection(CountableConnection):
    class Meta:
        node = CRMPointsEntry


class CRMTierChange(ModelObjectType[TierChange]):
    id = graphene.GlobalID(required=True)
    from_tier = graphene.String(description="Name of the tier left.")
    to_tier = graphene.String(description="Name of the tier reached.")
    reason = graphene.String(required=True)
    note = graphene.String(required=True)
    created_at = DateTime(required=True)

    class Meta:
        description = "A move on the ladder: from, to, why and when."
        interfaces = [graphene.relay.Node]
        model = TierChange

    @staticmethod
    def resolve_from_tier(root, _info):
        return root.from_name or None

    @staticmethod
    def resolve_to_tier(root, _info):
        return root.to_name or None


class CRMPointsRedemption(ModelObjectType[PointsRedemption]):
    id = graphene.GlobalID(required=True)
    points = graphene.Int(required=True)
    amount = graphene.Field(Money, required=True)
    kind = CRMRedemptionKindEnum(required=True)
    code = graphene.String(
        required=True, description="The gift card or voucher code to use."
    )
    created_at = DateTime(required=True)

    class Meta:
        description = "Points turned into a Saleor gift card or voucher."
        interfaces = [graphene.relay.Node]
        model = PointsRedemption

    @staticmethod
    def resolve_amount(root, _info):
        return PricesMoney(root.amount, root.currency)


class CRMPointsBalance(graphene.ObjectType):
    available = graphene.Int(required=True)
    pending = graphene.Int(required=True, description="Inside the return window.")
    expiring_soon = graphene.Int(
        required=True,
        description="Available points expiring within the warning period.",
    )


class CRMMissing(graphene.ObjectType):
    metric = CRMTierMetricEnum(required=True)
    amount = Decimal(required=True, description="How much of the metric is missing.")
    money = graphene.Field(Money, description="The same, as money (spend metric).")


class CRMTierOverride(graphene.ObjectType):
    tier = graphene.Field(CRMTier)
    reason = graphene.String(required=True)
    expires_at = DateTime()


class CRMLoyaltyState(graphene.ObjectType):
    program = graphene.Field(CRMPublicLoyaltyProgram, required=True)
    tier = graphene.Field(CRMTier, description="The tier that applies now.")
    earned_tier = graphene.Field(CRMTier, description="The tier the figures earned.")
    override = graphene.Field(CRMTierOverride, description="An active staff override.")
    tier_since = DateTime()
    retained_until = DateTime(description="The tier is kept at least until then.")
    next_tier = graphene.Field(CRMTier)
    missing_for_next_tier = graphene.Field(CRMMissing)
    points = graphene.Field(CRMPointsBalance, required=True)
    voucher_code = graphene.String(
        description="The member's personal discount code (null while their tier "
        "gives no discount)."
    )
    tier_history = graphene.List(
        graphene.NonNull(CRMTierChange),
        required=True,
        description="Newest first (at most 100).",
    )
    ledger = graphene.Field(
        CRMPointsEntryCountableConnection,
        first=graphene.Int(default_value=20),
        after=graphene.String(),
        description="Points ledger, newest first.",
    )
    redemptions = graphene.List(graphene.NonNull(CRMPointsRedemption), required=True)

    class Meta:
        description = "A customer's loyalty in one channel."

    @staticmethod
    def resolve_ledger(root, info, **kwargs):
        from saleor.graphql.core.connection import create_connection_slice

        from .state import ledger_queryset  # state builds on these types

        kwargs.setdefault("first", 20)
        return create_connection_slice(
            ledger_queryset(root), info, kwargs, CRMPointsEntryCountableConnection
        )


def missing(next_rule, figures, currency):
    amount = missing_for(next_rule, figures)
    return CRMMissing(
        metric=next_rule.metric.value,
        amount=amount,
        money=PricesMoney(amount, currency)
        if next_rule.metric == Metric.SPEND
        else None,
    )


class CRMTierPreview(graphene.ObjectType):
    name = graphene.String(required=True)
    rank = graphene.Int(required=True)
    customers = graphene.Int(
        required=True, description="Customers whose figures land on this tier."
    )
    current_customers = graphene.Int(
        required=True, description="Members on a tier of this rank today."
    )
    estimated_discount = graphene.Field(Money, required=True)


class CRMPreview(graphene.ObjectType):
    tiers = graphene.List(graphene.NonNull(CRMTierPreview), required=True)
    customers_without_tier = graphene.Int(required=True)
    estimated_discount_total = graphene.Field(
        Money, required=True, description="Member-discount cost over the period."
    )
    estimated_points = graphene.Int(
        required=True, description="Points the earn rate would have given."
    )
    orders_considered = graphene.Int(required=True)
    period_start = DateTime(required=True)
    period_end = DateTime(required=True)

    @staticmethod
    def resolve_tiers(root, _info):
        return [
            CRMTierPreview(
                name=t.name,
                rank=t.rank,
                customers=t.customers,
                current_customers=t.current_customers,
                estimated_discount=PricesMoney(t.estimated_discount, root.currency),
            )
            for t in root.tiers
        ]

    @staticmethod
    def resolve_estimated_discount_total(root, _info):
        return PricesMoney(root.estimated_discount_total, root.currency)
