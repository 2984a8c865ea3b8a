"""Saleor's own test settings, with the CRM plugin active."""

from saleor.tests.settings import *  # noqa: F403

# crm_fixtures.plugin.crm_plugin_active adds the plugin to PLUGINS for every test
# (Saleor's own autouse fixture resets PLUGINS to its dummy payment gateways first).

# The entry point normally adds the app (see saleor/settings.py plugin discovery);
# keep the tier usable with a source checkout on PYTHONPATH as well.
if "saleor_crm_plugin" not in INSTALLED_APPS:  # noqa: F405
    INSTALLED_APPS.append("saleor_crm_plugin")  # noqa: F405
