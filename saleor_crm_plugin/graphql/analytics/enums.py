"""Enums of the analytics queries: KPIs (grain, breakdown, export table, error
codes) and item analytics (item kind, co-purchase relation, sort fields)."""

import graphene
from saleor.product.models import Category, Product

from ...domain import analytics as A
from ...domain.errors import CRMErrorCode
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


CRMAnalyticsGrainEnum = graphene.Enum(
    "CRMAnalyticsGrainEnum",
    [("DAY", A.DAY), ("WEEK", A.WEEK), ("MONTH", A.MONTH)],
    description=(
        "Periods of a series: calendar days, ISO weeks (Monday first) or calendar "
        "months in the channel's time zone, clipped to the range. At most "
        f"{A.MAX_BUCKETS[A.DAY]} days, {A.MAX_BUCKETS[A.WEEK]} weeks or "
        f"{A.MAX_BUCKETS[A.MONTH]} months."
    ),
)

CRMAnalyticsErrorCode = graphene.Enum(
    "CRMAnalyticsErrorCode",
    # the CRMErrorCode members analytics refuses with (``domain.analytics``)
    [(code.name, code.value) for code in (*A.ERROR_CODES, CRMErrorCode.GRAPHQL_ERROR)],
    description=(
        "NOT_FOUND: no such channel / segment; INVALID_RANGE: the range ends before "
        f"it starts; RANGE_TOO_LONG: more than {A.MAX_RANGE_DAYS} days (or "
        f"{A.MAX_COHORTS} cohort months); GRAIN_TOO_FINE: too many periods for the "
        "grain; OUT_OF_BOUNDS: a number outside its limits (f2Days 1-"
        f"{A.F2_DAYS_MAX}); INVALID: anything else malformed."
    ),
)

CRMAnalyticsBreakdownEnum = graphene.Enum(
    "CRMAnalyticsBreakdownEnum",
    [("RFM_GROUP", "rfm_group"), ("TIER", "tier"), ("SEGMENT", "segment")],
    description="RFM_GROUP: every RFM group; TIER: each loyalty tier (effective, "
    "an unexpired override counts); SEGMENT: one segment (segmentId).",
)

CRMAnalyticsTableEnum = graphene.Enum(
    "CRMAnalyticsTableEnum",
    [
        ("KPIS", "kpis"),
        ("COHORTS", "cohorts"),
        ("LTV", "ltv"),
        ("DORMANT", "dormant"),
        ("RFM_GROUP", "rfm_group"),
        ("TIER", "tier"),
        ("SEGMENT", "segment"),
    ],
    description=(
        "KPIS: one row per period and a total row; COHORTS: one row per cohort "
        "and month since (customers, retention, revenue); LTV: one row per "
        "cohort; DORMANT, RFM_GROUP, TIER, SEGMENT: the snapshot tables."
    ),
)
