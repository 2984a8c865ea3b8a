"""What the loyalty mutations share."""

from ....core.validation import column_problem
from ....domain.errors import CRMErrorCode
from ....models import LoyaltyProgram, Membership
from ...core.errors import invalid
from ...core.mutations import CRMMutation
from ..resolvers import program_for


class LoyaltyMutation(CRMMutation):
    class Meta:
        abstract = True

    @classmethod
    def program(cls, channel_slug: str) -> LoyaltyProgram:
        program = program_for(channel_slug)
        if program is None:
            raise invalid(
                "channel",
                CRMErrorCode.NOT_FOUND,
                "This channel has no loyalty program.",
            )
        return program

    @classmethod
    def membership(cls, user_id: int, channel_slug: str, *, create: bool):
        program = cls.program(channel_slug)
        if create:
            membership, _ = Membership.objects.get_or_create(
                program=program, user_id=user_id
            )
        else:
            membership = Membership.objects.filter(
                program=program, user_id=user_id
            ).first()
            if membership is None:
                raise invalid(
                    "points",
                    CRMErrorCode.INSUFFICIENT_POINTS,
                    "Not enough points available.",
                )
        membership.program = program
        return membership


def clean_values(values: dict) -> dict:
    return {k: v for k, v in values.items() if v is not None}


def reason_fits(model, reason: str, column: str = "reason") -> None:
    """A reason is kept whole: longer than its column is refused, not cut."""
    problem = column_problem(model, column, reason.strip())
    if problem:
        raise invalid("reason", CRMErrorCode.INVALID, problem)
