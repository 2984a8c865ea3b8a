"""Saleor's staff and app test clients with the permissions the CRM's flows need."""

import pytest


@pytest.fixture
def staff_orders(staff_api_client, permission_group_manage_orders):
    """Saleor's staff client with MANAGE_ORDERS (orderCapture, orderRefund, ...)."""
    permission_group_manage_orders.user_set.add(staff_api_client.user)
    return staff_api_client


@pytest.fixture
def staff_users_admin(staff_api_client, permission_manage_users):
    """Saleor's staff client with MANAGE_USERS (customer mutations, CRM queries)."""
    staff_api_client.user.user_permissions.add(permission_manage_users)
    return staff_api_client


@pytest.fixture
def staff_discounts_admin(staff_api_client, permission_manage_discounts):
    """Saleor's staff client with MANAGE_DISCOUNTS (loyalty programs and tiers)."""
    staff_api_client.user.user_permissions.add(permission_manage_discounts)
    return staff_api_client


@pytest.fixture
def payments_app_client(app_api_client, permission_manage_payments):
    """Saleor's app client with HANDLE_PAYMENTS (transactionCreate/Update)."""
    app_api_client.app.permissions.add(permission_manage_payments)
    return app_api_client
