"""Profile mutations: ``profiles`` (a customer's resync)."""
