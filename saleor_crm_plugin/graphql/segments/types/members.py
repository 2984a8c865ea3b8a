"""Who is in a segment: customer profiles and who they are."""

import graphene
from saleor.graphql.core.connection import CountableConnection
from saleor.graphql.core.fields import PermissionsField
from saleor.permission.enums import AccountPermissions

from ....models import CustomerProfile
from ...profiles.types import CRMCustomerProfile

MANAGE_USERS = AccountPermissions.MANAGE_USERS


def _user_field(field: str):
    """The account's name field; null for a guest."""

    def resolve(root, _info):
        user = root.user if root.user_id else None
        return getattr(user, field) if user is not None else None

    return resolve


def _email(root: CustomerProfile, _info):
    # the account's current email; a guest is known by the profile's
    return root.user.email if root.user_id else root.email


class CRMPersonFields:
    """Who the customer is, for staff with MANAGE_USERS: the fields segment members
    and segment events share (each type resolves them from its own row)."""

    email = PermissionsField(
        graphene.NonNull(graphene.String),
        permissions=[MANAGE_USERS],
        description="The customer's email: the account's, or the guest's.",
    )
    first_name = PermissionsField(
        graphene.String,
        permissions=[MANAGE_USERS],
        description="The account's first name; null for a guest.",
    )
    last_name = PermissionsField(
        graphene.String,
        permissions=[MANAGE_USERS],
        description="The account's last name; null for a guest.",
    )


class CRMSegmentMember(CRMPersonFields, CRMCustomerProfile):
    # the profile's own ID (members are profiles): the same ID as elsewhere
    id = graphene.GlobalID(
        required=True, parent_type=CRMCustomerProfile, description="The profile's ID."
    )

    class Meta:
        description = (
            "A member of a segment: the customer's CRM profile in a "
            "channel, and who they are."
        )
        interfaces = [graphene.relay.Node]
        model = CustomerProfile

    resolve_email = staticmethod(_email)
    resolve_first_name = staticmethod(_user_field("first_name"))
    resolve_last_name = staticmethod(_user_field("last_name"))


class CRMSegmentMemberCountableConnection(CountableConnection):
    class Meta:
        node = CRMSegmentMember
