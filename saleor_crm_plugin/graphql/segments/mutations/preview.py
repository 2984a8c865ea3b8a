import graphene
from saleor.graphql.core.scalars import JSON

from ....domain.errors import CRMErrorCode
from ....domain.segments import segment_rule
from ....segments import membership as segments
from ...core.errors import invalid
from ...core.mutations import CRMMutation
from ..types import CRMSegmentCount
from .base import SegmentMeta, one_of_rule_or_preset, optional_channel


class CRMSegmentPreview(CRMMutation):
    result = graphene.Field(CRMSegmentCount)

    class Arguments:
        rule = JSON(description="An unsaved rule tree.")
        preset = graphene.String()
        preset_params = JSON()
        channel = graphene.String()

    class Meta(SegmentMeta):
        description = (
            "Live count of an unsaved rule (or preset) while editing: how many "
            "customers match and their share. Writes nothing."
        )

    @classmethod
    def perform_mutation(
        cls,
        _root,
        _info,
        /,
        *,
        rule=None,
        preset=None,
        preset_params=None,
        channel=None,
    ):
        one_of_rule_or_preset(rule, preset)
        channel_obj = optional_channel(channel)
        if not preset and rule is None:
            raise invalid("rule", CRMErrorCode.REQUIRED, "Give a rule or a preset.")
        normal = segment_rule(rule, preset, preset_params or {})
        matched, total = segments.count(normal, channel_obj.pk if channel_obj else None)
        return cls(
            result=CRMSegmentCount(
                count=matched, total=total, share=matched / total if total else 0.0
            )
        )
