"""Checkout activity on a customer's profile (``last_checkout_at``), written in the
same statement as the checkout hook's membership lookup."""

from __future__ import annotations

import contextlib
from datetime import timedelta
from typing import TYPE_CHECKING

from django.db import connection
from django.utils import timezone

from ..core.failures import savepoint
from ..core.tables import TABLES

if TYPE_CHECKING:
    from saleor.checkout.models import Checkout


CHECKOUT_TOUCH_GRANULARITY = timedelta(minutes=1)


# the checkout-activity write, prepended to the membership lookup as a
# data-modifying WITH (see checkout_activity_recorded)
_TOUCH_CTE = (
    f'WITH crm_checkout_activity AS (UPDATE "{TABLES["profile"]}" '
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

    with savepoint(), connection.execute_wrapper(prepend):
        yield
    if pending:  # no statement ran inside the block: write the activity alone
        with savepoint(), connection.cursor() as cursor:
            cursor.execute(_TOUCH_CTE + "SELECT 1", params)
