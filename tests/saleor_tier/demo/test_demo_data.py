"""``scripts/demo_data.py`` (what ``scripts/demo`` loads) on a real Saleor: the
coupon rule the demo makes in each channel names its channel — the dashboard lists
every channel's rules together."""

import importlib.util
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from saleor.account.models import User

from saleor_crm_plugin.models import CouponRule, CustomerProfile

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "demo_data.py"


@pytest.fixture
def demo_data(monkeypatch):
    spec = importlib.util.spec_from_file_location("crm_demo_data", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # its dataclasses need it
    spec.loader.exec_module(module)
    # pytest-django has set Django up; a second django.setup() would reconfigure
    # logging under the other tests
    monkeypatch.setattr(module, "_setup_django", lambda: None)
    return module


@pytest.fixture
def two_channels_with_customers(channel_USD, channel_PLN):
    for channel in (channel_USD, channel_PLN):
        user = User.objects.create(email=f"demo@{channel.slug}.example.com")
        CustomerProfile.objects.create(
            channel=channel,
            user=user,
            email=user.email,
            currency=channel.currency_code,
            orders_count=1,
            paid_orders_count=1,
            last_paid_at=timezone.now(),
            first_paid_at=timezone.now(),
            last_order_at=timezone.now(),
            net_spent_amount=Decimal(40),
            average_order_value_amount=Decimal(40),
        )
    return channel_USD, channel_PLN


def test_the_demo_coupon_rule_of_each_channel_names_its_channel(
    demo_data, two_channels_with_customers
):
    demo_data.playbook()

    names = dict(CouponRule.objects.values_list("channel__slug", "name"))
    assert set(names) == {c.slug for c in two_channels_with_customers}
    for channel in two_channels_with_customers:
        assert channel.name in names[channel.slug]
    assert len(set(names.values())) == 2


def test_a_rule_left_by_an_earlier_demo_gets_its_channel_in_the_name(
    demo_data, two_channels_with_customers
):
    demo_data.playbook()
    CouponRule.objects.update(name="Dormant former regulars: 15 % for 30 days")

    demo_data.playbook()  # a second run keeps the rules, and renames them

    assert CouponRule.objects.count() == 2
    for rule in CouponRule.objects.select_related("channel"):
        assert rule.channel.name in rule.name
