"""CSV export of the analytics tables through the plugin's signed exports
(``core/exports.py``): the mutation ``crmAnalyticsExport`` checks the arguments and
signs them into the download token; opening the URL recomputes the table from
the rollups (replica connection when configured) with the same functions as the
GraphQL queries, so the file and the API agree."""

from __future__ import annotations

from datetime import date

from saleor.channel.models import Channel
from saleor.permission.enums import AccountPermissions

from ..core import exports
from ..domain import analytics as A
from ..models import Segment
from . import kpis

_PERIOD = [
    "start",
    "end",
    "currency",
    "orders",
    "other_currency_orders",
    "paid_orders",
    "revenue",
    "average_order_value",
    "new_customers",
    "active_customers",
    "returning_customers",
    "repeat_customers",
    "repeat_purchase_rate",
    "f2_days",
    "f2_eligible",
    "f2_converted",
    "f2_conversion",
    "second_order_customers",
    "second_order_median_days",
    *[f"second_order_days_{b[0]}" for b in A.SECOND_ORDER_BINS],
]
HEADERS = {
    "kpis": ["period", *_PERIOD],
    "cohorts": [
        "cohort_month",
        "month_offset",
        "currency",
        "cohort_size",
        "active_customers",
        "retention",
        "revenue",
    ],
    "ltv": [
        "cohort_month",
        "currency",
        "cohort_size",
        *[f"ltv_{m}_months" for m in A.LTV_MONTHS],
    ],
    "dormant": [
        "buyers",
        "dormant_one_time",
        "dormant_one_time_share",
        "dormant_former_regulars",
        "dormant_former_regulars_share",
        "one_time_after_days",
        "regulars_min_orders",
        "regulars_after_days",
    ],
    "rfm_group": ["rfm_group", "currency", "customers", "revenue"],
    "tier": ["tier", "currency", "customers", "revenue"],
    "segment": ["segment", "currency", "customers", "revenue"],
}


def check(params: dict) -> kpis.Channel:
    """The channel of a valid request; :class:`AnalyticsError` otherwise (the
    same checks as the queries)."""
    ch = kpis.channel(params["channel"])
    table = params["table"]
    if table in ("kpis", "cohorts", "ltv"):
        start, end = (
            date.fromisoformat(params["gte"]),
            date.fromisoformat(params["lte"]),
        )
        if table == "kpis":
            A.check_range(start, end, params["grain"])
            A.check_f2_days(params["f2_days"])
        else:
            A.check_cohort_range(start, end)
    if table == "segment":
        if not Segment.objects.filter(pk=params["segment"]).exists():
            raise A.AnalyticsError("segment_id", A.NOT_FOUND, "Segment not found.")
    return ch


def _period_row(label, p, ch, f2_days):
    return [
        label,
        p.start,
        p.end,
        ch.currency,
        p.orders,
        p.other_currency_orders,
        p.paid_orders,
        p.revenue,
        p.aov,
        p.new_customers,
        p.active_customers,
        p.returning_customers,
        p.repeat_customers,
        p.repeat_rate,
        f2_days,
        p.f2_eligible,
        p.f2_converted,
        p.f2_rate,
        p.second_order_customers,
        p.second_order_median_days,
        *p.second_order_bins,
    ]


def rows(pk: int, fmt: str, params: dict):
    ch = check(params)
    if ch.id != pk:
        return
    if fmt == "kpis":
        s = kpis.series(
            ch,
            date.fromisoformat(params["gte"]),
            date.fromisoformat(params["lte"]),
            params["grain"],
            f2_days=params["f2_days"],
        )
        for p in s.periods:
            yield _period_row(params["grain"], p, ch, s.f2_days)
        yield _period_row("total", s.total, ch, s.f2_days)
    elif fmt in ("cohorts", "ltv"):
        for c in kpis.cohorts(
            ch, date.fromisoformat(params["gte"]), date.fromisoformat(params["lte"])
        ):
            if fmt == "ltv":
                yield [c.month, ch.currency, c.size, *[c.ltv[m] for m in A.LTV_MONTHS]]
                continue
            for k, active in enumerate(c.active):
                if active is None:
                    break
                yield [
                    c.month,
                    k,
                    ch.currency,
                    c.size,
                    active,
                    c.retention[k],
                    c.revenue[k],
                ]
    elif fmt == "dormant":
        d = kpis.dormant(ch)
        yield [
            d.buyers,
            d.one_time,
            d.one_time_share,
            d.former_regulars,
            d.former_regulars_share,
            d.one_time_after_days,
            d.regulars_min_orders,
            d.regulars_after_days,
        ]
    else:
        if fmt == "rfm_group":
            groups = kpis.by_rfm_group(ch)
        elif fmt == "tier":
            groups = kpis.by_tier(ch)
        else:
            groups = [kpis.by_segment(ch, params["segment"])]
        for g in groups:
            yield [g.key, ch.currency, g.customers, g.revenue]


def _exists(pk: int) -> bool:
    return Channel.objects.filter(pk=pk).exists()


ANALYTICS = exports.register(
    exports.ExportKind(
        key="analytics",
        permissions=(AccountPermissions.MANAGE_USERS,),
        formats=tuple(HEADERS),
        columns=lambda fmt, now: [exports.Column(name, "") for name in HEADERS[fmt]],
        source=lambda pk, fmt: ("", {}),
        exists=_exists,
        filename=lambda pk, fmt, now: f"analytics-{pk}-{fmt}-{now:%Y%m%d-%H%M}.csv",
        rows=rows,
    )
)
