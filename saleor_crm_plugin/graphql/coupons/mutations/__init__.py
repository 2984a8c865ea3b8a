"""Coupon mutations: ``rules`` (a rule's life cycle) and ``codes`` (the CSV
delivery of issued codes); ``base`` holds what they share."""
