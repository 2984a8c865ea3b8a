"""The analytics root fields (staff with MANAGE_USERS)."""

import graphene
from saleor.graphql.core.fields import ConnectionField
from saleor.permission.enums import AccountPermissions

from .enums import CRMCoPurchaseRelationEnum, CRMItemKindEnum
from .inputs import CRMCoPurchaseSortingInput, CRMRepurchaseIntervalSortingInput
from .resolvers import (
    resolve_crm_co_purchases,
    resolve_crm_customer_repurchase_due,
    resolve_crm_repurchase_intervals,
)
from .types import (
    CRMCoPurchaseCountableConnection,
    CRMRepurchaseDueCountableConnection,
    CRMRepurchaseIntervalCountableConnection,
)

_MANAGE = [AccountPermissions.MANAGE_USERS]


class AnalyticsQueries(graphene.ObjectType):
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
        return resolve_crm_repurchase_intervals(info, **kwargs)

    @staticmethod
    def resolve_crm_co_purchases(_root, info, **kwargs):
        return resolve_crm_co_purchases(info, **kwargs)

    @staticmethod
    def resolve_crm_customer_repurchase_due(_root, info, **kwargs):
        return resolve_crm_customer_repurchase_due(info, **kwargs)
