"""Periodic loyalty work (Saleor layer), run by the plugin's Celery tasks: the tier
review, expired staff overrides, the mirror of tier and points into Saleor's
customer metadata, and expiry-warning candidates.

All of it is set-based SQL over chunks of memberships (by id), each chunk in its
own transaction, so memory stays flat and an interrupted run loses at most one
chunk. The review is resumable (a run keeps its start time and the last finished
chunk in ``SyncCursor``) and idempotent (a second run moves nobody).

Per member the review makes exactly the move ``loyalty.tiers.evaluate_tier(...,
at_review=True)`` would (``domain.tiers.decide``): upgrade when the figures of the
qualification window reach a higher tier, downgrade once the retention has run out,
nothing under an active override. The Saleor-tier tests compare the two.
``Membership.reviewed_at`` is the time of the review run that last moved a member."""

from __future__ import annotations

import json
import logging
import time
import uuid
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from ..core.sqltools import id_chunks, session_lock, statement_settings
from ..core.tables import TABLES
from ..domain.tiers import Window, WindowKind, add_months, override_active_sql
from ..models import (
    LoyaltyProgram,
    Membership,
    SyncCursor,
)
from .member_discount import on_tiers_changed_safely, sync_member_codes
from .metadata import mirror_loyalty_metadata
from .state import SINCE_EVER

logger = logging.getLogger(__name__)


REVIEW_KEY = "tier-review"


# PostgreSQL advisory lock held by a running review (one run at a time)
REVIEW_LOCK = int.from_bytes(b"crm-tier", "big")


_EXPIRE_OVERRIDES_SQL = """
WITH expired AS (
    SELECT m.id, m.override_tier_id, m.tier_id,
           COALESCE(ot.name, '') AS o_name, COALESCE(t.name, '') AS t_name
    FROM "{membership}" m
    LEFT JOIN "{tier}" ot ON ot.id = m.override_tier_id
    LEFT JOIN "{tier}" t ON t.id = m.tier_id
    WHERE m.program_id = %(program)s AND m.override_tier_id IS NOT NULL
      AND m.override_expires_at <= %(now)s
),
changes AS (
    INSERT INTO "{tier_change}" (membership_id, from_tier_id, to_tier_id, from_name,
                                 to_name, reason, note, created_at)
    SELECT id, override_tier_id, tier_id, o_name, t_name, 'override_expired', '',
           %(now)s
    FROM expired
)
UPDATE "{membership}" m
SET override_tier_id = NULL, override_reason = '', override_expires_at = NULL,
    updated_at = %(now)s
FROM expired e WHERE m.id = e.id
RETURNING m.id
"""


_REVIEW_SQL = (
    """
WITH scope AS (
    SELECT m.id, m.user_id, m.tier_id, m.retained_until,
           cur.rank AS cur_rank, cur.name AS cur_name
    FROM "{membership}" m
    LEFT JOIN "{tier}" cur ON cur.id = m.tier_id
    WHERE m.program_id = %(program)s AND m.id > %(after)s AND m.id <= %(upto)s
      AND NOT """
    + override_active_sql("m")
    + """
),
spend AS (
    SELECT p.user_id,
           SUM(co.total_amount) AS spent, SUM(co.refunded_amount) AS refunded,
           COUNT(*) FILTER (WHERE NOT (co.refunded_amount >= co.total_amount
                                       AND co.total_amount > 0)) AS paid
    FROM "{profile}" p
    JOIN "{corder}" co ON co.profile_id = p.id
    WHERE p.channel_id = %(channel)s AND p.user_id IN (SELECT user_id FROM scope)
      AND co.paid_at IS NOT NULL AND co.paid_at <= %(now)s
      AND co.paid_at >= %(start)s AND NOT co.cancelled AND co.currency = %(currency)s
    GROUP BY p.user_id
),
earned AS (
    SELECT e.membership_id, SUM(e.points) AS points
    FROM "{points}" e
    WHERE e.membership_id IN (SELECT id FROM scope)
      AND e.award_id IS NULL AND e.points > 0
      AND e.created_at <= %(now)s AND e.created_at >= %(start)s
    GROUP BY e.membership_id
),
fig AS (
    SELECT s.id,
           GREATEST(COALESCE(o.spent, 0) - COALESCE(o.refunded, 0), 0) AS spend,
           COALESCE(o.paid, 0) AS paid_orders,
           COALESCE(pe.points, 0) AS points
    FROM scope s
    LEFT JOIN spend o ON o.user_id = s.user_id
    LEFT JOIN earned pe ON pe.membership_id = s.id
),
qual AS (
    SELECT DISTINCT ON (f.id) f.id, t.id AS q_id, t.rank AS q_rank, t.name AS q_name
    FROM fig f
    LEFT JOIN "{tier}" t ON t.program_id = %(program)s
         AND CASE t.metric WHEN 'spend' THEN f.spend
                           WHEN 'paid_orders' THEN f.paid_orders
                           ELSE f.points END >= t.threshold
    ORDER BY f.id, t.rank DESC NULLS LAST
),
moves AS (
    SELECT s.id, s.tier_id AS from_id, COALESCE(s.cur_name, '') AS from_name,
           q.q_id AS to_id, COALESCE(q.q_name, '') AS to_name,
           CASE WHEN COALESCE(q.q_rank, -1) > COALESCE(s.cur_rank, -1)
                THEN 'qualified' ELSE 'review' END AS reason
    FROM qual q JOIN scope s ON s.id = q.id
    WHERE COALESCE(q.q_rank, -1) > COALESCE(s.cur_rank, -1)
       OR (COALESCE(s.cur_rank, -1) > COALESCE(q.q_rank, -1)
           AND (s.retained_until IS NULL OR s.retained_until <= %(now)s))
),
changes AS (
    INSERT INTO "{tier_change}" (membership_id, from_tier_id, to_tier_id, from_name,
                                 to_name, reason, note, created_at)
    SELECT id, from_id, to_id, from_name, to_name, reason, '', %(now)s FROM moves
    RETURNING membership_id, reason
),
moved AS (
    UPDATE "{membership}" m
    SET reviewed_at = %(run)s, tier_id = mv.to_id, tier_since = %(now)s,
        retained_until = CASE WHEN mv.reason = 'qualified' THEN %(retain)s END,
        updated_at = %(now)s
    FROM moves mv
    WHERE m.id = mv.id
)
SELECT (SELECT count(*) FROM scope) + (
           SELECT count(*) FROM "{membership}" m
           WHERE m.program_id = %(program)s AND m.id > %(after)s AND m.id <= %(upto)s
             AND """
    + override_active_sql("m")
    + """),
       (SELECT json_agg(json_build_array(membership_id, reason)) FROM changes)
"""
)


def review_tiers(now: datetime | None = None, *, chunk: int = 10_000) -> dict:
    """The periodic tier review of every member of every active program.

    Each chunk of members (by id) commits with its progress, kept in
    ``SyncCursor`` (key ``tier-review:<program id>``: the run's start time and the
    last id done), so an interrupted run resumes after the last finished chunk and
    as of its own start. One run at a time (advisory lock): a run started while
    another is under way returns ``skipped``. Returns counts and the seconds it
    took."""
    started = time.perf_counter()
    with _review_lock() as locked:
        if not locked:
            logger.info("CRM: tier review already running elsewhere; skipped")
            return {
                "reviewed": 0,
                "upgraded": 0,
                "downgraded": 0,
                "overrides_expired": 0,
                "skipped": True,
                "seconds": round(time.perf_counter() - started, 3),
            }
        result = _review(now, chunk)
    result["seconds"] = round(time.perf_counter() - started, 3)
    return result


def _review_lock():
    """The tier review's session lock (``core.sqltools.session_lock``): a second
    review started while one runs returns at once."""
    return session_lock("tier review", REVIEW_LOCK)


def _review(now: datetime | None, chunk: int) -> dict:
    run_row = SyncCursor.objects.filter(key=REVIEW_KEY).first()
    if run_row is not None:
        run = run_row.value  # an interrupted run: finish it as of its start
    else:
        run = now or timezone.now()
        SyncCursor.objects.create(key=REVIEW_KEY, value=run)
    result = {
        "reviewed": 0,
        "upgraded": 0,
        "downgraded": 0,
        "overrides_expired": 0,
        "run_at": run.isoformat(),
    }
    sql = _REVIEW_SQL.format(**TABLES)
    for program in LoyaltyProgram.objects.select_related("channel").filter(
        is_active=True
    ):
        progress, _ = SyncCursor.objects.get_or_create(
            key=f"{REVIEW_KEY}:{program.pk}", defaults={"value": run}
        )
        done_upto = progress.last_id.int if progress.last_id else None
        result["enrolled"] = result.get("enrolled", 0) + enrol_customers(program, run)
        expired = _expire_overrides(program, run)
        result["overrides_expired"] += len(expired)
        _after_changes(expired)
        start = Window(
            WindowKind(program.window_kind), program.window_months, program.time_zone
        ).start(run)
        params = {
            "program": program.pk,
            "channel": program.channel_id,
            "currency": program.channel.currency_code,
            "now": run,
            "run": run,
            "start": start or SINCE_EVER,
            "retain": add_months(run, program.review_period_months),
        }
        members = Membership.objects.filter(program=program)
        if done_upto is not None:
            members = members.filter(id__gt=done_upto)
        for after, upto in id_chunks(members, chunk):
            with transaction.atomic(), connection.cursor() as cursor:
                statement_settings(cursor, jit=False)
                cursor.execute(sql, {**params, "after": after, "upto": upto})
                reviewed, changes = cursor.fetchone()
                if isinstance(changes, str):
                    changes = json.loads(changes)
                changes = changes or []
                # members' codes, and the progress, commit with the chunk's moves
                _sync_codes([member_id for member_id, _ in changes], run)
                progress.last_id = uuid.UUID(int=upto)
                progress.save(update_fields=["last_id"])
            result["reviewed"] += reviewed
            result["upgraded"] += sum(1 for _, why in changes if why == "qualified")
            result["downgraded"] += sum(1 for _, why in changes if why == "review")
            _after_changes([member_id for member_id, _ in changes])
    SyncCursor.objects.filter(key__startswith=REVIEW_KEY).delete()  # run complete
    return result


_ENROL_SQL = """
INSERT INTO "{membership}" (program_id, user_id, override_reason, voucher_code,
                            mirrored_tier, created_at, updated_at)
SELECT %(program)s, p.user_id, '', '', '', %(now)s, %(now)s
FROM "{profile}" p
WHERE p.channel_id = %(channel)s AND p.user_id IS NOT NULL AND p.paid_orders_count > 0
  AND NOT EXISTS (SELECT 1 FROM "{membership}" m
                  WHERE m.program_id = %(program)s AND m.user_id = p.user_id)
ON CONFLICT DO NOTHING
"""


def enrol_customers(program: LoyaltyProgram, now: datetime) -> int:
    """Make every account holder with a paid order in the channel a member (orders
    from before the program, or imported by ``crm_backfill``), so the review places
    them on the ladder. Points are not awarded retroactively."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            _ENROL_SQL.format(**TABLES),
            {"program": program.pk, "channel": program.channel_id, "now": now},
        )
        return cursor.rowcount


def _expire_overrides(program: LoyaltyProgram, now: datetime) -> list[int]:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            _EXPIRE_OVERRIDES_SQL.format(**TABLES),
            {"program": program.pk, "now": now},
        )
        expired = [row[0] for row in cursor.fetchall()]
        _sync_codes(expired, now)
        return expired


def _sync_codes(membership_ids: list[int], now: datetime) -> None:
    """Moved members' codes follow in the move's transaction (a member entering a
    tier with a discount gets one)."""
    if membership_ids:
        sync_member_codes(membership_ids, now)


def _after_changes(membership_ids: list[int]) -> None:
    """Committed tier moves: member codes follow at once (checkout discounts depend
    on them); the metadata mirror, a display copy, is handed to a worker."""
    if not membership_ids:
        return

    on_tiers_changed_safely(membership_ids)
    try:
        mirror_loyalty_metadata.delay(membership_ids)
    except Exception:  # noqa: BLE001 - broker down: the hourly mirror catches up
        logger.warning("CRM: metadata mirror not enqueued after a tier review chunk")


_WARN_SQL = """
INSERT INTO "{warning}" (membership_id, expires_on, points, created_at)
SELECT a.membership_id, (a.expires_at AT TIME ZONE p.time_zone)::date,
       SUM(left_over.n), %(now)s
FROM "{points}" a
JOIN "{membership}" m ON m.id = a.membership_id
JOIN "{program}" p ON p.id = m.program_id AND p.is_active
CROSS JOIN LATERAL (
    SELECT a.points + COALESCE(SUM(t.points), 0) AS n
    FROM "{points}" t WHERE t.award_id = a.id
) left_over
WHERE a.award_id IS NULL AND a.points > 0 AND left_over.n > 0
  AND a.expires_at > %(now)s
  AND a.expires_at <= %(now)s + make_interval(days => p.expiry_warning_days)
GROUP BY a.membership_id, (a.expires_at AT TIME ZONE p.time_zone)::date
ON CONFLICT (membership_id, expires_on) DO NOTHING
"""


def warn_expiring(now: datetime | None = None) -> int:
    """Record members whose points expire within their program's warning period
    (one row per member and expiry day, in the program's time zone) for the
    merchant's messaging to pick up. Idempotent."""
    now = now or timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_WARN_SQL.format(**TABLES), {"now": now})
        return cursor.rowcount
