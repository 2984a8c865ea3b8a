"""Celery tasks, registered on Saleor's own Celery app (``saleor.celeryconf.app``,
which autodiscovers this module because the plugin is an installed Django app)."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery.schedules import crontab
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from saleor.celeryconf import app
from saleor.core.db.connection import allow_writer

from .ingest import backoff, erase_customer, insert_fact
from .models import EventSource, HookFailure, OrderEvent, OrderEventKind, SyncCursor
from .order_codes import HOOK_NAME as ORDER_CODES_HOOK
from .order_codes import retry as retry_order_codes
from .services import link_account as link_account_service
from .services import on_profiles_changed, process_orders
from .settings import load_config
from .sql import changed_orders, sync_orders
from .vouchers import HOOK_NAME as CHECKOUT_HOOK
from .vouchers import retry_checkout

logger = logging.getLogger(__name__)

PENDING_GRACE = timedelta(seconds=60)


@app.task(
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


@app.task
def process_pending_events(batch_size: int | None = None):
    """Sweep facts still pending after a grace period (broker outage, crashed
    worker, exhausted retries) and apply them set-based, a batch at a time."""
    with allow_writer():
        config = load_config()
        size = batch_size or config.batch_size
        cutoff = timezone.now() - PENDING_GRACE
        done = 0
        while True:
            order_ids = list(
                OrderEvent.objects.filter(
                    processed_at__isnull=True,
                    occurred_at__lt=cutoff,
                    attempts__lt=config.max_retry_attempts,
                )
                .order_by("occurred_at")
                .values_list("order_id", flat=True)
                .distinct()[:size]
            )
            if not order_ids:
                return done
            try:
                process_orders(order_ids, config=config)
            except Exception:  # noqa: BLE001 - attempts were counted; go on later
                logger.exception("CRM: pending batch failed")
                return done
            done += len(order_ids)


@app.task(bind=True, max_retries=5, autoretry_for=(Exception,), retry_backoff=5)
def link_account(self, user_id: int):
    with allow_writer():
        return len(link_account_service(user_id))


@app.task
def retry_hook_failures(limit: int = 500):
    """Replay hooks that could not record their event, from Saleor's own records."""
    from saleor.order.models import Order

    with allow_writer():
        config = load_config()
        now = timezone.now()
        failures = list(
            HookFailure.objects.filter(
                resolved_at__isnull=True,
                next_attempt_at__lte=now,
                attempts__lt=config.max_retry_attempts,
            ).order_by("next_attempt_at")[:limit]
        )
        resolved = 0
        for failure in failures:
            try:
                _replay(failure, Order)
            except Exception as exc:  # noqa: BLE001
                HookFailure.objects.filter(pk=failure.pk).update(
                    attempts=F("attempts") + 1,
                    next_attempt_at=now + backoff(failure.attempts + 1),
                    error=f"{type(exc).__name__}: {exc}"[:255],
                )
                continue
            HookFailure.objects.filter(pk=failure.pk).update(resolved_at=now)
            resolved += 1
        return resolved


def _replay(failure: HookFailure, Order):
    hook = failure.hook
    if hook == ORDER_CODES_HOOK and failure.order_id:
        retry_order_codes(failure.order_id)
    elif hook.startswith("order_") and failure.order_id:
        order = Order.objects.filter(pk=failure.order_id).first()
        if order is None:
            return
        kind = hook.removeprefix("order_")
        if kind not in OrderEventKind.values:
            kind = OrderEventKind.CREATED
        insert_fact(order, kind, source=EventSource.RETRY)
        process_orders([str(order.pk)])
    elif hook == CHECKOUT_HOOK:
        retry_checkout(failure)
    elif hook in {"customer_deleted", "account_deleted", "user_post_delete"}:
        erase_customer(failure.user_id, hashed=failure.email_hash or None)
    elif failure.user_id:
        link_account_service(failure.user_id)


RECONCILE_KEY = "reconcile:order.updated_at"
RECONCILE_LAG = timedelta(seconds=30)
RECONCILE_FIRST_LOOKBACK = timedelta(days=1)


@app.task
def reconcile_orders(batch_size: int | None = None, max_batches: int = 50):
    """Safety net: sync orders that Saleor changed since the last sweep and whose
    CRM copy is missing or older — a hook that failed so badly that not even its
    failure could be stored, an event the plugin does not hook, an edit made while
    the broker was down. Walks ``Order.updated_at`` (indexed by Saleor) from a
    stored high-water mark; idempotent."""
    with allow_writer():
        config = load_config()
        size = batch_size or config.batch_size
        until = timezone.now() - RECONCILE_LAG
        cursor, _ = SyncCursor.objects.get_or_create(
            key=RECONCILE_KEY,
            defaults={"value": until - RECONCILE_FIRST_LOOKBACK},
        )
        synced = 0
        for _ in range(max_batches):
            rows = changed_orders(cursor.value, cursor.last_id, until, size)
            if not rows:
                break
            stale = [str(order_id) for order_id, _, is_stale in rows if is_stale]
            with transaction.atomic():
                if stale:
                    touched = sync_orders(
                        stale, attribute_guests=config.attribute_guest_orders
                    )
                    synced += len(stale)
                cursor.value, cursor.last_id = rows[-1][1], rows[-1][0]
                cursor.save(update_fields=["value", "last_id"])
            if stale:
                on_profiles_changed(touched)
        return synced


@app.task
def review_loyalty_tiers():
    """Daily tier review (downgrades after retention, missed upgrades, expired
    overrides); resumes an interrupted run."""
    from .loyalty_periodic import review_tiers

    with allow_writer():
        return review_tiers()


@app.task
def mature_and_expire_points():
    """Hourly: write what is left of awards past their expiry date, then mirror
    tier and available points (matured or expired since) into customer metadata."""
    from .loyalty import expire_points
    from .loyalty_periodic import mirror_metadata

    with allow_writer():
        expired = expire_points()
        return {"expired": expired, "mirrored": mirror_metadata()}


@app.task(bind=True, max_retries=5, autoretry_for=(Exception,), retry_backoff=5)
def mirror_loyalty_metadata(self, membership_ids: list[int]):
    """Mirror tier and points of members whose tier the review just moved."""
    from .loyalty_periodic import mirror_metadata

    with allow_writer():
        return mirror_metadata(membership_ids)


@app.task
def warn_expiring_points():
    """Daily: members with points expiring soon, for the merchant's messaging."""
    from .loyalty_periodic import warn_expiring

    with allow_writer():
        return warn_expiring()


@app.task
def refresh_segments():
    """Every 15 minutes: recompute dynamic segments (what the passing of time
    changes, e.g. "90 days without an order"); each segment in its own
    transaction."""
    from .models import Segment
    from .segments import materialize

    with allow_writer():
        done = 0
        for segment in Segment.objects.filter(kind="dynamic"):
            try:
                materialize(segment)
                done += 1
            except Exception:  # noqa: BLE001 - one bad segment must not stop the rest
                logger.exception("CRM: segment %s not refreshed", segment.pk)
        return done


@app.task
def recompute_rfm():
    """Daily: RFM scores and groups of every channel that has customers."""
    from .models import CustomerProfile
    from .rfm import recompute

    with allow_writer():
        channels = CustomerProfile.objects.values_list("channel_id", flat=True).distinct()
        return {channel_id: recompute(channel_id) for channel_id in channels}


@app.task
def run_coupon_rules():
    """Every 15 minutes (after the segments' refresh): every running coupon rule —
    time-based triggers, schedules, segment entries found by the refresh, and the
    catch-up of order-driven triggers — then push codes still undelivered."""
    from .coupon_delivery import pending_rules
    from .coupons import run_all

    with allow_writer():
        results = run_all()
        for rule_id in pending_rules():
            deliver_coupons_task.delay(rule_id)
        return {pk: r.issued for pk, r in results.items()}


@app.task(bind=True, max_retries=5, autoretry_for=(Exception,), retry_backoff=30)
def deliver_coupons_task(self, rule_id: int):
    """Push a rule's new codes (Saleor notification, signed webhook)."""
    from .coupon_delivery import deliver

    with allow_writer():
        return deliver(rule_id)


@app.on_after_finalize.connect
def _register_periodic_tasks(sender, **kwargs):
    sender.add_periodic_task(
        crontab(minute="*"), process_pending_events.s(), name="crm-pending-events"
    )
    sender.add_periodic_task(
        crontab(minute="*/5"), retry_hook_failures.s(), name="crm-retry-hooks"
    )
    sender.add_periodic_task(
        crontab(minute="*/10"), reconcile_orders.s(), name="crm-reconcile-orders"
    )
    sender.add_periodic_task(
        crontab(minute=15, hour=3), review_loyalty_tiers.s(), name="crm-tier-review"
    )
    sender.add_periodic_task(
        crontab(minute=5), mature_and_expire_points.s(), name="crm-points-expiry"
    )
    sender.add_periodic_task(
        crontab(minute=45, hour=3), warn_expiring_points.s(), name="crm-expiry-warnings"
    )
    sender.add_periodic_task(
        crontab(minute="*/15"), refresh_segments.s(), name="crm-refresh-segments"
    )
    sender.add_periodic_task(
        crontab(minute=30, hour=2), recompute_rfm.s(), name="crm-rfm-recompute"
    )
    sender.add_periodic_task(
        crontab(minute="7-59/15"), run_coupon_rules.s(), name="crm-coupon-rules"
    )
