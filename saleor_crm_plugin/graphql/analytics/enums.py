"""Enums of the analytics queries."""

import graphene
from saleor.product.models import Category, Product

from ...domain.items import ITEM_KINDS

# kind name -> (PurchaseFact kind, Saleor type, model)
KINDS = {
    "products": (ITEM_KINDS["products"], "Product", Product),
    "categories": (ITEM_KINDS["categories"], "Category", Category),
}
KIND_NAMES = {code: name for name, (code, _, _) in KINDS.items()}


def item_gid(kind_code: int, pk: int) -> str:
    return graphene.Node.to_global_id(KINDS[KIND_NAMES[kind_code]][1], pk)


CRMItemKindEnum = graphene.Enum(
    "CRMItemKindEnum",
    [("PRODUCT", "products"), ("CATEGORY", "categories")],
    description="What an item statistic is about: a product or a category.",
)
CRMCoPurchaseRelationEnum = graphene.Enum(
    "CRMCoPurchaseRelationEnum",
    [("TOGETHER", "together"), ("AFTER", "after")],
    description="TOGETHER: in the same order; AFTER: in the same customer's next "
    "order within the refresh's window (windowDays).",
)


class CRMRepurchaseIntervalSortField(graphene.Enum):
    ITEM = ["kind", "item_id", "pk"]
    REPEAT_CUSTOMERS = ["repeat_customers", "pk"]
    MEDIAN_DAYS = ["median_days", "pk"]

    @property
    def description(self):
        return "Sort repurchase intervals."


class CRMCoPurchaseSortField(graphene.Enum):
    RANK = ["rank", "pk"]

    @property
    def description(self):
        return "Sort co-purchases (by rank: strongest first)."
