"""Segment and segment-event filters, the Saleor way (a FilterSet behind a filter
input)."""

import django_filters
import graphene
from graphql import GraphQLError
from saleor.graphql.core.filters import (
    EnumFilter,
    FilterInputObjectType,
    GlobalIDFilter,
    ObjectTypeFilter,
)
from saleor.graphql.core.types.common import DateTimeRangeInput
from saleor.graphql.utils.filters import filter_range_field

from ...models import Segment, SegmentEvent
from .enums import CRMSegmentEventKindEnum, CRMSegmentKindEnum


class SegmentFilter(django_filters.FilterSet):
    kind = EnumFilter(input_class=CRMSegmentKindEnum, method="filter_kind")
    channel_slug = django_filters.CharFilter(field_name="channel__slug")
    search = django_filters.CharFilter(field_name="name", lookup_expr="icontains")

    class Meta:
        model = Segment
        fields = ["kind", "channel_slug", "search"]

    def filter_kind(self, qs, _name, value):
        return qs.filter(kind=value)


class CRMSegmentFilterInput(FilterInputObjectType):
    class Meta:
        filterset_class = SegmentFilter


def _pk(value: str, type_name: str) -> int:
    try:
        found, pk = graphene.Node.from_global_id(value)
    except Exception as exc:  # noqa: BLE001 - graphene raises several kinds
        raise GraphQLError(f"Expected a {type_name} ID.") from exc
    if found != type_name or not str(pk).isdigit():
        raise GraphQLError(f"Expected a {type_name} ID.")
    return int(pk)


class SegmentEventFilter(django_filters.FilterSet):
    segment = GlobalIDFilter(method="filter_segment")
    customer = GlobalIDFilter(method="filter_customer")
    kind = EnumFilter(input_class=CRMSegmentEventKindEnum, method="filter_kind")
    created_at = ObjectTypeFilter(
        input_class=DateTimeRangeInput, method="filter_created_at"
    )

    class Meta:
        model = SegmentEvent
        fields = ["segment", "customer", "kind", "created_at"]

    def filter_segment(self, qs, _name, value):
        return qs.filter(segment_id=_pk(value, "CRMSegment"))

    def filter_customer(self, qs, _name, value):
        return qs.filter(profile__user_id=_pk(value, "User"))

    def filter_kind(self, qs, _name, value):
        return qs.filter(kind=value)

    def filter_created_at(self, qs, _name, value):
        return filter_range_field(qs, "created_at", value)


class CRMSegmentEventFilterInput(FilterInputObjectType):
    class Meta:
        filterset_class = SegmentEventFilter
