from .catalogue import CRMSegmentCondition, CRMSegmentField, CRMSegmentOperator
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
    "CRMSegmentCondition",
    "CRMSegmentField",
    "CRMSegmentOperator",
    "CRMSegment",
    "CRMSegmentCount",
    "CRMSegmentCountableConnection",
    "CRMSegmentEvent",
    "CRMSegmentEventCountableConnection",
    "CRMSegmentMember",
    "CRMSegmentMemberCountableConnection",
    "CRMSegmentPreset",
]
