"""The pipeline's periodic safety nets, run by Celery beat: facts still pending
after a grace period, hooks that failed (replayed from Saleor's own records), and
the reconciliation of orders Saleor changed without a hook the plugin saw.

Task names are pinned to their names from before the package was split by area
(``saleor_crm_plugin.tasks.*``), so messages queued during an upgrade still run."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from saleor.celeryconf import app
from saleor.core.db.connection import allow_writer

from ..core.config import load_config
from ..core.failures import backoff
from ..loyalty.member_discount import HOOK_NAME as CHECKOUT_HOOK
from ..loyalty.member_discount import retry_checkout
from ..models import EventSource, HookFailure, OrderEvent, OrderEventKind, SyncCursor
from ..profiles.erasure import erase_customer
from ..profiles.sync import changed_orders
from .apply import link_account as link_account_service
from .apply import on_profiles_changed, process_orders, sync_and_roll_up
from .ingest import insert_fact
from .order_codes import HOOK_NAME as ORDER_CODES_HOOK
from .order_codes import retry as retry_order_codes

logger = logging.getLogger(__name__)


PENDING_GRACE = timedelta(seconds=60)


@app.task(name="saleor_crm_plugin.tasks.process_pending_events")
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


@app.task(name="saleor_crm_plugin.tasks.retry_hook_failures")
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


@app.task(name="saleor_crm_plugin.tasks.reconcile_orders")
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
                    touched = sync_and_roll_up(
                        stale, attribute_guests=config.attribute_guest_orders
                    )
                    synced += len(stale)
                cursor.value, cursor.last_id = rows[-1][1], rows[-1][0]
                cursor.save(update_fields=["value", "last_id"])
            if stale:
                on_profiles_changed(touched)
        return synced
