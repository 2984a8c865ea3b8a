"""Loyalty over GraphQL, laid out like Saleor's ``graphql/discount``: ``enums``,
``types/`` (per entity), ``inputs``, ``resolvers``, ``mutations/`` (per entity)
and ``schema`` (the root fields only)."""
