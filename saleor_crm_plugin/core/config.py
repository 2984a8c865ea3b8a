"""Reading the plugin's configuration outside a plugin instance (tasks, commands)."""

from __future__ import annotations

from ..domain.config import CRMConfig, parse_config

PLUGIN_ID = "saleor-crm-plugin"


def config_from_items(items) -> CRMConfig:
    """Saleor stores configuration as ``[{"name": ..., "value": ...}, ...]``."""
    return parse_config({item["name"]: item.get("value") for item in items or []})


def config_or_default(items) -> CRMConfig:
    """The configuration of a plugin instance; defaults if the stored values no
    longer validate (they were validated when saved)."""
    try:
        return config_from_items(items)
    except ValueError:
        return CRMConfig()


def load_config() -> CRMConfig:
    from saleor.plugins.models import PluginConfiguration

    stored = (
        PluginConfiguration.objects.filter(identifier=PLUGIN_ID, channel__isnull=True)
        .values_list("configuration", flat=True)
        .first()
    )
    # Saved through the API, so validated; defaults if not.
    return config_or_default(stored)
