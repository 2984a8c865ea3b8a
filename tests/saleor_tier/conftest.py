"""Saleor tier: runs inside a real Saleor 3.23 checkout, with Saleor's own fixtures
(``staff_api_client``, ``checkout_with_item``, ``order_with_lines``, ...) exactly as
Saleor's own tests use them (see ``saleor_harness``), and the CRM's own fixtures from
the ``crm_fixtures`` package.

This is the only place ``pytest_plugins`` is set (pytest refuses it in a conftest
below the root): test modules import helpers from ``crm_helpers`` and
``crm_loyalty_helpers``, never fixtures."""

import saleor_harness

pytest_plugins = [
    *saleor_harness.pytest_plugins,  # Saleor's fixture modules + crm_fixtures.plugin
    "crm_fixtures.shop",
    "crm_fixtures.clients",
    "crm_fixtures.loyalty",
    "crm_fixtures.analytics",
]
pytest_addoption = saleor_harness.pytest_addoption
pytest_configure = saleor_harness.pytest_configure
pytest_collection_modifyitems = saleor_harness.pytest_collection_modifyitems
