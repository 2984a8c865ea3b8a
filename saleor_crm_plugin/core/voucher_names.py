"""The names customers see on the Saleor vouchers the CRM creates (coupon rules'
and tiers'): the voucher's own name in the channel's language, and Saleor voucher
translations with the Japanese and English names, so that Saleor itself gives each
checkout, and the order made from it, the name in the checkout's language
(``discountName`` / ``translatedDiscountName``). The rules are
``domain.customer_names``."""

from __future__ import annotations

from ..domain.customer_names import channel_language, customer_facing, language_of


def voucher_name(names: dict[str, str], internal: str, channel) -> str:
    """The voucher's own name: the customer-facing name in the channel's
    language (or the other one, or the internal name)."""
    return customer_facing(names, internal, channel_language(channel.default_country))


def translate_voucher(voucher, names: dict[str, str], internal: str) -> None:
    """Write the voucher's Japanese and English translations (every Saleor
    language code of either language) where the name differs from the voucher's
    own; the CRM's earlier translations of those codes are replaced. Two
    statements."""
    from django.conf import settings
    from saleor.discount.models import VoucherTranslation

    codes = {
        code: language_of(code)
        for code, _ in settings.LANGUAGES
        if language_of(code) is not None
    }
    VoucherTranslation.objects.filter(
        voucher=voucher, language_code__in=list(codes)
    ).delete()
    rows = []
    for code, language in codes.items():
        name = customer_facing(names, internal, language)
        if name and name != voucher.name:
            rows.append(
                VoucherTranslation(voucher=voucher, language_code=code, name=name)
            )
    VoucherTranslation.objects.bulk_create(rows)
