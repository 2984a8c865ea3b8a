"""The base of every CRM mutation: Saleor's ``BaseMutation`` (permissions, typed
``errors``; ``crmErrors`` is its deprecated alias) plus the CRM's input-cleaning
layer, the one mapping of service errors (``errors.py``) and ID helpers, and the
permission metas the areas' mutations share.

A mutation that writes nothing (a preview) is also served as a query field with
:meth:`CRMBaseMutation.resolve_as_query`: the same payload type and typed errors,
the permission checked by the query's ``PermissionsField`` and text by the input
guard, as on every query."""

from django.core.exceptions import ValidationError
from saleor.account.models import User
from saleor.graphql.core.context import setup_context_user
from saleor.graphql.core.mutations import BaseMutation
from saleor.permission.auth_filters import AuthorizationFilters
from saleor.permission.enums import AccountPermissions, DiscountPermissions

from ...core.validation import NUL_MESSAGE
from ...domain.errors import CRMErrorCode, CRMServiceError
from .errors import from_service_error, invalid
from .types import CRMError
from .validation import nul_argument


class CRMBaseMutation(BaseMutation):
    # a service's field name → this mutation's input name, where they differ
    error_fields: dict[str, str] = {}

    class Meta:
        abstract = True

    @classmethod
    def mutate(cls, root, info, /, **data):
        """Saleor's ``mutate`` with two CRM layers: text no column can store is
        refused first, and a refused service call (a :class:`CRMServiceError`
        raised anywhere in ``perform_mutation``) becomes the typed error."""
        # Text no column can store (a NUL character) is refused before the
        # mutation runs, once the caller is known to be allowed to run it.
        field = nul_argument(info, data)
        if field is not None:
            setup_context_user(info.context)
            if cls.check_permissions(info.context, data=data):
                return cls.handle_errors(
                    invalid(field, CRMErrorCode.INVALID, NUL_MESSAGE)
                )
        try:
            return super().mutate(root, info, **data)
        except CRMServiceError as exc:
            return cls.handle_errors(from_service_error(exc, cls.error_fields))

    @classmethod
    def resolve_as_query(cls, root, info, /, **data):
        """Answer a query field with this mutation's payload — for mutations whose
        ``perform_mutation`` writes nothing (previews). Bad input is the same typed
        ``errors`` / ``crmErrors`` as on the mutation. The caller's permission is
        checked by the query field (``PermissionsField``) before this runs."""
        try:
            response = cls.perform_mutation(root, info, **data)
        except ValidationError as error:
            return cls.handle_errors(error)
        except CRMServiceError as exc:
            return cls.handle_errors(from_service_error(exc, cls.error_fields))
        if response.errors is None:
            response.errors = []
        return response

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


class DiscountsMeta:
    """Meta of the mutations for staff and apps with MANAGE_DISCOUNTS."""

    permissions = (DiscountPermissions.MANAGE_DISCOUNTS,)
    error_type_class = CRMError
    error_type_field = "crm_errors"


class UsersMeta(DiscountsMeta):
    """Meta of the mutations for staff and apps with MANAGE_USERS."""

    permissions = (AccountPermissions.MANAGE_USERS,)


class CustomerMeta(DiscountsMeta):
    """Meta of the mutations a signed-in customer runs on their own data."""

    permissions = (AuthorizationFilters.AUTHENTICATED_USER,)


class CRMMutation(CRMBaseMutation):
    class Meta:
        abstract = True

    @classmethod
    def customer(cls, customer_id):
        return cls.object_or_error(User, customer_id, "User", "customer_id")
