"""Segment entry and exit events: who entered or left which segment, when."""

import graphene
from saleor.graphql.core.connection import CountableConnection
from saleor.graphql.core.scalars import DateTime
from saleor.graphql.core.types import ModelObjectType

from ....models import SegmentEvent
from ..enums import CRMSegmentEventKindEnum
from .members import CRMPersonFields


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
