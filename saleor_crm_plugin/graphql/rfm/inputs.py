import graphene
from saleor.graphql.core.scalars import Decimal

from .enums import CRMRfmMethodEnum


class CRMRfmSettingsInput(graphene.InputObjectType):
    method = CRMRfmMethodEnum(required=True)
    recency_days = graphene.List(
        graphene.NonNull(Decimal), description="Four ascending day counts."
    )
    frequency = graphene.List(
        graphene.NonNull(Decimal), description="Four ascending paid-order counts."
    )
    monetary = graphene.List(
        graphene.NonNull(Decimal), description="Four ascending net-spent amounts."
    )
