"""The CRM's own tables, beside Saleor's.

* :class:`OrderEvent` — append-only fact log of Saleor order events, unique per
  (order, kind, dedupe key) so replayed hooks are no-ops. It is also the outbox: a
  fact is ``processed`` once its order has been applied to the profile.
* :class:`CustomerOrder` — the CRM's view of one Saleor order (one row per order),
  with what was bought as arrays for fast segment queries.
* :class:`CustomerProfile` — figures per (customer, channel), recomputed from
  :class:`CustomerOrder` rows by set-based SQL (``sql.py``).
* :class:`HookFailure` — a hook that could not record its event; retried by a task.
* :class:`ErasureTombstone` — the hash of an erased customer's email, so that
  erased data is never imported again from orders Saleor keeps.
* :class:`BackfillRun` — the cursor that makes ``crm_backfill`` resumable.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q
from django.utils import timezone


def MoneyAmountField():
    return models.DecimalField(
        max_digits=20, decimal_places=3, default=0, db_default=0
    )


class OrderEventKind(models.TextChoices):
    CREATED = "created"
    CONFIRMED = "confirmed"
    PAID = "paid"
    FULLY_PAID = "fully_paid"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"
    FULLY_REFUNDED = "fully_refunded"
    FULFILLED = "fulfilled"
    BACKFILLED = "backfilled"


class EventSource(models.TextChoices):
    HOOK = "hook"
    RETRY = "retry"
    BACKFILL = "backfill"


class OrderEvent(models.Model):
    order_id = models.UUIDField()
    kind = models.CharField(max_length=32, choices=OrderEventKind.choices)
    dedupe_key = models.CharField(max_length=64, blank=True, default="")
    channel_id = models.IntegerField(null=True)
    source = models.CharField(
        max_length=16, choices=EventSource.choices, default=EventSource.HOOK
    )
    occurred_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["order_id", "kind", "dedupe_key"],
                name="crm_orderevent_unique_fact",
            )
        ]
        indexes = [
            models.Index(
                fields=["occurred_at"],
                condition=Q(processed_at__isnull=True),
                name="crm_orderevent_pending_idx",
            ),
        ]


class CustomerProfile(models.Model):
    channel = models.ForeignKey(
        "channel.Channel", on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="crm_profiles",
    )
    # Normalised email: the key of guest profiles (user is NULL), informative for
    # account profiles. Erased with the profile.
    email = models.CharField(max_length=254, blank=True, default="")
    currency = models.CharField(max_length=3)

    orders_count = models.PositiveIntegerField(default=0, db_default=0)
    cancelled_orders_count = models.PositiveIntegerField(default=0, db_default=0)
    paid_orders_count = models.PositiveIntegerField(default=0, db_default=0)
    other_currency_orders_count = models.PositiveIntegerField(default=0, db_default=0)
    total_spent_amount = MoneyAmountField()
    total_refunded_amount = MoneyAmountField()
    net_spent_amount = MoneyAmountField()
    average_order_value_amount = MoneyAmountField()
    first_order_at = models.DateTimeField(null=True, blank=True)
    last_order_at = models.DateTimeField(null=True, blank=True)
    first_paid_at = models.DateTimeField(null=True, blank=True)
    last_paid_at = models.DateTimeField(null=True, blank=True)
    last_checkout_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "user"],
                condition=Q(user__isnull=False),
                name="crm_profile_unique_user_channel",
            ),
            models.UniqueConstraint(
                fields=["channel", "email"],
                condition=Q(user__isnull=True),
                name="crm_profile_unique_guest_channel",
            ),
        ]
        indexes = [
            models.Index(fields=["email"], name="crm_profile_email_idx"),
            models.Index(
                fields=["channel", "last_order_at"], name="crm_profile_last_order_idx"
            ),
            models.Index(
                fields=["channel", "net_spent_amount"], name="crm_profile_net_spent_idx"
            ),
            models.Index(
                fields=["channel", "paid_orders_count"], name="crm_profile_paid_cnt_idx"
            ),
        ]


class CustomerOrder(models.Model):
    order_id = models.UUIDField(primary_key=True)
    profile = models.ForeignKey(
        CustomerProfile, on_delete=models.CASCADE, related_name="orders"
    )
    channel_id = models.IntegerField()
    currency = models.CharField(max_length=3)
    total_amount = models.DecimalField(max_digits=20, decimal_places=3)
    refunded_amount = models.DecimalField(max_digits=20, decimal_places=3, default=0)
    status = models.CharField(max_length=32)
    placed_at = models.DateTimeField()
    paid_at = models.DateTimeField(null=True, blank=True)
    cancelled = models.BooleanField(default=False)
    product_ids = ArrayField(models.IntegerField(), default=list)
    category_ids = ArrayField(models.IntegerField(), default=list)
    collection_ids = ArrayField(models.IntegerField(), default=list)
    synced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["profile", "placed_at"], name="crm_corder_profile_idx"),
            GinIndex(fields=["product_ids"], name="crm_corder_products_gin"),
            GinIndex(fields=["category_ids"], name="crm_corder_categories_gin"),
            GinIndex(fields=["collection_ids"], name="crm_corder_collections_gin"),
        ]


class HookFailure(models.Model):
    order_id = models.UUIDField(null=True, blank=True)
    user_id = models.IntegerField(null=True, blank=True)
    # Only for a failed erasure: the hash of the erased email (never the email).
    email_hash = models.CharField(max_length=64, blank=True, default="")
    hook = models.CharField(max_length=64)
    error = models.CharField(max_length=255)
    attempts = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(resolved_at__isnull=True),
                name="crm_hookfailure_open_idx",
            )
        ]


class ErasureTombstone(models.Model):
    email_hash = models.CharField(max_length=64, unique=True)
    erased_at = models.DateTimeField(default=timezone.now)


class SyncCursor(models.Model):
    """A named high-water mark (e.g. the reconciliation sweep's last seen
    ``Order.updated_at``)."""

    key = models.CharField(max_length=64, unique=True)
    value = models.DateTimeField()
    last_id = models.UUIDField(null=True, blank=True)


class BackfillRun(models.Model):
    """Progress of ``manage.py crm_backfill`` for one set of filters (its ``key``).

    Phase ``orders`` walks Saleor's orders in (created_at, id) order; phase
    ``profiles`` recomputes profiles by id range; ``done`` when finished. The
    cursors make an interrupted run resume where it stopped."""

    PHASE_ORDERS = "orders"
    PHASE_PROFILES = "profiles"
    PHASE_DONE = "done"

    key = models.CharField(max_length=255, unique=True)
    phase = models.CharField(max_length=16, default=PHASE_ORDERS)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    cursor_created_at = models.DateTimeField(null=True, blank=True)
    cursor_order_id = models.UUIDField(null=True, blank=True)
    cursor_profile_id = models.BigIntegerField(null=True, blank=True)
    imported = models.PositiveBigIntegerField(default=0)
    stats = models.JSONField(default=dict)
