"""Segments on the CRM tables (Saleor layer): live counts of a rule, and the
set-based materialization of a segment's members with their entry and exit events.

The rule is validated and compiled by ``domain.segments`` (values only ever travel
as query parameters). Profiles are the customer-per-channel rows of
``CustomerProfile`` (accounts and guests); a segment without a channel spans all."""

from __future__ import annotations

from datetime import datetime

from django.db import connection, transaction
from django.db.backends.postgresql.psycopg_any import is_psycopg3
from django.db.models import Sum
from django.utils import timezone

from ..core.sqltools import settings_sql, statement_settings
from ..core.tables import TABLES
from ..domain.segments import (
    aliases_read,
    compile_sql,
    has_purchase_condition,
    segment_rule,
)
from ..models import CustomerProfile, ProfileCount, Segment

FROM = (
    'FROM "{profile}" p JOIN "{channel}" c ON c.id = p.channel_id '
    'LEFT JOIN "{user}" u ON u.id = p.user_id'
)


def from_clause(rule: dict) -> str:
    """``FROM`` the profiles ``p``, joined to the channel ``c`` and Saleor's user
    ``u`` only when the rule reads them (every profile has a channel, and the
    user join is a left join on its key: neither changes which rows there are)."""
    read = aliases_read(rule)
    sql = 'FROM "{profile}" p'
    if "c" in read:
        sql += ' JOIN "{channel}" c ON c.id = p.channel_id'
    if "u" in read:
        sql += ' LEFT JOIN "{user}" u ON u.id = p.user_id'
    return sql.format(**TABLES)


# a purchase condition groups up to a few hundred thousand facts by customer: its
# hash table stays in memory (the default 4MB spills it to disk in batches)
WORK_MEM = "64MB"


# Every process of a parallel plan builds a purchase condition's grouped facts
# for itself: the leader and PostgreSQL's default two workers build them three
# times, which on a two-core database server costs more than the third process
# saves on the scan of the profiles (1M profiles, five conditions, measured on
# 2 cores: ~450 ms with two workers, ~375 ms with one; a rule without purchase
# conditions ran the same either way). The live count therefore asks for at most
# one worker when its rule has a purchase condition — lowering the server's
# setting, never raising it (0 stays 0; ``core.sqltools.statement_settings``).
ONE_WORKER = 1


def rule_of(segment: Segment) -> dict:
    return segment_rule(segment.rule, segment.preset, segment.preset_params)


def _condition(
    rule: dict,
    channel_id: int | None,
    now: datetime,
    profile_ids: list[int] | None = None,
) -> tuple[str, dict]:
    """The ``WHERE`` of the profiles ``p`` a rule matches, in a channel (or all)
    and among ``profile_ids`` (or all), with its named parameters."""
    # a few named profiles: purchase conditions count their own order rows
    condition, params = compile_sql(
        rule, now, TABLES, per_profile=profile_ids is not None
    )
    scope = []
    if channel_id is not None:
        scope.append("p.channel_id = %(channel)s")
        params["channel"] = channel_id
    if profile_ids is not None:
        scope.append("p.id = ANY(%(profiles)s)")
        params["profiles"] = list(profile_ids)
    return " AND ".join([*scope, condition]), params


def scope_size(channel_id: int | None = None) -> int:
    """How many profiles there are in a channel (or in all): the sum of the
    channel's ``ProfileCount`` rows, which the database keeps exact at every
    commit (migration 0014) — at most 16 rows read by the primary key, never a
    count of the profiles."""
    rows = ProfileCount.objects.all()
    if channel_id is not None:
        rows = rows.filter(channel_id=channel_id)
    return rows.aggregate(n=Sum("profiles"))["n"] or 0


def count(
    rule: dict, channel_id: int | None = None, now: datetime | None = None
) -> tuple[int, int]:
    """How many profiles a (normalized) rule matches — one count statement over
    the profiles, joined only to what the rule reads — and how many there are in
    scope (``scope_size``: no scan)."""
    now = now or timezone.now()
    condition, params = _condition(rule, channel_id, now)
    scope = "WHERE channel_id = %(channel)s" if channel_id is not None else ""
    # the settings, then the match and the scope size (≤ 16 rows by primary key,
    # see ``scope_size``) in one statement
    settings = settings_sql(
        jit=False,
        work_mem=WORK_MEM,
        parallel_workers=ONE_WORKER if has_purchase_condition(rule) else None,
    )
    count_sql = (
        f"SELECT (SELECT count(*) {from_clause(rule)} WHERE {condition}),"
        f' (SELECT COALESCE(sum(profiles), 0) FROM "{TABLES["profile_count"]}"'
        f" {scope})"
    )
    with connection.cursor() as cursor:
        if _one_message():
            # Both statements in one message (one round trip, no BEGIN / COMMIT):
            # PostgreSQL runs a multi-statement message as one transaction and
            # plans each statement just before running it, so the transaction-
            # local settings hold for the count and end with it (inside an outer
            # transaction they last until it ends, as before).
            cursor.execute(f"{settings}; {count_sql}", params)
            cursor.nextset()
            matched, total = cursor.fetchone()
        else:
            with transaction.atomic(using=connection.alias):
                cursor.execute(settings)
                cursor.execute(count_sql, params)
                matched, total = cursor.fetchone()
    return matched, int(total)


def _one_message() -> bool:
    """Whether several statements may travel in one message: psycopg 3's
    client-side binding cursors (Django's default) send a query with its
    parameters merged through PostgreSQL's simple protocol, which allows it;
    server-side binding (``OPTIONS: {"server_side_binding": True}``) does not."""
    return is_psycopg3 and not connection.settings_dict.get("OPTIONS", {}).get(
        "server_side_binding"
    )


_MATERIALIZE_SQL = """
WITH matched AS (
    SELECT p.id {from_} WHERE {condition}
),
gone AS (
    DELETE FROM "{segment_member}" m
    WHERE m.segment_id = %(segment)s {restrict}
      AND NOT EXISTS (SELECT 1 FROM matched WHERE matched.id = m.profile_id)
    RETURNING m.profile_id
),
came AS (
    INSERT INTO "{segment_member}" (segment_id, profile_id, entered_at)
    SELECT %(segment)s, id, %(now)s FROM matched
    ON CONFLICT (segment_id, profile_id) DO NOTHING
    RETURNING profile_id
),
events AS (
    INSERT INTO "{segment_event}" (segment_id, profile_id, kind, created_at)
    SELECT %(segment)s, profile_id, 'exit', %(now)s FROM gone
    UNION ALL
    SELECT %(segment)s, profile_id, 'enter', %(now)s FROM came
)
SELECT (SELECT count(*) FROM came), (SELECT count(*) FROM gone)
"""


def materialize(
    segment: Segment,
    now: datetime | None = None,
    *,
    profile_ids: list[int] | None = None,
) -> dict:
    """Bring the segment's stored members in line with its rule — all profiles,
    or only ``profile_ids`` (an order just changed them) — in one transaction,
    recording an ``enter`` / ``exit`` event per customer who moved. A static
    segment is a snapshot: materialized once (again only on ``refresh``)."""
    now = now or timezone.now()
    rule = rule_of(segment)
    condition, params = _condition(rule, segment.channel_id, now, profile_ids)
    restrict = "AND m.profile_id = ANY(%(profiles)s)" if profile_ids is not None else ""
    sql = _MATERIALIZE_SQL.format(
        from_=from_clause(rule), condition=condition, restrict=restrict, **TABLES
    )
    with transaction.atomic(), connection.cursor() as cursor:
        statement_settings(cursor, jit=False, work_mem=WORK_MEM)
        cursor.execute(sql, {**params, "segment": segment.pk, "now": now})
        entered, exited = cursor.fetchone()
        # the statement's triggers already added who came and went to the
        # stored count (migration 0014): read it, never recount the members
        cursor.execute(
            f'UPDATE "{TABLES["segment"]}" SET computed_at = %s'
            " WHERE id = %s RETURNING members_count",
            [now, segment.pk],
        )
        row = cursor.fetchone()
    members = row[0] if row else 0
    segment.members_count, segment.computed_at = members, now
    return {"entered": entered, "exited": exited, "members": members}


def refresh_for_profiles(profile_ids: list[int], now: datetime | None = None) -> int:
    """Fresh data: re-evaluate every dynamic segment for just these profiles (called
    after an order changed them). Returns the number of moves."""
    if not profile_ids:
        return 0
    moves = 0
    # in id order: the order in which the member triggers lock segments
    for segment in Segment.objects.filter(
        kind="dynamic", computed_at__isnull=False
    ).order_by("pk"):
        result = materialize(segment, now, profile_ids=profile_ids)
        moves += result["entered"] + result["exited"]
    return moves


# --- hand-picked members of a static segment ------------------------------------------

_ADD_SQL = """
WITH came AS (
    INSERT INTO "{segment_member}" (segment_id, profile_id, entered_at)
    SELECT %(segment)s, id, %(now)s FROM unnest(%(profiles)s::bigint[]) AS id
    ON CONFLICT (segment_id, profile_id) DO NOTHING
    RETURNING profile_id
),
events AS (
    INSERT INTO "{segment_event}" (segment_id, profile_id, kind, created_at)
    SELECT %(segment)s, profile_id, 'enter', %(now)s FROM came
)
SELECT count(*) FROM came
"""

_REMOVE_SQL = """
WITH gone AS (
    DELETE FROM "{segment_member}" m USING "{profile}" p
    WHERE m.segment_id = %(segment)s AND p.id = m.profile_id
      AND p.user_id = ANY(%(users)s)
    RETURNING m.profile_id
),
events AS (
    INSERT INTO "{segment_event}" (segment_id, profile_id, kind, created_at)
    SELECT %(segment)s, profile_id, 'exit', %(now)s FROM gone
)
SELECT count(*) FROM gone
"""


def _members_changed(cursor, segment: Segment, sql: str, params: dict) -> int:
    cursor.execute(sql.format(**TABLES), {**params, "segment": segment.pk})
    changed = cursor.fetchone()[0]
    # the member triggers (migration 0014) keep the stored count: read it
    cursor.execute(
        f'SELECT members_count FROM "{TABLES["segment"]}" WHERE id = %s',
        [segment.pk],
    )
    row = cursor.fetchone()
    segment.members_count = row[0] if row else 0
    return changed


def add_members(
    segment: Segment, user_ids: list[int], now: datetime | None = None
) -> tuple[int, list[int]]:
    """Add customers (Saleor user IDs) to a static segment by hand: their profiles
    in the segment's channel (every channel's when it has none) become members,
    each new one with an ``enter`` event, as materialization records them.
    Returns how many memberships were added and the customers without a profile
    in scope (no order in the channel yet), who are left out."""
    now = now or timezone.now()
    profiles = CustomerProfile.objects.filter(user_id__in=user_ids)
    if segment.channel_id is not None:
        profiles = profiles.filter(channel_id=segment.channel_id)
    rows = list(profiles.order_by("pk").values_list("pk", "user_id"))
    with_profile = {user_id for _pk, user_id in rows}
    skipped = [user_id for user_id in user_ids if user_id not in with_profile]
    if not rows:
        return 0, skipped
    with transaction.atomic(), connection.cursor() as cursor:
        added = _members_changed(
            cursor, segment, _ADD_SQL, {"profiles": [pk for pk, _ in rows], "now": now}
        )
    return added, skipped


def remove_members(
    segment: Segment, user_ids: list[int], now: datetime | None = None
) -> int:
    """Take customers (Saleor user IDs) out of a static segment: every membership
    of their profiles ends with an ``exit`` event. Returns how many ended."""
    now = now or timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        return _members_changed(
            cursor, segment, _REMOVE_SQL, {"users": list(user_ids), "now": now}
        )
