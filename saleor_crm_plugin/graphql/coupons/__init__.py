"""Coupon rules over GraphQL, laid out like Saleor's ``graphql/discount``:
``enums``, ``types/`` (rules, dry runs, reports, a customer's codes), ``inputs``,
``filters``, ``sorters``, ``resolvers``, ``mutations/`` and ``schema``."""
