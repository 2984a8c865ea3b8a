"""The CRM's Saleor Dashboard app: its manifest, the built single-page app served
by the plugin route, and its installation as a Saleor App (``crm_app_install``).

The frontend lives in ``dashboard_extension/``; ``npm run build`` writes the
bundle into ``saleor_crm_plugin/static_app/`` (package data of the wheel)."""
