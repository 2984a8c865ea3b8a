import graphene
from django.utils import timezone

from ....coupons import issuing as coupons
from ....coupons import rules as coupon_rules
from ....domain.errors import CRMErrorCode
from ...core.errors import invalid
from ...core.mutations import DiscountsMeta
from ..inputs import CRMCouponRuleInput
from ..types import CRMCouponRule
from .base import CouponMutation, RuleAction


class CRMCouponRuleCreate(CouponMutation):
    rule = graphene.Field(CRMCouponRule)

    class Arguments:
        input = CRMCouponRuleInput(required=True)

    class Meta(DiscountsMeta):
        description = "Create a coupon rule (a draft: activate it to issue codes)."

    @classmethod
    def perform_mutation(cls, _root, _info, /, *, input):
        rule = coupon_rules.save_rule(None, cls.rule_data(input))
        return cls(rule=rule)


class CRMCouponRuleUpdate(CouponMutation):
    rule = graphene.Field(CRMCouponRule)

    class Arguments:
        id = graphene.ID(required=True)
        input = CRMCouponRuleInput(required=True)

    class Meta(DiscountsMeta):
        description = (
            "Change a coupon rule. A changed reward applies to codes issued "
            "from now on; codes issued keep their terms."
        )

    @classmethod
    def perform_mutation(cls, _root, _info, /, *, id, input):
        rule = cls.get_rule(id)
        rule = coupon_rules.save_rule(rule, cls.rule_data(input))
        return cls(rule=rule)


class CRMCouponRuleDelete(RuleAction):
    class Meta(DiscountsMeta):
        description = "Delete a coupon rule that has issued nothing (else pause it)."

    act = staticmethod(coupon_rules.delete_rule)


class CRMCouponRuleActivate(CouponMutation):
    rule = graphene.Field(CRMCouponRule)
    issued = graphene.Int(
        description="Codes issued at the switch-on (the rule's run "
        "due now, as its dry run's onActivation says)."
    )
    held_out = graphene.Int(description="Customers held out at the switch-on.")
    budget_exhausted = graphene.Boolean()

    class Arguments:
        id = graphene.ID(required=True)

    class Meta(DiscountsMeta):
        description = (
            "Switch a rule on, or resume it, and make the run due now (a schedule's "
            "run, birthdays due today, points-expiry warnings open now). "
            "Order-driven triggers count only what "
            "happens after the switch-on, so they issue nothing now: their codes go "
            "out within seconds of the next order, or at the next 15-minute sweep. "
            "A rule that is on already stays as it is (a run is made)."
        )

    @classmethod
    def perform_mutation(cls, _root, _info, /, *, id):
        rule = cls.get_rule(id)
        now = timezone.now()
        coupon_rules.activate(rule, now)
        result = coupons.run_rule(rule, now)
        rule.refresh_from_db()
        return cls(
            rule=rule,
            issued=result.issued,
            held_out=result.held_out,
            budget_exhausted=result.budget_exhausted,
        )


class CRMCouponRulePause(RuleAction):
    class Meta(DiscountsMeta):
        description = "Stop issuing; codes already issued stay valid."

    act = staticmethod(coupon_rules.pause)


class CRMCouponRuleRun(CouponMutation):
    rule = graphene.Field(CRMCouponRule)
    issued = graphene.Int(description="Codes issued by this run.")
    held_out = graphene.Int(description="Customers held out by this run.")
    budget_exhausted = graphene.Boolean()

    class Arguments:
        id = graphene.ID(required=True)

    class Meta(DiscountsMeta):
        description = "Run an active rule now instead of waiting for the sweep."

    @classmethod
    def perform_mutation(cls, _root, _info, /, *, id):
        rule = cls.get_rule(id)
        if rule.status != "active":
            raise invalid("id", CRMErrorCode.INVALID, "Activate the rule first.")
        result = coupons.run_rule(rule)
        rule.refresh_from_db()
        return cls(
            rule=rule,
            issued=result.issued,
            held_out=result.held_out,
            budget_exhausted=result.budget_exhausted,
        )
