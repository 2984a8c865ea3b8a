"""Guest orders are attributed by (normalised) email and merged into the account
when that email registers, is created by staff, or becomes an account's email."""

# Fixtures are imported from crm_helpers and requested by name.
from crm_helpers import (
    AUTHORIZE_ONLY,
    CHARGE,
    CRM_PROFILE,
    CUSTOMER_UPDATE,
    assert_figures,
    create_customer,
    crm_gql,
    gid,
    gql,
    money_figures,
    ok,
    place_order,
    profile_of,
    register_account,
)

from saleor_crm_plugin.models import CustomerOrder, CustomerProfile

GUEST_EMAIL = "Guest.Buyer@Example.COM"  # as typed at checkout
NORMALISED = "guest.buyer@example.com"


def _guest_profiles():
    return CustomerProfile.objects.filter(user__isnull=True)


def test_guest_orders_merge_into_the_account_on_register(
    api_client, shop_usd, channel_USD, staff_users_admin, settings
):
    paid = place_order(
        api_client, shop_usd, quantity=2, email=GUEST_EMAIL, token=CHARGE
    )
    unpaid = place_order(
        api_client,
        shop_usd,
        quantity=1,
        email=GUEST_EMAIL.lower(),
        token=AUTHORIZE_ONLY,
    )
    assert (paid.user_id, paid.user_email) == (None, GUEST_EMAIL)
    guest = profile_of(None, channel_USD, email=NORMALISED)
    assert_figures(
        guest,
        orders_count=2,
        paid_orders_count=1,
        total_spent="30.00",
        first_order_at=paid.created_at,
        last_order_at=unpaid.created_at,
    )
    guest_figures = money_figures(guest)

    user = register_account(api_client, GUEST_EMAIL, shop_usd.channel_slug, settings)
    assert user.email == NORMALISED

    assert not _guest_profiles().exists()
    account = profile_of(user, channel_USD)
    assert account.email == NORMALISED
    assert money_figures(account) == guest_figures
    assert set(
        CustomerOrder.objects.filter(profile=account).values_list("order_id", flat=True)
    ) == {paid.pk, unpaid.pk}

    # Staff see the figures on the account through the CRM API.
    data = crm_gql(
        staff_users_admin,
        CRM_PROFILE,
        {"id": gid("User", user.pk), "channel": shop_usd.channel_slug},
    )["crmCustomerProfile"]
    assert data["ordersCount"] == 2
    assert data["totalSpent"] == {"amount": 30.0, "currency": "USD"}
    assert data["customerId"] == gid("User", user.pk)


def test_guest_orders_in_two_channels_merge_on_customer_create(
    api_client, shop_usd, shop_pln, staff_users_admin, channel_USD, channel_PLN
):
    place_order(api_client, shop_usd, quantity=1, email=GUEST_EMAIL, token=CHARGE)
    place_order(api_client, shop_pln, quantity=1, email=GUEST_EMAIL, token=CHARGE)
    assert _guest_profiles().count() == 2

    user = create_customer(staff_users_admin, GUEST_EMAIL)

    assert not _guest_profiles().exists()
    assert_figures(
        profile_of(user, channel_USD),
        currency="USD",
        orders_count=1,
        total_spent="20.00",
    )
    assert_figures(
        profile_of(user, channel_PLN),
        currency="PLN",
        orders_count=1,
        total_spent="70.00",
    )


def test_changing_an_accounts_email_to_a_guest_email_merges(
    user_api_client,
    api_client,
    customer_user,
    shop_usd,
    staff_users_admin,
    channel_USD,
):
    place_order(user_api_client, shop_usd, quantity=1, token=CHARGE)  # 20 USD
    place_order(api_client, shop_usd, quantity=2, email=GUEST_EMAIL, token=CHARGE)
    assert_figures(profile_of(customer_user, channel_USD), total_spent="20.00")
    assert _guest_profiles().count() == 1

    ok(
        gql(
            staff_users_admin,
            CUSTOMER_UPDATE,
            {"id": gid("User", customer_user.pk), "input": {"email": GUEST_EMAIL}},
        )["customerUpdate"]
    )

    assert not _guest_profiles().exists()
    account = profile_of(customer_user, channel_USD)
    assert account.email == NORMALISED
    assert_figures(
        account,
        orders_count=2,
        paid_orders_count=2,
        total_spent="50.00",
        average_order_value="25.00",
    )


def test_guest_order_of_a_registered_email_goes_to_the_account(
    api_client, customer_user, shop_usd, channel_USD
):
    """A signed-out purchase with the account's email, typed in another case."""
    place_order(
        api_client, shop_usd, quantity=1, email="TEST@Example.com", token=CHARGE
    )
    assert not _guest_profiles().exists()
    assert_figures(
        profile_of(customer_user, channel_USD), orders_count=1, total_spent="20.00"
    )


def test_guest_attribution_switched_off(
    crm_plugin_active,
    api_client,
    user_api_client,
    customer_user,
    shop_usd,
    channel_USD,
    staff_users_admin,
):
    crm_plugin_active.configuration = [
        {**item, "value": False} if item["name"] == "attribute_guest_orders" else item
        for item in crm_plugin_active.configuration
    ]
    crm_plugin_active.save(update_fields=["configuration"])

    guest_order = place_order(api_client, shop_usd, email=GUEST_EMAIL, token=CHARGE)
    place_order(user_api_client, shop_usd, token=CHARGE)
    assert not _guest_profiles().exists()
    assert not CustomerOrder.objects.filter(order_id=guest_order.pk).exists()
    assert profile_of(customer_user, channel_USD).orders_count == 1

    # Nor are guest orders merged when the email registers: the new account has
    # its own profile, without the guest's order
    user = create_customer(staff_users_admin, GUEST_EMAIL)
    assert profile_of(user, channel_USD).orders_count == 0
