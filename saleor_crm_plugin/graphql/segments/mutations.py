from decimal import Decimal

import graphene
from django.db import transaction
from django.utils import timezone
from saleor.channel.models import Channel
from saleor.graphql.core.scalars import JSON

from ...core.errors import CRMErrorCode
from ...core.validation import first_column_problem
from ...domain.segments import RuleError, segment_rule
from ...models import Segment
from ...segments import membership as segments
from ..core.mutations import CRMMutation, UsersMeta, invalid
from .types import CRMSegment, CRMSegmentCount, CRMSegmentKindEnum


def rule_error(exc: RuleError):
    field = (
        "presetParams"
        if exc.path.startswith("preset_params")
        else ("preset" if exc.path == "preset" else "rule")
    )
    return invalid(field, CRMErrorCode[exc.code], str(exc))


SegmentMeta = UsersMeta


class CRMSegmentInput(graphene.InputObjectType):
    name = graphene.String()
    description = graphene.String()
    channel = graphene.String(description="Slug of a channel; null: all channels.")
    kind = CRMSegmentKindEnum()
    rule = JSON(description="A rule tree (give a rule or a preset).")
    preset = graphene.String(description="Key of a ready-made segment.")
    preset_params = JSON(description="The preset's thresholds.")


def _channel(slug):
    if slug is None:
        return None
    channel = Channel.objects.filter(slug=slug).first()
    if channel is None:
        raise invalid("channel", CRMErrorCode.NOT_FOUND, "Channel not found.")
    return channel


def _check_rule(segment: Segment):
    """Validate what the segment will compute; store the normalized rule."""
    try:
        if not segment.preset and segment.rule is None:
            raise invalid("rule", CRMErrorCode.REQUIRED, "Give a rule or a preset.")
        rule = segment_rule(segment.rule, segment.preset, segment.preset_params)
    except RuleError as exc:
        raise rule_error(exc) from exc
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


def _one_of_rule_or_preset(rule, preset):
    if rule is not None and preset:
        raise invalid(
            "preset", CRMErrorCode.INVALID, "Give either a rule or a preset, not both."
        )


def _apply(segment: Segment, data: dict):
    _one_of_rule_or_preset(data.get("rule"), data.get("preset"))
    for field in ("name", "description", "kind", "preset"):
        if data.get(field) is not None:
            setattr(
                segment, field, data[field].strip() if field == "name" else data[field]
            )
    if "channel" in data:
        segment.channel = _channel(data["channel"])
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
        description = "Delete a segment with its members and events."

    @classmethod
    def perform_mutation(cls, _root, _info, /, *, id):
        segment = cls.object_or_error(Segment, id, "CRMSegment")
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
        _one_of_rule_or_preset(rule, preset)
        channel_obj = _channel(channel)
        try:
            if not preset and rule is None:
                raise invalid("rule", CRMErrorCode.REQUIRED, "Give a rule or a preset.")
            normal = segment_rule(rule, preset, preset_params or {})
        except RuleError as exc:
            raise rule_error(exc) from exc
        matched, total = segments.count(normal, channel_obj.pk if channel_obj else None)
        return cls(
            result=CRMSegmentCount(
                count=matched, total=total, share=matched / total if total else 0.0
            )
        )
