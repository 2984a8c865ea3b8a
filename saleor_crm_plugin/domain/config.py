"""The plugin's configuration, validated without Django or Saleor.

Saleor stores plugin configuration as a list of ``{"name": ..., "value": ...}``
items; the plugin class turns that into a dict and calls :func:`parse_config`.
"""

from __future__ import annotations

from dataclasses import dataclass


class ConfigError(ValueError):
    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


@dataclass(frozen=True, slots=True)
class CRMConfig:
    attribute_guest_orders: bool = True
    batch_size: int = 5000
    max_retry_attempts: int = 10


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
}

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
            else:
                values[name] = _parse_int(value, spec["min"], spec["max"])
        except ValueError as exc:
            errors[name] = str(exc)
    if errors:
        raise ConfigError(errors)
    return CRMConfig(**values)
