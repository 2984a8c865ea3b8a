"""Recording what went wrong in a hook, and when to try again.

A hook must never break Saleor's checkout or order: whatever fails is stored in
:class:`~saleor_crm_plugin.models.HookFailure` (no personal data, only ids and a
hash) and replayed by ``pipeline.tasks.retry_hook_failures`` with :func:`backoff`.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import timedelta

from django.db import connection, transaction

from ..models import HookFailure

logger = logging.getLogger(__name__)


def savepoint():
    """A savepoint when called inside Saleor's transaction, so that a failed CRM
    statement never poisons it; nothing (no extra query) in autocommit mode."""
    if connection.in_atomic_block:
        return transaction.atomic()
    return contextlib.nullcontext()


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
        with savepoint():
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


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 6 * 3600))
