import graphene
from django.db.models import Count
from saleor.channel.models import Channel
from saleor.graphql.core.fields import PermissionsField
from saleor.graphql.core.scalars import DateTime, Decimal
from saleor.permission.enums import AccountPermissions

from ...domain.errors import CRMErrorCode
from ...domain.rfm import GROUP_NAMES
from ...models import RfmMovement, RfmScore, RfmSettings
from ...segments import rfm
from ..core.mutations import CRMMutation, UsersMeta, invalid

CRMRfmMethodEnum = graphene.Enum(
    "CRMRfmMethodEnum", [("QUANTILES", "quantiles"), ("THRESHOLDS", "thresholds")]
)


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


def _channel(slug):
    channel = Channel.objects.filter(slug=slug).first()
    if channel is None:
        raise invalid("channel", CRMErrorCode.NOT_FOUND, "Channel not found.")
    return channel


class RfmQueries(graphene.ObjectType):
    crm_rfm_groups = PermissionsField(
        graphene.NonNull(graphene.List(graphene.NonNull(CRMRfmGroupCount))),
        channel=graphene.Argument(graphene.String, required=True),
        description="Customers per RFM group in a channel (every group listed).",
        permissions=[AccountPermissions.MANAGE_USERS],
    )
    crm_rfm_movements = PermissionsField(
        graphene.NonNull(graphene.List(graphene.NonNull(CRMRfmPeriod))),
        channel=graphene.Argument(graphene.String, required=True),
        last=graphene.Argument(graphene.Int, default_value=12),
        description="How customers moved between groups at each recompute, newest "
        "first.",
        permissions=[AccountPermissions.MANAGE_USERS],
    )

    @staticmethod
    def resolve_crm_rfm_groups(_root, _info, *, channel):
        counts = dict(
            RfmScore.objects.filter(channel__slug=channel)
            .values_list("group_name")
            .annotate(n=Count("pk"))
            .order_by()
        )
        return [
            CRMRfmGroupCount(group=g, customers=counts.get(g, 0)) for g in GROUP_NAMES
        ]

    @staticmethod
    def resolve_crm_rfm_movements(_root, _info, *, channel, last=12):
        periods = list(
            RfmMovement.objects.filter(channel__slug=channel)
            .values_list("computed_at", flat=True)
            .distinct()
            .order_by("-computed_at")[: max(1, min(last, 100))]
        )
        rows = RfmMovement.objects.filter(
            channel__slug=channel, computed_at__in=periods
        )
        by_period: dict = {p: [] for p in periods}
        for row in rows.order_by("from_group", "to_group"):
            by_period[row.computed_at].append(
                CRMRfmMove(
                    from_group=row.from_group or None,
                    to_group=row.to_group,
                    customers=row.customers,
                )
            )
        return [CRMRfmPeriod(computed_at=p, moves=m) for p, m in by_period.items()]


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


class CRMRfmSettingsUpdate(CRMMutation):
    settings = graphene.Field(CRMRfmSettings)

    class Arguments:
        channel = graphene.String(required=True)
        input = CRMRfmSettingsInput(required=True)

    class Meta(UsersMeta):
        description = "Choose quantile scores or the merchant's boundaries."

    @classmethod
    def perform_mutation(cls, _root, _info, /, *, channel, input):
        settings = rfm.save_settings(
            _channel(channel),
            input["method"],
            recency_days=input.get("recency_days"),
            frequency=input.get("frequency"),
            monetary=input.get("monetary"),
        )
        return cls(settings=_settings_type(settings))


def _settings_type(settings: RfmSettings):
    return CRMRfmSettings(
        method=settings.method,
        recency_days=settings.recency_days,
        frequency=settings.frequency,
        monetary=settings.monetary,
    )


class CRMRfmRecompute(CRMMutation):
    scored = graphene.Int(description="Customers scored.")
    changed = graphene.Int(description="Customers whose scores or group changed.")

    class Arguments:
        channel = graphene.String(required=True)

    class Meta(UsersMeta):
        description = "Recompute a channel's RFM scores now (normally daily)."

    @classmethod
    def perform_mutation(cls, _root, _info, /, *, channel):
        result = rfm.recompute(_channel(channel).pk)
        return cls(scored=result["scored"], changed=result["changed"])


class RfmMutations(graphene.ObjectType):
    crm_rfm_settings_update = CRMRfmSettingsUpdate.Field()
    crm_rfm_recompute = CRMRfmRecompute.Field()
