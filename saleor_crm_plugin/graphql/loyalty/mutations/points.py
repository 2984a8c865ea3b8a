import graphene
from django.db import transaction

from ....domain.errors import CRMErrorCode
from ....loyalty import ledger, redemption
from ....models import PointsEntry, PointsKind
from ...core.errors import invalid
from ...core.mutations import CustomerMeta, UsersMeta
from ..types import (
    CRMPointsBalance,
    CRMPointsRedemption,
)
from .base import LoyaltyMutation, reason_fits


class CRMPointsAdjust(LoyaltyMutation):
    points = graphene.Field(CRMPointsBalance)

    class Arguments:
        customer_id = graphene.ID(required=True)
        channel = graphene.String(required=True)
        points = graphene.Int(
            required=True, description="Positive adds, negative takes."
        )
        reason = graphene.String(required=True)
        idempotency_key = graphene.String(
            description="Optional: a retry with the same key applies nothing twice."
        )

    class Meta(UsersMeta):
        description = "Adjust a customer's points by hand, with a reason (recorded)."

    @classmethod
    def perform_mutation(
        cls,
        _root,
        info,
        /,
        *,
        customer_id,
        channel,
        points,
        reason,
        idempotency_key=None,
    ):
        user = cls.customer(customer_id)
        if idempotency_key is not None and not 1 <= len(idempotency_key) <= 40:
            raise invalid(
                "idempotency_key", CRMErrorCode.INVALID, "Use 1 to 40 characters."
            )
        operation = f"adjust:key:{idempotency_key}" if idempotency_key else None
        if not reason.strip():
            raise invalid("reason", CRMErrorCode.REQUIRED, "Give a reason.")
        reason_fits(PointsEntry, reason)
        if points == 0:
            raise invalid("points", CRMErrorCode.INVALID, "Enter a non-zero number.")
        staff = info.context.user
        by = staff.pk if staff else None
        with transaction.atomic():
            membership = cls.membership(user.pk, channel, create=True)
            if points > 0:
                ledger.grant_points(
                    membership, points, reason=reason, by=by, operation=operation
                )
            else:
                ledger.spend_points(
                    membership.pk,
                    -points,
                    kind=PointsKind.ADJUST,
                    reason=reason.strip(),
                    by=by,
                    operation=operation,
                )
        b = ledger.balances(membership.pk)
        return cls(
            points=CRMPointsBalance(
                available=b.available, pending=b.pending, expiring_soon=b.expiring_soon
            )
        )


class CRMPointsRedeem(LoyaltyMutation):
    redemption = graphene.Field(CRMPointsRedemption)
    points = graphene.Field(CRMPointsBalance, description="The balance afterwards.")

    class Arguments:
        channel = graphene.String(required=True)
        points = graphene.Int(required=True)

    class Meta(CustomerMeta):
        description = (
            "Redeem the signed-in customer's points into a Saleor gift card or a "
            "single-use voucher code (the program decides)."
        )

    @classmethod
    def perform_mutation(cls, _root, info, /, *, channel, points):
        user = info.context.user
        membership = cls.membership(user.pk, channel, create=False)
        membership.user = user
        result = redemption.redeem_points(membership, points)
        b = ledger.balances(membership.pk)
        return cls(
            redemption=result,
            points=CRMPointsBalance(
                available=b.available, pending=b.pending, expiring_soon=b.expiring_soon
            ),
        )
