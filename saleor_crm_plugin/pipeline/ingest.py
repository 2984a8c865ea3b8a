"""What the plugin's hooks do, kept small: O(1) queries, idempotent, never raising.

Order hooks append one fact to :class:`~.models.OrderEvent` (``INSERT ... ON
CONFLICT DO NOTHING``: a replay is a no-op) and, after Saleor's transaction
commits, enqueue :func:`~.apply.process_order_events`, which applies the order to
the customer's profile. If anything fails, the failure is logged without personal
data and stored in :class:`~.models.HookFailure`; :func:`~.tasks.retry_hook_failures`
replays it from Saleor's own records, so no event is lost."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.db import connection, transaction
from django.utils import timezone

from ..core.failures import record_failure, savepoint
from ..core.tables import TABLES
from ..domain.emails import email_hash
from ..domain.orders import UNCONFIRMED
from ..models import (
    EventSource,
    OrderEventKind,
)
from ..profiles.erasure import erase_customer
from .apply import link_account_task, process_order_events

if TYPE_CHECKING:
    from saleor.account.models import User
    from saleor.order.models import Order
logger = logging.getLogger(__name__)


# Kinds whose replays must stay distinct facts: each partial refund is its own fact,
# told apart by what Saleor still holds as charged after it.
_KEYED_KINDS = {OrderEventKind.REFUNDED}


def dedupe_key(order: Order, kind: str) -> str:
    if kind in _KEYED_KINDS:
        return f"charged:{order.total_charged_amount}"
    if kind == OrderEventKind.CONFIRMED and order.status == UNCONFIRMED:
        # Saleor fires order_confirmed at creation in auto-confirming channels even
        # when an unpaid order stays unconfirmed, and again on orderConfirm: that
        # second one is a new fact, not a replay.
        return "while-unconfirmed"
    return ""


_INSERT_FACT_SQL = None


def _insert_fact_sql() -> str:
    global _INSERT_FACT_SQL
    if _INSERT_FACT_SQL is None:
        _INSERT_FACT_SQL = (
            f'INSERT INTO "{TABLES["order_event"]}" (order_id, kind, dedupe_key, '
            "channel_id, source, occurred_at, attempts, last_error) "
            "VALUES (%s, %s, %s, %s, %s, %s, 0, '') "
            "ON CONFLICT (order_id, kind, dedupe_key) DO NOTHING"
        )
    return _INSERT_FACT_SQL


def insert_fact(order: Order, kind: str, source: str = EventSource.HOOK) -> None:
    """Append the fact with one ``INSERT ... ON CONFLICT DO NOTHING``; raises on
    failure.

    A single raw statement rather than ``bulk_create(ignore_conflicts=True)``,
    which wraps its insert in a transaction of its own (BEGIN and COMMIT round
    trips) when, as usual, Saleor calls the hook after its commit in autocommit
    mode. Inside Saleor's transaction it runs under a savepoint.
    """
    params = [
        order.pk,
        kind,
        dedupe_key(order, kind),
        order.channel_id,
        source,
        timezone.now(),
    ]
    with savepoint(), connection.cursor() as cursor:
        cursor.execute(_insert_fact_sql(), params)


def record_order_event(order: Order, kind: str, source: str = EventSource.HOOK) -> bool:
    """Append the fact and schedule its processing. Returns ``False`` when the
    event could not be recorded (the failure is stored for retry). Never raises."""
    try:
        insert_fact(order, kind, source)
        _after_commit(_enqueue_processing, str(order.pk))
        return True
    except Exception as exc:  # noqa: BLE001 - a CRM failure must not break Saleor
        record_failure(f"order_{kind}", exc, order_id=order.pk)
        return False


def _after_commit(func, *args):
    transaction.on_commit(lambda: func(*args), robust=True)


def _enqueue_processing(order_id: str):

    try:
        process_order_events.delay(order_id)
    except Exception as exc:  # noqa: BLE001
        # The fact is stored; the periodic sweep processes it when the broker is back.
        logger.warning(
            "CRM: could not enqueue processing for order %s (%s); the periodic "
            "sweep will pick it up.",
            order_id,
            type(exc).__name__,
        )


def schedule_account_link(user: User, hook: str) -> None:
    """Guest orders placed with this account's email move into the account's
    profile; a changed email is reflected. Runs as a task after commit."""

    def enqueue():
        try:
            link_account_task.delay(user.pk)
        except Exception as exc:  # noqa: BLE001
            record_failure(hook, exc, user_id=user.pk)

    try:
        _after_commit(enqueue)
    except Exception as exc:  # noqa: BLE001
        record_failure(hook, exc, user_id=user.pk)


def erase_customer_safely(user: User, hook: str) -> None:
    try:
        with savepoint():
            erase_customer(user.pk, user.email)
    except Exception as exc:  # noqa: BLE001
        record_failure(hook, exc, user_id=user.pk, hashed_email=email_hash(user.email))
