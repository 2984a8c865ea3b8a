"""RFM over GraphQL: ``enums``, ``types``, ``inputs``, ``resolvers``,
``mutations/`` and ``schema``."""
