"""Segment entry and exit events: who entered or left which segment, when —
newest first, filtered the Saleor way (a FilterSet behind a filter input)."""

import django_filters
import graphene
from graphql import GraphQLError
from saleor.graphql.core.connection import CountableConnection, create_connection_slice
from saleor.graphql.core.enums import OrderDirection
from saleor.graphql.core.filters import (
    EnumFilter,
    FilterInputObjectType,
    GlobalIDFilter,
    ObjectTypeFilter,
)
from saleor.graphql.core.scalars import DateTime
from saleor.graphql.core.types import ModelObjectType, SortInputObjectType
from saleor.graphql.core.types.common import DateTimeRangeInput
from saleor.graphql.utils.filters import filter_range_field

from ...models import SegmentEvent
from ..core.validation import filter_queryset
from .types import CRMPersonFields

CRMSegmentEventKindEnum = graphene.Enum(
    "CRMSegmentEventKindEnum",
    [("ENTER", SegmentEvent.ENTER), ("EXIT", SegmentEvent.EXIT)],
    description="A customer entered or left a segment.",
)


class CRMSegmentEvent(CRMPersonFields, ModelObjectType[SegmentEvent]):
    id = graphene.GlobalID(required=True)
    kind = CRMSegmentEventKindEnum(required=True)
    created_at = DateTime(required=True, description="When the move was recorded.")
    segment_id = graphene.ID(required=True, description="The segment (CRMSegment).")
    segment_name = graphene.String(required=True)
    customer_id = graphene.ID(description="The customer (Saleor User); null: a guest.")
    channel = graphene.String(
        required=True, description="Slug of the profile's channel."
    )

    class Meta:
        description = "A customer entering or leaving a segment."
        interfaces = [graphene.relay.Node]
        model = SegmentEvent

    @staticmethod
    def resolve_segment_id(root: SegmentEvent, _info):
        return graphene.Node.to_global_id("CRMSegment", root.segment_id)

    @staticmethod
    def resolve_segment_name(root: SegmentEvent, _info):
        return root.segment.name

    @staticmethod
    def resolve_customer_id(root: SegmentEvent, _info):
        user_id = root.profile.user_id
        return graphene.Node.to_global_id("User", user_id) if user_id else None

    @staticmethod
    def resolve_email(root: SegmentEvent, _info):
        user = root.profile.user
        return user.email if user is not None else root.profile.email

    @staticmethod
    def resolve_first_name(root: SegmentEvent, _info):
        user = root.profile.user
        return user.first_name if user is not None else None

    @staticmethod
    def resolve_last_name(root: SegmentEvent, _info):
        user = root.profile.user
        return user.last_name if user is not None else None

    @staticmethod
    def resolve_channel(root: SegmentEvent, _info):
        return root.profile.channel.slug


class CRMSegmentEventCountableConnection(CountableConnection):
    class Meta:
        node = CRMSegmentEvent


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


def resolve_segment_events(info, kwargs):
    qs = SegmentEvent.objects.select_related(
        "segment", "profile__channel", "profile__user"
    )
    qs = filter_queryset(SegmentEventFilter, kwargs.get("filter"), qs)
    kwargs = {**kwargs, "sort_by": kwargs.get("sort_by") or newest_first()}
    return create_connection_slice(qs, info, kwargs, CRMSegmentEventCountableConnection)
