import graphene
from saleor.graphql.core.connection import create_connection_slice
from saleor.graphql.core.fields import FilterConnectionField, PermissionsField
from saleor.permission.enums import AccountPermissions

from ...models import Segment
from ..core.validation import filter_queryset, query_pk
from .events import (
    CRMSegmentEventCountableConnection,
    CRMSegmentEventFilterInput,
    CRMSegmentEventSortingInput,
    resolve_segment_events,
)
from .exports import CRMSegmentExport
from .mutations import (
    CRMSegmentCreate,
    CRMSegmentDelete,
    CRMSegmentPreview,
    CRMSegmentRefresh,
    CRMSegmentUpdate,
)
from .types import (
    CRMSegment,
    CRMSegmentCountableConnection,
    CRMSegmentFilterInput,
    CRMSegmentPreset,
    SegmentFilter,
)


class SegmentQueries(graphene.ObjectType):
    crm_segments = FilterConnectionField(
        CRMSegmentCountableConnection,
        filter=CRMSegmentFilterInput(description="Filter by kind, channel, name."),
        description="Segments, by name.",
        permissions=[AccountPermissions.MANAGE_USERS],
    )
    crm_segment = PermissionsField(
        CRMSegment,
        id=graphene.Argument(graphene.ID, required=True),
        description="A segment.",
        permissions=[AccountPermissions.MANAGE_USERS],
    )
    crm_segment_events = FilterConnectionField(
        CRMSegmentEventCountableConnection,
        filter=CRMSegmentEventFilterInput(
            description="Filter by segment, customer, kind (ENTER / EXIT) and "
            "createdAt {gte, lte}."
        ),
        sort_by=CRMSegmentEventSortingInput(description="Default: newest first."),
        description="Customers entering and leaving segments, newest first.",
        permissions=[AccountPermissions.MANAGE_USERS],
    )
    crm_segment_presets = PermissionsField(
        graphene.NonNull(graphene.List(graphene.NonNull(CRMSegmentPreset))),
        description="Ready-made segments of the repeat-purchase playbook.",
        permissions=[AccountPermissions.MANAGE_USERS],
    )

    @staticmethod
    def resolve_crm_segments(_root, info, **kwargs):
        # the FilterSet applied directly: Saleor's filter_qs would demand a default
        # channel, and segments span channels
        qs = filter_queryset(
            SegmentFilter,
            kwargs.get("filter"),
            Segment.objects.select_related("channel"),
        )
        return create_connection_slice(qs, info, kwargs, CRMSegmentCountableConnection)

    @staticmethod
    def resolve_crm_segment(_root, _info, *, id):
        return Segment.objects.filter(pk=query_pk(id, "CRMSegment")).first()

    @staticmethod
    def resolve_crm_segment_events(_root, info, **kwargs):
        return resolve_segment_events(info, kwargs)

    @staticmethod
    def resolve_crm_segment_presets(_root, _info):
        return CRMSegmentPreset.all()


class SegmentMutations(graphene.ObjectType):
    crm_segment_create = CRMSegmentCreate.Field()
    crm_segment_update = CRMSegmentUpdate.Field()
    crm_segment_delete = CRMSegmentDelete.Field()
    crm_segment_refresh = CRMSegmentRefresh.Field()
    crm_segment_preview = CRMSegmentPreview.Field()
    crm_segment_export = CRMSegmentExport.Field()
