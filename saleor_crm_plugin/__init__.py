"""Saleor CRM plugin.

Two layers:

* ``saleor_crm_plugin.domain`` — pure Python domain rules (order classification,
  profile arithmetic, money, configuration). It imports neither Django nor Saleor and
  is covered by the core test tier.
* everything else (``plugin``, ``models``, ``ingest``, ``tasks``, ``graphql``,
  ``management``) is the Saleor layer: it runs inside a Saleor 3.23 process and is
  covered by the Saleor test tier against the real Saleor.
"""

__version__ = "0.1.0"
