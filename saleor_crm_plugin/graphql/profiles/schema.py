import graphene
from saleor.graphql.core.fields import PermissionsField
from saleor.permission.auth_filters import AuthorizationFilters
from saleor.permission.enums import AccountPermissions

from .mutations.profiles import CRMCustomerResync
from .resolvers import (
    resolve_customer_profile,
    resolve_customer_profiles,
    resolve_profile,
)
from .types import CRMCustomerProfile


class ProfileQueries(graphene.ObjectType):
    crm_customer_profile = PermissionsField(
        CRMCustomerProfile,
        customer_id=graphene.Argument(
            graphene.ID, required=True, description="Saleor ID of the customer."
        ),
        channel=graphene.Argument(
            graphene.String, required=True, description="Slug of the channel."
        ),
        description="A customer's CRM profile in a channel.",
        permissions=[AccountPermissions.MANAGE_USERS],
    )
    crm_customer_profiles = PermissionsField(
        graphene.NonNull(graphene.List(graphene.NonNull(CRMCustomerProfile))),
        customer_id=graphene.Argument(graphene.ID, required=True),
        description="A customer's CRM profiles in every channel.",
        permissions=[AccountPermissions.MANAGE_USERS],
    )
    crm_my_profile = PermissionsField(
        CRMCustomerProfile,
        channel=graphene.Argument(graphene.String, required=True),
        description="The signed-in customer's own CRM profile in a channel.",
        permissions=[AuthorizationFilters.AUTHENTICATED_USER],
    )

    @staticmethod
    def resolve_crm_customer_profile(_root, _info, *, customer_id, channel):
        return resolve_customer_profile(customer_id, channel)

    @staticmethod
    def resolve_crm_customer_profiles(_root, _info, *, customer_id):
        return resolve_customer_profiles(customer_id)

    @staticmethod
    def resolve_crm_my_profile(_root, info, *, channel):
        return resolve_profile(info.context.user.pk, channel)


class ProfileMutations(graphene.ObjectType):
    crm_customer_resync = CRMCustomerResync.Field()
