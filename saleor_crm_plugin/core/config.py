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


def unknown_channels(slugs) -> list[str]:
    """The slugs among ``slugs`` that name no Saleor channel."""
    from saleor.channel.models import Channel

    if not slugs:
        return []
    found = set(Channel.objects.filter(slug__in=slugs).values_list("slug", flat=True))
    return sorted(set(slugs) - found)


def signup_channel_ids(config: CRMConfig) -> list[int]:
    """The channels where a registered customer gets a profile before ordering:
    the ``signup_channels`` setting, else every active channel."""
    from saleor.channel.models import Channel

    slugs = config.signup_channel_slugs
    channels = (
        Channel.objects.filter(slug__in=slugs)
        if slugs
        else Channel.objects.filter(is_active=True)
    )
    return list(channels.order_by("pk").values_list("pk", flat=True))
