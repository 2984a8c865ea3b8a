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

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q
from django.utils import timezone


def MoneyAmountField():
    return models.DecimalField(max_digits=20, decimal_places=3, default=0, db_default=0)


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
    # RFM scores live in their own narrow table (:class:`RfmScore`)

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
            # carries the order count: "N orders and a recent one" is an
            # index-only range scan (migration 0014_h3_recency_index)
            models.Index(
                fields=["channel", "last_order_at"],
                name="crm_profile_last_order_idx",
                include=["orders_count"],
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
    # the products subtotal after discounts (Saleor's subtotal gross: no shipping);
    # null for a row not synced since it was added (the total stands in)
    subtotal_amount = models.DecimalField(
        max_digits=20, decimal_places=3, null=True, blank=True
    )
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
            models.Index(
                fields=["profile", "placed_at"], name="crm_corder_profile_idx"
            ),
            # time-based coupon triggers (N days after a purchase)
            models.Index(fields=["channel_id", "paid_at"], name="crm_corder_paid_idx"),
            GinIndex(fields=["product_ids"], name="crm_corder_products_gin"),
            GinIndex(fields=["category_ids"], name="crm_corder_categories_gin"),
            GinIndex(fields=["collection_ids"], name="crm_corder_collections_gin"),
        ]


class PurchaseFact(models.Model):
    """One thing a customer bought: a product, category or collection of a CRM
    order that is not cancelled — what the purchase conditions of segments read
    (``bought ... at least N times within D days``) by an index-only range scan of
    the primary key ``(kind, item_id, placed_at, order_id, profile_id)``, instead
    of a bitmap scan of the GIN-indexed arrays that, on millions of orders, reads
    most of the wide order table.

    The key is the table's only index and follows time within each item: a new
    order's facts land at the end of their items' ranges, not at random places
    of an index on order IDs (which cost a backfill ~0.5 s per 5,000 orders).

    Written by the database, not by Python: statement-level triggers on
    :class:`CustomerOrder` (migration 0013) insert, replace and delete an order's
    facts with the order row, set-based over each statement's transition tables,
    so every write path (the order sync's upsert, a profile moving, an erasure's
    cascade, raw SQL) keeps them exact."""

    KIND_PRODUCT, KIND_CATEGORY, KIND_COLLECTION = 1, 2, 3

    pk = models.CompositePrimaryKey(
        "kind", "item_id", "placed_at", "order_id", "profile_id"
    )
    kind = models.PositiveSmallIntegerField()
    item_id = models.IntegerField()
    placed_at = models.DateTimeField()
    order_id = models.UUIDField()
    profile_id = models.IntegerField()


class ProfileCount(models.Model):
    """How many CRM profiles a channel has, without counting them: the sum of the
    channel's rows here (the share of a segment's live count reads it).

    Written by the database (migration 0014): statement-level triggers on
    :class:`CustomerProfile` add each statement's inserted and deleted profiles
    per channel, set-based over its transition tables, so every write path (the
    order sync, a guest merge, an erasure's cascade, a backfill) keeps it exact
    at commit. Each connection adds to its own ``slot`` of the channel
    (``pg_backend_pid() % 16``), so concurrent transactions creating customers in
    one channel seldom wait on the same row."""

    pk = models.CompositePrimaryKey("channel_id", "slot")
    channel_id = models.IntegerField()
    slot = models.SmallIntegerField()
    profiles = models.BigIntegerField(default=0)


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
    ``accounts`` gives registered customers without orders their profiles, by
    user id range (``cursor_profile_id`` holds the user cursor); phase
    ``profiles`` recomputes profiles by id range; ``done`` when finished. The
    cursors make an interrupted run resume where it stopped."""

    PHASE_ORDERS = "orders"
    PHASE_ACCOUNTS = "accounts"
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


# --- loyalty ------------------------------------------------------------------------
# A program per channel (its currency is the channel's), an ordered ladder of tiers,
# a membership per (program, account) and an append-only points ledger. Pure rules:
# ``domain.tiers`` and ``domain.ledger``.


class LoyaltyProgram(models.Model):
    ROUNDING_CHOICES = [("down", "down"), ("half_up", "half up"), ("floor", "floor")]
    WINDOW_CHOICES = [
        ("rolling_months", "rolling months"),
        ("calendar_year", "calendar year"),
        ("lifetime", "lifetime"),
    ]
    POLICY_CHOICES = [
        ("member_first", "member discount first"),
        ("best_for_customer", "the better of the two for the customer"),
    ]
    REDEMPTION_CHOICES = [("gift_card", "gift card"), ("voucher", "voucher code")]
    POINTS_BASE_CHOICES = [
        ("subtotal", "products subtotal after discounts"),
        ("total", "order total (shipping and taxes included)"),
    ]

    channel = models.OneToOneField(
        "channel.Channel", on_delete=models.CASCADE, related_name="+"
    )
    is_active = models.BooleanField(default=True)
    # points
    points_per_unit = models.DecimalField(max_digits=12, decimal_places=4, default=1)
    # what points are earned on (and reversed from). Programs created through
    # the API (``loyalty.programs.create_program``) default to "subtotal"; the
    # column's default, "total", is what programs earned on before the setting
    points_base = models.CharField(
        max_length=16, choices=POINTS_BASE_CHOICES, default="total"
    )
    rounding = models.CharField(max_length=16, choices=ROUNDING_CHOICES, default="down")
    return_window_days = models.PositiveIntegerField(default=14)
    points_validity_days = models.PositiveIntegerField(
        null=True, blank=True, default=365
    )
    point_value = models.DecimalField(  # currency per point when redeemed
        max_digits=12, decimal_places=4, default=Decimal("0.01")
    )
    min_redemption_points = models.PositiveIntegerField(default=100)
    redemption_kind = models.CharField(
        max_length=16, choices=REDEMPTION_CHOICES, default="gift_card"
    )
    # tiers
    window_kind = models.CharField(
        max_length=16, choices=WINDOW_CHOICES, default="rolling_months"
    )
    window_months = models.PositiveIntegerField(default=12)
    time_zone = models.CharField(max_length=64, default="UTC")
    review_period_months = models.PositiveIntegerField(default=12)
    discount_policy = models.CharField(
        max_length=32, choices=POLICY_CHOICES, default="member_first"
    )
    # mirror into Saleor's customer metadata (blank: ``crm.<channel-slug>.tier`` …)
    metadata_tier_key = models.CharField(max_length=128, blank=True, default="")
    metadata_points_key = models.CharField(max_length=128, blank=True, default="")
    expiry_warning_days = models.PositiveIntegerField(default=30)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)


class Tier(models.Model):
    METRIC_CHOICES = [
        ("spend", "net spend"),
        ("paid_orders", "paid orders"),
        ("points", "points earned"),
    ]
    DISCOUNT_CHOICES = [
        ("none", "none"),
        ("percentage", "percentage"),
        ("fixed", "fixed"),
    ]

    program = models.ForeignKey(
        LoyaltyProgram, on_delete=models.CASCADE, related_name="tiers"
    )
    name = models.CharField(max_length=64)
    rank = models.PositiveIntegerField()
    metric = models.CharField(max_length=16, choices=METRIC_CHOICES, default="spend")
    threshold = models.DecimalField(max_digits=20, decimal_places=3, default=0)
    # benefits
    discount_type = models.CharField(
        max_length=16, choices=DISCOUNT_CHOICES, default="none"
    )
    discount_value = models.DecimalField(max_digits=20, decimal_places=3, default=0)
    min_spend = models.DecimalField(
        max_digits=20, decimal_places=3, null=True, blank=True
    )
    category_ids = ArrayField(models.IntegerField(), default=list, blank=True)
    collection_ids = ArrayField(models.IntegerField(), default=list, blank=True)
    free_shipping = models.BooleanField(default=False)
    points_multiplier = models.DecimalField(max_digits=6, decimal_places=2, default=1)
    # the names customers see (the Saleor voucher's name); empty: the name above
    customer_name_ja = models.CharField(max_length=128, blank=True, default="")
    customer_name_en = models.CharField(max_length=128, blank=True, default="")
    # Saleor's voucher carrying this tier's member discount (one code per member).
    voucher = models.ForeignKey(
        "discount.Voucher",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["program", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "rank"], name="crm_tier_unique_rank"
            ),
            models.UniqueConstraint(
                fields=["program", "name"], name="crm_tier_unique_name"
            ),
        ]


class Membership(models.Model):
    program = models.ForeignKey(
        LoyaltyProgram, on_delete=models.CASCADE, related_name="members"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    tier = models.ForeignKey(
        Tier, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    tier_since = models.DateTimeField(null=True, blank=True)
    retained_until = models.DateTimeField(null=True, blank=True)
    override_tier = models.ForeignKey(
        Tier, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    override_reason = models.CharField(max_length=255, blank=True, default="")
    override_expires_at = models.DateTimeField(null=True, blank=True)
    # The member's personal code of the tier voucher (a Saleor VoucherCode).
    voucher_code = models.CharField(max_length=255, blank=True, default="")
    # what was last written to Saleor's customer metadata (skip unchanged writes)
    mirrored_tier = models.CharField(max_length=64, blank=True, default="")
    mirrored_points = models.IntegerField(null=True, blank=True)
    # the periodic review run that last moved this member
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["program", "user"], name="crm_membership_unique_user"
            )
        ]
        indexes = [
            models.Index(fields=["user"], name="crm_membership_user_idx"),
            models.Index(
                fields=["voucher_code"],
                condition=~Q(voucher_code=""),
                name="crm_membership_code_idx",
            ),
        ]


class TierChange(models.Model):
    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="tier_changes"
    )
    from_tier = models.ForeignKey(
        Tier, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_tier = models.ForeignKey(
        Tier, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # names as they were: a tier may be renamed or deleted later
    from_name = models.CharField(max_length=64, blank=True, default="")
    to_name = models.CharField(max_length=64, blank=True, default="")
    reason = models.CharField(max_length=32)
    note = models.CharField(max_length=255, blank=True, default="")
    changed_by_id = models.IntegerField(null=True, blank=True)  # staff user, if any
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(
                fields=["membership", "created_at"], name="crm_tierchange_idx"
            ),
            # tier-upgrade coupon triggers read recent changes
            models.Index(fields=["created_at"], name="crm_tierchange_time_idx"),
        ]


class PointsKind(models.TextChoices):
    EARN = "earn"  # award on a paid order (pending until the return window ends)
    ADJUST = "adjust"  # staff adjustment: + is an award, - is taken like a spend
    SPEND = "spend"  # redemption, allocated to awards soonest-expiring first
    EXPIRE = "expire"  # what was left of an award on its expiry date
    REVERSE = "reverse"  # refund or cancellation taking an award back


class PointsEntry(models.Model):
    """Append-only. An award row (``earn`` or positive ``adjust``) has
    ``award IS NULL`` and its own ``available_at`` / ``expires_at``; every
    negative row points at the award it takes from, so what is left of an award is
    its points plus the sum of the rows pointing at it."""

    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="points"
    )
    kind = models.CharField(max_length=16, choices=PointsKind.choices)
    points = models.IntegerField()
    award = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="taken"
    )
    order_id = models.UUIDField(null=True, blank=True)
    available_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    # what a reversal could not take back (already spent or expired)
    shortfall = models.PositiveIntegerField(default=0)
    # one operation (a redemption, an expiry run, a refund) may write several rows
    operation = models.CharField(max_length=64)
    reason = models.CharField(max_length=255, blank=True, default="")
    created_by_id = models.IntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]  # newest first (ledger pages)
        constraints = [
            # replays of an operation (Saleor's repeated order_fully_paid, a retried
            # task) write nothing
            models.UniqueConstraint(
                fields=["membership", "operation", "award"],
                name="crm_points_unique_operation",
                nulls_distinct=False,
            ),
        ]
        indexes = [
            models.Index(
                fields=["membership", "created_at"], name="crm_points_member_idx"
            ),
            models.Index(
                fields=["expires_at"],
                condition=Q(award__isnull=True),
                name="crm_points_award_expiry_idx",
            ),
            models.Index(fields=["order_id"], name="crm_points_order_idx"),
        ]


class PointsRedemption(models.Model):
    """Points turned into a Saleor gift card or a single-use voucher code. The
    ``spend`` ledger rows share its ``operation``."""

    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="redemptions"
    )
    operation = models.CharField(max_length=64, unique=True)
    points = models.PositiveIntegerField()
    amount = models.DecimalField(max_digits=20, decimal_places=3)
    currency = models.CharField(max_length=3)
    kind = models.CharField(max_length=16)  # gift_card | voucher
    gift_card = models.ForeignKey(
        "giftcard.GiftCard",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    voucher = models.ForeignKey(
        "discount.Voucher",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    code = models.CharField(max_length=255)
    created_at = models.DateTimeField(default=timezone.now)


class PointsExpiryWarning(models.Model):
    """A member with points expiring soon, found by the periodic sweep: one row per
    (member, expiry day), for the merchant's messaging to pick up."""

    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="expiry_warnings"
    )
    expires_on = models.DateField()
    points = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["membership", "expires_on"], name="crm_expiry_warning_unique"
            )
        ]


# --- segments -----------------------------------------------------------------------
# A rule tree (``domain.segments``) over CRM profiles. A dynamic segment is
# recomputed (set-based) and records who entered and left; a static one keeps the
# snapshot taken when it was materialized.


class Segment(models.Model):
    KIND_CHOICES = [("dynamic", "dynamic"), ("static", "static")]

    name = models.CharField(max_length=128)
    description = models.CharField(max_length=512, blank=True, default="")
    # null: every channel
    channel = models.ForeignKey(
        "channel.Channel",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    kind = models.CharField(max_length=16, choices=KIND_CHOICES, default="dynamic")
    rule = models.JSONField()
    # a ready-made segment of the repeat-purchase playbook, and its thresholds
    preset = models.CharField(max_length=64, blank=True, default="")
    preset_params = models.JSONField(default=dict, blank=True)
    # the number of SegmentMember rows, kept by statement-level triggers on the
    # member table (migration 0014): right at every commit that changes them
    members_count = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]


class SegmentMember(models.Model):
    segment = models.ForeignKey(
        Segment, on_delete=models.CASCADE, related_name="members"
    )
    profile = models.ForeignKey(
        CustomerProfile, on_delete=models.CASCADE, related_name="segment_memberships"
    )
    entered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["segment", "profile"], name="crm_segment_member_unique"
            )
        ]
        indexes = [models.Index(fields=["profile"], name="crm_segmember_profile_idx")]


class SegmentEvent(models.Model):
    ENTER, EXIT = "enter", "exit"

    segment = models.ForeignKey(
        Segment, on_delete=models.CASCADE, related_name="events"
    )
    profile = models.ForeignKey(
        CustomerProfile, on_delete=models.CASCADE, related_name="segment_events"
    )
    kind = models.CharField(max_length=8)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["segment", "created_at"], name="crm_segevent_idx"),
            models.Index(fields=["profile"], name="crm_segevent_profile_idx"),
        ]


# --- RFM ----------------------------------------------------------------------------


class RfmSettings(models.Model):
    """Per channel: quantile scores (default) or the merchant's boundaries."""

    METHOD_CHOICES = [("quantiles", "quantiles"), ("thresholds", "thresholds")]

    channel = models.OneToOneField(
        "channel.Channel", on_delete=models.CASCADE, related_name="+"
    )
    method = models.CharField(
        max_length=16, choices=METHOD_CHOICES, default="quantiles"
    )
    # four ascending boundaries each (days since the last paid order; paid orders;
    # net spent in the channel currency)
    recency_days = ArrayField(
        models.DecimalField(max_digits=20, decimal_places=3), default=list, blank=True
    )
    frequency = ArrayField(
        models.DecimalField(max_digits=20, decimal_places=3), default=list, blank=True
    )
    monetary = ArrayField(
        models.DecimalField(max_digits=20, decimal_places=3), default=list, blank=True
    )
    updated_at = models.DateTimeField(default=timezone.now)


class RfmScore(models.Model):
    """A scored customer's RFM scores (1..5) and group (``domain.rfm``) in the
    profile's channel — one narrow row per profile with a paid order, written by
    the periodic recompute (``rfm.py``) only where something changed, and deleted
    when the profile has no paid order any more. Kept out of the wide, heavily
    indexed :class:`CustomerProfile` so that a recompute rewrites ~40-byte rows
    under two indexes instead of the profile rows under nine. The database
    cascades a profile's deletion to its row (also for raw-SQL deletes)."""

    profile = models.OneToOneField(
        CustomerProfile,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="rfm_score",
        # the constraint is added ON DELETE CASCADE by migration 0012
        db_constraint=False,
    )
    channel = models.ForeignKey(
        "channel.Channel",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # (channel, group_name) serves it
    )
    recency = models.PositiveSmallIntegerField()
    frequency = models.PositiveSmallIntegerField()
    monetary = models.PositiveSmallIntegerField()
    group_name = models.CharField(max_length=32)
    # when these scores were last set (a recompute that changes nothing keeps it)
    computed_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(
                fields=["channel", "group_name"], name="crm_rfm_score_group_idx"
            )
        ]


class RfmMovement(models.Model):
    """How many customers went from one group to another (or stayed) at one
    recompute of a channel; ``from_group`` blank: not scored before."""

    channel = models.ForeignKey(
        "channel.Channel", on_delete=models.CASCADE, related_name="+"
    )
    computed_at = models.DateTimeField()
    from_group = models.CharField(max_length=32, blank=True, default="")
    to_group = models.CharField(max_length=32, blank=True, default="")
    customers = models.PositiveIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["channel", "computed_at"], name="crm_rfm_move_idx")
        ]


# --- coupon rules -------------------------------------------------------------------
# trigger → reward (a Saleor voucher shape) under limits (``domain.coupons``). Each
# customer who qualifies gets a grant: a personal single-use code on a Saleor
# voucher of the rule, or — for the rule's control group — a recorded hold-out.


class CouponRule(models.Model):
    STATUS_CHOICES = [("draft", "draft"), ("active", "active"), ("paused", "paused")]

    name = models.CharField(max_length=128)
    description = models.CharField(max_length=512, blank=True, default="")
    # the names customers see (the Saleor voucher's name); empty: the name above
    customer_name_ja = models.CharField(max_length=128, blank=True, default="")
    customer_name_en = models.CharField(max_length=128, blank=True, default="")
    channel = models.ForeignKey(
        "channel.Channel", on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(max_length=16, choices=STATUS_CHOICES, default="draft")
    trigger = models.CharField(max_length=32)
    trigger_params = models.JSONField(default=dict, blank=True)
    # the reward: one Saleor voucher shape
    discount_type = models.CharField(max_length=16)
    discount_value = models.DecimalField(max_digits=20, decimal_places=3, default=0)
    min_spend = models.DecimalField(max_digits=20, decimal_places=3, default=0)
    product_ids = ArrayField(models.IntegerField(), default=list, blank=True)
    category_ids = ArrayField(models.IntegerField(), default=list, blank=True)
    collection_ids = ArrayField(models.IntegerField(), default=list, blank=True)
    validity_days = models.PositiveIntegerField(default=30)
    # bumped when the reward changes: codes already issued keep their terms
    reward_version = models.PositiveIntegerField(default=1)
    # limits
    max_per_customer = models.PositiveIntegerField(default=1)
    cooldown_days = models.PositiveIntegerField(default=0)
    budget_codes = models.PositiveIntegerField(null=True, blank=True)
    budget_amount = models.DecimalField(
        max_digits=20, decimal_places=3, null=True, blank=True
    )
    control_share = models.DecimalField(max_digits=4, decimal_places=3, default=0)
    report_window_days = models.PositiveIntegerField(default=30)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    delivery = ArrayField(models.CharField(max_length=16), default=list, blank=True)
    # messages (``email``, ``message_webhook``): templates per language
    # (``domain.messages``), the rule's own webhook target, and whether they are
    # transactional (sent without marketing consent, outside the frequency cap)
    message_templates = models.JSONField(default=dict, blank=True)
    webhook_url = models.CharField(max_length=500, blank=True, default="")
    webhook_secret = models.CharField(max_length=255, blank=True, default="")
    transactional = models.BooleanField(default=False)
    # first activation: event triggers consider what happened from then on
    activated_at = models.DateTimeField(null=True, blank=True)
    # the last scheduled run done (``schedule`` trigger)
    schedule_run = models.IntegerField(null=True, blank=True)
    issued_count = models.PositiveIntegerField(default=0)
    control_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["status"], name="crm_couponrule_status_idx")]


class CouponVoucher(models.Model):
    """The Saleor voucher carrying one version of a rule's reward for codes that end
    on one day (Saleor's end date is per voucher, so codes issued on the same day
    share one)."""

    rule = models.ForeignKey(
        CouponRule, on_delete=models.CASCADE, related_name="vouchers"
    )
    voucher = models.ForeignKey(
        "discount.Voucher", on_delete=models.CASCADE, related_name="+"
    )
    reward_version = models.PositiveIntegerField()
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "reward_version", "expires_at"],
                name="crm_couponvoucher_unique",
            )
        ]


class CouponGrant(models.Model):
    """One customer's turn under a rule: an issued code, or a hold-out of the
    control group (``control``, no code). Unique per (rule, customer, trigger key),
    so a trigger seen twice issues once."""

    rule = models.ForeignKey(
        CouponRule, on_delete=models.CASCADE, related_name="grants"
    )
    profile = models.ForeignKey(
        CustomerProfile, on_delete=models.CASCADE, related_name="coupon_grants"
    )
    trigger_key = models.CharField(max_length=96)
    control = models.BooleanField(default=False)
    code = models.CharField(max_length=32, blank=True, default="")
    granted_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    currency = models.CharField(max_length=3)
    estimated_cost = models.DecimalField(max_digits=20, decimal_places=3, default=0)
    delivered_at = models.DateTimeField(null=True, blank=True)
    delivery_attempts = models.PositiveIntegerField(default=0)
    delivery_error = models.CharField(max_length=255, blank=True, default="")
    # attribution: the order that used the code, its total and the code's discount
    order_id = models.UUIDField(null=True, blank=True)
    redeemed_at = models.DateTimeField(null=True, blank=True)
    order_total = models.DecimalField(
        max_digits=20, decimal_places=3, null=True, blank=True
    )
    discount_amount = models.DecimalField(
        max_digits=20, decimal_places=3, null=True, blank=True
    )

    class Meta:
        ordering = ["-granted_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "profile", "trigger_key"],
                name="crm_grant_unique_trigger",
            ),
            models.UniqueConstraint(
                fields=["code"], condition=~Q(code=""), name="crm_grant_unique_code"
            ),
        ]
        indexes = [
            models.Index(fields=["rule", "granted_at"], name="crm_grant_rule_idx"),
            models.Index(fields=["profile", "rule"], name="crm_grant_profile_idx"),
            models.Index(
                fields=["rule"],
                condition=Q(delivered_at__isnull=True, control=False),
                name="crm_grant_undelivered_idx",
            ),
            models.Index(fields=["order_id"], name="crm_grant_order_idx"),
        ]


# --- analytics: the KPI rollups (migration 0016), kept by analytics/rollups.py ---
# The KPI rollups (migration 0016), kept by ``analytics/rollups.py``.
#
# * :class:`AnalyticsChannel` — the time zone a channel's days and months are
#   counted in (UTC without a row); changing it means ``crm_rebuild_rollups``.
# * :class:`AnalyticsProfileDay` — one customer's contribution: a row per
#   (profile, day with an order that is not cancelled). What the rollups are the
#   sums of; rewritten per profile from the profile's own order rows, so the
#   rollups change by exactly the difference between the old and new rows.
# * :class:`AnalyticsDay` — per channel and day: orders, money, customers.
# * :class:`AnalyticsDayGap` — per channel, day and gap (days since the customer's
#   previous order day, 1 .. ``GAP_CAP``): how many customers' order day it was.
#   Active customers of a period = customer-days of the period minus those whose
#   previous order day is in the same period.
# * :class:`AnalyticsFirstOrder` — per channel, first-order day and days until the
#   second order day (-1: none yet): customers (F2, repeat rate, time to second).
# * :class:`AnalyticsCohort` — per channel, acquisition month and months since:
#   customers who ordered, orders, net revenue (retention matrix, LTV).

_ANALYTICS_MONEY = {"max_digits": 20, "decimal_places": 3, "default": 0}


class AnalyticsChannel(models.Model):
    channel_id = models.IntegerField(primary_key=True)
    time_zone = models.CharField(max_length=64, default="UTC")
    rebuilt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "saleor_crm_plugin"


class AnalyticsProfileDay(models.Model):
    pk = models.CompositePrimaryKey("profile_id", "day")
    # ON DELETE CASCADE to the profile in the database (migration 0016), whose
    # delete trigger takes an erased profile's rows out of the rollups
    profile_id = models.IntegerField()
    day = models.DateField()
    channel_id = models.IntegerField()
    orders = models.IntegerField()
    other_currency_orders = models.IntegerField()
    paid_orders = models.IntegerField()
    revenue = models.DecimalField(**_ANALYTICS_MONEY)
    gap = models.IntegerField(null=True)  # days since the previous order day
    first_day = models.DateField()
    second_offset = models.IntegerField(null=True)  # on the first day's row only

    class Meta:
        app_label = "saleor_crm_plugin"


class AnalyticsDay(models.Model):
    pk = models.CompositePrimaryKey("channel_id", "day")
    channel_id = models.IntegerField()
    day = models.DateField()
    orders = models.IntegerField(default=0)
    other_currency_orders = models.IntegerField(default=0)
    paid_orders = models.IntegerField(default=0)
    revenue = models.DecimalField(**_ANALYTICS_MONEY)
    customers = models.IntegerField(default=0)
    new_customers = models.IntegerField(default=0)

    class Meta:
        app_label = "saleor_crm_plugin"


class AnalyticsDayGap(models.Model):
    pk = models.CompositePrimaryKey("channel_id", "day", "gap")
    channel_id = models.IntegerField()
    day = models.DateField()
    gap = models.SmallIntegerField()
    customers = models.IntegerField(default=0)

    class Meta:
        app_label = "saleor_crm_plugin"


class AnalyticsFirstOrder(models.Model):
    pk = models.CompositePrimaryKey("channel_id", "first_day", "second_offset")
    channel_id = models.IntegerField()
    first_day = models.DateField()
    second_offset = models.SmallIntegerField()
    customers = models.IntegerField(default=0)

    class Meta:
        app_label = "saleor_crm_plugin"


class AnalyticsCohort(models.Model):
    pk = models.CompositePrimaryKey("channel_id", "cohort_month", "month_offset")
    channel_id = models.IntegerField()
    cohort_month = models.DateField()
    month_offset = models.SmallIntegerField()
    customers = models.IntegerField(default=0)
    orders = models.IntegerField(default=0)
    revenue = models.DecimalField(**_ANALYTICS_MONEY)

    class Meta:
        app_label = "saleor_crm_plugin"


class RepurchaseInterval(models.Model):
    """How long customers of a channel take to buy an item (a product or a
    category) again: quartiles of the days between consecutive purchases of it by
    the same customer, over every customer who bought it more than once (see
    ``domain/items.py`` for the definitions). One row per channel and item with at
    least one interval, rebuilt from the purchase facts by the periodic
    ``refresh_repurchase_intervals`` (``analytics/repurchase.py``); the
    ``due`` segment condition reads the median."""

    channel = models.ForeignKey(
        "channel.Channel", on_delete=models.CASCADE, related_name="+", db_index=False
    )  # the unique key below leads with or holds it
    kind = models.PositiveSmallIntegerField()  # PurchaseFact.KIND_PRODUCT / _CATEGORY
    item_id = models.IntegerField()
    customers = models.PositiveIntegerField()
    repeat_customers = models.PositiveIntegerField()
    intervals = models.PositiveIntegerField()
    q1_days = models.FloatField()
    median_days = models.FloatField()
    q3_days = models.FloatField()
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "kind", "item_id"], name="crm_repurchase_unique_item"
            ),
        ]


class CoPurchase(models.Model):
    """One of an item's top co-purchases in a channel: bought in the same order
    (``together``) or in the same customer's next order within ``window_days``
    (``after``), with its support, confidence and lift (``domain/items.py``).
    The top K per item, rebuilt from the purchase facts by the periodic
    ``refresh_copurchases`` (``analytics/copurchase.py``); the ``bought_not``
    segment condition reads the ranks."""

    TOGETHER, AFTER = "together", "after"

    channel = models.ForeignKey(
        "channel.Channel", on_delete=models.CASCADE, related_name="+", db_index=False
    )  # the unique key below leads with or holds it
    kind = models.PositiveSmallIntegerField()
    relation = models.CharField(max_length=8)
    item_id = models.IntegerField()
    other_id = models.IntegerField()
    rank = models.PositiveSmallIntegerField()
    orders = models.PositiveIntegerField()  # n_XY
    item_orders = models.PositiveIntegerField()  # n_X
    other_orders = models.PositiveIntegerField()  # n_Y
    total_orders = models.PositiveIntegerField()  # N
    support = models.FloatField()
    confidence = models.FloatField()
    lift = models.FloatField()
    window_days = models.PositiveIntegerField(null=True, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "relation", "item_id", "channel", "other_id"],
                name="crm_copurchase_unique_pair",
            ),
        ]


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


class CouponDelivery(models.Model):
    """One recipient's message of a rule by one method (``email``,
    ``message_webhook``): queued, sent, failed (with the reason; retried until
    ``attempts`` reaches the limit) or skipped (with the reason: no consent, the
    frequency cap, no address). A customer the open-codes cap kept from a code has
    a skipped row without a grant (method ``issue``), once per trigger."""

    rule = models.ForeignKey(
        CouponRule, on_delete=models.CASCADE, related_name="deliveries"
    )
    grant = models.ForeignKey(
        CouponGrant,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    profile = models.ForeignKey(
        CustomerProfile, on_delete=models.CASCADE, related_name="+"
    )
    trigger_key = models.CharField(max_length=96)
    method = models.CharField(max_length=16)
    status = models.CharField(max_length=8, choices=DeliveryStatus.choices)
    reason = models.CharField(max_length=255, blank=True, default="")
    # counts towards the frequency cap (a marketing message queued or sent)
    marketing = models.BooleanField(default=True)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "profile", "trigger_key", "method"],
                name="crm_delivery_unique",
            )
        ]
        indexes = [
            models.Index(fields=["rule", "status"], name="crm_delivery_rule_idx"),
            models.Index(
                fields=["profile", "created_at"],
                condition=Q(marketing=True, status__in=["queued", "sent"]),
                name="crm_delivery_cap_idx",
            ),
        ]
