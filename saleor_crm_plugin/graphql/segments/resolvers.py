from saleor.graphql.core.connection import create_connection_slice

from ...models import Segment, SegmentEvent
from ..core.validation import filter_queryset, query_pk
from .filters import SegmentEventFilter, SegmentFilter
from .sorters import newest_first
from .types import (
    CRMSegmentCountableConnection,
    CRMSegmentEventCountableConnection,
    CRMSegmentPreset,
)


def resolve_segments(info, kwargs):
    # the FilterSet applied directly: Saleor's filter_qs would demand a default
    # channel, and segments span channels
    qs = filter_queryset(
        SegmentFilter,
        kwargs.get("filter"),
        Segment.objects.select_related("channel"),
    )
    return create_connection_slice(qs, info, kwargs, CRMSegmentCountableConnection)


def resolve_segment(global_id):
    return Segment.objects.filter(pk=query_pk(global_id, "CRMSegment")).first()


def resolve_segment_events(info, kwargs):
    qs = SegmentEvent.objects.select_related(
        "segment", "profile__channel", "profile__user"
    )
    qs = filter_queryset(SegmentEventFilter, kwargs.get("filter"), qs)
    kwargs = {**kwargs, "sort_by": kwargs.get("sort_by") or newest_first()}
    return create_connection_slice(qs, info, kwargs, CRMSegmentEventCountableConnection)


def resolve_segment_presets():
    return CRMSegmentPreset.all()
