"""The Saleor plugin: hooks Saleor's order, checkout and customer events and serves
the CRM's GraphQL API under ``/plugins/global/saleor-crm-plugin/graphql/``, the
Dashboard app's manifest (``manifest``) and the app itself (``app/``)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpResponseNotFound
from saleor.plugins.base_plugin import BasePlugin, ConfigurationTypeField
from saleor.plugins.error_codes import PluginErrorCode

from .core.config import (
    PLUGIN_ID,
    config_from_items,
    config_or_default,
    unknown_channels,
)
from .dashboard import routes as dashboard_routes
from .domain.config import FIELDS, ConfigError, CRMConfig
from .loyalty.member_discount import apply_member_discount
from .models import OrderEventKind
from .pipeline.ingest import (
    erase_customer_safely,
    record_order_event,
    schedule_account_link,
)

_TYPES = {
    "boolean": ConfigurationTypeField.BOOLEAN,
    "int": ConfigurationTypeField.STRING,
    "url": ConfigurationTypeField.STRING,
    "origin": ConfigurationTypeField.STRING,
    "string": ConfigurationTypeField.STRING,
    "secret": ConfigurationTypeField.SECRET,
    "channels": ConfigurationTypeField.STRING,
}


def _order_hook(kind: str):
    def hook(self, order, previous_value, **kwargs):
        if self.active:
            record_order_event(order, kind)
        return previous_value

    hook.__name__ = f"order_{kind}"
    return hook


class CRMPlugin(BasePlugin):
    PLUGIN_ID = PLUGIN_ID
    PLUGIN_NAME = "CRM"
    PLUGIN_DESCRIPTION = (
        "Customer profiles, loyalty, segments and coupon rules built from your orders."
    )
    CONFIGURATION_PER_CHANNEL = False
    DEFAULT_ACTIVE = False
    DEFAULT_CONFIGURATION = [
        {"name": name, "value": getattr(CRMConfig(), name)} for name in FIELDS
    ]
    CONFIG_STRUCTURE = {
        name: {
            "type": _TYPES[spec["type"]],
            "label": spec["label"],
            "help_text": spec["help"],
        }
        for name, spec in FIELDS.items()
    }

    order_created = _order_hook(OrderEventKind.CREATED)
    order_confirmed = _order_hook(OrderEventKind.CONFIRMED)
    order_paid = _order_hook(OrderEventKind.PAID)
    order_fully_paid = _order_hook(OrderEventKind.FULLY_PAID)
    order_cancelled = _order_hook(OrderEventKind.CANCELLED)
    order_refunded = _order_hook(OrderEventKind.REFUNDED)
    order_fully_refunded = _order_hook(OrderEventKind.FULLY_REFUNDED)
    order_fulfilled = _order_hook(OrderEventKind.FULFILLED)

    def checkout_created(self, checkout, previous_value, **kwargs):
        if self.active:
            # one statement for a signed-in customer, none for a guest without
            # a code (docs/performance.md)
            apply_member_discount(checkout, record_activity=True)
        return previous_value

    def checkout_updated(self, checkout, previous_value, **kwargs):
        if self.active:
            # one statement for a signed-in customer, none for a guest without
            # a code (docs/performance.md)
            apply_member_discount(checkout, record_activity=True)
        return previous_value

    def customer_created(self, customer, previous_value, **kwargs):
        if self.active:
            schedule_account_link(customer, "customer_created")
        return previous_value

    def customer_updated(self, customer, previous_value, **kwargs):
        if self.active:
            schedule_account_link(customer, "customer_updated")
        return previous_value

    def customer_deleted(self, customer, previous_value, **kwargs):
        erase_customer_safely(customer, "customer_deleted")
        return previous_value

    def account_deleted(self, user, previous_value, **kwargs):
        erase_customer_safely(user, "account_deleted")
        return previous_value

    def webhook(self, request, path, previous_value):
        if not self.active:
            return previous_value
        route = (path or "").strip("/")
        if route == "graphql":
            from .graphql.view import crm_graphql_view

            return crm_graphql_view(request)
        if route.startswith("export/"):
            # a signed, short-lived CSV download (``exports``)
            from .core.exports import serve

            return serve(request, route.removeprefix("export/"))
        if route.startswith("unsubscribe/"):
            # a signed one-click unsubscribe link of a marketing email
            from .coupons.messaging import serve_unsubscribe

            return serve_unsubscribe(request, route.removeprefix("unsubscribe/"))
        response = dashboard_routes.handle(
            request, route, config_or_default(self.configuration)
        )
        return HttpResponseNotFound() if response is None else response

    @classmethod
    def validate_plugin_configuration(cls, plugin_configuration, **kwargs):
        try:
            config = config_from_items(plugin_configuration.configuration)
        except ConfigError as exc:
            raise ValidationError(
                {
                    field: ValidationError(message, code=PluginErrorCode.INVALID.value)
                    for field, message in exc.errors.items()
                }
            ) from exc
        unknown = unknown_channels(config.signup_channel_slugs)
        if unknown:
            raise ValidationError(
                {
                    "signup_channels": ValidationError(
                        f"Unknown channel: {', '.join(unknown)}.",
                        code=PluginErrorCode.INVALID.value,
                    )
                }
            )
