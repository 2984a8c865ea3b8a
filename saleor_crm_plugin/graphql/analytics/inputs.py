"""Inputs of the analytics queries."""

import graphene
from saleor.graphql.core import scalars
from saleor.graphql.core.types import SortInputObjectType

from .enums import CRMCoPurchaseSortField, CRMRepurchaseIntervalSortField


class CRMRepurchaseIntervalSortingInput(SortInputObjectType):
    class Meta:
        sort_enum = CRMRepurchaseIntervalSortField
        type_name = "repurchase intervals"


class CRMCoPurchaseSortingInput(SortInputObjectType):
    class Meta:
        sort_enum = CRMCoPurchaseSortField
        type_name = "co-purchases"


class Date(scalars.Date):
    """Saleor's ``Date``, refusing what it cannot parse as a date with GraphQL's
    "Expected type Date" error: Saleor 3.23's scalar lets ``aniso8601``'s
    ``NotImplementedError`` (e.g. for ``"-1"``) through as an internal error."""

    __doc__ = scalars.Date.__doc__

    @staticmethod
    def parse_value(value):
        try:
            return scalars.Date.parse_value(value)
        except Exception:  # noqa: BLE001 - any unparsable value is "not a Date"
            return None

    # (graphene's parse_literal calls parse_value)


class CRMAnalyticsRangeInput(graphene.InputObjectType):
    gte = Date(required=True, description="First day, in the channel's time zone.")
    lte = Date(required=True, description="Last day (included).")

    class Meta:
        description = (
            "A range of days, both ends included (as Saleor's DateRangeInput)."
        )
