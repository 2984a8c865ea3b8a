"""The CRM's one error model (pure Python, no Django).

* :class:`CRMErrorCode` — every code a CRM operation can refuse with; the GraphQL
  schema exposes it as ``CRMErrorCode`` (``errors { field code message }``).
* :class:`CRMServiceError` — the one exception services and pure rules raise when
  they refuse an input: the snake_case input ``field`` it concerns, a ``code``
  (always a :class:`CRMErrorCode` member, never a string: a typo fails at import,
  not in a customer's request) and a message for the person who typed it.

The areas keep their own subclasses (``RuleError``, ``CouponRuleError``,
``TierError``, ``RfmError``, ``ConfigError``, ``LoyaltyError``) so a test or a
caller can catch one area's refusals; ``graphql/core/errors.py`` maps the base
class once, for every mutation."""

from __future__ import annotations

from enum import Enum


class CRMErrorCode(Enum):
    """Codes of the errors CRM mutations return."""

    GRAPHQL_ERROR = "graphql_error"
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    REQUIRED = "required"
    UNIQUE = "unique"
    INSUFFICIENT_POINTS = "insufficient_points"
    BELOW_MINIMUM = "below_minimum"
    PROGRAM_INACTIVE = "program_inactive"
    TOO_COMPLEX = "too_complex"
    # a segment or tier a coupon rule uses: the error names the rules
    IN_USE = "in_use"
    # analytics: a range / grain / bound the KPI queries refuse
    INVALID_RANGE = "invalid_range"
    RANGE_TOO_LONG = "range_too_long"
    GRAIN_TOO_FINE = "grain_too_fine"
    OUT_OF_BOUNDS = "out_of_bounds"


class CRMServiceError(ValueError):
    """A refused input: the snake_case ``field`` it concerns, a
    :class:`CRMErrorCode` member and a message (``str(exc)``)."""

    def __init__(
        self, field: str, message: str, code: CRMErrorCode = CRMErrorCode.INVALID
    ):
        if not isinstance(code, CRMErrorCode):
            raise TypeError(f"code must be a CRMErrorCode member, not {code!r}")
        super().__init__(message)
        self.field, self.code, self.message = field, code, message
