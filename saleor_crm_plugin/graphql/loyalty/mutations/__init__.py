"""Loyalty mutations, one module per entity: ``programs``, ``tiers``, ``points``
(adjust, redeem), ``overrides`` and ``preview``; ``base`` holds what they share."""
