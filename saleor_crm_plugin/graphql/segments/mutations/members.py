"""Hand-picked members of a static segment: add or remove customers by their
Saleor IDs (the Dashboard's customer list selection)."""

import graphene
from saleor.account.models import User

from ....domain.errors import CRMErrorCode
from ....domain.segments import MAX_LIST
from ....models import Segment
from ....segments import membership as segments
from ...core.errors import invalid
from ...core.mutations import CRMMutation
from ...core.utils import gid
from ..types import CRMSegment
from .base import SegmentMeta


class _MembersMutation(CRMMutation):
    segment = graphene.Field(CRMSegment)

    class Arguments:
        id = graphene.ID(required=True, description="A static segment.")
        customer_ids = graphene.List(
            graphene.NonNull(graphene.ID),
            required=True,
            description=f"Saleor customer (User) IDs, 1 to {MAX_LIST}.",
        )

    class Meta:
        abstract = True

    @classmethod
    def static_segment(cls, id) -> Segment:
        segment = cls.object_or_error(Segment, id, "CRMSegment")
        if segment.kind != "static":
            raise invalid(
                "id",
                CRMErrorCode.INVALID,
                "Only a static segment takes hand-picked customers; a dynamic "
                "one follows its rule.",
            )
        return segment

    @classmethod
    def user_pks(cls, customer_ids) -> list[int]:
        if not customer_ids:
            raise invalid(
                "customer_ids", CRMErrorCode.REQUIRED, "Choose at least one customer."
            )
        if len(customer_ids) > MAX_LIST:
            raise invalid(
                "customer_ids",
                CRMErrorCode.TOO_COMPLEX,
                f"At most {MAX_LIST} customers at a time.",
            )
        pks = list(
            dict.fromkeys(cls.pk_of(i, "User", "customer_ids") for i in customer_ids)
        )
        found = set(User.objects.filter(pk__in=pks).values_list("pk", flat=True))
        if len(found) != len(pks):
            raise invalid(
                "customer_ids", CRMErrorCode.NOT_FOUND, "Some customers do not exist."
            )
        return pks


class CRMSegmentMembersAdd(_MembersMutation):
    added = graphene.Int(description="Memberships added (one per profile in scope).")
    skipped_customer_ids = graphene.List(
        graphene.NonNull(graphene.ID),
        description=(
            "Customers left out: no CRM profile in the segment's channel yet (no "
            "order there)."
        ),
    )

    class Meta(SegmentMeta):
        description = (
            "Add customers to a static segment by hand; each new member gets an "
            "ENTER event. A refresh of the segment replaces its members with its "
            "rule's snapshot."
        )

    @classmethod
    def perform_mutation(cls, _root, _info, /, *, id, customer_ids):
        segment = cls.static_segment(id)
        added, skipped = segments.add_members(segment, cls.user_pks(customer_ids))
        return cls(
            segment=segment,
            added=added,
            skipped_customer_ids=[gid("User", pk) for pk in skipped],
        )


class CRMSegmentMembersRemove(_MembersMutation):
    removed = graphene.Int(description="Memberships ended.")

    class Meta(SegmentMeta):
        description = (
            "Remove customers from a static segment by hand; each membership that "
            "ends gets an EXIT event."
        )

    @classmethod
    def perform_mutation(cls, _root, _info, /, *, id, customer_ids):
        segment = cls.static_segment(id)
        removed = segments.remove_members(segment, cls.user_pks(customer_ids))
        return cls(segment=segment, removed=removed)
