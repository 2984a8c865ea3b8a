"""The CRM plugin installed and active in every test."""

import pytest
from saleor.plugins.models import PluginConfiguration

from saleor_crm_plugin.core.config import PLUGIN_ID
from saleor_crm_plugin.plugin import CRMPlugin

CRM_PLUGIN_PATH = "saleor_crm_plugin.plugin.CRMPlugin"


@pytest.fixture(autouse=True)
def crm_plugin_active(db, setup_dummy_gateways, settings):
    """Install the CRM plugin beside Saleor's dummy payment gateways and activate it
    the way the dashboard does: an active stored configuration. Tests that need it
    inactive flip ``active`` on the returned configuration."""
    settings.PLUGINS = [*settings.PLUGINS, CRM_PLUGIN_PATH]
    return PluginConfiguration.objects.update_or_create(
        identifier=PLUGIN_ID,
        channel=None,
        defaults={"active": True, "configuration": CRMPlugin.DEFAULT_CONFIGURATION},
    )[0]
