import graphene
from saleor.channel.models import Channel
from saleor.graphql.core.scalars import DateTime, Decimal

from ...coupons import exports as coupon_exports
from ...coupons import issuing as coupons
from ...coupons import rules as coupon_rules
from ...domain.errors import CRMErrorCode
from ...models import CouponRule
from ..core.mutations import CRMMutation, DiscountsMeta, invalid
from ..segments.exports import CRMSegmentExportFormatEnum, ExportTicketMixin
from .types import (
    CRMCouponDeliveryEnum,
    CRMCouponDiscountTypeEnum,
    CRMCouponRule,
    CRMCouponTriggerEnum,
)


class CRMCouponTriggerInput(graphene.InputObjectType):
    kind = CRMCouponTriggerEnum(required=True)
    segment_id = graphene.ID(description="segment_entry (required) / schedule.")
    n = graphene.Int(description="nth_order: 2 to 1000.")
    days = graphene.Int(description="days_without_order / category_purchase.")
    every_days = graphene.Int(description="schedule: repeat every N days (1-366).")
    days_before = graphene.Int(description="birthday: 0 to 60 days ahead.")
    tier_id = graphene.ID(description="tier_upgrade: only upgrades to this tier.")
    category_ids = graphene.List(
        graphene.NonNull(graphene.ID), description="category_purchase: the categories."
    )


class CRMCouponRuleInput(graphene.InputObjectType):
    name = graphene.String()
    description = graphene.String()
    channel = graphene.String(description="Slug of the rule's channel.")
    trigger = CRMCouponTriggerInput()
    discount_type = CRMCouponDiscountTypeEnum()
    discount_value = Decimal(description="Percent (0-100] or an amount.")
    min_spend = Decimal(description="Minimum checkout subtotal.")
    product_ids = graphene.List(graphene.NonNull(graphene.ID))
    category_ids = graphene.List(graphene.NonNull(graphene.ID))
    collection_ids = graphene.List(graphene.NonNull(graphene.ID))
    validity_days = graphene.Int(description="Days a code stays valid (1-365).")
    max_per_customer = graphene.Int(description="Codes per customer, ever.")
    cooldown_days = graphene.Int(description="Days between two codes of the rule.")
    budget_codes = graphene.Int(description="At most this many codes (null: no cap).")
    budget_amount = Decimal(description="At most this much discount committed.")
    control_share = Decimal(description="Share held out as a control group (0-0.9).")
    report_window_days = graphene.Int(
        description="Days after a grant the report counts orders in."
    )
    starts_at = DateTime()
    ends_at = DateTime()
    delivery = graphene.List(graphene.NonNull(CRMCouponDeliveryEnum))


_TRIGGER_IDS = {"segment_id": "CRMSegment", "tier_id": "CRMTier"}
_REWARD_IDS = {
    "product_ids": "Product",
    "category_ids": "Category",
    "collection_ids": "Collection",
}


class CouponMutation(CRMMutation):
    class Meta:
        abstract = True

    @classmethod
    def rule_data(cls, data: dict) -> dict:
        """Input → ``coupons.rules.save_rule`` values (global IDs → keys)."""
        out = {
            k: v
            for k, v in data.items()
            if k not in ("trigger", "channel", *_REWARD_IDS)
        }
        if data.get("channel") is not None:
            channel = Channel.objects.filter(slug=data["channel"]).first()
            if channel is None:
                raise invalid("channel", CRMErrorCode.NOT_FOUND, "Channel not found.")
            out["channel"] = channel
        for field, type_name in _REWARD_IDS.items():
            if data.get(field) is not None:
                out[field] = [cls.pk_of(g, type_name, field) for g in data[field]]
        trigger = data.get("trigger")
        if trigger is not None:
            params = {}
            for key, value in trigger.items():
                if key == "kind" or value is None:
                    continue
                if key in _TRIGGER_IDS:
                    value = cls.pk_of(value, _TRIGGER_IDS[key], key)
                elif key == "category_ids":
                    value = [cls.pk_of(g, "Category", key) for g in value]
                params[key] = value
            out["trigger"], out["trigger_params"] = trigger["kind"], params
        return out

    @classmethod
    def get_rule(cls, global_id) -> CouponRule:
        return cls.object_or_error(CouponRule, global_id, "CRMCouponRule")


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


class RuleAction(CouponMutation):
    """A mutation that takes a rule's ID and does one thing to it."""

    rule = graphene.Field(CRMCouponRule)

    class Arguments:
        id = graphene.ID(required=True)

    class Meta:
        abstract = True

    @classmethod
    def act(cls, rule: CouponRule) -> None:
        raise NotImplementedError

    @classmethod
    def perform_mutation(cls, _root, _info, /, *, id):
        rule = cls.get_rule(id)
        pk = rule.pk
        cls.act(rule)
        rule.pk = pk  # a deleted rule is returned with its ID
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
            "run, birthdays due today). Order-driven triggers count only what "
            "happens after the switch-on, so they issue nothing now: their codes go "
            "out within seconds of the next order, or at the next 15-minute sweep. "
            "A rule that is on already stays as it is (a run is made)."
        )

    @classmethod
    def perform_mutation(cls, _root, _info, /, *, id):
        from django.utils import timezone

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


class CRMCouponCodesExport(ExportTicketMixin, CouponMutation):
    class Arguments:
        id = graphene.ID(required=True, description="The coupon rule.")
        format = CRMSegmentExportFormatEnum(description="EMAIL (default) or POSTAL.")
        bom = graphene.Boolean(
            default_value=False,
            description="Start with a UTF-8 byte order mark (Excel).",
        )

    class Meta(DiscountsMeta):
        description = (
            "The CSV delivery of a rule: its issued codes with customer ID, email, "
            "language, rule, discount and dates, for an email tool or a postal "
            "mailing; names and addresses only with MANAGE_USERS."
        )

    @classmethod
    def perform_mutation(cls, _root, info, /, *, id, format=None, bom=False):

        rule = cls.get_rule(id)
        return cls.issue_ticket(info, coupon_exports.KEY, rule.pk, format, bom)
