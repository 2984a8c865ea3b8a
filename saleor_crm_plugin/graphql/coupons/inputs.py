import graphene
from saleor.graphql.core.scalars import DateTime, Decimal

from .enums import (
    CRMCouponDeliveryEnum,
    CRMCouponDiscountTypeEnum,
    CRMCouponTriggerEnum,
)


class CRMCouponMessageTemplateInput(graphene.InputObjectType):
    subject = graphene.String(description="One line; placeholders allowed.")
    text = graphene.String(description="The plain-text part.")
    html = graphene.String(
        description="The HTML part (values are HTML-escaped). Empty: the text part."
    )
    short = graphene.String(
        description="The short text of LINE / SMS messages (message webhook)."
    )


class CRMCouponMessageTemplatesInput(graphene.InputObjectType):
    ja = graphene.Field(CRMCouponMessageTemplateInput, description="Japanese.")
    en = graphene.Field(CRMCouponMessageTemplateInput, description="English.")


class CRMCouponTriggerInput(graphene.InputObjectType):
    kind = CRMCouponTriggerEnum(required=True)
    segment_id = graphene.ID(
        description="segment_entry / segment_exit (required) / schedule."
    )
    n = graphene.Int(description="nth_order: 2 to 1000.")
    days = graphene.Int(
        description="days_without_order / category_purchase / second_order_due; "
        "replenishment: the purchase interval (empty: learned); cross_sell: days "
        "after buying X (default 0)."
    )
    every_days = graphene.Int(description="schedule: repeat every N days (1-366).")
    days_before = graphene.Int(
        description="birthday: 0 to 60 days ahead; points_expiring: 0 to 365 days "
        "before the expiry (empty: as soon as the warning is recorded); "
        "replenishment: 0 to 365 days before the due date (default 0)."
    )
    tier_id = graphene.ID(description="tier_upgrade: only upgrades to this tier.")
    category_ids = graphene.List(
        graphene.NonNull(graphene.ID),
        description="category_purchase: the categories. replenishment / "
        "cross_sell: the categories (X).",
    )
    product_ids = graphene.List(
        graphene.NonNull(graphene.ID),
        description="replenishment / cross_sell: the products (X); replenishment "
        "takes products and / or categories, cross_sell one of the two.",
    )
    target_product_ids = graphene.List(
        graphene.NonNull(graphene.ID),
        description="cross_sell: the products to offer (Y), not yet bought; "
        "instead of topK.",
    )
    top_k = graphene.Int(
        description="cross_sell: offer the best of X's top K co-purchases (1-20) "
        "not yet bought, instead of targetProductIds."
    )
    relation = graphene.String(
        description="cross_sell with topK: together (same order, default) or after "
        "(the next order)."
    )
    hours = graphene.Int(
        description="sign_up: hours after the registration (0-720); "
        "checkout_abandoned: hours a checkout stays idle (1-720)."
    )
    min_points = graphene.Int(
        description="points_expiring: only when at least this many points expire."
    )


class CRMCouponRuleInput(graphene.InputObjectType):
    name = graphene.String(description="The internal name (staff only).")
    description = graphene.String()
    customer_name_ja = graphene.String(
        description=(
            "The name customers see in Japanese (at most 128 characters); "
            "empty: the English one, else the internal name."
        )
    )
    customer_name_en = graphene.String(
        description=(
            "The name customers see in English (at most 128 characters); "
            "empty: the Japanese one, else the internal name."
        )
    )
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
    message_templates = graphene.Field(
        CRMCouponMessageTemplatesInput,
        description=(
            "Email and message templates per language (ja, en); a part left out "
            "uses the default. Placeholders: {name} {code} {discount} {expiry} "
            "{points} {product} {storefront_url} {unsubscribe_url}; {{ and }} write "
            "a brace."
        ),
    )
    webhook_url = graphene.String(
        description="The rule's own message webhook (LINE / SMS); empty: clear."
    )
    webhook_secret = graphene.String(
        description="Key of the webhook's HMAC-SHA256 signature (16-255 characters)."
    )
    transactional = graphene.Boolean(
        description=(
            "Messages go without marketing consent and outside the frequency cap "
            "(e.g. points expiring). Default false."
        )
    )
