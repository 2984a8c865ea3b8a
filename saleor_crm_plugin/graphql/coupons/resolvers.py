from django.db.models import Q
from django.utils import timezone
from saleor.graphql.core.connection import create_connection_slice

from ...coupons import issuing as coupons
from ...coupons.rules import customer_names
from ...domain.customer_names import customer_facing, customer_language
from ...models import CouponDelivery, CouponGrant, CouponRule
from ..core.utils import money
from ..core.validation import filter_queryset, query_pk
from .filters import CouponDeliveryFilter, CouponRuleFilter
from .types import (
    CRMCouponDeliveryCountableConnection,
    CRMCouponDryRun,
    CRMCouponReport,
    CRMCouponRuleCountableConnection,
    CRMMyCoupon,
)


def resolve_rule(global_id):
    return (
        CouponRule.objects.select_related("channel")
        .filter(pk=query_pk(global_id, "CRMCouponRule"))
        .first()
    )


def resolve_rules(info, kwargs):
    qs = filter_queryset(
        CouponRuleFilter,
        kwargs.get("filter"),
        CouponRule.objects.select_related("channel"),
    )
    return create_connection_slice(qs, info, kwargs, CRMCouponRuleCountableConnection)


def resolve_deliveries(info, kwargs):
    qs = filter_queryset(
        CouponDeliveryFilter,
        kwargs.get("filter"),
        CouponDelivery.objects.select_related("profile__user", "grant"),
    )
    return create_connection_slice(
        qs, info, kwargs, CRMCouponDeliveryCountableConnection
    )


def resolve_dry_run(global_id, sample_size):
    rule = resolve_rule(global_id)
    if rule is None:
        return None
    return CRMCouponDryRun.of(
        coupons.dry_run(rule, sample_size=max(0, min(sample_size or 0, 500)))
    )


def resolve_report(global_id):
    rule = resolve_rule(global_id)
    return None if rule is None else CRMCouponReport.of(coupons.report(rule))


def resolve_my_coupons(user_id, channel, include_used, language_code=None):
    """The customer's codes, each named as customers see its rule in the
    customer's language (``domain.customer_names``)."""
    now = timezone.now()
    qs = (
        CouponGrant.objects.select_related("rule__channel")
        .filter(profile__user_id=user_id, control=False)
        .order_by("expires_at", "pk")
    )
    if channel:
        qs = qs.filter(rule__channel__slug=channel)
    if not include_used:
        qs = qs.filter(redeemed_at__isnull=True).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now)
        )
    return [
        CRMMyCoupon(
            code=g.code,
            name=customer_facing(
                customer_names(g.rule),
                g.rule.name,
                customer_language(language_code, g.rule.channel.default_country),
            ),
            channel=g.rule.channel.slug,
            discount_type=g.rule.discount_type,
            discount_value=g.rule.discount_value,
            min_spend=money(g.rule.min_spend, g.currency),
            expires_at=g.expires_at,
            redeemed_at=g.redeemed_at,
            is_usable=g.redeemed_at is None
            and (g.expires_at is None or g.expires_at > now),
        )
        for g in qs[:200]
    ]
