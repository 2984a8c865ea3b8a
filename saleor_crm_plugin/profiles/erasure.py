"""Erasing a customer's personal data from the CRM tables (Saleor's customer and
account deletion), leaving only a one-way hash of the email so their retained
orders are never imported again."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import CharField
from django.db.models.expressions import RawSQL
from django.db.models.lookups import Exact
from django.utils import timezone

from ..core.tables import TABLES
from ..domain.emails import email_hash, normalize_email
from ..models import (
    CustomerProfile,
    ErasureTombstone,
)
from .sync import EMAIL_HASH_SQL

if TYPE_CHECKING:
    pass


def erase_customer(
    user_id: int | None, email: str | None = None, *, hashed: str | None = None
) -> int:
    """Erase a customer's personal data from the CRM tables.

    Deletes the account's profiles (with their orders) and any guest profile under
    the same email, and keeps only a one-way hash of the email so that Saleor's
    retained orders are never imported again. ``hashed`` (the email's hash) stands
    in for ``email`` when a failed erasure is retried: the email itself is never
    stored. Returns the number of profiles deleted.
    """
    hashed = email_hash(email) if email else hashed
    profiles = CustomerProfile.objects.none()
    if user_id is not None:
        profiles = CustomerProfile.objects.filter(user_id=user_id)
    if email:
        profiles = profiles | CustomerProfile.objects.filter(
            user__isnull=True, email=normalize_email(email)
        )
    elif hashed:
        # the guest profiles whose email hashes to ``hashed`` (the SQL of
        # ``domain.emails.email_hash``)
        digest = RawSQL(
            EMAIL_HASH_SQL.format(col=f'"{TABLES["profile"]}".email'),
            (),
            output_field=CharField(),
        )
        profiles = profiles | CustomerProfile.objects.filter(
            Exact(digest, hashed), user__isnull=True
        )
    if hashed:
        # one INSERT ... ON CONFLICT DO UPDATE: it runs inside Saleor's delete
        # transaction (post_delete), where update_or_create took four statements
        ErasureTombstone.objects.bulk_create(
            [ErasureTombstone(email_hash=hashed, erased_at=timezone.now())],
            update_conflicts=True,
            unique_fields=["email_hash"],
            update_fields=["erased_at"],
        )
    _, by_model = profiles.delete()
    return by_model.get(CustomerProfile._meta.label, 0)
