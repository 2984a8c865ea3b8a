"""The plugin's configuration, validated without Django or Saleor.

Saleor stores plugin configuration as a list of ``{"name": ..., "value": ...}``
items; the plugin class turns that into a dict and calls :func:`parse_config`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import CRMErrorCode, CRMServiceError
from .items import AFTER_WINDOW_DAYS, TOP_K


class ConfigError(CRMServiceError):
    """Invalid plugin settings: ``errors`` maps each bad setting to its message
    (``field`` is the first of them)."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(
            next(iter(errors), ""),
            "; ".join(f"{k}: {v}" for k, v in errors.items()),
            CRMErrorCode.INVALID,
        )
        self.errors = errors


@dataclass(frozen=True, slots=True)
class CRMConfig:
    attribute_guest_orders: bool = True
    batch_size: int = 5000
    max_retry_attempts: int = 10
    coupon_webhook_url: str = ""
    coupon_webhook_secret: str = ""
    birthday_metadata_key: str = "birthday"
    app_public_url: str = ""
    # comma-separated channel slugs; empty: every active channel
    signup_channels: str = ""

    consent_metadata_key: str = "crm.marketing_consent"
    line_user_id_metadata_key: str = "line_user_id"
    frequency_cap_messages: int = 0
    frequency_cap_days: int = 7
    open_codes_cap: int = 0
    storefront_url: str = ""
    # item analytics (``analytics.copurchase``): the daily refresh's window of
    # "bought afterwards" and how many co-purchases are kept per item
    copurchase_window_days: int = AFTER_WINDOW_DAYS
    copurchase_top_k: int = TOP_K

    @property
    def signup_channel_slugs(self) -> tuple[str, ...]:
        """The channels where a registered customer gets a profile before any
        order; empty: every active channel."""
        return tuple(
            s for s in (p.strip() for p in self.signup_channels.split(",")) if s
        )


FIELDS = {
    "attribute_guest_orders": {
        "type": "boolean",
        "label": "Attribute guest orders by email",
        "help": (
            "Count orders placed without an account in a profile keyed by the "
            "order's email, merged into the account when that email registers."
        ),
    },
    "batch_size": {
        "type": "int",
        "label": "Batch size",
        "help": "Orders per chunk for backfill and retries (100 to 50000).",
        "min": 100,
        "max": 50000,
    },
    "max_retry_attempts": {
        "type": "int",
        "label": "Retry attempts",
        "help": "How often a failed event is retried before it needs attention "
        "(1 to 100).",
        "min": 1,
        "max": 100,
    },
    "coupon_webhook_url": {
        "type": "url",
        "label": "Coupon webhook URL",
        "help": "Issued coupon codes are POSTed here (JSON, signed with the secret "
        "below) for email, LINE, SMS or direct-mail tools. Empty: off.",
    },
    "coupon_webhook_secret": {
        "type": "secret",
        "label": "Coupon webhook secret",
        "help": "Key of the HMAC-SHA256 signature in the X-CRM-Signature header "
        "(at least 16 characters).",
    },
    "birthday_metadata_key": {
        "type": "string",
        "label": "Birthday metadata key",
        "help": "Key of the customer's metadata holding the birthday (YYYY-MM-DD or "
        "MM-DD), read by birthday coupon rules.",
    },
    "app_public_url": {
        "type": "origin",
        "label": "Dashboard app public URL",
        "help": "Scheme and host (and port) the Dashboard reaches Saleor at, e.g. "
        "https://shop.example.com, used for the absolute URLs of the CRM app's "
        "manifest. Empty: Saleor's PUBLIC_URL, else the request's host.",
    },
    "signup_channels": {
        "type": "channels",
        "label": "Channels of new customers",
        "help": "Slugs of the channels (comma-separated) where a registered "
        "customer who has not ordered yet gets a profile, for segments such as "
        "'registered, never bought'. Empty: every active channel.",
    },
    "consent_metadata_key": {
        "type": "string",
        "label": "Marketing consent metadata key",
        "help": "Key of the customer's metadata that records consent to marketing "
        "messages (true / yes / 1). Emails and LINE / SMS messages of rules not "
        "marked transactional go only to customers who consented; the unsubscribe "
        "link removes the key.",
    },
    "line_user_id_metadata_key": {
        "type": "string",
        "label": "LINE user ID metadata key",
        "help": "Key of the customer's metadata holding their LINE user ID, sent in "
        "the per-rule message webhook.",
    },
    "frequency_cap_messages": {
        "type": "int",
        "label": "Messages per customer (cap)",
        "help": "At most this many marketing messages per customer within the "
        "days below, across all rules (0: no cap).",
        "min": 0,
        "max": 1000,
    },
    "frequency_cap_days": {
        "type": "int",
        "label": "Message cap window (days)",
        "help": "The window of the message cap (1 to 365 days).",
        "min": 1,
        "max": 365,
    },
    "open_codes_cap": {
        "type": "int",
        "label": "Open CRM codes per customer (cap)",
        "help": "A customer holding this many unused, unexpired CRM coupon codes "
        "receives no new one until they use or lose one (0: no cap).",
        "min": 0,
        "max": 1000,
    },
    "storefront_url": {
        "type": "url",
        "label": "Storefront URL",
        "help": "The shop's address, the {storefront_url} of message templates.",
    },
    "copurchase_window_days": {
        "type": "int",
        "label": "Co-purchase window (days)",
        "help": "A purchase counts as bought afterwards when it comes within this "
        "many days of the item (1 to 365); used by the daily co-purchase refresh.",
        "min": 1,
        "max": 365,
    },
    "copurchase_top_k": {
        "type": "int",
        "label": "Co-purchases kept per item",
        "help": "How many co-purchases the daily refresh keeps for each product "
        "and category, per relation (1 to 100).",
        "min": 1,
        "max": 100,
    },
}

_SLUG = re.compile(r"^[A-Za-z0-9_-]+$")
_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off", ""}


def _parse_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ValueError("Enter true or false.")


def _parse_int(value, lo: int, hi: int) -> int:
    if isinstance(value, bool):
        raise ValueError("Enter a whole number.")
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValueError("Enter a whole number.") from None
    if not lo <= number <= hi:
        raise ValueError(f"Enter a number from {lo} to {hi}.")
    return number


def _parse_origin(text: str) -> str:
    """An origin, optionally with the path Saleor is mounted under: no query,
    fragment, credentials or whitespace; returned without a trailing slash."""
    scheme, _, rest = text.partition("://")
    host, _, path = rest.partition("/")
    if (
        not host
        or any(c in text for c in "?#@ \t\n\\")
        or host.startswith(":")
        or host.endswith(":")
    ):
        raise ValueError("Enter a URL like https://shop.example.com.")
    return f"{scheme}://{host}/{path}".rstrip("/")


def _parse_text(name: str, value, kind: str) -> str:
    text = str(value).strip()
    if len(text) > 500:
        raise ValueError("Use at most 500 characters.")
    if (
        kind in ("url", "origin")
        and text
        and not text.startswith(("https://", "http://"))
    ):
        raise ValueError("Enter an http(s) URL.")
    if kind == "origin" and text:
        text = _parse_origin(text)
    if kind == "secret" and text and len(text) < 16:
        raise ValueError("Use at least 16 characters.")
    if kind == "string" and not text:
        raise ValueError("Enter a key.")
    if kind == "channels":
        slugs = [s.strip() for s in text.split(",") if s.strip()]
        if any(not _SLUG.match(s) for s in slugs):
            raise ValueError("Enter channel slugs separated by commas.")
        return ",".join(slugs)
    return text


def parse_config(raw: dict) -> CRMConfig:
    """Validate raw configuration values; raise :class:`ConfigError` listing each bad
    field. Missing values take their defaults; unknown names are rejected."""
    errors: dict[str, str] = {}
    values = {}
    for name, value in raw.items():
        spec = FIELDS.get(name)
        if spec is None:
            errors[name] = "Unknown setting."
            continue
        if value is None:
            continue
        try:
            if spec["type"] == "boolean":
                values[name] = _parse_bool(value)
            elif spec["type"] in ("url", "origin", "secret", "string", "channels"):
                values[name] = _parse_text(name, value, spec["type"])
            else:
                values[name] = _parse_int(value, spec["min"], spec["max"])
        except ValueError as exc:
            errors[name] = str(exc)
    if values.get("coupon_webhook_url") and not values.get("coupon_webhook_secret"):
        errors["coupon_webhook_secret"] = "A webhook needs a secret to sign with."
    if errors:
        raise ConfigError(errors)
    return CRMConfig(**values)
