"""The CRM's own pytest fixtures for the Saleor tier, one module per concern, loaded
through ``pytest_plugins`` in ``tests/saleor_tier/conftest.py`` (never imported by
test modules):

- ``plugin``: the plugin installed and active in every test (autouse); also loaded
  by ``bench/`` (through ``saleor_harness``) and by Saleor's own benchmarks
  (``crm_saleor_benchmarks``).
- ``shop``: a product, stock and shipping in channel_USD / channel_PLN, ready for a
  checkout through Saleor's API.
- ``clients``: Saleor's staff and app test clients with the permissions the CRM's
  flows need.
- ``loyalty``: a loyalty program with a tier ladder whose discounts are Saleor
  vouchers (member checkout, personal codes, refused codes).

Helpers that are not fixtures (GraphQL documents, flows, readers) live in
``crm_helpers`` and ``crm_loyalty_helpers``."""
