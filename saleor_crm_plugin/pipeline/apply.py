"""Applying an order to the CRM, and what follows it (never inside a hook).

:func:`process_orders` applies an order's pending facts to its customer's profile
(``profiles.sync``), then loyalty (points, tier) and coupon attribution in the same
transaction; after the commit :func:`on_profiles_changed` fans out to the
segments and the order-driven coupon triggers of the touched profiles. The tasks
that run it (queued by ``pipeline.ingest`` after Saleor's commit) live here too,
beside the function they run."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from saleor.celeryconf import app
from saleor.core.db.connection import allow_writer

from ..analytics.rollups import refresh_profiles as refresh_rollups
from ..core.config import load_config, signup_channel_ids
from ..coupons.issuing import attribute_orders as attribute_coupons
from ..coupons.issuing import on_profiles_changed as run_coupon_triggers
from ..domain.emails import normalize_email
from ..loyalty.orders import apply_orders as apply_loyalty
from ..models import CouponGrant, CustomerOrder, CustomerProfile, OrderEvent
from ..profiles.sync import account_profiles, sync_orders
from ..segments.membership import refresh_for_profiles

logger = logging.getLogger(__name__)


def sync_and_roll_up(order_ids, **kwargs) -> list[int]:
    """``profiles.sync.sync_orders`` (the orders' CRM rows and their profiles'
    figures), then the KPI rollups of the same profiles
    (``analytics.rollups.refresh_profiles``: one statement), in the caller's
    transaction — the profile recompute just before locked those profiles.
    Every path of the pipeline that recomputes profiles goes through here."""
    touched = sync_orders(order_ids, **kwargs)
    refresh_rollups(touched)
    return touched


def process_orders(order_ids: Iterable[str], *, config=None) -> list[int]:
    """Apply pending facts of the given orders to the profiles.

    Facts are locked with ``SKIP LOCKED`` so concurrent workers never apply the same
    order twice at once; the SQL itself is idempotent, so a redelivered task is
    harmless. Returns the touched profile ids.
    """
    config = config or load_config()
    order_ids = list({str(i) for i in order_ids})
    try:
        with transaction.atomic():
            pending = list(
                OrderEvent.objects.select_for_update(skip_locked=True)
                .filter(order_id__in=order_ids, processed_at__isnull=True)
                .values_list("id", "order_id")
            )
            if not pending:
                return []
            synced = sorted({str(order_id) for _, order_id in pending})
            touched = sync_and_roll_up(
                synced, attribute_guests=config.attribute_guest_orders
            )
            # Points and tiers move in the same transaction as the profile.
            apply_loyalty(synced)
            # redeemed coupon codes → their orders (same transaction)
            attribute_coupons(synced)
            OrderEvent.objects.filter(id__in=[pk for pk, _ in pending]).update(
                processed_at=timezone.now()
            )
    except Exception as exc:
        OrderEvent.objects.filter(
            order_id__in=order_ids, processed_at__isnull=True
        ).update(
            attempts=F("attempts") + 1,
            last_error=f"{type(exc).__name__}: {exc}"[:255],
        )
        raise
    on_profiles_changed(touched)
    return touched


def on_profiles_changed(profile_ids: list[int]) -> None:
    """After an order changed these profiles (and their transaction committed):
    re-evaluate exactly these customers' dynamic segments, so segments are fresh
    within seconds, then run the order-driven coupon rules for them; the periodic
    refresh and sweep catch what time alone changes. (Tiers and points move inside
    the order's transaction, in ``loyalty.orders.apply_orders``.)"""
    if not profile_ids:
        return

    try:
        refresh_for_profiles(profile_ids)
    except Exception:  # noqa: BLE001 - the order is applied; the sweep catches up
        logger.exception("CRM: segments not refreshed for changed profiles")
    # then the coupon rules these customers' orders, tiers and segments may trigger

    try:
        run_coupon_triggers(profile_ids)
    except Exception:  # noqa: BLE001 - the periodic sweep issues what was missed
        logger.exception("CRM: coupon rules not run for changed profiles")


def link_account(user_id: int, *, config=None) -> list[int]:
    """Give a registered customer a profile in each sign-up channel where they
    have none (before any order: ``customer_created``), bring guest orders placed
    with the account's email into the account's profiles and keep the profiles'
    email in step with the account."""
    from saleor.account.models import User
    from saleor.order.models import Order

    config = config or load_config()
    user = User.objects.filter(pk=user_id).only("id", "email").first()
    if user is None:
        return []
    norm = normalize_email(user.email)
    CustomerProfile.objects.filter(user_id=user_id).exclude(email=norm).update(
        email=norm
    )
    created = account_profiles([user_id], signup_channel_ids(config))
    if created:
        # no orders, so nothing for the rollups; "registered, never bought"
        # segments and their coupon rules see them now
        on_profiles_changed(created)
    if not config.attribute_guest_orders:
        return created
    order_ids = set(
        CustomerOrder.objects.filter(
            profile__user__isnull=True, profile__email=norm
        ).values_list("order_id", flat=True)
    )
    order_ids |= set(
        Order.objects.filter(Q(user_email=user.email), user__isnull=True).values_list(
            "id", flat=True
        )[:10000]
    )
    if not order_ids:
        return created
    with transaction.atomic():
        _move_guest_grants(user_id, norm)
        touched = sync_and_roll_up(sorted(map(str, order_ids)))
    on_profiles_changed(touched)
    return sorted(set(created) | set(touched))


def _move_guest_grants(user_id: int, email: str) -> None:
    """Coupon codes issued to a guest profile follow its orders into the account's
    profile of the same channel (the emptied guest profile is then deleted)."""
    from django.db.models import Exists, OuterRef

    guests = (
        CouponGrant.objects.filter(profile__user__isnull=True, profile__email=email)
        .values_list("profile_id", "profile__channel_id", "profile__currency")
        .distinct()
    )
    for profile_id, channel_id, currency in guests:
        target, _ = CustomerProfile.objects.get_or_create(
            channel_id=channel_id,
            user_id=user_id,
            defaults={"email": email, "currency": currency},
        )
        same = CouponGrant.objects.filter(
            profile_id=target.pk,
            rule_id=OuterRef("rule_id"),
            trigger_key=OuterRef("trigger_key"),
        )
        CouponGrant.objects.filter(profile_id=profile_id).exclude(Exists(same)).update(
            profile_id=target.pk
        )


def resync_customer(user_id: int, *, config=None) -> list[int]:
    """Rebuild an account's profiles from all its Saleor orders."""
    from saleor.order.models import Order

    config = config or load_config()
    order_ids = set(Order.objects.filter(user_id=user_id).values_list("id", flat=True))
    order_ids |= set(
        CustomerOrder.objects.filter(profile__user_id=user_id).values_list(
            "order_id", flat=True
        )
    )
    touched = link_account(user_id, config=config)
    if order_ids:
        with transaction.atomic():
            touched += sync_and_roll_up(
                sorted(map(str, order_ids)),
                attribute_guests=config.attribute_guest_orders,
            )
        on_profiles_changed(touched)
    return touched


@app.task(
    name="saleor_crm_plugin.tasks.process_order_events",
    bind=True,
    autoretry_for=(Exception,),
    retry_backoff=5,
    retry_backoff_max=600,
    max_retries=10,
)
def process_order_events(self, order_id: str):
    """Apply an order's pending facts to its customer's profile (seconds after the
    event)."""
    with allow_writer():
        return len(process_orders([order_id]))


@app.task(
    name="saleor_crm_plugin.tasks.link_account",
    bind=True,
    max_retries=5,
    autoretry_for=(Exception,),
    retry_backoff=5,
)
def link_account_task(self, user_id: int):
    with allow_writer():
        return len(link_account(user_id))
