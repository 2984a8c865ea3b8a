import decimal

import graphene

from ....loyalty import programs
from ....models import LoyaltyProgram
from ...core.mutations import DiscountsMeta
from ...core.resolvers import channel_or_error
from ..inputs import CRMLoyaltyProgramInput
from ..types import CRMLoyaltyProgram
from .base import LoyaltyMutation, clean_values


def _program_values(data):
    values = clean_values(dict(data))
    for key in ("points_per_unit", "point_value"):
        if key in values:
            values[key] = decimal.Decimal(str(values[key]))
    return values


class CRMLoyaltyProgramCreate(LoyaltyMutation):
    program = graphene.Field(CRMLoyaltyProgram)

    class Arguments:
        channel = graphene.String(required=True, description="Slug of the channel.")
        input = CRMLoyaltyProgramInput(required=True)

    class Meta(DiscountsMeta):
        description = "Create a channel's loyalty program."

    @classmethod
    def perform_mutation(cls, _root, _info, /, *, channel, input):
        program = programs.create_program(
            channel_or_error(channel), **_program_values(input)
        )
        return cls(program=program)


class CRMLoyaltyProgramUpdate(LoyaltyMutation):
    program = graphene.Field(CRMLoyaltyProgram)

    class Arguments:
        id = graphene.ID(required=True)
        input = CRMLoyaltyProgramInput(required=True)

    class Meta(DiscountsMeta):
        description = "Change a loyalty program (unset fields stay as they are)."

    @classmethod
    def perform_mutation(cls, _root, _info, /, *, id, input):
        program = cls.object_or_error(LoyaltyProgram, id, "CRMLoyaltyProgram")
        values = _program_values(input)
        if "points_validity_days" in input and input["points_validity_days"] is None:
            values["points_validity_days"] = None  # explicit null: never expire
        programs.update_program(program, **values)
        return cls(program=program)


class CRMLoyaltyProgramDelete(LoyaltyMutation):
    program = graphene.Field(CRMLoyaltyProgram)

    class Arguments:
        id = graphene.ID(required=True)

    class Meta(DiscountsMeta):
        description = (
            "Delete a loyalty program without members, with its tiers and their Saleor "
            "vouchers (a program with members can only be deactivated)."
        )

    @classmethod
    def perform_mutation(cls, _root, _info, /, *, id):
        program = cls.object_or_error(LoyaltyProgram, id, "CRMLoyaltyProgram")
        pk = program.pk
        programs.delete_program(program)
        program.pk = pk
        return cls(program=program)
