"""What the segment mutations share."""

from ....domain.errors import CRMErrorCode
from ...core.errors import invalid
from ...core.mutations import UsersMeta
from ...core.resolvers import channel_or_error

SegmentMeta = UsersMeta


def optional_channel(slug):
    """A segment's channel: null for all channels, else the channel or an error."""
    return None if slug is None else channel_or_error(slug)


def one_of_rule_or_preset(rule, preset):
    if rule is not None and preset:
        raise invalid(
            "preset", CRMErrorCode.INVALID, "Give either a rule or a preset, not both."
        )
