import graphene
from saleor.graphql.core.fields import PermissionsField
from saleor.permission.auth_filters import AuthorizationFilters
from saleor.permission.enums import AccountPermissions, DiscountPermissions

from .mutations.overrides import CRMTierOverrideSet
from .mutations.points import CRMPointsAdjust, CRMPointsRedeem
from .mutations.preview import CRMLoyaltyPreview
from .mutations.programs import (
    CRMLoyaltyProgramCreate,
    CRMLoyaltyProgramDelete,
    CRMLoyaltyProgramUpdate,
)
from .mutations.tiers import CRMTierCreate, CRMTierDelete, CRMTierUpdate
from .resolvers import (
    loyalty_state,
    program_for,
    resolve_customer_loyalty,
    resolve_loyalty_programs,
)
from .types import CRMLoyaltyProgram, CRMLoyaltyState


class LoyaltyQueries(graphene.ObjectType):
    crm_my_loyalty = PermissionsField(
        CRMLoyaltyState,
        channel=graphene.Argument(graphene.String, required=True),
        description=(
            "The signed-in customer's tier, next tier and what is missing, points and "
            "ledger in a channel; null when the channel has no program."
        ),
        permissions=[AuthorizationFilters.AUTHENTICATED_USER],
    )
    crm_customer_loyalty = PermissionsField(
        CRMLoyaltyState,
        customer_id=graphene.Argument(graphene.ID, required=True),
        channel=graphene.Argument(graphene.String, required=True),
        description=(
            "A customer's loyalty state in a channel; null when the channel has no "
            "program or there is no such customer."
        ),
        permissions=[AccountPermissions.MANAGE_USERS],
    )
    crm_loyalty_programs = PermissionsField(
        graphene.NonNull(graphene.List(graphene.NonNull(CRMLoyaltyProgram))),
        description="Loyalty programs of every channel.",
        permissions=[DiscountPermissions.MANAGE_DISCOUNTS],
    )
    crm_loyalty_program = PermissionsField(
        CRMLoyaltyProgram,
        channel=graphene.Argument(graphene.String, required=True),
        description="A channel's loyalty program.",
        permissions=[DiscountPermissions.MANAGE_DISCOUNTS],
    )
    crm_loyalty_preview = PermissionsField(
        CRMLoyaltyPreview,  # the payload of the (deprecated) mutation of this name
        args=dict(CRMLoyaltyPreview._meta.arguments),
        description=(
            "Preview a ladder, earn rate or window before changing anything: "
            "customers per tier and the estimated member-discount cost and points "
            "over the last 12 months of orders; bad input as typed `errors`. Reads "
            "only."
        ),
        permissions=[DiscountPermissions.MANAGE_DISCOUNTS],
    )

    @staticmethod
    def resolve_crm_my_loyalty(_root, info, *, channel):
        return loyalty_state(info.context.user.pk, channel)

    @staticmethod
    def resolve_crm_customer_loyalty(_root, _info, *, customer_id, channel):
        return resolve_customer_loyalty(customer_id, channel)

    @staticmethod
    def resolve_crm_loyalty_programs(_root, _info):
        return resolve_loyalty_programs()

    @staticmethod
    def resolve_crm_loyalty_program(_root, _info, *, channel):
        return program_for(channel)

    @staticmethod
    def resolve_crm_loyalty_preview(root, info, **data):
        return CRMLoyaltyPreview.resolve_as_query(root, info, **data)


class LoyaltyMutations(graphene.ObjectType):
    crm_loyalty_program_create = CRMLoyaltyProgramCreate.Field()
    crm_loyalty_program_update = CRMLoyaltyProgramUpdate.Field()
    crm_loyalty_program_delete = CRMLoyaltyProgramDelete.Field()
    crm_tier_create = CRMTierCreate.Field()
    crm_tier_update = CRMTierUpdate.Field()
    crm_tier_delete = CRMTierDelete.Field()
    crm_points_adjust = CRMPointsAdjust.Field()
    crm_tier_override = CRMTierOverrideSet.Field()
    crm_points_redeem = CRMPointsRedeem.Field()
    crm_loyalty_preview = CRMLoyaltyPreview.Field(
        deprecation_reason="Use the `crmLoyaltyPreview` query; it writes nothing."
    )
