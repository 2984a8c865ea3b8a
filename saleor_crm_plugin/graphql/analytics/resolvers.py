"""Resolvers of the analytics queries.

KPIs, cohorts, dormant shares, breakdowns, the customer 360: a query answers bad
input with ``errors {field code message}`` (``CRMAnalyticsErrorCode``) and no
data; nothing is read then.

Item analytics: bad input (unknown channel, customer,
product or category, an ID of another type, a kind that does not match the
items) is a GraphQL error whose ``extensions`` carry ``field`` and ``code``
(``CRMErrorCode``), before any read."""

from __future__ import annotations

import graphene
from django.db.models import Q
from graphql import GraphQLError
from saleor.account.models import User
from saleor.channel.models import Channel
from saleor.graphql.core.connection import create_connection_slice
from saleor.graphql.core.enums import OrderDirection

from ...analytics import kpis
from ...analytics.customer360 import customer_360
from ...analytics.repurchase import due_items
from ...domain import analytics as A
from ...domain.errors import CRMErrorCode
from ...domain.items import RELATIONS
from ...models import CoPurchase, CustomerProfile, RepurchaseInterval
from ..core.errors import camel
from ..core.validation import query_pk
from .enums import KINDS, CRMCoPurchaseSortField, CRMRepurchaseIntervalSortField
from .inputs import CRMCoPurchaseSortingInput, CRMRepurchaseIntervalSortingInput
from .types import (
    CRMAnalyticsBreakdownPayload,
    CRMAnalyticsCohorts,
    CRMAnalyticsCohortsPayload,
    CRMAnalyticsDormantPayload,
    CRMAnalyticsError,
    CRMAnalyticsKpis,
    CRMAnalyticsKpisPayload,
    CRMCoPurchaseCountableConnection,
    CRMCustomer360,
    CRMRepurchaseDue,
    CRMRepurchaseDueCountableConnection,
    CRMRepurchaseIntervalCountableConnection,
)


def bad_input(field: str, code: CRMErrorCode, message: str) -> GraphQLError:
    """A typed query error: ``extensions {field, code}``."""
    return GraphQLError(message, extensions={"field": field, "code": code.name})


def channel_or_error(slug: str) -> Channel:
    """A query's channel: a typed query error for an unknown slug."""
    channel = Channel.objects.filter(slug=slug).first()
    if channel is None:
        raise bad_input("channel", CRMErrorCode.NOT_FOUND, "Channel not found.")
    return channel


def item_of(global_id: str, field: str, kind: str | None = None) -> tuple[str, int]:
    """(kind name, pk) of a Product or Category Relay ID that exists."""
    try:
        type_name, pk = graphene.Node.from_global_id(global_id)
    except Exception:  # noqa: BLE001 - graphene raises several kinds
        type_name, pk = None, None
    found = next((name for name, (_, t, _) in KINDS.items() if t == type_name), None)
    if found is None or not str(pk).isdigit():
        raise bad_input(
            field,
            CRMErrorCode.INVALID,
            f"Invalid ID: {global_id}. Expected: Product or Category.",
        )
    if kind is not None and found != kind:
        raise bad_input(
            field,
            CRMErrorCode.INVALID,
            f"Expected a {KINDS[kind][1]} ID for this kind.",
        )
    if int(pk) > 2**31 - 1 or not KINDS[found][2].objects.filter(pk=int(pk)).exists():
        raise bad_input(field, CRMErrorCode.NOT_FOUND, f"{KINDS[found][1]} not found.")
    return found, int(pk)


def _sorted(kwargs, sort_input, field):
    if kwargs.get("sort_by"):
        return kwargs
    return {
        **kwargs,
        "sort_by": sort_input._meta.container(
            {"field": field.value, "direction": OrderDirection.ASC.value}
        ),
    }


def resolve_crm_repurchase_intervals(info, *, channel, kind=None, items=None, **kwargs):
    ch = channel_or_error(channel)
    qs = RepurchaseInterval.objects.select_related("channel").filter(channel=ch)
    if kind is not None:
        qs = qs.filter(kind=KINDS[kind][0])
    if items is not None:
        wanted = [item_of(g, "items", kind) for g in items]
        by_kind: dict = {}
        for name, pk in wanted:
            by_kind.setdefault(KINDS[name][0], []).append(pk)
        match = Q(pk__in=[])
        for code, pks in by_kind.items():
            match |= Q(kind=code, item_id__in=pks)
        qs = qs.filter(match)
    kwargs = _sorted(
        {**kwargs, "channel": channel},
        CRMRepurchaseIntervalSortingInput,
        CRMRepurchaseIntervalSortField.ITEM,
    )
    return create_connection_slice(
        qs, info, kwargs, CRMRepurchaseIntervalCountableConnection
    )


def resolve_crm_co_purchases(info, *, channel, item, relation, **kwargs):
    ch = channel_or_error(channel)
    if relation not in RELATIONS:
        raise bad_input("relation", CRMErrorCode.INVALID, "Unknown relation.")
    name, pk = item_of(item, "item")
    qs = CoPurchase.objects.select_related("channel").filter(
        channel=ch, kind=KINDS[name][0], relation=relation, item_id=pk
    )
    kwargs = _sorted(
        {**kwargs, "channel": channel},
        CRMCoPurchaseSortingInput,
        CRMCoPurchaseSortField.RANK,
    )
    return create_connection_slice(qs, info, kwargs, CRMCoPurchaseCountableConnection)


def resolve_crm_customer_repurchase_due(info, *, customer_id, channel, kind, **kwargs):
    ch = channel_or_error(channel)
    user_pk = query_pk(customer_id, "User")
    profile = CustomerProfile.objects.filter(user_id=user_pk, channel=ch).first()
    if profile is None:
        raise bad_input(
            "customerId",
            CRMErrorCode.NOT_FOUND,
            "The customer has no profile in this channel.",
        )
    rows = [
        CRMRepurchaseDue(
            kind=kind,
            item=graphene.Node.to_global_id(KINDS[kind][1], r["item_id"]),
            purchases=r["purchases"],
            last_purchased_at=r["last_at"],
            own_interval_days=r["own_days"],
            item_median_days=r["median_days"],
            due_at=r["due_at"],
        )
        for r in due_items(profile.pk, ch.pk, kind)
    ]
    return create_connection_slice(
        rows, info, kwargs, CRMRepurchaseDueCountableConnection
    )


# --- KPIs and the customer 360 ---


def _error(exc: A.AnalyticsError):
    """A refused analytics query's ``errors`` (the field as the schema spells it)."""
    return [
        CRMAnalyticsError(field=camel(exc.field), code=exc.code.value, message=str(exc))
    ]


def segment_pk(segment_id):
    if segment_id is None:
        raise A.AnalyticsError(
            "segment_id", A.INVALID, "Give the segment of a SEGMENT breakdown."
        )
    try:
        return query_pk(segment_id, "CRMSegment")
    except GraphQLError as exc:
        raise A.AnalyticsError("segment_id", A.INVALID, str(exc)) from exc


def run_kpis(channel, range, grain=A.DAY, f2_days=A.F2_DAYS_DEFAULT):
    ch = kpis.channel(channel)
    s = kpis.series(ch, range["gte"], range["lte"], grain, f2_days=f2_days)
    for p in [*s.periods, s.total]:
        p.currency = ch.currency
    return s


def run_cohorts(channel, range):
    ch = kpis.channel(channel)
    out = kpis.cohorts(ch, range["gte"], range["lte"])
    for c in out:
        c.currency = ch.currency
    return ch, out


def run_breakdown(channel, by, segment_id=None):
    ch = kpis.channel(channel)
    if by == "rfm_group":
        rows = kpis.by_rfm_group(ch)
    elif by == "tier":
        rows = kpis.by_tier(ch)
    else:
        rows = [kpis.by_segment(ch, segment_pk(segment_id))]
    for r in rows:
        r.currency = ch.currency
    return ch, rows


def resolve_crm_customer_360(*, customer_id, last_orders=10):
    if not 1 <= last_orders <= 50:
        raise GraphQLError("lastOrders must be from 1 to 50.")
    pk = query_pk(customer_id, "User")
    channels = customer_360(pk, orders=last_orders)
    if channels:  # the profiles' statement read the user too
        email = channels[0].profile.user.email
    else:
        email = User.objects.filter(pk=pk).values_list("email", flat=True).first()
        if email is None:
            return None
    return CRMCustomer360(customer_id=customer_id, email=email, channels=channels)


def resolve_crm_analytics_kpis(
    *, channel, range, grain=A.DAY, f2_days=A.F2_DAYS_DEFAULT
):
    try:
        s = run_kpis(channel, range, grain, f2_days)
    except A.AnalyticsError as exc:
        return CRMAnalyticsKpisPayload(kpis=None, errors=_error(exc))
    ch = s.channel
    return CRMAnalyticsKpisPayload(
        errors=[],
        kpis=CRMAnalyticsKpis(
            channel=ch.slug,
            currency=ch.currency,
            time_zone=ch.time_zone,
            grain=s.grain,
            f2_days=s.f2_days,
            periods=s.periods,
            total=s.total,
        ),
    )


def resolve_crm_analytics_cohorts(*, channel, range):
    try:
        ch, out = run_cohorts(channel, range)
    except A.AnalyticsError as exc:
        return CRMAnalyticsCohortsPayload(cohorts=None, errors=_error(exc))
    return CRMAnalyticsCohortsPayload(
        errors=[],
        cohorts=CRMAnalyticsCohorts(
            channel=ch.slug, currency=ch.currency, time_zone=ch.time_zone, cohorts=out
        ),
    )


def resolve_crm_analytics_dormant(*, channel):
    try:
        d = kpis.dormant(kpis.channel(channel))
    except A.AnalyticsError as exc:
        return CRMAnalyticsDormantPayload(dormant=None, errors=_error(exc))
    return CRMAnalyticsDormantPayload(dormant=d, errors=[])


def resolve_crm_analytics_breakdown(*, channel, by, segment_id=None):
    try:
        ch, rows = run_breakdown(channel, by, segment_id)
    except A.AnalyticsError as exc:
        return CRMAnalyticsBreakdownPayload(groups=None, errors=_error(exc))
    return CRMAnalyticsBreakdownPayload(currency=ch.currency, groups=rows, errors=[])
