"""Lookups the areas' mutations and queries share."""

from saleor.account.models import User
from saleor.channel.models import Channel

from ...domain.errors import CRMErrorCode
from .errors import invalid
from .validation import query_pk


def channel_or_error(slug: str, field: str = "channel") -> Channel:
    """The channel with ``slug``; a NOT_FOUND error on ``field`` otherwise."""
    channel = Channel.objects.filter(slug=slug).first()
    if channel is None:
        raise invalid(field, CRMErrorCode.NOT_FOUND, "Channel not found.")
    return channel


def customer_pk(global_id: str) -> int | None:
    """The key of the Saleor customer behind a ``User`` global ID (Saleor's
    ``Invalid ID`` error for a malformed one); null when there is no such user."""
    pk = query_pk(global_id, "User")
    return pk if User.objects.filter(pk=pk).exists() else None
