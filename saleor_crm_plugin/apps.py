from django.apps import AppConfig
from django.db.models.signals import post_delete


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


def _erase_deleted_user(sender, instance, **kwargs):
    from .ingest import erase_customer_safely

    erase_customer_safely(instance, "user_post_delete")
