import graphene
from saleor.graphql.core.scalars import DateTime, Decimal

from ...models import RfmSettings
from .enums import CRMRfmMethodEnum


class CRMRfmGroupCount(graphene.ObjectType):
    group = graphene.String(required=True)
    customers = graphene.Int(required=True)


class CRMRfmMove(graphene.ObjectType):
    from_group = graphene.String(description="Null: not scored before.")
    to_group = graphene.String(required=True)
    customers = graphene.Int(required=True)


class CRMRfmPeriod(graphene.ObjectType):
    computed_at = DateTime(required=True)
    moves = graphene.List(graphene.NonNull(CRMRfmMove), required=True)


class CRMRfmSettings(graphene.ObjectType):
    method = CRMRfmMethodEnum(required=True)
    recency_days = graphene.List(
        graphene.NonNull(Decimal),
        required=True,
        description="Four ascending day counts (THRESHOLDS); empty for QUANTILES.",
    )
    frequency = graphene.List(
        graphene.NonNull(Decimal),
        required=True,
        description="Four ascending paid-order counts (THRESHOLDS); empty for "
        "QUANTILES.",
    )
    monetary = graphene.List(
        graphene.NonNull(Decimal),
        required=True,
        description="Four ascending net-spent amounts in the channel currency "
        "(THRESHOLDS); empty for QUANTILES.",
    )
    updated_at = DateTime(
        description="When the settings were last saved; null: never saved (the "
        "default, QUANTILES, applies)."
    )


def settings_type(settings: RfmSettings | None):
    """The API view of a channel's settings; ``None`` (never saved) is the
    default: quantile scores, no boundaries."""
    if settings is None:
        return CRMRfmSettings(
            method="quantiles", recency_days=[], frequency=[], monetary=[]
        )
    return CRMRfmSettings(
        method=settings.method,
        recency_days=settings.recency_days,
        frequency=settings.frequency,
        monetary=settings.monetary,
        updated_at=settings.updated_at,
    )
