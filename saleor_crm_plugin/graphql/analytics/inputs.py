"""Inputs of the analytics queries."""

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
