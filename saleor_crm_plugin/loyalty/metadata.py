"""The mirror of each member's tier and available points into Saleor's customer
metadata (the keys the program names), so storefronts and Saleor's own filters can
read them without the plugin's API. Set-based, chunked by membership id; the task
that mirrors members moved by the tier review lives here beside the function it
runs."""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone
from saleor.celeryconf import app
from saleor.core.db.connection import allow_writer

from ..core.sqltools import id_chunks, statement_settings
from ..core.tables import TABLES
from ..domain.tiers import effective_tier_sql
from ..models import Membership

logger = logging.getLogger(__name__)


_MIRROR_SQL = (
    """
WITH m AS (
    SELECT m.id, m.user_id, m.mirrored_tier, m.mirrored_points,
           COALESCE(NULLIF(p.metadata_tier_key, ''), 'crm.' || c.slug || '.tier')
             AS tier_key,
           COALESCE(NULLIF(p.metadata_points_key, ''), 'crm.' || c.slug || '.points')
             AS points_key,
           COALESCE(CASE WHEN p.is_active THEN """
    + effective_tier_sql("m", earned="t.name", override="ot.name")
    + """ END, '') AS tier_name
    FROM "{membership}" m
    JOIN "{program}" p ON p.id = m.program_id
    JOIN "{channel}" c ON c.id = p.channel_id
    LEFT JOIN "{tier}" t ON t.id = m.tier_id
    LEFT JOIN "{tier}" ot ON ot.id = m.override_tier_id
    WHERE {scope}
),
cur AS (
    SELECT m.*, COALESCE((
        SELECT SUM(a.points + COALESCE((SELECT SUM(x.points) FROM "{points}" x
                                        WHERE x.award_id = a.id), 0))
        FROM "{points}" a
        WHERE a.membership_id = m.id AND a.award_id IS NULL AND a.points > 0
          AND a.available_at <= %(now)s
          AND (a.expires_at IS NULL OR a.expires_at > %(now)s)
    ), 0)::int AS points
    FROM m
),
changed AS (
    SELECT * FROM cur
    WHERE tier_name IS DISTINCT FROM mirrored_tier OR points IS DISTINCT FROM mirrored_points
),
users AS (
    UPDATE "{user}" u
    SET metadata = COALESCE(u.metadata, '{{}}'::jsonb) || kv.pairs
    FROM (
        SELECT user_id,
               jsonb_object_agg(tier_key, tier_name)
                 || jsonb_object_agg(points_key, points::text) AS pairs
        FROM changed GROUP BY user_id
    ) kv
    WHERE u.id = kv.user_id
    RETURNING u.id
)
UPDATE "{membership}" m
SET mirrored_tier = ch.tier_name, mirrored_points = ch.points
FROM changed ch WHERE m.id = ch.id
RETURNING m.id
"""
)


def mirror_metadata(
    membership_ids: list[int] | None = None,
    *,
    chunk: int = 5000,
    now: datetime | None = None,
) -> int:
    """Write each member's tier name and available points into Saleor's customer
    metadata (``User.metadata``) under the program's keys — only for members whose
    values changed since the last mirror; other metadata keys are left as they are.
    ``None``: every member (points mature and expire with time). Returns the number
    of members written."""
    now = now or timezone.now()
    written = 0
    if membership_ids is not None:
        ids = sorted(set(membership_ids))
        batches = [ids[i : i + chunk] for i in range(0, len(ids), chunk)]
        scope, key = "m.id = ANY(%(ids)s)", "ids"
    else:
        batches = list(id_chunks(Membership.objects.all(), chunk))
        scope, key = "m.id > %(after)s AND m.id <= %(upto)s", "range"
    sql = _MIRROR_SQL.format(scope=scope, **TABLES)
    for batch in batches:
        params = {"now": now}
        if key == "ids":
            params["ids"] = batch
        else:
            params["after"], params["upto"] = batch
        with transaction.atomic(), connection.cursor() as cursor:
            statement_settings(cursor, jit=False)
            cursor.execute(sql, params)
            written += cursor.rowcount
    return written


def mirror_safely(membership_ids: list[int]) -> None:
    """Mirror tier and points into Saleor's customer metadata after the order's
    commit; a failure is logged (the hourly mirror catches up)."""

    try:
        mirror_metadata(membership_ids)
    except Exception:  # noqa: BLE001
        logger.exception("CRM: metadata mirror failed")


@app.task(
    name="saleor_crm_plugin.tasks.mirror_loyalty_metadata",
    bind=True,
    max_retries=5,
    autoretry_for=(Exception,),
    retry_backoff=5,
)
def mirror_loyalty_metadata(self, membership_ids: list[int]):
    """Mirror tier and points of members whose tier the review just moved."""

    with allow_writer():
        return mirror_metadata(membership_ids)
