"""Small conversions every area's types share."""

import graphene
from prices import Money


def gid(type_name: str, pk) -> str | None:
    """The global ID of ``type_name`` with key ``pk``; null for no key."""
    return None if pk is None else graphene.Node.to_global_id(type_name, pk)


def money(amount, currency: str) -> Money | None:
    """``amount`` of ``currency`` as Saleor's ``Money``; null for no amount."""
    return None if amount is None else Money(amount, currency)
