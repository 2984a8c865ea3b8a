"""What the plugin's hooks do, kept small: O(1) queries, idempotent, never raising.

Order hooks append one fact to :class:`~.models.OrderEvent` (``INSERT ... ON
CONFLICT DO NOTHING``: a replay is a no-op) and, after Saleor's transaction
commits, enqueue :func:`~.tasks.process_order_events`, which applies the order to
the customer's profile. If anything fails, the failure is logged without personal
data and stored in :class:`~.models.HookFailure`; :func:`~.tasks.retry_hook_failures`
replays it from Saleor's own records, so no event is lost.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from django.db import connection, transaction
from django.utils import timezone

from .domain.emails import email_hash, normalize_email
from .domain.orders import UNCONFIRMED
from .sql import EMAIL_HASH_SQL
from .models import (
    CustomerProfile,
    ErasureTombstone,
    EventSource,
    HookFailure,
    OrderEvent,
    OrderEventKind,
)

if TYPE_CHECKING:
    from saleor.account.models import User
    from saleor.checkout.models import Checkout
    from saleor.order.models import Order

logger = logging.getLogger(__name__)

# Kinds whose replays must stay distinct facts: each partial refund is its own fact,
# told apart by what Saleor still holds as charged after it.
_KEYED_KINDS = {OrderEventKind.REFUNDED}

CHECKOUT_TOUCH_GRANULARITY = timedelta(minutes=1)


def _savepoint():
    """A savepoint when called inside Saleor's transaction, so that a failed CRM
    statement never poisons it; nothing (no extra query) in autocommit mode."""
    if connection.in_atomic_block:
        return transaction.atomic()
    return contextlib.nullcontext()


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
            f'INSERT INTO "{OrderEvent._meta.db_table}" (order_id, kind, dedupe_key, '
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
    with _savepoint(), connection.cursor() as cursor:
        cursor.execute(_insert_fact_sql(), params)


def record_order_event(
    order: Order, kind: str, source: str = EventSource.HOOK
) -> bool:
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
    from .tasks import process_order_events

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


def record_failure(
    hook: str, exc: BaseException, *, order_id=None, user_id=None, hashed_email=""
):
    logger.error(
        "CRM hook %s failed for order=%s user=%s: %s",
        hook,
        order_id,
        user_id,
        type(exc).__name__,
        exc_info=exc,
    )
    try:
        with _savepoint():
            HookFailure.objects.create(
                hook=hook,
                order_id=order_id,
                user_id=user_id,
                email_hash=hashed_email,
                error=f"{type(exc).__name__}: {exc}"[:255],
            )
    except Exception:  # noqa: BLE001
        logger.exception(
            "CRM: could not store the failure of hook %s; the reconciliation "
            "sweep (crm-reconcile-orders) will find the order by its update time.",
            hook,
        )


# the checkout-activity write, prepended to the membership lookup as a
# data-modifying WITH (see checkout_activity_recorded)
_TOUCH_CTE = (
    f'WITH crm_checkout_activity AS (UPDATE "{CustomerProfile._meta.db_table}" '
    "SET last_checkout_at = %s WHERE user_id = %s AND channel_id = %s "
    "AND (last_checkout_at IS NULL OR last_checkout_at < %s) RETURNING 1) "
)


@contextlib.contextmanager
def checkout_activity_recorded(checkout: Checkout):
    """Remember when a signed-in customer last had checkout activity, in the same
    statement as the checkout hook's membership lookup run inside this block: the
    ``UPDATE`` of the profile is prepended to that ``SELECT`` as a data-modifying
    ``WITH`` (PostgreSQL runs it whether or not the ``SELECT`` reads it), so it
    costs no round trip of its own. Nothing for guests. A checkout fires many
    updates in a row: the row is written at most once a minute.

    A failure of that statement raises out of the block (the caller records it).
    Inside a transaction (only in tests: Saleor calls checkout hooks after its
    commit) it runs under a savepoint so that it cannot poison the transaction."""
    if not checkout.user_id:
        yield
        return
    now = timezone.now()
    params = [
        now,
        checkout.user_id,
        checkout.channel_id,
        now - CHECKOUT_TOUCH_GRANULARITY,
    ]
    pending = [True]

    def prepend(execute, sql, sql_params, many, context):
        if pending and not many and sql.lstrip().upper().startswith("SELECT"):
            pending.clear()
            return execute(
                _TOUCH_CTE + sql, (*params, *(sql_params or ())), many, context
            )
        return execute(sql, sql_params, many, context)

    with _savepoint(), connection.execute_wrapper(prepend):
        yield
    if pending:  # no statement ran inside the block: write the activity alone
        with _savepoint(), connection.cursor() as cursor:
            cursor.execute(_TOUCH_CTE + "SELECT 1", params)


def schedule_account_link(user: User, hook: str) -> None:
    """Guest orders placed with this account's email move into the account's
    profile; a changed email is reflected. Runs as a task after commit."""
    from .tasks import link_account

    def enqueue():
        try:
            link_account.delay(user.pk)
        except Exception as exc:  # noqa: BLE001
            record_failure(hook, exc, user_id=user.pk)

    try:
        _after_commit(enqueue)
    except Exception as exc:  # noqa: BLE001
        record_failure(hook, exc, user_id=user.pk)


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
        profiles = profiles | CustomerProfile.objects.filter(
            user__isnull=True
        ).extra(where=[f"{EMAIL_HASH_SQL.format(col='email')} = %s"], params=[hashed])
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


def erase_customer_safely(user: User, hook: str) -> None:
    try:
        with _savepoint():
            erase_customer(user.pk, user.email)
    except Exception as exc:  # noqa: BLE001
        record_failure(hook, exc, user_id=user.pk, hashed_email=email_hash(user.email))


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 6 * 3600))
