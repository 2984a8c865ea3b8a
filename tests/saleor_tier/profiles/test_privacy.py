"""Erasure: staff customerDelete and self-service accountDelete remove the
customer's CRM profiles and orders, and guest profiles under the same email; the
email's hash (tombstone) keeps Saleor's retained orders from being imported again
by a backfill, a reconciliation sweep, a replayed hook or a resync."""

# Fixtures are imported from crm_helpers and requested by name.
from datetime import timedelta
from io import StringIO

import pytest
from crm_helpers import (
    ACCOUNT_DELETE,
    CHARGE,
    CRM_RESYNC,
    CUSTOMER_DELETE,
    crm_gql,
    gid,
    gql,
    ok,
    place_order,
    profile_of,
)
from django.core.management import call_command
from django.utils import timezone
from saleor.account.models import User
from saleor.core.tokens import account_delete_token_generator
from saleor.graphql.tests.fixtures import ApiClient
from saleor.order.models import Order
from saleor.plugins.manager import get_plugins_manager

from saleor_crm_plugin.domain.emails import email_hash
from saleor_crm_plugin.models import (
    CustomerOrder,
    CustomerProfile,
    ErasureTombstone,
    HookFailure,
    PurchaseFact,
)
from saleor_crm_plugin.pipeline.tasks import reconcile_orders

EMAIL = "Erase.Me@Example.com"


@pytest.fixture
def erasable(api_client, shop_usd, shop_pln, channel_USD, channel_PLN):
    """A customer with profiles in two channels, and a guest profile under the same
    email (guest purchase before the account existed; the account was created
    while the plugin was not listening)."""
    guest_order = place_order(
        api_client, shop_usd, quantity=1, email=EMAIL, token=CHARGE
    )
    user = User.objects.create(email=EMAIL.lower(), is_active=True)
    client = ApiClient(user=user)
    usd_order = place_order(client, shop_usd, quantity=2, token=CHARGE)
    pln_order = place_order(client, shop_pln, quantity=1, token=CHARGE)
    orders = [guest_order, usd_order, pln_order]
    assert profile_of(user, channel_USD).orders_count == 1
    assert profile_of(user, channel_PLN).orders_count == 1
    assert profile_of(None, channel_USD, email=EMAIL.lower()).orders_count == 1
    ids = [o.pk for o in orders]
    assert CustomerOrder.objects.filter(order_id__in=ids).count() == 3
    assert PurchaseFact.objects.filter(order_id__in=ids).count() == 3 * 2
    return user, client, orders


def _assert_erased(user_pk, orders):
    assert not CustomerProfile.objects.filter(user_id=user_pk).exists()
    assert not CustomerProfile.objects.filter(email=EMAIL.lower()).exists()
    ids = [o.pk for o in orders]
    assert not CustomerOrder.objects.filter(order_id__in=ids).exists()
    assert not PurchaseFact.objects.filter(order_id__in=ids).exists()
    tombstone = ErasureTombstone.objects.get()
    assert tombstone.email_hash == email_hash(EMAIL)
    assert not HookFailure.objects.exists()
    # Saleor keeps its orders (user detached); the CRM has nothing about them.
    retained = Order.objects.filter(pk__in=[o.pk for o in orders])
    assert retained.count() == 3
    assert set(retained.values_list("user_id", flat=True)) == {None}


def _assert_nothing_comes_back(
    orders, staff, user_pk, django_capture_on_commit_callbacks
):
    ids = [o.pk for o in orders]
    # A full backfill of Saleor's history...
    call_command("crm_backfill", "--no-progress", stdout=StringIO())
    # ...the reconciliation sweep over recently changed orders...
    Order.objects.filter(pk__in=ids).update(
        updated_at=timezone.now() - timedelta(minutes=2)
    )
    reconcile_orders()
    # ...order hooks replayed for the retained orders...
    manager = get_plugins_manager(allow_replica=False)
    with django_capture_on_commit_callbacks(execute=True):
        for order in Order.objects.filter(pk__in=ids):
            manager.order_fully_paid(order)
    # ...and a resync of the deleted customer, which Saleor no longer knows.
    payload = crm_gql(staff, CRM_RESYNC, {"id": gid("User", user_pk)})[
        "crmCustomerResync"
    ]
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [
        ("customerId", "NOT_FOUND")
    ]
    assert not CustomerOrder.objects.filter(order_id__in=ids).exists()
    assert not CustomerProfile.objects.filter(email=EMAIL.lower()).exists()
    assert not CustomerProfile.objects.exists()


def test_staff_customer_delete_erases_and_tombstone_holds(
    erasable,
    staff_users_admin,
    api_client,
    shop_usd,
    channel_USD,
    django_capture_on_commit_callbacks,
):
    user, _, orders = erasable
    user_pk = user.pk
    ok(
        gql(staff_users_admin, CUSTOMER_DELETE, {"id": gid("User", user_pk)})[
            "customerDelete"
        ]
    )
    _assert_erased(user_pk, orders)
    _assert_nothing_comes_back(
        orders, staff_users_admin, user_pk, django_capture_on_commit_callbacks
    )

    # The tombstone covers what was bought before the erasure, not a new purchase
    # made with the same email afterwards.
    later = place_order(api_client, shop_usd, quantity=1, email=EMAIL, token=CHARGE)
    fresh = profile_of(None, channel_USD, email=EMAIL.lower())
    assert fresh.orders_count == 1
    assert list(fresh.orders.values_list("order_id", flat=True)) == [later.pk]


def test_self_service_account_delete_erases_and_tombstone_holds(
    erasable, staff_users_admin, django_capture_on_commit_callbacks
):
    user, client, orders = erasable
    user_pk = user.pk
    token = account_delete_token_generator.make_token(user)
    ok(gql(client, ACCOUNT_DELETE, {"token": token})["accountDelete"])
    assert not User.objects.filter(pk=user_pk).exists()

    _assert_erased(user_pk, orders)
    _assert_nothing_comes_back(
        orders, staff_users_admin, user_pk, django_capture_on_commit_callbacks
    )


def test_everything_erased_even_with_the_plugin_off(
    erasable, crm_plugin_active, staff_users_admin
):
    # Saleor's plugin manager never calls an inactive plugin: the User post_delete
    # signal the app connects erases guest data and writes the tombstone anyway.
    user, _, orders = erasable
    crm_plugin_active.active = False
    crm_plugin_active.save(update_fields=["active"])
    user_pk = user.pk
    ok(
        gql(staff_users_admin, CUSTOMER_DELETE, {"id": gid("User", user_pk)})[
            "customerDelete"
        ]
    )
    _assert_erased(user_pk, orders)


def test_other_customers_are_untouched(
    erasable,
    user_api_client,
    customer_user,
    shop_usd,
    staff_users_admin,
    channel_USD,
):
    user, _, _ = erasable
    place_order(user_api_client, shop_usd, quantity=1, token=CHARGE)
    before = CustomerProfile.objects.get(user=customer_user).orders_count
    ok(
        gql(staff_users_admin, CUSTOMER_DELETE, {"id": gid("User", user.pk)})[
            "customerDelete"
        ]
    )
    assert CustomerProfile.objects.get(user=customer_user).orders_count == before == 1
    assert ErasureTombstone.objects.get().email_hash != email_hash(customer_user.email)


def test_customer_delete_erases_loyalty_data_and_saleor_keeps_its_gift_card(
    staff_users_admin, customer_user, channel_USD, django_capture_on_commit_callbacks
):
    """Membership, ledger, tier history, redemptions and expiry warnings go with the
    customer; the gift card they redeemed is Saleor's record (Saleor detaches and
    deactivates a deleted assignee's cards)."""
    from saleor.giftcard.models import GiftCard

    from saleor_crm_plugin.loyalty import (
        ledger as loyalty,
    )
    from saleor_crm_plugin.loyalty import (
        redemption,
    )
    from saleor_crm_plugin.loyalty import (
        tiers as loyalty_tiers,
    )
    from saleor_crm_plugin.models import (
        LoyaltyProgram,
        Membership,
        PointsEntry,
        PointsRedemption,
        Tier,
        TierChange,
    )

    program = LoyaltyProgram.objects.create(
        channel=channel_USD, min_redemption_points=10
    )
    gold = Tier.objects.create(program=program, name="Gold", rank=1)
    m = Membership.objects.create(program=program, user=customer_user)
    loyalty.grant_points(m, 100, reason="welcome", by=None)
    loyalty_tiers.override_tier(m, gold, reason="VIP", expires_at=None, by=None)
    m = Membership.objects.select_related("program__channel", "user").get(pk=m.pk)
    card_pk = redemption.redeem_points(m, 50).gift_card_id
    with django_capture_on_commit_callbacks(execute=True):
        ok(
            gql(
                staff_users_admin,
                CUSTOMER_DELETE,
                {"id": gid("User", customer_user.pk)},
            )["customerDelete"]
        )
    assert not User.objects.filter(pk=customer_user.pk).exists()
    for model in (Membership, PointsEntry, PointsRedemption, TierChange):
        assert not model.objects.exists(), model
    card = GiftCard.objects.get(pk=card_pk)
    assert card.assigned_to_id is None and card.is_active is False
