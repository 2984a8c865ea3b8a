import decimal

import graphene

from ....domain.errors import CRMErrorCode
from ....loyalty import programs
from ....models import LoyaltyProgram, Tier
from ...core.errors import invalid
from ...core.mutations import DiscountsMeta
from ..inputs import CRMTierInput
from ..types import CRMTier
from .base import LoyaltyMutation, clean_values


def tier_values(mutation, data) -> dict:
    values = clean_values(dict(data))
    for key in ("threshold", "discount_value", "min_spend", "points_multiplier"):
        if key in values:
            values[key] = decimal.Decimal(str(values[key]))
    for key, type_name, field in (
        ("categories", "Category", "category_ids"),
        ("collections", "Collection", "collection_ids"),
    ):
        if key in values:
            values[field] = [mutation.pk_of(g, type_name, key) for g in values.pop(key)]
    if "rank" in values and values["rank"] < 0:
        raise invalid("rank", CRMErrorCode.INVALID, "Enter a rank of 0 or more.")
    return values


class CRMTierCreate(LoyaltyMutation):
    tier = graphene.Field(CRMTier)

    class Arguments:
        program_id = graphene.ID(required=True)
        input = CRMTierInput(required=True)

    class Meta(DiscountsMeta):
        description = (
            "Add a tier to a ladder (its member discount becomes a Saleor voucher)."
        )

    @classmethod
    def perform_mutation(cls, _root, _info, /, *, program_id, input):
        program = cls.object_or_error(
            LoyaltyProgram, program_id, "CRMLoyaltyProgram", "program_id"
        )
        values = tier_values(cls, input)
        for required in ("name", "rank"):
            if required not in values:
                raise invalid(
                    required, CRMErrorCode.REQUIRED, "This field is required."
                )
        tier = programs.create_tier(program, **values)
        return cls(tier=tier)


class CRMTierUpdate(LoyaltyMutation):
    tier = graphene.Field(CRMTier)

    class Arguments:
        id = graphene.ID(required=True)
        input = CRMTierInput(required=True)

    class Meta(DiscountsMeta):
        description = "Change a tier (unset fields stay as they are)."

    @classmethod
    def perform_mutation(cls, _root, _info, /, *, id, input):
        tier = cls.object_or_error(Tier, id, "CRMTier")
        values = tier_values(cls, input)
        if "min_spend" in input and input["min_spend"] is None:
            values["min_spend"] = None  # explicit null: no minimum any more
        programs.update_tier(tier, **values)
        return cls(tier=tier)


class CRMTierDelete(LoyaltyMutation):
    tier = graphene.Field(CRMTier)

    class Arguments:
        id = graphene.ID(required=True)

    class Meta(DiscountsMeta):
        description = "Delete a tier and its Saleor voucher."

    @classmethod
    def perform_mutation(cls, _root, _info, /, *, id):
        tier = cls.object_or_error(Tier, id, "CRMTier")
        pk = tier.pk
        programs.delete_tier(tier)
        tier.pk = pk
        return cls(tier=tier)
