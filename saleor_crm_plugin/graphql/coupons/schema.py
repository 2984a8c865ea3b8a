import graphene
from django.db.models import Q
from django.utils import timezone
from saleor.graphql.core.connection import create_connection_slice
from saleor.graphql.core.fields import FilterConnectionField, PermissionsField
from saleor.permission.auth_filters import AuthorizationFilters
from saleor.permission.enums import DiscountPermissions

from ...coupons import issuing as coupons
from ...models import CouponGrant, CouponRule
from ..core.validation import filter_queryset, query_pk
from .mutations import (
    CRMCouponCodesExport,
    CRMCouponRuleActivate,
    CRMCouponRuleCreate,
    CRMCouponRuleDelete,
    CRMCouponRulePause,
    CRMCouponRuleRun,
    CRMCouponRuleUpdate,
)
from .types import (
    CouponRuleFilter,
    CRMCouponDryRun,
    CRMCouponReport,
    CRMCouponRule,
    CRMCouponRuleCountableConnection,
    CRMCouponRuleFilterInput,
    CRMCouponRuleSortingInput,
    CRMMyCoupon,
    money,
)

_MANAGE = [DiscountPermissions.MANAGE_DISCOUNTS]


def _rule(global_id):
    return (
        CouponRule.objects.select_related("channel")
        .filter(pk=query_pk(global_id, "CRMCouponRule"))
        .first()
    )


class CouponQueries(graphene.ObjectType):
    crm_coupon_rules = FilterConnectionField(
        CRMCouponRuleCountableConnection,
        filter=CRMCouponRuleFilterInput(
            description="Filter by status, trigger, channel, name."
        ),
        sort_by=CRMCouponRuleSortingInput(description="Sort coupon rules."),
        description="Coupon rules.",
        permissions=_MANAGE,
    )
    crm_coupon_rule = PermissionsField(
        CRMCouponRule,
        id=graphene.Argument(graphene.ID, required=True),
        description="A coupon rule.",
        permissions=_MANAGE,
    )
    crm_coupon_rule_dry_run = PermissionsField(
        CRMCouponDryRun,
        id=graphene.Argument(graphene.ID, required=True),
        sample_size=graphene.Argument(graphene.Int, default_value=50),
        description=(
            "Who would receive a code if the rule ran now, and the "
            "estimated cost; writes nothing. Order-driven triggers replay "
            "the last 30 days for a rule not yet switched on."
        ),
        permissions=_MANAGE,
    )
    crm_coupon_rule_report = PermissionsField(
        CRMCouponReport,
        id=graphene.Argument(graphene.ID, required=True),
        description=(
            "What the rule caused: treated vs held-out customers, "
            "conversion and revenue per customer with 95 % intervals, "
            "discount cost, attributed revenue."
        ),
        permissions=_MANAGE,
    )
    crm_my_coupons = PermissionsField(
        graphene.NonNull(graphene.List(graphene.NonNull(CRMMyCoupon))),
        channel=graphene.Argument(
            graphene.String, description="Only this channel's codes."
        ),
        include_used=graphene.Argument(graphene.Boolean, default_value=False),
        description="The signed-in customer's own coupon codes, soonest expiring "
        "first.",
        permissions=[AuthorizationFilters.AUTHENTICATED_USER],
    )

    @staticmethod
    def resolve_crm_coupon_rules(_root, info, **kwargs):
        qs = filter_queryset(
            CouponRuleFilter,
            kwargs.get("filter"),
            CouponRule.objects.select_related("channel"),
        )
        return create_connection_slice(
            qs, info, kwargs, CRMCouponRuleCountableConnection
        )

    @staticmethod
    def resolve_crm_coupon_rule(_root, _info, *, id):
        return _rule(id)

    @staticmethod
    def resolve_crm_coupon_rule_dry_run(_root, _info, *, id, sample_size):
        rule = _rule(id)
        if rule is None:
            return None
        return CRMCouponDryRun.of(
            coupons.dry_run(rule, sample_size=max(0, min(sample_size or 0, 500)))
        )

    @staticmethod
    def resolve_crm_coupon_rule_report(_root, _info, *, id):
        rule = _rule(id)
        return None if rule is None else CRMCouponReport.of(coupons.report(rule))

    @staticmethod
    def resolve_crm_my_coupons(_root, info, *, channel=None, include_used):
        now = timezone.now()
        qs = (
            CouponGrant.objects.select_related("rule__channel")
            .filter(profile__user_id=info.context.user.pk, control=False)
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
                name=g.rule.name,
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


class CouponMutations(graphene.ObjectType):
    crm_coupon_rule_create = CRMCouponRuleCreate.Field()
    crm_coupon_rule_update = CRMCouponRuleUpdate.Field()
    crm_coupon_rule_delete = CRMCouponRuleDelete.Field()
    crm_coupon_rule_activate = CRMCouponRuleActivate.Field()
    crm_coupon_rule_pause = CRMCouponRulePause.Field()
    crm_coupon_rule_run = CRMCouponRuleRun.Field()
    crm_coupon_codes_export = CRMCouponCodesExport.Field()
