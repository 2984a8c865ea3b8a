"""A coupon rule, its trigger and the codes it issued."""

import graphene
from django.utils import timezone
from saleor.graphql.core.connection import CountableConnection, create_connection_slice
from saleor.graphql.core.scalars import DateTime, Decimal
from saleor.graphql.core.types import ModelObjectType
from saleor.graphql.core.types.money import Money

from ....domain.coupons import is_running
from ....models import CouponGrant, CouponRule
from ...core.utils import gid, money
from ..enums import (
    CRMCouponDeliveryEnum,
    CRMCouponDiscountTypeEnum,
    CRMCouponRuleStatusEnum,
    CRMCouponTriggerEnum,
)
from .deliveries import CRMCouponMessageTemplates


class CRMCouponTrigger(graphene.ObjectType):
    kind = CRMCouponTriggerEnum(required=True)
    segment_id = graphene.ID(
        description="segment_entry / segment_exit / schedule: the segment."
    )
    n = graphene.Int(description="nth_order: which paid order.")
    days = graphene.Int(
        description="days_without_order / category_purchase / second_order_due / "
        "replenishment (the interval; null: learned) / cross_sell (after buying X)."
    )
    every_days = graphene.Int(description="schedule: repeat every N days.")
    days_before = graphene.Int(
        description="birthday: days ahead of the birthday; points_expiring: days "
        "before the expiry; replenishment: days before the due date."
    )
    tier_id = graphene.ID(description="tier_upgrade: only upgrades to this tier.")
    category_ids = graphene.List(
        graphene.NonNull(graphene.ID),
        required=True,
        description="category_purchase: the categories; replenishment / "
        "cross_sell: the categories (X).",
    )
    hours = graphene.Int(
        description="sign_up: hours after the registration; checkout_abandoned: "
        "hours a checkout stays idle."
    )
    min_points = graphene.Int(
        description="points_expiring: only when at least this many points expire."
    )
    product_ids = graphene.List(
        graphene.NonNull(graphene.ID),
        required=True,
        description="replenishment / cross_sell: the products (X).",
    )
    target_product_ids = graphene.List(
        graphene.NonNull(graphene.ID),
        required=True,
        description="cross_sell: the products to offer (Y).",
    )
    top_k = graphene.Int(description="cross_sell: X's top K co-purchases (Y).")
    relation = graphene.String(description="cross_sell with topK: together or after.")

    @staticmethod
    def of(rule: CouponRule):
        params = rule.trigger_params or {}
        return CRMCouponTrigger(
            kind=rule.trigger,
            segment_id=gid("CRMSegment", params.get("segment_id")),
            n=params.get("n"),
            days=params.get("days"),
            every_days=params.get("every_days"),
            days_before=params.get("days_before"),
            tier_id=gid("CRMTier", params.get("tier_id")),
            category_ids=[gid("Category", pk) for pk in params.get("category_ids", [])],
            hours=params.get("hours"),
            min_points=params.get("min_points"),
            product_ids=[gid("Product", pk) for pk in params.get("product_ids", [])],
            target_product_ids=[
                gid("Product", pk) for pk in params.get("target_product_ids", [])
            ],
            top_k=params.get("top_k"),
            relation=params.get("relation"),
        )


class CRMCouponGrant(ModelObjectType[CouponGrant]):
    id = graphene.GlobalID(required=True)
    code = graphene.String(
        required=True, description="The personal code (empty for a hold-out)."
    )
    control = graphene.Boolean(
        required=True, description="Held out (control group): no code."
    )
    email = graphene.String(description="The customer's email.")
    customer_id = graphene.ID(description="The Saleor User (null for a guest).")
    trigger_key = graphene.String(
        required=True, description="What triggered it (e.g. enter:42)."
    )
    granted_at = DateTime(required=True)
    expires_at = DateTime()
    estimated_cost = graphene.Field(Money, required=True)
    delivered_at = DateTime()
    delivery_error = graphene.String(required=True)
    redeemed_at = DateTime()
    order_id = graphene.ID(description="The Saleor Order that used the code.")
    order_total = graphene.Field(Money)
    discount = graphene.Field(Money, description="What the code took off the order.")

    class Meta:
        description = "A code issued by a coupon rule, or a control-group hold-out."
        interfaces = [graphene.relay.Node]
        model = CouponGrant

    @staticmethod
    def resolve_email(root: CouponGrant, _info):
        return root.profile.user.email if root.profile.user_id else root.profile.email

    @staticmethod
    def resolve_customer_id(root: CouponGrant, _info):
        return gid("User", root.profile.user_id)

    @staticmethod
    def resolve_estimated_cost(root: CouponGrant, _info):
        return money(root.estimated_cost, root.currency)

    @staticmethod
    def resolve_order_id(root: CouponGrant, _info):
        return gid("Order", root.order_id)

    @staticmethod
    def resolve_order_total(root: CouponGrant, _info):
        return money(root.order_total, root.currency)

    @staticmethod
    def resolve_discount(root: CouponGrant, _info):
        return money(root.discount_amount, root.currency)


class CRMCouponGrantCountableConnection(CountableConnection):
    class Meta:
        node = CRMCouponGrant


class CRMCouponRule(ModelObjectType[CouponRule]):
    id = graphene.GlobalID(required=True)
    name = graphene.String(required=True, description="The internal name.")
    description = graphene.String(required=True)
    customer_name_ja = graphene.String(
        required=True, description="The name customers see in Japanese (may be empty)."
    )
    customer_name_en = graphene.String(
        required=True, description="The name customers see in English (may be empty)."
    )
    channel = graphene.String(required=True, description="Slug of the channel.")
    status = CRMCouponRuleStatusEnum(required=True)
    is_running = graphene.Boolean(
        required=True, description="Active and between start and end now."
    )
    trigger = graphene.Field(CRMCouponTrigger, required=True)
    discount_type = CRMCouponDiscountTypeEnum(required=True)
    discount_value = Decimal(
        required=True, description="Percent, or an amount of the currency."
    )
    min_spend = graphene.Field(Money, required=True)
    product_ids = graphene.List(graphene.NonNull(graphene.ID), required=True)
    category_ids = graphene.List(graphene.NonNull(graphene.ID), required=True)
    collection_ids = graphene.List(graphene.NonNull(graphene.ID), required=True)
    validity_days = graphene.Int(required=True)
    max_per_customer = graphene.Int(required=True)
    cooldown_days = graphene.Int(required=True)
    budget_codes = graphene.Int()
    budget_amount = graphene.Field(Money)
    control_share = graphene.Float(required=True)
    report_window_days = graphene.Int(required=True)
    starts_at = DateTime()
    ends_at = DateTime()
    delivery = graphene.List(graphene.NonNull(CRMCouponDeliveryEnum), required=True)
    message_templates = graphene.Field(
        CRMCouponMessageTemplates,
        required=True,
        description="The email / message templates per language (defaults filled in).",
    )
    webhook_url = graphene.String(
        required=True, description="The rule's own message webhook (empty: none)."
    )
    has_webhook_secret = graphene.Boolean(
        required=True, description="A signing secret is set (it is never shown)."
    )
    transactional = graphene.Boolean(
        required=True,
        description="Messages go without marketing consent, outside the frequency cap.",
    )
    activated_at = DateTime()
    issued_count = graphene.Int(required=True)
    control_count = graphene.Int(required=True)
    created_at = DateTime(required=True)
    updated_at = DateTime(required=True)
    grants = graphene.Field(
        CRMCouponGrantCountableConnection,
        first=graphene.Int(default_value=50),
        after=graphene.String(),
        control=graphene.Boolean(),
        redeemed=graphene.Boolean(),
        description="Codes and hold-outs, newest first.",
    )

    class Meta:
        description = "A coupon rule: trigger → reward (a Saleor voucher) under limits."
        interfaces = [graphene.relay.Node]
        model = CouponRule

    @staticmethod
    def resolve_channel(root, _info):
        return root.channel.slug

    @staticmethod
    def resolve_is_running(root, _info):
        return is_running(root.status, root.starts_at, root.ends_at, timezone.now())

    @staticmethod
    def resolve_trigger(root, _info):
        return CRMCouponTrigger.of(root)

    @staticmethod
    def resolve_min_spend(root, _info):
        return money(root.min_spend, root.channel.currency_code)

    @staticmethod
    def resolve_budget_amount(root, _info):
        return money(root.budget_amount, root.channel.currency_code)

    @staticmethod
    def resolve_product_ids(root, _info):
        return [gid("Product", pk) for pk in root.product_ids]

    @staticmethod
    def resolve_category_ids(root, _info):
        return [gid("Category", pk) for pk in root.category_ids]

    @staticmethod
    def resolve_collection_ids(root, _info):
        return [gid("Collection", pk) for pk in root.collection_ids]

    @staticmethod
    def resolve_message_templates(root, _info):
        return CRMCouponMessageTemplates.of(root.message_templates)

    @staticmethod
    def resolve_has_webhook_secret(root, _info):
        return bool(root.webhook_secret)

    @staticmethod
    def resolve_control_share(root, _info):
        return float(root.control_share)

    @staticmethod
    def resolve_grants(root, info, control=None, redeemed=None, **kwargs):
        kwargs.setdefault("first", 50)
        qs = CouponGrant.objects.select_related("profile__user").filter(rule=root)
        if control is not None:
            qs = qs.filter(control=control)
        if redeemed is not None:
            qs = qs.filter(redeemed_at__isnull=not redeemed)
        return create_connection_slice(
            qs, info, kwargs, CRMCouponGrantCountableConnection
        )


class CRMCouponRuleCountableConnection(CountableConnection):
    class Meta:
        node = CRMCouponRule
