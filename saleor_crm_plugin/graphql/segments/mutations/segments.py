from decimal import Decimal

import graphene
from django.db import transaction
from django.utils import timezone

from ....core.validation import first_column_problem
from ....coupons.rules import refuse_if_used
from ....domain.errors import CRMErrorCode
from ....domain.segments import segment_rule
from ....models import Segment
from ....segments import membership as segments
from ...core.errors import invalid
from ...core.mutations import CRMMutation
from ..inputs import CRMSegmentInput
from ..types import CRMSegment
from .base import SegmentMeta, one_of_rule_or_preset, optional_channel


def _check_rule(segment: Segment):
    """Validate what the segment will compute; store the normalized rule."""
    if not segment.preset and segment.rule is None:
        raise invalid("rule", CRMErrorCode.REQUIRED, "Give a rule or a preset.")
    rule = segment_rule(segment.rule, segment.preset, segment.preset_params)
    # JSON-safe (dates and decimals as text) for storage and display
    segment.rule = _jsonable(rule)


def _jsonable(node):
    if isinstance(node, dict):
        return {k: _jsonable(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_jsonable(v) for v in node]
    if hasattr(node, "isoformat"):
        return node.isoformat()
    if isinstance(node, Decimal):
        return str(node)
    return node


def _apply(segment: Segment, data: dict):
    one_of_rule_or_preset(data.get("rule"), data.get("preset"))
    for field in ("name", "description", "kind", "preset"):
        if data.get(field) is not None:
            setattr(
                segment, field, data[field].strip() if field == "name" else data[field]
            )
    if "channel" in data:
        segment.channel = optional_channel(data["channel"])
    if data.get("rule") is not None:
        segment.rule, segment.preset, segment.preset_params = data["rule"], "", {}
    if data.get("preset_params") is not None:
        if not isinstance(data["preset_params"], dict):
            raise invalid("preset_params", CRMErrorCode.INVALID, "Enter an object.")
        segment.preset_params = data["preset_params"]
    if not (segment.name or "").strip():
        raise invalid("name", CRMErrorCode.REQUIRED, "Give the segment a name.")
    problem = first_column_problem(
        Segment, {"name": segment.name, "description": segment.description}
    )
    if problem:
        raise invalid(problem[0], CRMErrorCode.INVALID, problem[1])
    _check_rule(segment)


class CRMSegmentCreate(CRMMutation):
    segment = graphene.Field(CRMSegment)

    class Arguments:
        input = CRMSegmentInput(required=True)

    class Meta(SegmentMeta):
        description = "Create a segment and compute its members."

    @classmethod
    def perform_mutation(cls, _root, _info, /, *, input):
        segment = Segment(rule=None)
        _apply(segment, input)
        with transaction.atomic():
            segment.save()
            segments.materialize(segment)
        return cls(segment=segment)


class CRMSegmentUpdate(CRMMutation):
    segment = graphene.Field(CRMSegment)

    class Arguments:
        id = graphene.ID(required=True)
        input = CRMSegmentInput(required=True)

    class Meta(SegmentMeta):
        description = "Change a segment; a dynamic one is recomputed at once."

    @classmethod
    def perform_mutation(cls, _root, _info, /, *, id, input):
        segment = cls.object_or_error(Segment, id, "CRMSegment")
        _apply(segment, input)
        segment.updated_at = timezone.now()
        with transaction.atomic():
            segment.save()
            if segment.kind == "dynamic":
                segments.materialize(segment)
        return cls(segment=segment)


class CRMSegmentDelete(CRMMutation):
    segment = graphene.Field(CRMSegment)

    class Arguments:
        id = graphene.ID(required=True)

    class Meta(SegmentMeta):
        description = (
            "Delete a segment with its members and events. A segment a coupon "
            "rule uses is refused with IN_USE, naming the rules."
        )

    @classmethod
    def perform_mutation(cls, _root, _info, /, *, id):
        segment = cls.object_or_error(Segment, id, "CRMSegment")
        refuse_if_used("segment", segment_id=segment.pk)
        pk = segment.pk
        segment.delete()
        segment.pk = pk
        return cls(segment=segment)


class CRMSegmentRefresh(CRMMutation):
    segment = graphene.Field(CRMSegment)
    entered = graphene.Int(description="Customers who entered.")
    exited = graphene.Int(description="Customers who left.")

    class Arguments:
        id = graphene.ID(required=True)

    class Meta(SegmentMeta):
        description = (
            "Recompute a segment's members now (a static one: a new snapshot)."
        )

    @classmethod
    def perform_mutation(cls, _root, _info, /, *, id):
        segment = cls.object_or_error(Segment, id, "CRMSegment")
        result = segments.materialize(segment)
        return cls(segment=segment, entered=result["entered"], exited=result["exited"])
