"""A customer's loyalty in one channel, as the API shows it."""

import graphene
from prices import Money as PricesMoney
from saleor.graphql.core.connection import create_connection_slice
from saleor.graphql.core.scalars import DateTime, Decimal
from saleor.graphql.core.types import ModelObjectType
from saleor.graphql.core.types.money import Money

from ....domain.tiers import Metric, missing_for
from ....loyalty import ledger
from ....models import TierChange
from ..enums import CRMTierMetricEnum
from .points import (
    CRMPointsBalance,
    CRMPointsEntryCountableConnection,
    CRMPointsRedemption,
)
from .programs import CRMPublicLoyaltyProgram, CRMTier


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
        kwargs.setdefault("first", 20)
        return create_connection_slice(
            ledger.entries(root.membership_id),
            info,
            kwargs,
            CRMPointsEntryCountableConnection,
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
