"""The CRM's error codes (one enum, exposed in the GraphQL schema as
``CRMErrorCode``)."""

from enum import Enum


class CRMErrorCode(Enum):
    GRAPHQL_ERROR = "graphql_error"
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    REQUIRED = "required"
    UNIQUE = "unique"
    INSUFFICIENT_POINTS = "insufficient_points"
    BELOW_MINIMUM = "below_minimum"
    PROGRAM_INACTIVE = "program_inactive"
    TOO_COMPLEX = "too_complex"
