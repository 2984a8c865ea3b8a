"""Customer profiles over GraphQL: ``types``, ``resolvers``, ``mutations/`` and
``schema``."""
