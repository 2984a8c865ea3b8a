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
    recency_days = graphene.List(graphene.NonNull(Decimal), required=True)
    frequency = graphene.List(graphene.NonNull(Decimal), required=True)
    monetary = graphene.List(graphene.NonNull(Decimal), required=True)


def settings_type(settings: RfmSettings):
    return CRMRfmSettings(
        method=settings.method,
        recency_days=settings.recency_days,
        frequency=settings.frequency,
        monetary=settings.monetary,
    )
