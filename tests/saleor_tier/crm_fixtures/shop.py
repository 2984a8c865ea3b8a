"""A shop ready for a checkout through Saleor's API: a variant with stock and a
shipping method, in channel_USD and in channel_PLN (Saleor's own fixtures)."""

from decimal import Decimal

import pytest
from crm_helpers import Shop, gid
from saleor.product.models import ProductChannelListing, ProductVariantChannelListing
from saleor.shipping.models import ShippingMethodChannelListing
from saleor.warehouse.models import Stock


@pytest.fixture
def shop_usd(product, shipping_zone, channel_USD, graphql_address_data):
    """A variant at 10.00 USD with stock and a 10.00 USD shipping method."""
    variant = product.variants.get()
    Stock.objects.filter(product_variant=variant).update(quantity=1000)
    method = shipping_zone.shipping_methods.get()
    return Shop(
        channel_slug=channel_USD.slug,
        variant_id=gid("ProductVariant", variant.pk),
        shipping_method_id=gid("ShippingMethod", method.pk),
        address=graphql_address_data,
        unit_price=Decimal("10.00"),
        shipping_price=Decimal("10.00"),
    )


@pytest.fixture
def shop_pln(shop_usd, product, shipping_zone, warehouse, channel_PLN):
    """The same variant and shipping method, sold in channel_PLN for 50.00 PLN with
    20.00 PLN shipping."""
    variant = product.variants.get()
    ProductChannelListing.objects.create(
        product=product,
        channel=channel_PLN,
        is_published=True,
        visible_in_listings=True,
        available_for_purchase_at=product.channel_listings.get().available_for_purchase_at,
        currency=channel_PLN.currency_code,
    )
    ProductVariantChannelListing.objects.create(
        variant=variant,
        channel=channel_PLN,
        price_amount=Decimal(50),
        discounted_price_amount=Decimal(50),
        currency=channel_PLN.currency_code,
    )
    method = shipping_zone.shipping_methods.get()
    shipping_zone.channels.add(channel_PLN)
    ShippingMethodChannelListing.objects.create(
        channel=channel_PLN,
        currency=channel_PLN.currency_code,
        shipping_method=method,
        minimum_order_price_amount=Decimal(0),
        price_amount=Decimal(20),
    )
    warehouse.channels.add(channel_PLN)
    return Shop(
        channel_slug=channel_PLN.slug,
        variant_id=shop_usd.variant_id,
        shipping_method_id=shop_usd.shipping_method_id,
        address=shop_usd.address,
        unit_price=Decimal("50.00"),
        shipping_price=Decimal("20.00"),
    )
