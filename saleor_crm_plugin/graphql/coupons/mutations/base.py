"""What the coupon-rule mutations share."""

import graphene

from ....models import CouponRule
from ...core.mutations import CRMMutation
from ...core.resolvers import channel_or_error
from ..types import CRMCouponRule

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
            out["channel"] = channel_or_error(data["channel"])
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
                elif key in ("product_ids", "target_product_ids"):
                    value = [cls.pk_of(g, "Product", key) for g in value]
                params[key] = value
            out["trigger"], out["trigger_params"] = trigger["kind"], params
        return out

    @classmethod
    def get_rule(cls, global_id) -> CouponRule:
        return cls.object_or_error(CouponRule, global_id, "CRMCouponRule")


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
