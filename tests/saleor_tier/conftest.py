"""Saleor tier: runs inside a real Saleor 3.23 checkout, with Saleor's own fixtures
(``staff_api_client``, ``checkout_with_item``, ``order_with_lines``, ...) exactly as
Saleor's own tests use them. See ``saleor_harness``."""

from saleor_harness import (  # noqa: F401
    pytest_addoption,
    pytest_collection_modifyitems,
    pytest_configure,
    pytest_plugins,
)
