"""Birthday coupon rules read the customer metadata key the plugin setting
``birthday_metadata_key`` names, not always ``birthday``."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from saleor.account.models import User

from saleor_crm_plugin.coupons import issuing as coupons
from saleor_crm_plugin.coupons import rules as coupon_rules
from saleor_crm_plugin.models import CouponGrant, CustomerProfile


def _customer(channel, n, metadata):
    user = User.objects.create(email=f"b{n}@example.com", metadata=metadata)
    return CustomerProfile.objects.create(
        channel=channel,
        user=user,
        email=user.email,
        currency=channel.currency_code,
        orders_count=1,
        paid_orders_count=1,
        average_order_value_amount=Decimal(40),
    )


def _set_key(plugin_configuration, key):
    plugin_configuration.configuration = [
        item
        if item["name"] != "birthday_metadata_key"
        else {"name": item["name"], "value": key}
        for item in plugin_configuration.configuration
    ]
    plugin_configuration.save()


def test_birthday_rules_read_the_configured_metadata_key(
    channel_USD, crm_plugin_active
):
    _set_key(crm_plugin_active, "profile.dob")
    day = timezone.now().date() + timedelta(days=2)
    configured = _customer(channel_USD, 1, {"profile.dob": f"1988-{day:%m-%d}"})
    default_key = _customer(channel_USD, 2, {"birthday": f"1988-{day:%m-%d}"})
    rule = coupon_rules.save_rule(
        None,
        {
            "name": "Birthday",
            "channel": channel_USD,
            "trigger": "birthday",
            "trigger_params": {"days_before": 2},
            "discount_type": "percentage",
            "discount_value": Decimal(10),
            "validity_days": 14,
        },
    )
    coupon_rules.activate(rule, now=timezone.now() - timedelta(minutes=1))
    coupons.run_rule(rule)
    issued = set(
        CouponGrant.objects.filter(rule=rule).values_list("profile_id", flat=True)
    )
    assert issued == {configured.pk}
    assert default_key.pk not in issued
