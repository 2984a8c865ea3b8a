from .points import (
    CRMPointsBalance,
    CRMPointsEntry,
    CRMPointsEntryCountableConnection,
    CRMPointsRedemption,
)
from .preview import CRMPreview, CRMTierPreview
from .programs import CRMLoyaltyProgram, CRMPublicLoyaltyProgram, CRMTier
from .state import (
    CRMLoyaltyState,
    CRMMissing,
    CRMTierChange,
    CRMTierOverride,
    missing,
)

__all__ = [
    "CRMLoyaltyProgram",
    "CRMLoyaltyState",
    "CRMMissing",
    "CRMPointsBalance",
    "CRMPointsEntry",
    "CRMPointsEntryCountableConnection",
    "CRMPointsRedemption",
    "CRMPreview",
    "CRMPublicLoyaltyProgram",
    "CRMTier",
    "CRMTierChange",
    "CRMTierOverride",
    "CRMTierPreview",
    "missing",
]
