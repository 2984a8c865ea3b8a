"""Segments over GraphQL, laid out like Saleor's ``graphql/discount``: ``enums``,
``types/`` (segments, members, events), ``inputs``, ``filters``, ``sorters``,
``resolvers``, ``mutations/`` and ``schema``."""
