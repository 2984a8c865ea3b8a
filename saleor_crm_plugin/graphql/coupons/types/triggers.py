"""The coupon trigger catalogue: each trigger with its parameters, read from the
trigger validation (``domain.coupons.TRIGGER_PARAMS``)."""

import graphene

from ....domain.coupons import EVENT_TRIGGERS, MAX_IDS, TRIGGER_PARAMS
from ...core.catalogue import CRMCatalogueParameter, parameter
from ..enums import CRMCouponTriggerEnum


class CRMCouponTriggerDefinition(graphene.ObjectType):
    kind = CRMCouponTriggerEnum(required=True)
    label_key = graphene.String(required=True)
    is_event = graphene.Boolean(
        required=True,
        description="Fired by something that happens to a customer (within "
        "seconds of an order), not by the periodic run.",
    )
    parameters = graphene.List(
        graphene.NonNull(CRMCatalogueParameter),
        required=True,
        description="The fields of `CRMCouponTriggerInput` it takes.",
    )

    @staticmethod
    def all():
        return [
            CRMCouponTriggerDefinition(
                kind=kind,
                label_key=f"coupons.trigger.{kind}",
                is_event=kind in EVENT_TRIGGERS,
                parameters=[
                    parameter(
                        p,
                        prefix=f"coupons.trigger.{kind}",
                        camel_case=True,
                        max_items=MAX_IDS,
                    )
                    for p in params
                ],
            )
            for kind, params in TRIGGER_PARAMS.items()
        ]
