"""The base of every CRM mutation: Saleor's ``BaseMutation`` (permissions, typed
``errors`` / ``crmErrors``) plus the CRM's input-cleaning layer and ID helpers."""

from django.core.exceptions import ValidationError
from saleor.graphql.core.context import setup_context_user
from saleor.graphql.core.mutations import BaseMutation

from ...error_codes import CRMErrorCode
from ...validation import NUL_MESSAGE
from .validation import nul_argument


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def invalid(field: str, code: CRMErrorCode, message: str) -> ValidationError:
    return ValidationError({_camel(field): ValidationError(message, code=code.value)})


class CRMBaseMutation(BaseMutation):
    class Meta:
        abstract = True

    @classmethod
    def mutate(cls, root, info, /, **data):
        # Text no column can store (a NUL character) is refused before the
        # mutation runs, once the caller is known to be allowed to run it.
        field = nul_argument(info, data)
        if field is not None:
            setup_context_user(info.context)
            if cls.check_permissions(info.context, data=data):
                return cls.handle_errors(
                    invalid(field, CRMErrorCode.INVALID, NUL_MESSAGE))
        return super().mutate(root, info, **data)

    @classmethod
    def pk_of(cls, global_id, type_name, field):
        pk = cls.get_global_id_or_error(global_id, only_type=type_name, field=field)
        if not str(pk).isdigit():
            raise invalid(field, CRMErrorCode.INVALID, f"Expected a {type_name} ID.")
        return int(pk)

    @classmethod
    def object_or_error(cls, model, global_id, type_name, field="id"):
        obj = model.objects.filter(pk=cls.pk_of(global_id, type_name, field)).first()
        if obj is None:
            raise invalid(field, CRMErrorCode.NOT_FOUND, f"{type_name} not found.")
        return obj
