"""The plugin's SQL toolkit beside the table registry (``core.tables``): the
per-statement settings of its heavy set-based statements, id-range chunking, and the
session-level advisory lock that keeps a periodic job from running twice at once.

Settings are transaction-local (``set_config(..., true)`` = ``SET LOCAL``): call
:func:`statement_settings` inside the ``transaction.atomic()`` block whose
statements they are for; they end with it. All of them travel in ONE statement
(one round trip), before the statement they are for — a setting changed inside a
statement does not change how that statement was planned."""

from __future__ import annotations

import logging
from contextlib import contextmanager

from django.db import connection
from django.db.models import Max, Min

logger = logging.getLogger(__name__)

# PostgreSQL's JIT compiler, tempted by the planner's row estimates for the
# plugin's chunk statements, spends ~0.7 s compiling each one that then runs in
# ~0.1 s (seen in EXPLAIN ANALYZE): the plugin's statements run without it.
#
# ``parallel_workers`` lowers ``max_parallel_workers_per_gather`` to at most that
# many, never raises it (a server that allows 0 keeps 0): see ``segments.count``.


def settings_sql(
    *,
    jit: bool | None = False,
    work_mem: str | None = None,
    parallel_workers: int | None = None,
) -> str:
    """``SELECT set_config(...), ...`` for the given transaction-local settings
    (``None`` leaves a setting alone). The values are the plugin's constants,
    never input; they are checked anyway."""
    items = []
    if jit is not None:
        items.append(f"set_config('jit', '{'on' if jit else 'off'}', true)")
    if work_mem is not None:
        if not work_mem.replace("MB", "").replace("kB", "").isdigit():
            raise ValueError(f"work_mem: {work_mem!r}")
        items.append(f"set_config('work_mem', '{work_mem}', true)")
    if parallel_workers is not None:
        workers = int(parallel_workers)
        items.append(
            "set_config('max_parallel_workers_per_gather', LEAST("
            "current_setting('max_parallel_workers_per_gather')::int,"
            f" {workers})::text, true)"
        )
    if not items:
        raise ValueError("no setting given")
    return "SELECT " + ", ".join(items)


def statement_settings(
    cursor,
    *,
    jit: bool | None = False,
    work_mem: str | None = None,
    parallel_workers: int | None = None,
) -> None:
    """Apply transaction-local settings in one statement (by default: JIT off).
    Inside the caller's transaction."""
    cursor.execute(
        settings_sql(jit=jit, work_mem=work_mem, parallel_workers=parallel_workers)
    )


def id_chunks(queryset, chunk: int):
    """``(after, upto]`` id ranges covering the queryset's ids, ``chunk`` wide."""
    bounds = queryset.aggregate(lo=Min("id"), hi=Max("id"))
    if bounds["lo"] is None:
        return
    after = bounds["lo"] - 1
    while after < bounds["hi"]:
        yield after, after + chunk
        after += chunk


@contextmanager
def session_lock(what: str, *key: int):
    """A session-level advisory lock on ``key`` (one or two integers), yielding
    whether it was taken: a second run of the same job while one runs (beat and a
    manual run, two workers) sees False and returns at once instead of doing the
    same work twice. Released when the block ends, or with the connection if the
    worker dies. ``what`` names the job in the log line of a failed release."""
    args = ", ".join(["%s"] * len(key))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT pg_try_advisory_lock({args})", list(key))
        locked = cursor.fetchone()[0]
    try:
        yield locked
    finally:
        if locked:
            try:
                with connection.cursor() as cursor:
                    cursor.execute(f"SELECT pg_advisory_unlock({args})", list(key))
            except Exception:  # noqa: BLE001 - aborted outer transaction: the
                # session keeps the lock until its connection closes
                logger.warning("CRM: %s lock not released", what)
