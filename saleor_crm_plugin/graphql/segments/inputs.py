import graphene
from saleor.graphql.core.scalars import JSON

from .enums import CRMSegmentKindEnum


class CRMSegmentInput(graphene.InputObjectType):
    name = graphene.String()
    description = graphene.String()
    channel = graphene.String(description="Slug of a channel; null: all channels.")
    kind = CRMSegmentKindEnum()
    rule = JSON(description="A rule tree (give a rule or a preset).")
    preset = graphene.String(description="Key of a ready-made segment.")
    preset_params = JSON(description="The preset's thresholds.")
