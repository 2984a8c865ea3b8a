"""Message templates of coupon rules (pure: no Django, no Saleor).

A rule's templates are ``{language: {"subject", "text", "html"}}`` for ``ja`` and
``en``; a language the merchant left out uses the default below. Templates use a
restricted placeholder format — ``{name}``, ``{code}`` … (``{{`` and ``}}`` write
a brace) — and nothing else: no attribute access, no format specs, no code. In
the HTML part every value is HTML-escaped; the subject is one line.

Consent: a customer consented when the metadata value of the consent key is one
of ``CONSENT_VALUES`` (case-insensitive)."""

from __future__ import annotations

import html
from dataclasses import dataclass
from string import Formatter

from .errors import CRMErrorCode, CRMServiceError

LANGUAGES = ("ja", "en")

PARTS = ("subject", "text", "html")

PLACEHOLDERS = (
    "name",
    "code",
    "discount",
    "expiry",
    "points",
    "product",
    "storefront_url",
    "unsubscribe_url",
)

MAX_LENGTH = {"subject": 200, "text": 10_000, "html": 50_000}

CONSENT_VALUES = ("true", "yes", "1", "on")

# what a recipient's delivery is when it is not sent (``CouponDelivery.reason``)
SKIP_NO_CONSENT = "no_consent"
SKIP_FREQUENCY_CAP = "frequency_cap"
SKIP_OPEN_CODES_CAP = "open_codes_cap"
SKIP_NO_EMAIL = "no_email"
SKIP_NO_ADDRESS = "no_phone_or_line_id"


class TemplateError(CRMServiceError):
    """A template the merchant cannot save (``field`` names language and part,
    e.g. ``message_templates.ja.subject``)."""

    def __init__(self, field: str, message: str):
        super().__init__(field, message, CRMErrorCode.INVALID)


DEFAULTS = {
    "en": {
        "subject": "{name}, a coupon for you: {discount}",
        "text": (
            "Hello {name},\n\n"
            "Here is your personal coupon: {discount}.\n"
            "Code: {code}\n"
            "Valid until {expiry}.\n\n"
            "Shop now: {storefront_url}\n"
        ),
        "html": (
            "<p>Hello {name},</p>"
            "<p>Here is your personal coupon: <strong>{discount}</strong>.</p>"
            '<p style="font-size:20px;letter-spacing:1px"><strong>{code}</strong></p>'
            "<p>Valid until {expiry}.</p>"
            '<p><a href="{storefront_url}">Shop now</a></p>'
        ),
    },
    "ja": {
        "subject": "{name}様へ特別クーポン：{discount}",
        "text": (
            "{name}様\n\n"
            "いつもご利用いただきありがとうございます。\n"
            "特別クーポン（{discount}）をお届けします。\n"
            "クーポンコード：{code}\n"
            "有効期限：{expiry}\n\n"
            "ショップはこちら：{storefront_url}\n"
        ),
        "html": (
            "<p>{name}様</p>"
            "<p>いつもご利用いただきありがとうございます。</p>"
            "<p>特別クーポン（<strong>{discount}</strong>）をお届けします。</p>"
            '<p style="font-size:20px;letter-spacing:1px"><strong>{code}</strong></p>'
            "<p>有効期限：{expiry}</p>"
            '<p><a href="{storefront_url}">ショップはこちら</a></p>'
        ),
    },
}

# added below a marketing message (the link is always there, whatever the template)
UNSUBSCRIBE_FOOTER = {
    "en": {
        "text": "\n--\nNo more offers by email: {unsubscribe_url}\n",
        "html": (
            '<hr><p style="font-size:12px;color:#666">No more offers by email: '
            '<a href="{unsubscribe_url}">unsubscribe</a></p>'
        ),
    },
    "ja": {
        "text": "\n--\n配信停止はこちら：{unsubscribe_url}\n",
        "html": (
            '<hr><p style="font-size:12px;color:#666">今後のお知らせが不要な方は'
            '<a href="{unsubscribe_url}">こちらから配信停止</a>できます。</p>'
        ),
    },
}

# a short message (LINE / SMS) when the merchant wrote none: the text part's
# default is too long for an SMS
SHORT_DEFAULTS = {
    "en": "{name}, your coupon {discount}: {code} (until {expiry})",
    "ja": "{name}様 特別クーポン（{discount}）：{code}（{expiry}まで）",
}


def _fields(template: str) -> list[str]:
    """The placeholders of ``template``; ValueError when it is not well formed."""
    names = []
    try:
        parsed = list(Formatter().parse(template))
    except ValueError:
        raise ValueError(
            "Unmatched brace: write {{ or }} for a brace, or a placeholder like {name}."
        ) from None
    for _literal, field, spec, conversion in parsed:
        if field is None:
            continue
        if spec or conversion:
            raise ValueError(f"Write {{{field}}} without a format or conversion.")
        if field not in PLACEHOLDERS:
            raise ValueError(
                f"Unknown placeholder {{{field}}}; use one of "
                + ", ".join("{" + p + "}" for p in PLACEHOLDERS)
                + "."
            )
        names.append(field)
    return names


def parse_templates(raw) -> dict:
    """Validate templates from input: ``{language: {part: text}}`` with languages
    from ``LANGUAGES`` and parts from ``PARTS`` (missing parts fall back to the
    default of that language; an empty string clears a part). Raises
    :class:`TemplateError` naming the language and part."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise TemplateError("message_templates", "Enter templates per language.")
    out: dict = {}
    for language, parts in raw.items():
        if language not in LANGUAGES:
            raise TemplateError(
                "message_templates", f"Unknown language {language!r}; use ja or en."
            )
        if parts is None:
            continue
        if not isinstance(parts, dict):
            raise TemplateError(
                f"message_templates.{language}", "Enter subject, text and html."
            )
        kept = {}
        for part, text in parts.items():
            field = f"message_templates.{language}.{part}"
            if part not in PARTS and part != "short":
                raise TemplateError(field, f"Unknown part {part!r}.")
            if text is None or text == "":
                continue
            if not isinstance(text, str):
                raise TemplateError(field, "Enter text.")
            if "\x00" in text:
                raise TemplateError(field, "Remove the NUL character.")
            limit = MAX_LENGTH.get(part, 1000)
            if len(text) > limit:
                raise TemplateError(field, f"Use at most {limit} characters.")
            if part == "subject" and ("\n" in text or "\r" in text):
                raise TemplateError(field, "Write the subject on one line.")
            try:
                _fields(text)
            except ValueError as exc:
                raise TemplateError(field, str(exc)) from None
            kept[part] = text
        if kept:
            out[language] = kept
    return out


def language_of(user_language: str | None, channel_language: str) -> str:
    """``ja`` or ``en``: the customer's Saleor ``language_code`` (``ja``,
    ``ja-JP``, ``en-US`` …) when it is one of them, else the channel's."""
    code = (user_language or "").lower().replace("_", "-").split("-")[0]
    return code if code in LANGUAGES else channel_language


def channel_language(country_code: str | None) -> str:
    """A channel's default message language: Japanese for a channel whose default
    country is Japan, English otherwise."""
    return "ja" if (country_code or "").upper() == "JP" else "en"


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    text: str
    html: str
    short: str


def render(
    templates: dict, language: str, values: dict, *, marketing: bool
) -> Rendered:
    """The message in ``language`` from the rule's templates (or the defaults),
    with ``values`` for the placeholders (missing ones render empty). The HTML
    part escapes every value; a marketing message gets the unsubscribe footer."""
    own = (templates or {}).get(language) or {}
    base = DEFAULTS[language]
    values = {p: "" if values.get(p) is None else str(values[p]) for p in PLACEHOLDERS}
    escaped = {k: html.escape(v, quote=True) for k, v in values.items()}
    subject = (own.get("subject") or base["subject"]).format(**values)
    subject = " ".join(subject.split())[:250]
    text_template = own.get("text") or base["text"]
    text = text_template.format(**values)
    if own.get("html"):
        html_part = own["html"].format(**escaped)
    elif own.get("text"):
        # the merchant wrote only the text: the HTML part is that text, escaped
        html_part = "<p>" + html.escape(text).replace("\n", "<br>") + "</p>"
    else:
        html_part = base["html"].format(**escaped)
    if marketing:
        footer = UNSUBSCRIBE_FOOTER[language]
        if "{unsubscribe_url}" not in text_template:
            text += footer["text"].format(**values)
        if "{unsubscribe_url}" not in (own.get("html") or base["html"]):
            html_part += footer["html"].format(**escaped)
    short = (own.get("short") or SHORT_DEFAULTS[language]).format(**values)
    return Rendered(subject, text, html_part, short)


def format_discount(discount_type: str, value, currency: str, language: str) -> str:
    """The reward in words: ``15%`` / ``15%OFF``, ``USD 10.00`` / ``1,000円``,
    free shipping."""
    if discount_type == "percentage":
        number = f"{value.normalize():f}" if hasattr(value, "normalize") else value
        return f"{number}%OFF" if language == "ja" else f"{number}% off"
    if discount_type == "fixed":
        if currency == "JPY":
            amount = f"{int(value):,}"
            return f"{amount}円引き" if language == "ja" else f"¥{amount} off"
        amount = f"{value:,.2f}"
        return (
            f"{currency} {amount}引き"
            if language == "ja"
            else f"{currency} {amount} off"
        )
    return "送料無料" if language == "ja" else "free shipping"


def format_date(moment, language: str) -> str:
    if moment is None:
        return ""
    if language == "ja":
        return f"{moment.year}年{moment.month}月{moment.day}日"
    return moment.strftime("%d %b %Y")


def has_consent(metadata_value) -> bool:
    return str(metadata_value or "").strip().lower() in CONSENT_VALUES
