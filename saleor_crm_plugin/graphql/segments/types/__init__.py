from .events import CRMSegmentEvent, CRMSegmentEventCountableConnection
from .members import (
    CRMPersonFields,
    CRMSegmentMember,
    CRMSegmentMemberCountableConnection,
)
from .segments import (
    CRMSegment,
    CRMSegmentCount,
    CRMSegmentCountableConnection,
    CRMSegmentPreset,
)

__all__ = [
    "CRMPersonFields",
    "CRMSegment",
    "CRMSegmentCount",
    "CRMSegmentCountableConnection",
    "CRMSegmentEvent",
    "CRMSegmentEventCountableConnection",
    "CRMSegmentMember",
    "CRMSegmentMemberCountableConnection",
    "CRMSegmentPreset",
]
