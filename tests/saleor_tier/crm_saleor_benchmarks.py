"""pytest plugin (``-p crm_saleor_benchmarks``): runs Saleor's own query-count
benchmarks (``saleor/graphql/*/tests/benchmark``) from Saleor's checkout with the
CRM plugin installed and active, so that a hook adding queries to Saleor's flows
fails the Saleor tier (``scripts/test`` runs them after the tier's own tests)::

    cd $SALEOR_DIR && PYTHONPATH=<repo>/tests/saleor_tier:$SALEOR_DIR \\
      pytest -n 0 --reuse-db --ds=crm_test_settings -p crm_saleor_benchmarks \\
      saleor/graphql/checkout/tests/benchmark ...

What it adds to Saleor's tests: the plugin active in every test
(``crm_fixtures.plugin.crm_plugin_active``) and the query accounting of
``crm_query_budget``."""


def pytest_configure(config):
    # Registered here, not imported at the top: both import Django models (Django is
    # set up by pytest-django before ``pytest_configure``), and fixtures of a plugin
    # registered now take precedence over pytest-django's, which
    # ``crm_query_budget`` overrides.
    import crm_fixtures.plugin
    import crm_query_budget

    config.pluginmanager.register(crm_fixtures.plugin, "crm_fixtures.plugin")
    config.pluginmanager.register(crm_query_budget, "crm_query_budget")
