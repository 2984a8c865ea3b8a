from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class SaleorCRMConfig(AppConfig):
    name = "saleor_crm_plugin"
    label = "saleor_crm_plugin"
    verbose_name = "Saleor CRM"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Erasure must not depend on the plugin being active: Saleor's plugin
        # manager never calls an inactive plugin, so customer_deleted and
        # account_deleted alone would leave guest profiles under the deleted
        # customer's email behind whenever the CRM is switched off.
        post_delete.connect(
            _erase_deleted_user,
            sender="account.User",
            dispatch_uid="saleor_crm_plugin.erase_deleted_user",
        )
        # A new order's lines must name the buyer's own voucher code, before
        # Saleor's transaction commits and any payload is built (order_codes).
        post_save.connect(
            _order_saved,
            sender="order.Order",
            dispatch_uid="saleor_crm_plugin.order_codes",
        )


def _erase_deleted_user(sender, instance, **kwargs):
    from .pipeline.ingest import erase_customer_safely

    erase_customer_safely(instance, "user_post_delete")


def _order_saved(sender, instance, created, **kwargs):
    from .pipeline.order_codes import on_order_saved

    on_order_saved(sender, instance, created, **kwargs)
