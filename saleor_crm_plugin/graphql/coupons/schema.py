import graphene
from saleor.graphql.core.fields import FilterConnectionField, PermissionsField
from saleor.permission.auth_filters import AuthorizationFilters
from saleor.permission.enums import DiscountPermissions

from .filters import CRMCouponDeliveryFilterInput, CRMCouponRuleFilterInput
from .mutations.codes import CRMCouponCodesExport, CRMCouponDeliveriesExport
from .mutations.rules import (
    CRMCouponRuleActivate,
    CRMCouponRuleCreate,
    CRMCouponRuleDelete,
    CRMCouponRulePause,
    CRMCouponRuleRun,
    CRMCouponRuleUpdate,
)
from .resolvers import (
    resolve_deliveries,
    resolve_dry_run,
    resolve_my_coupons,
    resolve_report,
    resolve_rule,
    resolve_rules,
)
from .sorters import CRMCouponRuleSortingInput
from .types import (
    CRMCouponDeliveryCountableConnection,
    CRMCouponDryRun,
    CRMCouponReport,
    CRMCouponRule,
    CRMCouponRuleCountableConnection,
    CRMCouponTriggerDefinition,
    CRMMyCoupon,
)

_MANAGE = [DiscountPermissions.MANAGE_DISCOUNTS]


class CouponQueries(graphene.ObjectType):
    crm_coupon_triggers = PermissionsField(
        graphene.NonNull(graphene.List(graphene.NonNull(CRMCouponTriggerDefinition))),
        description=(
            "Every trigger a coupon rule can have, with its parameters (type, "
            "required, bounds, default), for editors."
        ),
        permissions=_MANAGE,
    )
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
    crm_coupon_deliveries = FilterConnectionField(
        CRMCouponDeliveryCountableConnection,
        filter=CRMCouponDeliveryFilterInput(
            description="Filter by rule, status, method."
        ),
        description=(
            "Each recipient's message of the coupon rules (email, message "
            "webhook): queued, sent, failed or skipped with the reason; newest "
            "first."
        ),
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
    def resolve_crm_coupon_triggers(_root, _info):
        return CRMCouponTriggerDefinition.all()

    @staticmethod
    def resolve_crm_coupon_rules(_root, info, **kwargs):
        return resolve_rules(info, kwargs)

    @staticmethod
    def resolve_crm_coupon_deliveries(_root, info, **kwargs):
        return resolve_deliveries(info, kwargs)

    @staticmethod
    def resolve_crm_coupon_rule(_root, _info, *, id):
        return resolve_rule(id)

    @staticmethod
    def resolve_crm_coupon_rule_dry_run(_root, _info, *, id, sample_size):
        return resolve_dry_run(id, sample_size)

    @staticmethod
    def resolve_crm_coupon_rule_report(_root, _info, *, id):
        return resolve_report(id)

    @staticmethod
    def resolve_crm_my_coupons(_root, info, *, channel=None, include_used):
        user = info.context.user
        return resolve_my_coupons(user.pk, channel, include_used, user.language_code)


class CouponMutations(graphene.ObjectType):
    crm_coupon_rule_create = CRMCouponRuleCreate.Field()
    crm_coupon_rule_update = CRMCouponRuleUpdate.Field()
    crm_coupon_rule_delete = CRMCouponRuleDelete.Field()
    crm_coupon_rule_activate = CRMCouponRuleActivate.Field()
    crm_coupon_rule_pause = CRMCouponRulePause.Field()
    crm_coupon_rule_run = CRMCouponRuleRun.Field()
    crm_coupon_codes_export = CRMCouponCodesExport.Field()
    crm_coupon_deliveries_export = CRMCouponDeliveriesExport.Field()
