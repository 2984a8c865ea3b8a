"""The one registry of table names for the plugin's raw SQL: the plugin's own
models and the Saleor models it reads or writes, each name taken from the model's
``_meta.db_table`` (never hard-coded, never from input).

``TABLES`` is a read-only mapping ``key -> table name``; a key is resolved through
Django's app registry the first time it is read (so a module may name a table of
its own app at import, and Saleor's models are looked up only once the apps are
ready), then cached. Templates name tables as ``"{key}"`` and are filled with
``sql.format(**TABLES)`` or ``TABLES["key"]``; the pure rule compiler
(``domain.segments``) receives this mapping from its callers."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from django.apps import apps

# key -> "app_label.Model"
_MODELS = {
    # the plugin's own tables
    "order_event": "saleor_crm_plugin.OrderEvent",
    "profile": "saleor_crm_plugin.CustomerProfile",
    "corder": "saleor_crm_plugin.CustomerOrder",  # the CRM's copy of an order
    "purchase_fact": "saleor_crm_plugin.PurchaseFact",
    "profile_count": "saleor_crm_plugin.ProfileCount",
    "tombstone": "saleor_crm_plugin.ErasureTombstone",
    "program": "saleor_crm_plugin.LoyaltyProgram",
    "tier": "saleor_crm_plugin.Tier",
    "membership": "saleor_crm_plugin.Membership",
    "tier_change": "saleor_crm_plugin.TierChange",
    "points": "saleor_crm_plugin.PointsEntry",
    "warning": "saleor_crm_plugin.PointsExpiryWarning",
    "segment": "saleor_crm_plugin.Segment",
    "segment_member": "saleor_crm_plugin.SegmentMember",
    "segment_event": "saleor_crm_plugin.SegmentEvent",
    "rfm_score": "saleor_crm_plugin.RfmScore",
    "rfm_movement": "saleor_crm_plugin.RfmMovement",
    "coupon_rule": "saleor_crm_plugin.CouponRule",
    "grant": "saleor_crm_plugin.CouponGrant",
    "delivery": "saleor_crm_plugin.CouponDelivery",
    # analytics
    "analytics_channel": "saleor_crm_plugin.AnalyticsChannel",
    "analytics_profile_day": "saleor_crm_plugin.AnalyticsProfileDay",
    "analytics_day": "saleor_crm_plugin.AnalyticsDay",
    "analytics_day_gap": "saleor_crm_plugin.AnalyticsDayGap",
    "analytics_first_order": "saleor_crm_plugin.AnalyticsFirstOrder",
    "analytics_cohort": "saleor_crm_plugin.AnalyticsCohort",
    "repurchase_interval": "saleor_crm_plugin.RepurchaseInterval",
    "copurchase": "saleor_crm_plugin.CoPurchase",
    # Saleor's tables
    "user": "account.User",
    "address": "account.Address",
    "channel": "channel.Channel",
    "checkout_metadata": "checkout.CheckoutMetadata",
    "order": "order.Order",
    "order_line": "order.OrderLine",
    "order_discount": "discount.OrderDiscount",
    "line_discount": "discount.OrderLineDiscount",
    "voucher_code": "discount.VoucherCode",
    "gift_card": "giftcard.GiftCard",
    "variant": "product.ProductVariant",
    "product": "product.Product",
    "collection_product": "product.CollectionProduct",
    "payment": "payment.Payment",
    "payment_txn": "payment.Transaction",
    "txn_item": "payment.TransactionItem",
    "checkout": "checkout.Checkout",
    "checkout_line": "checkout.CheckoutLine",
}


class TableNames(Mapping):
    """Read-only ``key -> table name`` (see the module docstring)."""

    def __init__(self, models: Mapping[str, str]):
        self._models = dict(models)
        self._names: dict[str, str] = {}

    def __getitem__(self, key: str) -> str:
        name = self._names.get(key)
        if name is None:
            name = apps.get_model(self._models[key])._meta.db_table
            self._names[key] = name
        return name

    def __iter__(self) -> Iterator[str]:
        return iter(self._models)

    def __len__(self) -> int:
        return len(self._models)


TABLES = TableNames(_MODELS)


def db_tables() -> Mapping[str, str]:
    """The registry (``TABLES``), for ``sql.format(**db_tables())``."""
    return TABLES
