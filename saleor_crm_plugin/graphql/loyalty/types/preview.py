"""What a proposed ladder, earn rate or window would have done."""

import graphene
from prices import Money as PricesMoney
from saleor.graphql.core.scalars import DateTime
from saleor.graphql.core.types.money import Money


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
    customers_without_tier = graphene.Int(
        required=True,
        description="Customers the preview counts whose figures reach no tier.",
    )
    customers_without_tier_now = graphene.Int(
        required=True,
        description=(
            "Who holds no tier today among the customers the preview counts "
            "(account holders with a CRM profile in the channel): no membership, "
            "or a membership without a tier."
        ),
    )
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
