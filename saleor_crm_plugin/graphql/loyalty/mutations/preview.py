import decimal

import graphene

from ....domain.errors import CRMErrorCode
from ....loyalty.preview import TierSpec, preview_program
from ...core.errors import invalid
from ...core.mutations import DiscountsMeta
from ..inputs import CRMLoyaltyPreviewInput
from ..types import CRMPreview
from .base import LoyaltyMutation
from .tiers import tier_values


class CRMLoyaltyPreview(LoyaltyMutation):
    preview = graphene.Field(CRMPreview)

    class Arguments:
        channel = graphene.String(required=True)
        input = CRMLoyaltyPreviewInput(required=True)

    class Meta(DiscountsMeta):
        description = (
            "Preview a ladder, earn rate or window before changing anything: customers "
            "per tier and the estimated member-discount cost and points over the last "
            "12 months of orders. Writes nothing."
        )

    @classmethod
    def perform_mutation(cls, _root, _info, /, *, channel, input):
        program = cls.program(channel)
        specs = None
        if input.get("tiers") is not None:
            specs = []
            for data in input["tiers"]:
                values = tier_values(cls, data)
                for required in ("name", "rank"):
                    if required not in values:
                        raise invalid(
                            required,
                            CRMErrorCode.REQUIRED,
                            "Each proposed tier needs a name and a rank.",
                        )
                specs.append(
                    TierSpec(
                        name=values["name"],
                        rank=values["rank"],
                        metric=values.get("metric", "spend"),
                        threshold=values.get("threshold", decimal.Decimal(0)),
                        discount_type=values.get("discount_type", "none"),
                        discount_value=values.get("discount_value", decimal.Decimal(0)),
                        min_spend=values.get("min_spend"),
                        points_multiplier=values.get(
                            "points_multiplier", decimal.Decimal(1)
                        ),
                        category_ids=tuple(values.get("category_ids", ())),
                        collection_ids=tuple(values.get("collection_ids", ())),
                        free_shipping=bool(values.get("free_shipping", False)),
                    )
                )
        rate = input.get("points_per_unit")
        result = preview_program(
            program,
            tiers=specs,
            points_per_unit=None if rate is None else decimal.Decimal(str(rate)),
            window_kind=input.get("window_kind"),
            window_months=input.get("window_months"),
            points_base=input.get("points_base"),
        )
        return cls(preview=result)
