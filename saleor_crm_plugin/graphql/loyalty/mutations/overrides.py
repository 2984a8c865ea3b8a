import graphene
from django.db import transaction
from saleor.graphql.core.scalars import DateTime

from ....loyalty import state as loyalty_state
from ....loyalty import tiers as loyalty_tiers
from ....models import Membership, Tier
from ...core.mutations import UsersMeta
from ..types import CRMTier
from .base import LoyaltyMutation, reason_fits


class CRMTierOverrideSet(LoyaltyMutation):
    error_fields = {"tier": "tier_id"}

    tier = graphene.Field(CRMTier, description="The tier that applies now.")

    class Arguments:
        customer_id = graphene.ID(required=True)
        channel = graphene.String(required=True)
        tier_id = graphene.ID(description="Null clears the override.")
        reason = graphene.String(required=True)
        expires_at = DateTime(description="Null: until cleared.")

    class Meta(UsersMeta):
        description = "Set (or clear) a staff override of a customer's tier."

    @classmethod
    def perform_mutation(
        cls,
        _root,
        info,
        /,
        *,
        customer_id,
        channel,
        reason,
        tier_id=None,
        expires_at=None,
    ):
        user = cls.customer(customer_id)
        reason_fits(Membership, reason, "override_reason")
        tier = (
            cls.object_or_error(Tier, tier_id, "CRMTier", "tier_id")
            if tier_id
            else None
        )
        staff = info.context.user
        with transaction.atomic():
            membership = cls.membership(user.pk, channel, create=True)
            loyalty_tiers.override_tier(
                membership,
                tier,
                reason=reason,
                expires_at=expires_at,
                by=staff.pk if staff else None,
            )
        membership.refresh_from_db()
        return cls(tier=loyalty_state.effective_tier(membership))
