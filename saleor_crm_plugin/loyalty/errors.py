"""The error loyalty services raise: the one CRM error model
(:class:`~saleor_crm_plugin.domain.errors.CRMServiceError`: a field, a message, a
:class:`CRMErrorCode` member), as its own class so callers can catch loyalty's
refusals."""

from __future__ import annotations

from ..domain.errors import CRMErrorCode, CRMServiceError

__all__ = ["CRMErrorCode", "LoyaltyError"]


class LoyaltyError(CRMServiceError):
    """A refused loyalty operation."""
