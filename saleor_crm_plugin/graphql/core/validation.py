"""One input-cleaning layer for the whole CRM schema.

* Text: no argument may carry a NUL character (PostgreSQL text and ``jsonb``
  cannot hold one, so it would end as a ``DataError``). The check walks each
  field's arguments by their schema types — strings, JSON, enums, nested input
  objects and lists — and leaves IDs to Saleor's own ID decoding. Mutations answer
  it as ``errors {field: <the input field>, code: INVALID}`` (see
  ``core.mutations.CRMBaseMutation``); every other field through
  :class:`InputGuardMiddleware` as a GraphQL error, before any resolver runs.
* IDs on queries: :func:`query_pk` decodes with Saleor's ``from_global_id_or_error``
  (``only_type``), so a malformed ID or one of another type is Saleor's
  ``Invalid ID: …`` GraphQL error.
* Filters: :func:`filter_queryset` applies a django-filter FilterSet and refuses an
  invalid one the way Saleor's ``filter_qs`` does (the form errors as JSON).
"""

from __future__ import annotations

import orjson
from graphql import (
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
)
from saleor.graphql.core.utils import from_global_id_or_error

from ...core.validation import NUL_MESSAGE, contains_nul


def _nul_in(value, type_, name: str) -> str | None:
    if value is None:
        return None
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    if isinstance(type_, GraphQLList):
        items = value if isinstance(value, list | tuple) else [value]
        for item in items:
            found = _nul_in(item, type_.of_type, name)
            if found:
                return found
        return None
    if isinstance(type_, GraphQLInputObjectType):
        for field_name, field in type_.fields.items():
            key = field.out_name or field_name
            if key in value:
                found = _nul_in(value[key], field.type, field_name)
                if found:
                    return found
        return None
    if isinstance(type_, GraphQLScalarType) and type_.name == "ID":
        return None  # decoded by Saleor's helpers: a malformed ID is GRAPHQL_ERROR
    return name if contains_nul(value) else None


def nul_argument(info, args: dict) -> str | None:
    """The GraphQL name of the (innermost input) field of ``args`` holding a NUL
    character, or None. ``args`` are the resolver's keyword arguments."""
    if not args:
        return None
    field = info.parent_type.fields.get(info.field_name)
    if field is None:
        return None  # an introspection field (``__type``): reads no data
    for arg_name, arg in field.args.items():
        key = arg.out_name or arg_name
        if key in args:
            found = _nul_in(args[key], arg.type, arg_name)
            if found:
                return found
    return None


class InputGuardMiddleware:
    """Refuses text arguments with a NUL character on every field except the
    mutations' root fields (those answer with a typed ``errors`` entry)."""

    def resolve(self, next_, root, info, **args):
        if args and info.parent_type is not info.schema.get_mutation_type():
            name = nul_argument(info, args)
            if name:
                raise GraphQLError(f"Invalid value of {name}: {NUL_MESSAGE}")
        return next_(root, info, **args)


def query_pk(global_id: str, type_name: str) -> int:
    """The database key behind a global ID of ``type_name``; Saleor's ``Invalid
    ID`` GraphQL error for a malformed ID, one of another type or a non-integer
    key."""
    _, pk = from_global_id_or_error(global_id, type_name, raise_error=True)
    if not str(pk).isdigit():  # a well-formed UUID is no key of ours
        raise GraphQLError(f"Invalid ID: {global_id}. Expected: {type_name}.")
    return int(pk)


def filter_queryset(filterset_class, data, queryset):
    """``queryset`` filtered by ``data``; an invalid filter is Saleor's GraphQL
    error with the form errors as JSON (as ``saleor.graphql.core.connection``)."""
    filterset = filterset_class(data or {}, queryset=queryset)
    if not filterset.is_valid():
        raise GraphQLError(
            orjson.dumps(filterset.errors.get_json_data()).decode("utf-8")
        )
    return filterset.qs
