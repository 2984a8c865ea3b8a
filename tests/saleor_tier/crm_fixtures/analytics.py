"""Fixtures of the analytics tests."""

import pytest
from saleor.channel.models import Channel


@pytest.fixture
def channels(db):
    """Two USD channels (rp-a, rp-b) for item-analytics histories."""
    return [
        Channel.objects.create(
            name=slug, slug=slug, currency_code="USD", default_country="US"
        )
        for slug in ("rp-a", "rp-b")
    ]
