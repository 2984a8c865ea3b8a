"""The analytics root fields (staff with MANAGE_USERS): KPIs, cohorts, dormant
shares, breakdowns, their CSV export, the customer 360, item analytics."""

import graphene
from saleor.graphql.core.fields import ConnectionField, PermissionsField
from saleor.permission.enums import AccountPermissions

from ...domain import analytics as A
from . import resolvers
from .enums import (
    CRMAnalyticsBreakdownEnum,
    CRMAnalyticsGrainEnum,
    CRMCoPurchaseRelationEnum,
    CRMItemKindEnum,
)
from .inputs import (
    CRMAnalyticsRangeInput,
    CRMCoPurchaseSortingInput,
    CRMRepurchaseIntervalSortingInput,
)
from .mutations import CRMAnalyticsExport
from .types import (
    CRMAnalyticsBreakdownPayload,
    CRMAnalyticsCohortsPayload,
    CRMAnalyticsDormantPayload,
    CRMAnalyticsKpisPayload,
    CRMCoPurchaseCountableConnection,
    CRMCustomer360,
    CRMRepurchaseDueCountableConnection,
    CRMRepurchaseIntervalCountableConnection,
)

_MANAGE = [AccountPermissions.MANAGE_USERS]


_CHANNEL = graphene.Argument(
    graphene.String, required=True, description="Slug of the channel."
)
_RANGE = graphene.Argument(CRMAnalyticsRangeInput, required=True)


class AnalyticsQueries(graphene.ObjectType):
    crm_analytics_kpis = PermissionsField(
        graphene.NonNull(CRMAnalyticsKpisPayload),
        channel=_CHANNEL,
        range=_RANGE,
        grain=graphene.Argument(CRMAnalyticsGrainEnum, default_value=A.DAY),
        f2_days=graphene.Argument(
            graphene.Int,
            default_value=A.F2_DAYS_DEFAULT,
            description=f"N of the F2 conversion, 1-{A.F2_DAYS_MAX} (default 90).",
        ),
        description=(
            "The shop KPIs of a channel per period and for the whole range (at most "
            f"{A.MAX_RANGE_DAYS} days), read from the rollups."
        ),
        permissions=_MANAGE,
    )
    crm_analytics_cohorts = PermissionsField(
        graphene.NonNull(CRMAnalyticsCohortsPayload),
        channel=_CHANNEL,
        range=_RANGE,
        description=(
            "Acquisition cohorts of the months the range touches (at most 36): "
            "retention matrix (up to 36 months since), net revenue and LTV at 3 / 6 "
            "/ 12 / 24 months."
        ),
        permissions=_MANAGE,
    )
    crm_analytics_dormant = PermissionsField(
        graphene.NonNull(CRMAnalyticsDormantPayload),
        channel=_CHANNEL,
        description="Dormant one-time buyers and former regulars, now.",
        permissions=_MANAGE,
    )
    crm_analytics_breakdown = PermissionsField(
        graphene.NonNull(CRMAnalyticsBreakdownPayload),
        channel=_CHANNEL,
        by=graphene.Argument(CRMAnalyticsBreakdownEnum, required=True),
        segment_id=graphene.Argument(graphene.ID, description="For SEGMENT."),
        description="Customers and their net spend by RFM group, tier or segment, now.",
        permissions=_MANAGE,
    )

    crm_customer_360 = PermissionsField(
        CRMCustomer360,
        customer_id=graphene.Argument(
            graphene.ID, required=True, description="Saleor ID of the customer."
        ),
        last_orders=graphene.Argument(
            graphene.Int,
            default_value=10,
            description="Last orders per channel (1-50).",
        ),
        description=(
            "Everything about one customer, per channel: profile, loyalty state, RFM "
            "scores, current segments, coupon codes with status and rule, recent "
            "segment entries and exits, last order IDs. Null for an unknown "
            "customer."
        ),
        permissions=_MANAGE,
        name="crmCustomer360",
    )

    crm_repurchase_intervals = ConnectionField(
        CRMRepurchaseIntervalCountableConnection,
        channel=graphene.Argument(
            graphene.String, required=True, description="Slug of the channel."
        ),
        kind=CRMItemKindEnum(description="Only products or only categories."),
        items=graphene.List(
            graphene.NonNull(graphene.ID),
            description="Only these Products / Categories.",
        ),
        sort_by=CRMRepurchaseIntervalSortingInput(description="Default: by item."),
        description="Repurchase intervals per product and category of a channel "
        "(refreshed daily by crm-repurchase-intervals).",
        permissions=_MANAGE,
    )
    crm_co_purchases = ConnectionField(
        CRMCoPurchaseCountableConnection,
        channel=graphene.Argument(graphene.String, required=True),
        item=graphene.Argument(
            graphene.ID, required=True, description="The Product or Category X."
        ),
        relation=CRMCoPurchaseRelationEnum(
            required=True, description="Same order, or the next order."
        ),
        sort_by=CRMCoPurchaseSortingInput(description="Default: by rank."),
        description="An item's top co-purchases in a channel, strongest first "
        "(refreshed daily by crm-copurchases).",
        permissions=_MANAGE,
    )
    crm_customer_repurchase_due = ConnectionField(
        CRMRepurchaseDueCountableConnection,
        customer_id=graphene.Argument(
            graphene.ID, required=True, description="Saleor ID of the customer."
        ),
        channel=graphene.Argument(graphene.String, required=True),
        kind=CRMItemKindEnum(required=True),
        description="When a customer is next due for each item they bought that "
        "has a due date, soonest first (read live from their orders).",
        permissions=_MANAGE,
    )

    @staticmethod
    def resolve_crm_repurchase_intervals(_root, info, **kwargs):
        return resolvers.resolve_crm_repurchase_intervals(info, **kwargs)

    @staticmethod
    def resolve_crm_co_purchases(_root, info, **kwargs):
        return resolvers.resolve_crm_co_purchases(info, **kwargs)

    @staticmethod
    def resolve_crm_customer_repurchase_due(_root, info, **kwargs):
        return resolvers.resolve_crm_customer_repurchase_due(info, **kwargs)

    @staticmethod
    def resolve_crm_customer_360(_root, _info, **kwargs):
        return resolvers.resolve_crm_customer_360(**kwargs)

    @staticmethod
    def resolve_crm_analytics_kpis(_root, _info, **kwargs):
        return resolvers.resolve_crm_analytics_kpis(**kwargs)

    @staticmethod
    def resolve_crm_analytics_cohorts(_root, _info, **kwargs):
        return resolvers.resolve_crm_analytics_cohorts(**kwargs)

    @staticmethod
    def resolve_crm_analytics_dormant(_root, _info, **kwargs):
        return resolvers.resolve_crm_analytics_dormant(**kwargs)

    @staticmethod
    def resolve_crm_analytics_breakdown(_root, _info, **kwargs):
        return resolvers.resolve_crm_analytics_breakdown(**kwargs)


class AnalyticsMutations(graphene.ObjectType):
    crm_analytics_export = CRMAnalyticsExport.Field()
