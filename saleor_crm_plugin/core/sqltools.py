"""The plugin's SQL toolkit beside the table registry (``core.tables``): the
per-statement settings of its heavy set-based statements, and id-range chunking.

Settings are transaction-local (``set_config(..., true)`` = ``SET LOCAL``): call
:func:`statement_settings` inside the ``transaction.atomic()`` block whose
statements they are for; they end with it. All of them travel in ONE statement
(one round trip), before the statement they are for — a setting changed inside a
statement does not change how that statement was planned."""

from __future__ import annotations

from django.db.models import Max, Min

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
