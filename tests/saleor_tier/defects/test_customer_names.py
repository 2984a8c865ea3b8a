"""Coupon rules and tiers have names customers see, in Japanese and English: the
Saleor voucher carries them (its own name in the channel's language, Saleor
translations for the others), so Saleor names the discount in the checkout's
language; the customer's own codes are named in their language; without them the
internal name stands in; too long a name is a typed error."""

from datetime import timedelta
from decimal import Decimal

from crm_helpers import create_checkout, crm_gql, gid, gql, ok
from django.utils import timezone
from saleor.discount.models import Voucher, VoucherCode

from saleor_crm_plugin.coupons import issuing as coupons
from saleor_crm_plugin.coupons import rules as coupon_rules
from saleor_crm_plugin.loyalty import programs
from saleor_crm_plugin.models import CouponGrant, CustomerProfile

JA = "初回購入ありがとうクーポン"
EN = "Thank-you coupon"

ADD_CODE = """
mutation A($id: ID, $code: String!) {
  checkoutAddPromoCode(id: $id, promoCode: $code) {
    checkout { voucherCode discountName translatedDiscountName }
    errors { field code message }
  }
}"""
LANGUAGE = """
mutation L($id: ID, $lang: LanguageCodeEnum!) {
  checkoutLanguageCodeUpdate(id: $id, languageCode: $lang) {
    checkout { languageCode } errors { field code message }
  }
}"""
MINE = "query M { crmMyCoupons { code name } }"
CREATE = """
mutation C($input: CRMCouponRuleInput!) {
  crmCouponRuleCreate(input: $input) {
    rule { id name customerNameJa customerNameEn }
    errors { field code message }
  }
}"""
TIER_UPDATE = """
mutation U($id: ID!, $input: CRMTierInput!) {
  crmTierUpdate(id: $id, input: $input) {
    tier { id name customerNameJa customerNameEn }
    errors { field code message }
  }
}"""


def _issue(channel, user, **names):
    rule = coupon_rules.save_rule(
        None,
        {
            "name": "Q3 lapse test B",
            "channel": channel,
            "trigger": "schedule",
            "trigger_params": {"every_days": 7},
            "discount_type": "percentage",
            "discount_value": Decimal(10),
            "validity_days": 30,
            **names,
        },
    )
    profile = CustomerProfile.objects.create(
        channel=channel,
        user=user,
        email=user.email,
        currency=channel.currency_code,
        orders_count=1,
        paid_orders_count=1,
        average_order_value_amount=Decimal(40),
    )
    coupon_rules.activate(rule, now=timezone.now() - timedelta(minutes=1))
    coupons.run_rule(rule)
    return rule, CouponGrant.objects.get(rule=rule, profile=profile)


def test_customers_see_the_rules_name_in_their_language(
    user_api_client, customer_user, shop_usd, channel_USD
):
    rule, grant = _issue(
        channel_USD, customer_user, customer_name_ja=JA, customer_name_en=EN
    )
    voucher = VoucherCode.objects.get(code=grant.code).voucher
    # a US channel: the voucher's own name is the English one
    assert voucher.name == EN
    assert voucher.translations.get(language_code="ja").name == JA

    # Saleor names the discount in the checkout's language
    checkout_id = create_checkout(user_api_client, shop_usd, quantity=2)
    ok(
        gql(user_api_client, LANGUAGE, {"id": checkout_id, "lang": "JA"})[
            "checkoutLanguageCodeUpdate"
        ]
    )
    data = ok(
        gql(user_api_client, ADD_CODE, {"id": checkout_id, "code": grant.code})[
            "checkoutAddPromoCode"
        ]
    )
    assert data["checkout"]["voucherCode"] == grant.code
    assert data["checkout"]["discountName"] == EN
    assert data["checkout"]["translatedDiscountName"] == JA

    # the customer's own list names it in their language
    customer_user.language_code = "ja"
    customer_user.save(update_fields=["language_code"])
    assert crm_gql(user_api_client, MINE)["crmMyCoupons"] == [
        {"code": grant.code, "name": JA}
    ]
    customer_user.language_code = "en-gb"
    customer_user.save(update_fields=["language_code"])
    assert crm_gql(user_api_client, MINE)["crmMyCoupons"][0]["name"] == EN

    # renaming the rule renames the vouchers still valid
    coupon_rules.save_rule(rule, {"customer_name_en": "Welcome back"})
    voucher.refresh_from_db()
    assert voucher.name == "Welcome back"
    assert voucher.translations.get(language_code="ja").name == JA


def test_without_customer_names_the_internal_name_stands_in(
    user_api_client, customer_user, channel_USD
):
    _, grant = _issue(channel_USD, customer_user)
    voucher = VoucherCode.objects.get(code=grant.code).voucher
    assert voucher.name == "Q3 lapse test B"
    assert not voucher.translations.exists()
    # only a Japanese name: English readers see it rather than the internal name
    _, grant = _issue(channel_USD, _other_user(), customer_name_ja=JA)
    voucher = VoucherCode.objects.get(code=grant.code).voucher
    assert voucher.name == JA


def _other_user():
    from saleor.account.models import User

    return User.objects.create(email="other@example.com")


def test_names_are_validated_and_returned(staff_discounts_admin, channel_USD):
    base = {
        "name": "Welcome",
        "channel": channel_USD.slug,
        "trigger": {"kind": "FIRST_ORDER"},
        "discountType": "PERCENTAGE",
        "discountValue": "10",
        "validityDays": 30,
    }
    data = crm_gql(
        staff_discounts_admin,
        CREATE,
        {"input": {**base, "customerNameEn": "x" * 129}},
    )["crmCouponRuleCreate"]
    assert data["rule"] is None
    assert [(e["field"], e["code"]) for e in data["errors"]] == [
        ("customerNameEn", "INVALID")
    ]
    data = crm_gql(
        staff_discounts_admin,
        CREATE,
        {"input": {**base, "customerNameJa": f"  {JA} ", "customerNameEn": EN}},
    )["crmCouponRuleCreate"]
    assert data["errors"] == []
    assert data["rule"]["customerNameJa"] == JA
    assert data["rule"]["customerNameEn"] == EN


def test_a_tiers_voucher_carries_its_customer_names(staff_discounts_admin, ladder):
    _, tiers = ladder
    gold = tiers["Gold"]
    voucher = Voucher.objects.get(pk=gold.voucher_id)
    assert voucher.name == "Gold member discount"  # no names yet: as before
    data = crm_gql(
        staff_discounts_admin,
        TIER_UPDATE,
        {
            "id": gid("CRMTier", gold.pk),
            "input": {"customerNameJa": "ゴールド会員割引", "customerNameEn": "Gold"},
        },
    )["crmTierUpdate"]
    assert data["errors"] == []
    assert data["tier"]["customerNameJa"] == "ゴールド会員割引"
    voucher.refresh_from_db()
    assert voucher.name == "Gold"
    assert voucher.translations.get(language_code="ja-jp").name == "ゴールド会員割引"
    data = crm_gql(
        staff_discounts_admin,
        TIER_UPDATE,
        {"id": gid("CRMTier", gold.pk), "input": {"customerNameJa": "あ" * 129}},
    )["crmTierUpdate"]
    assert [(e["field"], e["code"]) for e in data["errors"]] == [
        ("customerNameJa", "INVALID")
    ]
    # a Japanese channel's voucher is named in Japanese
    gold.program.channel.default_country = "JP"
    gold.program.channel.save(update_fields=["default_country"])
    gold.refresh_from_db()
    programs.update_tier(gold, customer_name_en="Gold members")
    voucher.refresh_from_db()
    assert voucher.name == "ゴールド会員割引"
    assert voucher.translations.get(language_code="en").name == "Gold members"
