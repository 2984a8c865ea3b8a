import graphene
from saleor.graphql.core.connection import CountableConnection, create_connection_slice
from saleor.graphql.core.scalars import JSON, DateTime
from saleor.graphql.core.types import ModelObjectType

from ....domain.segments import PRESETS
from ....models import CustomerProfile, Segment
from ..enums import CRMSegmentKindEnum
from .members import CRMSegmentMemberCountableConnection


class CRMSegment(ModelObjectType[Segment]):
    id = graphene.GlobalID(required=True)
    name = graphene.String(required=True)
    description = graphene.String(required=True)
    channel = graphene.String(description="Slug of the channel; null: all channels.")
    kind = CRMSegmentKindEnum(required=True)
    rule = JSON(required=True, description="The rule tree (see README: Segments).")
    preset = graphene.String(description="Key of a ready-made segment, if it is one.")
    preset_params = JSON(required=True, description="The preset's edited thresholds.")
    members_count = graphene.Int(required=True)
    computed_at = DateTime(description="When the members were last computed.")
    members = graphene.Field(
        CRMSegmentMemberCountableConnection,
        first=graphene.Int(default_value=50),
        after=graphene.String(),
        description="The segment's customers (profiles), with their email and "
        "names (MANAGE_USERS).",
    )

    class Meta:
        description = "A customer segment."
        interfaces = [graphene.relay.Node]
        model = Segment

    @staticmethod
    def resolve_channel(root: Segment, _info):
        return root.channel.slug if root.channel_id else None

    @staticmethod
    def resolve_preset(root: Segment, _info):
        return root.preset or None

    @staticmethod
    def resolve_members(root: Segment, info, **kwargs):
        kwargs.setdefault("first", 50)
        # one query per page, names and emails included (no query per member)
        qs = CustomerProfile.objects.select_related("channel", "user").filter(
            segment_memberships__segment=root
        )
        return create_connection_slice(
            qs, info, kwargs, CRMSegmentMemberCountableConnection
        )


class CRMSegmentCountableConnection(CountableConnection):
    class Meta:
        node = CRMSegment


class CRMSegmentPreset(graphene.ObjectType):
    key = graphene.String(required=True)
    title = graphene.String(required=True)
    description = graphene.String(required=True)
    defaults = JSON(required=True, description="Editable thresholds.")

    @staticmethod
    def all():
        return [
            CRMSegmentPreset(
                key=k, title=p.title, description=p.description, defaults=p.defaults
            )
            for k, p in PRESETS.items()
        ]


class CRMSegmentCount(graphene.ObjectType):
    count = graphene.Int(required=True, description="Customers matching the rule.")
    total = graphene.Int(required=True, description="Customers in scope.")
    share = graphene.Float(required=True, description="count / total (0 when empty).")
