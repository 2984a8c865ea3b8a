"""Segments on the CRM tables (Saleor layer): live counts of a rule, and the
set-based materialization of a segment's members with their entry and exit events.

The rule is validated and compiled by ``domain.segments`` (values only ever travel
as query parameters). Profiles are the customer-per-channel rows of
``CustomerProfile`` (accounts and guests); a segment without a channel spans all.
"""

from __future__ import annotations

from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from .domain.segments import (
    compile_sql,
    has_purchase_condition,
    normalize,
    preset_rule,
)
from .models import CustomerOrder, Segment, SegmentMember
from .tables import db_tables

FROM = (
    'FROM "{profile}" p JOIN channel_channel c ON c.id = p.channel_id '
    'LEFT JOIN "{user}" u ON u.id = p.user_id'
)


# a purchase condition groups up to a few hundred thousand facts by customer: its
# hash table stays in memory (the default 4MB spills it to disk in batches)
WORK_MEM = "SET LOCAL work_mem = '64MB'"


# Every process of a parallel plan builds a purchase condition's grouped facts
# for itself: the leader and PostgreSQL's default two workers build them three
# times, which on a two-core database server costs more than the third process
# saves on the scan of the profiles (1M profiles, five conditions, measured on
# 2 cores: ~450 ms with two workers, ~375 ms with one; a rule without purchase
# conditions ran the same either way). The live count therefore asks for at most
# one worker when its rule has a purchase condition — lowering the server's
# setting, never raising it (0 stays 0).
ONE_WORKER = ("SELECT set_config('max_parallel_workers_per_gather', LEAST("
              "current_setting('max_parallel_workers_per_gather')::int, 1)::text,"
              " true)")


def rule_of(segment: Segment) -> dict:
    if segment.preset:
        return preset_rule(segment.preset, segment.preset_params)
    return normalize(segment.rule)


def _condition(rule: dict, channel_id: int | None, now: datetime,
               profile_ids: list[int] | None = None) -> tuple[str, list]:
    # a few named profiles: purchase conditions count their own order rows
    condition, params = compile_sql(rule, now, CustomerOrder._meta.db_table,
                                    db_tables(), per_profile=profile_ids is not None)
    scope, scope_params = [], []
    if channel_id is not None:
        scope.append("p.channel_id = %s")
        scope_params.append(channel_id)
    if profile_ids is not None:
        scope.append("p.id = ANY(%s)")
        scope_params.append(list(profile_ids))
    return " AND ".join([*scope, condition]), [*scope_params, *params]


def count(rule: dict, channel_id: int | None = None,
          now: datetime | None = None) -> tuple[int, int]:
    """How many profiles a (normalized) rule matches, and how many there are in
    scope — two count statements in one transaction."""
    now = now or timezone.now()
    condition, params = _condition(rule, channel_id, now)
    from_ = FROM.format(**db_tables())
    # two statements, each planned for itself: the match (where the purchase
    # conditions become hashed sub-selects) and the scope's size (an index count)
    scope = "WHERE p.channel_id = %s" if channel_id is not None else ""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(WORK_MEM)
        if has_purchase_condition(rule):
            cursor.execute(ONE_WORKER)
        cursor.execute(f"SELECT count(*) {from_} WHERE {condition}", params)
        matched = cursor.fetchone()[0]
        cursor.execute(f'SELECT count(*) FROM "{db_tables()["profile"]}" p {scope}',
                       [channel_id] if channel_id is not None else [])
        total = cursor.fetchone()[0]
    return matched, total


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


def materialize(segment: Segment, now: datetime | None = None, *,
                profile_ids: list[int] | None = None) -> dict:
    """Bring the segment's stored members in line with its rule — all profiles,
    or only ``profile_ids`` (an order just changed them) — in one transaction,
    recording an ``enter`` / ``exit`` event per customer who moved. A static
    segment is a snapshot: materialized once (again only on ``refresh``)."""
    now = now or timezone.now()
    rule = rule_of(segment)
    condition, params = _condition(rule, segment.channel_id, now, profile_ids)
    # psycopg's %(name)s and %s cannot be mixed: name the compiled parameters
    named = {f"p{i}": value for i, value in enumerate(params)}
    for i in range(len(params)):
        condition = condition.replace("%s", f"%(p{i})s", 1)
    restrict = "AND m.profile_id = ANY(%(only)s)" if profile_ids is not None else ""
    sql = _MATERIALIZE_SQL.format(
        from_=FROM.format(**db_tables()), condition=condition, restrict=restrict,
        **db_tables())
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(WORK_MEM)
        cursor.execute(sql, {**named, "segment": segment.pk, "now": now,
                             "only": list(profile_ids or [])})
        entered, exited = cursor.fetchone()
        members = SegmentMember.objects.filter(segment=segment).count()
        Segment.objects.filter(pk=segment.pk).update(
            members_count=members, computed_at=now)
    segment.members_count, segment.computed_at = members, now
    return {"entered": entered, "exited": exited, "members": members}


def refresh_for_profiles(profile_ids: list[int], now: datetime | None = None) -> int:
    """Fresh data: re-evaluate every dynamic segment for just these profiles (called
    after an order changed them). Returns the number of moves."""
    if not profile_ids:
        return 0
    moves = 0
    for segment in Segment.objects.filter(kind="dynamic", computed_at__isnull=False):
        result = materialize(segment, now, profile_ids=profile_ids)
        moves += result["entered"] + result["exited"]
    return moves
