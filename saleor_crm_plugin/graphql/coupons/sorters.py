import graphene
from saleor.graphql.core.types import SortInputObjectType


class CRMCouponRuleSortField(graphene.Enum):
    NAME = ["name", "pk"]
    CREATED_AT = ["created_at", "pk"]
    STARTS_AT = ["starts_at", "pk"]
    ISSUED = ["issued_count", "pk"]

    @property
    def description(self):
        return f"Sort coupon rules by {self.name.lower().replace('_', ' ')}."


class CRMCouponRuleSortingInput(SortInputObjectType):
    class Meta:
        sort_enum = CRMCouponRuleSortField
        type_name = "coupon rules"
