from django.db.models import Count

from ...domain.rfm import GROUP_NAMES
from ...models import RfmMovement, RfmScore, RfmSettings
from ..analytics.resolvers import channel_or_error
from .types import CRMRfmGroupCount, CRMRfmMove, CRMRfmPeriod, settings_type


def resolve_groups(channel):
    counts = dict(
        RfmScore.objects.filter(channel__slug=channel)
        .values_list("group_name")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return [CRMRfmGroupCount(group=g, customers=counts.get(g, 0)) for g in GROUP_NAMES]


def resolve_movements(channel, last=12):
    periods = list(
        RfmMovement.objects.filter(channel__slug=channel)
        .values_list("computed_at", flat=True)
        .distinct()
        .order_by("-computed_at")[: max(1, min(last, 100))]
    )
    rows = RfmMovement.objects.filter(channel__slug=channel, computed_at__in=periods)
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


def resolve_settings(channel):
    """A channel's scoring settings (the defaults when never saved); a typed
    query error (``NOT_FOUND`` on ``channel``) for an unknown channel."""
    ch = channel_or_error(channel)
    return settings_type(RfmSettings.objects.filter(channel=ch).first())
