"""The names customers see of coupon rules and tiers (pure Python, no Django).

A rule or a tier has an internal name (staff only) and may have a customer-facing
name in Japanese and in English. What a customer sees:

* the language: the customer's Saleor ``language_code`` when it is Japanese or
  English (``ja``, ``ja-jp``, ``en``, ``en-gb``, ``EN_US`` ...), else the
  channel's language — Japanese for a channel whose default country is Japan,
  English otherwise;
* the name: the customer-facing name in that language, else the one in the other
  language, else the internal name.

One Saleor voucher carries a rule's codes for many customers: its own name is the
name in the channel's language, and Saleor voucher translations carry the names
in Japanese and English, so Saleor gives each checkout (and its order) the name
in the checkout's language (``Checkout.translated_discount_name``)."""

from __future__ import annotations

from .errors import CRMErrorCode, CRMServiceError

LANGUAGES = ("ja", "en")
MAX_LENGTH = 128


def language_of(code: str | None) -> str | None:
    """``ja`` / ``en`` for a Saleor language code of that language, else None."""
    base = (code or "").strip().lower().replace("_", "-").split("-")[0]
    return base if base in LANGUAGES else None


def channel_language(default_country: str | None) -> str:
    """The language of a channel: Japanese in Japan, English elsewhere."""
    return "ja" if str(default_country or "").upper() == "JP" else "en"


def customer_language(code: str | None, default_country: str | None) -> str:
    return language_of(code) or channel_language(default_country)


def customer_facing(names: dict[str, str], internal: str, language: str) -> str:
    """The name a customer reading ``language`` sees (see the module's rules)."""
    other = "en" if language == "ja" else "ja"
    return (names.get(language) or names.get(other) or internal or "").strip()


def clean_names(
    values: dict[str, str | None],
    field_prefix: str,
    error: type[CRMServiceError] = CRMServiceError,
) -> dict[str, str]:
    """Validated customer-facing names from ``{"ja": ..., "en": ...}`` (None
    leaves a language out): trimmed, at most :data:`MAX_LENGTH` characters;
    raises ``error`` (an area's :class:`CRMServiceError`) on
    ``<field_prefix>_<lang>``."""
    out = {}
    for language in LANGUAGES:
        value = values.get(language)
        if value is None:
            continue
        text = str(value).strip()
        if len(text) > MAX_LENGTH:
            raise error(
                f"{field_prefix}_{language}",
                f"Use at most {MAX_LENGTH} characters.",
                CRMErrorCode.INVALID,
            )
        out[language] = text
    return out
