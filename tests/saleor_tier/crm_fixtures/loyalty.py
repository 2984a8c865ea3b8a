"""A loyalty program whose tier discounts are Saleor vouchers. (``loyalty/
test_loyalty_programs.py`` and ``loyalty/test_loyalty_periodic.py`` define a
``ladder`` of their own, which overrides this one in those modules.)"""

from decimal import Decimal

import pytest

from saleor_crm_plugin.loyalty import (
    member_discount as vouchers,
)
from saleor_crm_plugin.models import LoyaltyProgram, Tier


@pytest.fixture
def ladder(channel_USD):
    """Regular (no discount), Silver 10 %, Gold 25 % — each discount a Saleor voucher."""
    program = LoyaltyProgram.objects.create(channel=channel_USD)
    tiers = {
        "Regular": Tier.objects.create(program=program, name="Regular", rank=0),
        "Silver": Tier.objects.create(
            program=program,
            name="Silver",
            rank=1,
            threshold=50,
            discount_type="percentage",
            discount_value=Decimal(10),
        ),
        "Gold": Tier.objects.create(
            program=program,
            name="Gold",
            rank=2,
            threshold=100,
            discount_type="percentage",
            discount_value=Decimal(25),
        ),
    }
    for tier in tiers.values():
        vouchers.sync_tier_voucher(tier)
    return program, tiers
