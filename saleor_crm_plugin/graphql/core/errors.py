"""The one place a CRM service error becomes a GraphQL error.

Services and pure rules raise :class:`~saleor_crm_plugin.domain.errors.
CRMServiceError` (or an area's subclass) with the snake_case input field, a
:class:`CRMErrorCode` member and a message. :class:`~.mutations.CRMBaseMutation`
catches it for every CRM mutation and answers with Saleor's typed errors
(``errors { field code message }``): the field camelCased as the schema spells it,
the code's value. A mutation whose input names a field differently from the
service lists the renames in ``error_fields``."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError

from ...domain.errors import CRMErrorCode, CRMServiceError


def camel(name: str) -> str:
    """``category_ids`` → ``categoryIds`` (graphene's auto camel case); a path
    into an input object keeps its keys: ``message_templates.ja.subject`` →
    ``messageTemplates.ja.subject``."""
    first, dot, path = name.partition(".")
    head, *rest = first.split("_")
    return head + "".join(part.title() for part in rest) + dot + path


def invalid(field: str, code: CRMErrorCode, message: str) -> ValidationError:
    """Saleor's ValidationError for one input field (snake_case or camelCase)."""
    return ValidationError({camel(field): ValidationError(message, code=code.value)})


def from_service_error(
    exc: CRMServiceError, fields: Mapping[str, str] | None = None
) -> ValidationError:
    """The ValidationError of a refused service call; ``fields`` renames the
    service's field to the mutation's input name."""
    field = (fields or {}).get(exc.field, exc.field)
    return invalid(field, exc.code, str(exc))
