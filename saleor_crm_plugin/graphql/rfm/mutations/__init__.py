"""RFM mutations: ``settings`` (the scoring method) and ``scores`` (a recompute)."""
