"""Points: ledger entries, redemptions and balances."""

import graphene
from prices import Money as PricesMoney
from saleor.graphql.core.connection import CountableConnection
from saleor.graphql.core.scalars import DateTime
from saleor.graphql.core.types import ModelObjectType
from saleor.graphql.core.types.money import Money

from ....models import (
    PointsEntry,
    PointsRedemption,
)
from ...core.utils import gid
from ..enums import (
    CRMPointsKindEnum,
    CRMRedemptionKindEnum,
)


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
        return gid("Order", root.order_id)


class CRMPointsEntryCountableConnection(CountableConnection):
    class Meta:
        node = CRMPointsEntry


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
