import graphene
from saleor.graphql.core.enums import OrderDirection
from saleor.graphql.core.types import SortInputObjectType


class CRMSegmentEventSortField(graphene.Enum):
    CREATED_AT = ["created_at", "pk"]

    @property
    def description(self):
        return "Sort segment events by the time they were recorded."


class CRMSegmentEventSortingInput(SortInputObjectType):
    class Meta:
        sort_enum = CRMSegmentEventSortField
        type_name = "segment events"


def newest_first():
    """The default order: newest first (what ``sortBy`` would carry)."""
    return CRMSegmentEventSortingInput._meta.container(
        {
            "field": CRMSegmentEventSortField.CREATED_AT.value,
            "direction": OrderDirection.DESC.value,
        }
    )
