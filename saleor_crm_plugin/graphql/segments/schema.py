import graphene
from saleor.graphql.core.fields import FilterConnectionField, PermissionsField
from saleor.permission.enums import AccountPermissions

from .filters import CRMSegmentEventFilterInput, CRMSegmentFilterInput
from .mutations.exports import CRMSegmentExport
from .mutations.members import CRMSegmentMembersAdd, CRMSegmentMembersRemove
from .mutations.preview import CRMSegmentPreview
from .mutations.segments import (
    CRMSegmentCreate,
    CRMSegmentDelete,
    CRMSegmentRefresh,
    CRMSegmentUpdate,
)
from .resolvers import (
    resolve_segment,
    resolve_segment_events,
    resolve_segment_presets,
    resolve_segments,
)
from .sorters import CRMSegmentEventSortingInput
from .types import (
    CRMSegment,
    CRMSegmentCondition,
    CRMSegmentCountableConnection,
    CRMSegmentEventCountableConnection,
    CRMSegmentField,
    CRMSegmentPreset,
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
    crm_segment_fields = PermissionsField(
        graphene.NonNull(graphene.List(graphene.NonNull(CRMSegmentField))),
        description=(
            "Every field a segment rule can test, with its operators and values, "
            "for editors."
        ),
        permissions=[AccountPermissions.MANAGE_USERS],
    )
    crm_segment_conditions = PermissionsField(
        graphene.NonNull(graphene.List(graphene.NonNull(CRMSegmentCondition))),
        description=(
            "The purchase conditions a segment rule can hold (bought, due, "
            "bought_not, ordered), with their parameters, for editors."
        ),
        permissions=[AccountPermissions.MANAGE_USERS],
    )
    crm_segment_preview = PermissionsField(
        CRMSegmentPreview,  # the payload of the (deprecated) mutation of this name
        args=dict(CRMSegmentPreview._meta.arguments),
        description=(
            "Live count of an unsaved rule (or preset) while editing: how many "
            "customers match and their share; bad input as typed `errors`. Reads "
            "only."
        ),
        permissions=[AccountPermissions.MANAGE_USERS],
    )

    @staticmethod
    def resolve_crm_segments(_root, info, **kwargs):
        return resolve_segments(info, kwargs)

    @staticmethod
    def resolve_crm_segment(_root, _info, *, id):
        return resolve_segment(id)

    @staticmethod
    def resolve_crm_segment_events(_root, info, **kwargs):
        return resolve_segment_events(info, kwargs)

    @staticmethod
    def resolve_crm_segment_presets(_root, _info):
        return resolve_segment_presets()

    @staticmethod
    def resolve_crm_segment_fields(_root, _info):
        return CRMSegmentField.all()

    @staticmethod
    def resolve_crm_segment_conditions(_root, _info):
        return CRMSegmentCondition.all()

    @staticmethod
    def resolve_crm_segment_preview(root, info, **data):
        return CRMSegmentPreview.resolve_as_query(root, info, **data)


class SegmentMutations(graphene.ObjectType):
    crm_segment_create = CRMSegmentCreate.Field()
    crm_segment_update = CRMSegmentUpdate.Field()
    crm_segment_delete = CRMSegmentDelete.Field()
    crm_segment_refresh = CRMSegmentRefresh.Field()
    crm_segment_preview = CRMSegmentPreview.Field(
        deprecation_reason="Use the `crmSegmentPreview` query; it writes nothing."
    )
    crm_segment_export = CRMSegmentExport.Field()
    crm_segment_members_add = CRMSegmentMembersAdd.Field()
    crm_segment_members_remove = CRMSegmentMembersRemove.Field()
