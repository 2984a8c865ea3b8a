"""A registered customer who has not ordered yet has a profile (from Saleor's
``customer_created`` hook and from the backfill) in each sign-up channel, with
order figures of zero, so "registered, never bought" segments work; once they
order, the profile's figures are those of their orders; staff accounts are not
customers; the ``signup_channels`` setting picks the channels."""

from crm_helpers import CHARGE, gql, ok, place_order
from django.utils import timezone
from saleor.account.models import User

from saleor_crm_plugin.domain.segments import preset_rule
from saleor_crm_plugin.models import CustomerProfile, Segment, SegmentMember
from saleor_crm_plugin.pipeline.apply import link_account
from saleor_crm_plugin.profiles.backfill import BackfillOptions, run_backfill
from saleor_crm_plugin.segments.membership import materialize

CUSTOMER_CREATE = """
mutation C($input: UserCreateInput!) {
  customerCreate(input: $input) { user { id email } errors { field code message } }
}"""


def _set_signup_channels(plugin_configuration, value):
    items = [
        i for i in plugin_configuration.configuration if i["name"] != "signup_channels"
    ]
    plugin_configuration.configuration = [
        *items,
        {"name": "signup_channels", "value": value},
    ]
    plugin_configuration.save()


def test_a_customer_created_in_saleor_gets_a_profile_before_ordering(
    staff_users_admin, channel_USD, channel_PLN
):
    data = ok(
        gql(
            staff_users_admin,
            CUSTOMER_CREATE,
            {
                "input": {
                    "email": "New.Customer@Example.com",
                    "channel": channel_USD.slug,
                }
            },
        )["customerCreate"]
    )
    user = User.objects.get(email=data["user"]["email"])
    profiles = {p.channel_id: p for p in CustomerProfile.objects.filter(user=user)}
    # every active channel by default
    assert set(profiles) == {channel_USD.pk, channel_PLN.pk}
    usd = profiles[channel_USD.pk]
    assert usd.email == "new.customer@example.com"
    assert usd.currency == "USD" and profiles[channel_PLN.pk].currency == "PLN"
    assert (usd.orders_count, usd.paid_orders_count, usd.net_spent_amount) == (
        0,
        0,
        0,
    )
    assert usd.last_order_at is None
    assert usd.created_at == user.date_joined
    # the staff member who created it is no customer
    assert not CustomerProfile.objects.filter(user=staff_users_admin.user).exists()


def test_registered_never_bought_segment_until_the_first_order(
    user_api_client, customer_user, shop_usd, channel_USD
):
    segment = Segment.objects.create(
        name="Registered, never bought",
        channel=channel_USD,
        rule=preset_rule("registered_not_bought"),
        preset="registered_not_bought",
    )
    # the customer registered before the plugin ran: the account task gives
    # them their profile (as customer_created does)
    assert not CustomerProfile.objects.filter(user=customer_user).exists()
    link_account(customer_user.pk)
    profile = CustomerProfile.objects.get(user=customer_user, channel=channel_USD)
    materialize(segment)
    assert list(
        SegmentMember.objects.filter(segment=segment).values_list(
            "profile_id", flat=True
        )
    ) == [profile.pk]

    order = place_order(user_api_client, shop_usd, quantity=2, token=CHARGE)
    profile.refresh_from_db()
    # the same profile, now with the figures of its order
    assert (profile.orders_count, profile.paid_orders_count) == (1, 1)
    assert profile.net_spent_amount == order.total_gross_amount
    assert profile.first_order_at == order.created_at
    # the order's task refreshed the customer's segments: they left this one
    assert not SegmentMember.objects.filter(segment=segment).exists()


def test_the_signup_channels_setting_picks_the_channels(
    crm_plugin_active, channel_USD, channel_PLN
):
    _set_signup_channels(crm_plugin_active, channel_PLN.slug)
    user = User.objects.create(email="one@example.com")
    link_account(user.pk)
    assert list(
        CustomerProfile.objects.filter(user=user).values_list("channel_id", flat=True)
    ) == [channel_PLN.pk]
    # idempotent
    link_account(user.pk)
    assert CustomerProfile.objects.filter(user=user).count() == 1


def test_the_backfill_gives_registered_customers_without_orders_a_profile(
    channel_USD, channel_PLN, staff_user
):
    joined = timezone.now()
    quiet = User.objects.create(email="quiet@example.com", date_joined=joined)
    inactive = User.objects.create(email="gone@example.com", is_active=False)
    stats = run_backfill(BackfillOptions(channels=[channel_USD.slug], batch_size=2))
    assert stats["account_profiles"] >= 1
    assert list(
        CustomerProfile.objects.filter(user=quiet).values_list(
            "channel_id", "orders_count", "created_at"
        )
    ) == [(channel_USD.pk, 0, joined)]
    assert not CustomerProfile.objects.filter(user__in=[inactive, staff_user]).exists()
    # twice = once
    before = CustomerProfile.objects.count()
    again = run_backfill(BackfillOptions(channels=[channel_USD.slug], batch_size=2))
    assert again.get("account_profiles", 0) == 0
    assert CustomerProfile.objects.count() == before


def test_a_registered_profile_stays_when_its_orders_go(
    user_api_client, customer_user, shop_usd, channel_USD
):
    from saleor_crm_plugin.profiles.sync import recompute_profiles

    order = place_order(user_api_client, shop_usd, quantity=1, token=CHARGE)
    profile = CustomerProfile.objects.get(user=customer_user, channel=channel_USD)
    profile.orders.filter(order_id=order.pk).delete()
    assert recompute_profiles([profile.pk]) == 0
    profile.refresh_from_db()
    assert (profile.orders_count, profile.paid_orders_count) == (0, 0)
    assert profile.net_spent_amount == 0 and profile.last_order_at is None
