"""Administering coupon rules (Saleor layer): create and update validated as a
whole (``domain.coupons`` plus the Saleor objects a rule names), activate, pause,
delete, and the Saleor voucher that carries a rule's reward."""

from __future__ import annotations

import copy
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ..core.config import load_config
from ..core.validation import first_column_problem
from ..core.voucher_names import translate_voucher, voucher_name
from ..domain.coupons import (
    CouponRuleError,
    parse_delivery,
    parse_limits,
    parse_reward,
    parse_trigger,
)
from ..domain.customer_names import clean_names
from ..domain.errors import CRMErrorCode
from ..domain.messages import TemplateError, parse_templates
from ..models import CouponGrant, CouponRule, CouponVoucher, Segment, Tier

MANAGED_KEY = "saleor-crm-plugin.coupon-rule"


REWARD_FIELDS = (
    "discount_type",
    "discount_value",
    "min_spend",
    "product_ids",
    "category_ids",
    "collection_ids",
    "validity_days",
)


LIMIT_FIELDS = (
    "max_per_customer",
    "cooldown_days",
    "budget_codes",
    "budget_amount",
    "control_share",
    "report_window_days",
    "starts_at",
    "ends_at",
)


# may be cleared with an explicit null
NULLABLE = {"budget_codes", "budget_amount", "starts_at", "ends_at"}


def _merged(rule: CouponRule, data: dict, fields) -> dict:
    out = {}
    for name in fields:
        if name in data and (data[name] is not None or name in NULLABLE):
            out[name] = data[name]
        else:
            out[name] = getattr(rule, name)
    return out


def _check_exists(model, ids, field: str) -> None:
    if ids:
        found = set(model.objects.filter(pk__in=ids).values_list("pk", flat=True))
        missing = sorted(set(ids) - found)
        if missing:
            raise CouponRuleError(
                field, f"Not found: {missing[0]}.", CRMErrorCode.NOT_FOUND
            )


def save_rule(rule: CouponRule | None, data: dict) -> CouponRule:
    """Create (``rule`` None) or change a rule from snake_case input values (IDs as
    database keys, ``channel`` a Channel). Everything is validated before anything
    is written; raises :class:`CouponRuleError`."""
    from saleor.core.prices import get_currency_precision
    from saleor.product.models import Category, Collection, Product

    creating = rule is None
    rule = rule or CouponRule()
    if data.get("name") is not None:
        rule.name = data["name"].strip()
    if data.get("description") is not None:
        rule.description = data["description"].strip()
    if not rule.name:
        raise CouponRuleError("name", "Give the rule a name.", CRMErrorCode.REQUIRED)
    if len(rule.name) > 128:
        raise CouponRuleError("name", "Use at most 128 characters.")
    if len(rule.description) > 512:
        raise CouponRuleError("description", "Use at most 512 characters.")
    names = clean_names(
        {lang: data.get(f"customer_name_{lang}") for lang in ("ja", "en")},
        "customer_name",
        CouponRuleError,
    )
    renamed = not creating and any(
        getattr(rule, f"customer_name_{lang}") != name for lang, name in names.items()
    )
    for lang, name in names.items():
        setattr(rule, f"customer_name_{lang}", name)
    # numbers the columns cannot hold as typed are refused, never rounded
    problem = first_column_problem(
        CouponRule,
        {
            name: data.get(name)
            for name in (
                "discount_value",
                "min_spend",
                "budget_amount",
                "control_share",
            )
        },
    )
    if problem:
        raise CouponRuleError(*problem)
    if data.get("channel") is not None:
        if (
            not creating
            and data["channel"].pk != rule.channel_id
            and (CouponGrant.objects.filter(rule=rule).exists())
        ):
            raise CouponRuleError(
                "channel", "A rule that issued codes stays in its channel."
            )
        rule.channel = data["channel"]
    if rule.channel_id is None:
        raise CouponRuleError("channel", "Choose a channel.", CRMErrorCode.REQUIRED)

    trigger_kind = data.get("trigger") or rule.trigger
    if not trigger_kind:
        raise CouponRuleError("trigger", "Choose a trigger.", CRMErrorCode.REQUIRED)
    params = data.get("trigger_params")
    if params is None:
        params = rule.trigger_params if trigger_kind == rule.trigger else {}
    trigger = parse_trigger(trigger_kind, params)
    if trigger.segment_id is not None:
        segment = Segment.objects.filter(pk=trigger.segment_id).first()
        if segment is None:
            raise CouponRuleError(
                "segment_id", "Segment not found.", CRMErrorCode.NOT_FOUND
            )
        if segment.channel_id not in (None, rule.channel_id):
            raise CouponRuleError(
                "segment_id", "The segment belongs to another channel."
            )
    if (
        trigger.tier_id is not None
        and not Tier.objects.filter(
            pk=trigger.tier_id, program__channel_id=rule.channel_id
        ).exists()
    ):
        raise CouponRuleError(
            "tier_id",
            "No such tier in this channel's loyalty program.",
            CRMErrorCode.NOT_FOUND,
        )
    _check_exists(Category, trigger.category_ids, "category_ids")
    _check_exists(Product, trigger.product_ids, "product_ids")
    _check_exists(Product, trigger.target_product_ids, "target_product_ids")

    reward_values = (
        _merged(rule, data, REWARD_FIELDS)
        if not creating
        else {k: data.get(k) for k in REWARD_FIELDS}
    )
    reward = parse_reward(
        reward_values,
        currency_places=get_currency_precision(rule.channel.currency_code),
    )
    _check_exists(Product, reward.product_ids, "product_ids")
    _check_exists(Category, reward.category_ids, "category_ids")
    _check_exists(Collection, reward.collection_ids, "collection_ids")
    limit_values = (
        _merged(rule, data, LIMIT_FIELDS)
        if not creating
        else {k: data[k] for k in LIMIT_FIELDS if data.get(k) is not None}
    )
    limits = parse_limits(
        limit_values, currency_places=get_currency_precision(rule.channel.currency_code)
    )
    delivery = parse_delivery(
        data["delivery"] if data.get("delivery") is not None else rule.delivery
    )
    if "webhook" in delivery:
        if not load_config().coupon_webhook_url:
            raise CouponRuleError(
                "delivery",
                "Set the coupon webhook URL in the plugin's configuration first.",
            )
    if "email" in delivery and not settings.EMAIL_BACKEND:
        raise CouponRuleError(
            "delivery", "Saleor has no email backend: set its EMAIL_URL first."
        )
    templates = rule.message_templates
    if data.get("message_templates") is not None:
        try:
            templates = parse_templates(data["message_templates"])
        except TemplateError as exc:
            raise CouponRuleError(exc.field, exc.message, exc.code) from None
    webhook_url, webhook_secret = _webhook_target(rule, data)
    if (
        "message_webhook" in delivery
        and not webhook_url
        and not load_config().coupon_webhook_url
    ):
        raise CouponRuleError(
            "webhook_url",
            "Give the rule a webhook URL (or set the plugin's coupon webhook URL).",
            CRMErrorCode.REQUIRED,
        )

    new_reward = {
        "discount_type": reward.discount_type,
        "discount_value": reward.discount_value,
        "min_spend": reward.min_spend,
        "product_ids": list(reward.product_ids),
        "category_ids": list(reward.category_ids),
        "collection_ids": list(reward.collection_ids),
        "validity_days": reward.validity_days,
    }
    changed_reward = not creating and any(
        _norm(getattr(rule, k)) != _norm(v) for k, v in new_reward.items()
    )
    rule.trigger, rule.trigger_params = trigger.kind, trigger.as_params()
    for name, value in new_reward.items():
        setattr(rule, name, value)
    for name in LIMIT_FIELDS:
        setattr(rule, name, getattr(limits, name))
    rule.delivery = list(delivery)
    rule.message_templates = templates
    rule.webhook_url, rule.webhook_secret = webhook_url, webhook_secret
    if data.get("transactional") is not None:
        rule.transactional = bool(data["transactional"])
    rule.updated_at = timezone.now()
    renamed = renamed or (not creating and data.get("name") is not None)
    with transaction.atomic():
        if changed_reward:
            # codes already issued keep the terms they were issued with
            rule.reward_version += 1
        rule.save()
        if renamed:
            rename_vouchers(rule)
    return rule


def customer_names(rule: CouponRule) -> dict[str, str]:
    return {"ja": rule.customer_name_ja, "en": rule.customer_name_en}


def _name_voucher(voucher, rule: CouponRule) -> None:
    voucher.name = voucher_name(customer_names(rule), rule.name, rule.channel)


def rename_vouchers(rule: CouponRule, now: datetime | None = None) -> None:
    """Give the rule's vouchers still valid the names customers see now."""
    from saleor.discount.models import Voucher

    now = now or timezone.now()
    ids = CouponVoucher.objects.filter(rule=rule, expires_at__gt=now).values(
        "voucher_id"
    )
    for voucher in Voucher.objects.filter(pk__in=ids):
        _name_voucher(voucher, rule)
        voucher.save(update_fields=["name"])
        translate_voucher(voucher, customer_names(rule), rule.name)


def _webhook_target(rule: CouponRule, data: dict) -> tuple[str, str]:
    """The rule's own webhook URL and secret (``""`` clears the URL): an http(s)
    URL and a secret of at least 16 characters to sign with."""
    url = rule.webhook_url if data.get("webhook_url") is None else data["webhook_url"]
    secret = (
        rule.webhook_secret
        if data.get("webhook_secret") is None
        else data["webhook_secret"]
    )
    url, secret = url.strip(), secret.strip()
    if not url:
        return "", ""
    if len(url) > 500:
        raise CouponRuleError("webhook_url", "Use at most 500 characters.")
    if not url.startswith(("https://", "http://")) or any(c.isspace() for c in url):
        raise CouponRuleError("webhook_url", "Enter an http(s) URL.")
    if len(secret) < 16 or len(secret) > 255:
        raise CouponRuleError(
            "webhook_secret",
            "A webhook needs a secret of 16 to 255 characters to sign with.",
            CRMErrorCode.REQUIRED if not secret else CRMErrorCode.INVALID,
        )
    return url, secret


def _norm(value):
    if isinstance(value, (list, tuple)):
        return sorted(value)
    return value


def _switch_on(rule: CouponRule, now: datetime) -> bool:
    """Set ``rule`` as switching it on at ``now`` leaves it; False when it was on
    already (then nothing changes: its triggers keep counting from its switch-on)."""
    if rule.ends_at is not None and rule.ends_at <= now:
        raise CouponRuleError("ends_at", "The rule has ended; move its end date.")
    if rule.status == "active":
        return False
    rule.status, rule.activated_at, rule.updated_at = "active", now, now
    return True


def activate(rule: CouponRule, now: datetime | None = None) -> CouponRule:
    """Switch a rule on (or resume it). Event triggers look at what happens from
    now on: what happened before, or while it was paused, is not caught up.
    Activating a rule that is on changes nothing."""
    now = now or timezone.now()
    if _switch_on(rule, now):
        rule.save(update_fields=["status", "activated_at", "updated_at"])
    return rule


def switched_on(rule: CouponRule, now: datetime) -> CouponRule | None:
    """A copy of ``rule`` as :func:`activate` at ``now`` would leave it (not
    saved), or None when it has ended — what the dry run asks about."""
    on = copy.copy(rule)
    try:
        _switch_on(on, now)
    except CouponRuleError:
        return None
    return on


def pause(rule: CouponRule, now: datetime | None = None) -> CouponRule:
    """Stop issuing; codes already issued stay valid until they expire."""
    rule.status, rule.updated_at = "paused", now or timezone.now()
    rule.save(update_fields=["status", "updated_at"])
    return rule


def delete_rule(rule: CouponRule) -> None:
    """Delete a rule that has not issued anything (with its unused Saleor
    vouchers). A rule with codes or hold-outs keeps its history: pause it."""
    from saleor.discount.models import Voucher

    if CouponGrant.objects.filter(rule=rule).exists():
        raise CouponRuleError(
            "id", "This rule has issued codes; pause it instead.", CRMErrorCode.INVALID
        )
    with transaction.atomic():
        voucher_ids = list(
            CouponVoucher.objects.filter(rule=rule).values_list("voucher_id", flat=True)
        )
        rule.delete()
        Voucher.objects.filter(pk__in=voucher_ids).delete()


def rules_using(*, segment_id: int | None = None, tier_ids=()) -> list[CouponRule]:
    """The coupon rules (any status) whose trigger names the segment or one of
    the tiers, by name."""
    query = None
    if segment_id is not None:
        query = Q(trigger_params__segment_id=segment_id)
    for tier_id in tier_ids:
        one = Q(trigger_params__tier_id=tier_id)
        query = one if query is None else query | one
    if query is None:
        return []
    return list(CouponRule.objects.filter(query).order_by("name", "pk"))


def refuse_if_used(
    what: str, *, segment_id: int | None = None, tier_ids=(), field: str = "id"
) -> None:
    """Raise an ``IN_USE`` :class:`CouponRuleError` naming the coupon rules that
    use the segment or tiers about to be deleted (``what``: "segment", "tier",
    "program"): a rule whose segment or tier is gone would silently stop."""
    used_by = rules_using(segment_id=segment_id, tier_ids=tier_ids)
    if used_by:
        names = ", ".join(f'"{rule.name}"' for rule in used_by[:10])
        more = f" and {len(used_by) - 10} more" if len(used_by) > 10 else ""
        raise CouponRuleError(
            field,
            f"The {what} is used by coupon rules {names}{more}: change or delete "
            "those rules first.",
            CRMErrorCode.IN_USE,
        )


def create_saleor_voucher(rule: CouponRule, now: datetime, expires_at: datetime):
    """A Saleor voucher with the rule's reward: single-use codes, listed in the
    rule's channel, valid from ``now`` until ``expires_at``."""
    from saleor.discount import DiscountValueType, VoucherType
    from saleor.discount.models import Voucher, VoucherChannelListing

    if rule.discount_type == "free_shipping":
        voucher_type, value_type = VoucherType.SHIPPING, DiscountValueType.PERCENTAGE
    else:
        voucher_type = (
            VoucherType.SPECIFIC_PRODUCT
            if rule.product_ids or rule.category_ids or rule.collection_ids
            else VoucherType.ENTIRE_ORDER
        )
        value_type = (
            DiscountValueType.PERCENTAGE
            if rule.discount_type == "percentage"
            else DiscountValueType.FIXED
        )
    # customers see this name (and its translations) at checkout and on the order;
    # staff find the rule's vouchers by their private metadata
    voucher = Voucher(
        type=voucher_type,
        discount_value_type=value_type,
        single_use=True,
        start_date=now,
        end_date=expires_at,
    )
    _name_voucher(voucher, rule)
    voucher.store_value_in_private_metadata({MANAGED_KEY: str(rule.pk)})
    voucher.save()
    translate_voucher(voucher, customer_names(rule), rule.name)
    voucher.products.set(rule.product_ids)
    voucher.categories.set(rule.category_ids)
    voucher.collections.set(rule.collection_ids)
    VoucherChannelListing.objects.create(
        voucher=voucher,
        channel_id=rule.channel_id,
        discount_value=rule.discount_value,
        currency=rule.channel.currency_code,
        min_spent_amount=rule.min_spend or None,
    )
    return voucher
