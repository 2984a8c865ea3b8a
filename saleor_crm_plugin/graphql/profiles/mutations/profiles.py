import graphene
from saleor.account.models import User

from ....domain.errors import CRMErrorCode
from ....models import CustomerProfile
from ....pipeline.apply import resync_customer
from ...core.errors import invalid
from ...core.mutations import CRMBaseMutation, UsersMeta
from ..types import CRMCustomerProfile


class CRMCustomerResync(CRMBaseMutation):
    # Nullable: on errors the payload carries ``errors`` and no profiles.
    profiles = graphene.List(
        graphene.NonNull(CRMCustomerProfile),
        description="The customer's profiles after the resync; null on errors.",
    )

    class Arguments:
        customer_id = graphene.ID(required=True, description="Saleor customer ID.")

    class Meta(UsersMeta):
        description = (
            "Rebuild a customer's CRM profiles from their Saleor orders now (normally "
            "kept fresh by order events)."
        )

    @classmethod
    def perform_mutation(cls, _root, info, /, *, customer_id):
        # Not get_node_or_error: it resolves the type name in the CRM's own schema,
        # which has no User type.
        pk = cls.get_global_id_or_error(
            customer_id, only_type="User", field="customer_id"
        )
        if not str(pk).isdigit():
            # Saleor's users have integer keys: a UUID-shaped user ID is as
            # malformed here as on the profile queries ("Invalid ID")
            raise invalid(
                "customer_id",
                CRMErrorCode.GRAPHQL_ERROR,
                f"Invalid ID: {customer_id}. Expected: User.",
            )
        user = User.objects.filter(pk=pk).first()
        if user is None:
            raise invalid("customer_id", CRMErrorCode.NOT_FOUND, "Customer not found.")
        resync_customer(user.pk)
        profiles = list(
            CustomerProfile.objects.select_related("channel")
            .filter(user_id=user.pk)
            .order_by("channel__slug")
        )
        return cls(profiles=profiles)
