"""RFM recompute on the CRM profiles (Saleor layer): one set-based statement per
channel scores every customer with a paid order (recency: days since the last paid
order, frequency: paid orders, monetary: net spent), names their group, writes the
scores whose values or group changed into the narrow ``RfmScore`` table (insert or
update, never the wide profile row), deletes the scores of customers left without a
paid order, and records this period's movement between groups. Rules:
``domain.rfm``."""

from __future__ import annotations

from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from ..core.sqltools import statement_settings
from ..core.tables import TABLES
from ..core.validation import first_column_problem
from ..domain.rfm import RfmError, group_case_sql, validate_thresholds
from ..models import RfmMovement, RfmSettings

_QUANTILE = "LEAST(5, 1 + floor(5 * percent_rank() OVER (ORDER BY {expr})))::int"


def _threshold(expr: str, name: str, *, lower_is_better: bool) -> str:
    passed = " + ".join(f"({expr} >= %({name}{k})s)::int" for k in range(4))
    return f"(5 - ({passed}))" if lower_is_better else f"(1 + {passed})"


_RECOMPUTE_SQL = """
WITH base AS (
    SELECT p.id, s.recency AS old_r, s.frequency AS old_f, s.monetary AS old_m,
           s.group_name AS old_group,
           EXTRACT(EPOCH FROM (%(now)s - p.last_paid_at)) / 86400 AS days,
           p.paid_orders_count AS freq, p.net_spent_amount AS money
    FROM "{profile}" p
    LEFT JOIN "{rfm_score}" s ON s.profile_id = p.id
    WHERE p.channel_id = %(channel)s AND p.paid_orders_count > 0
      AND p.last_paid_at IS NOT NULL
),
scored AS (
    SELECT id, old_r, old_f, old_m, old_group, {r} AS r, {f} AS f, {m} AS m
    FROM base
),
grouped AS (
    SELECT *, {group_case} AS grp FROM scored
),
moves AS (
    INSERT INTO "{rfm_movement}" (channel_id, computed_at, from_group, to_group, customers)
    SELECT %(channel)s, %(now)s, COALESCE(old_group, ''), grp, count(*)
    FROM grouped GROUP BY old_group, grp
),
changed AS (
    INSERT INTO "{rfm_score}" AS s (profile_id, channel_id, recency, frequency, monetary,
                                group_name, computed_at)
    SELECT id, %(channel)s, r, f, m, grp, %(now)s FROM grouped
    WHERE (old_r, old_f, old_m, old_group) IS DISTINCT FROM (r, f, m, grp)
    ON CONFLICT (profile_id) DO UPDATE
    SET recency = EXCLUDED.recency, frequency = EXCLUDED.frequency,
        monetary = EXCLUDED.monetary, group_name = EXCLUDED.group_name,
        computed_at = EXCLUDED.computed_at
    RETURNING 1
),
cleared AS (
    -- scored before, no paid order now (one hashed anti-join, not a lookup each)
    DELETE FROM "{rfm_score}" s
    WHERE s.channel_id = %(channel)s
      AND NOT EXISTS (SELECT 1 FROM base WHERE base.id = s.profile_id)
    RETURNING 1
)
SELECT (SELECT count(*) FROM base), (SELECT count(*) FROM changed),
       (SELECT count(*) FROM cleared)
"""


def recompute(channel_id: int, now: datetime | None = None) -> dict:
    """Score and group a channel's customers as of ``now``. Idempotent for the
    same ``now`` and data (a second run with the same ``now`` is skipped; one for a
    new ``now`` records that period's movement and writes only the scores that
    changed)."""
    now = now or timezone.now()
    settings = RfmSettings.objects.filter(channel_id=channel_id).first()
    params: dict = {"channel": channel_id, "now": now}
    if settings is not None and settings.method == "thresholds":
        r = _threshold("days", "r", lower_is_better=True)
        f = _threshold("freq", "f", lower_is_better=False)
        m = _threshold("money", "m", lower_is_better=False)
        for prefix, values in (
            ("r", settings.recency_days),
            ("f", settings.frequency),
            ("m", settings.monetary),
        ):
            params.update({f"{prefix}{k}": v for k, v in enumerate(values)})
    else:
        # fewer days since the last paid order ranks higher
        r = _QUANTILE.format(expr="days DESC")
        f = _QUANTILE.format(expr="freq")
        m = _QUANTILE.format(expr="money")
    sql = _RECOMPUTE_SQL.format(
        r=r,
        f=f,
        m=m,
        group_case=group_case_sql("r", "f", "m"),
        **TABLES,
    )
    with transaction.atomic(), connection.cursor() as cursor:
        # the three window sorts and the hashes over every scored customer stay in
        # memory (the default 4MB spills a million rows to disk several times)
        statement_settings(cursor, jit=False, work_mem="256MB")
        if RfmMovement.objects.filter(channel_id=channel_id, computed_at=now).exists():
            return {"scored": 0, "changed": 0, "cleared": 0, "skipped": True}
        cursor.execute(sql, params)
        scored, changed, cleared = cursor.fetchone()
    return {"scored": scored, "changed": changed, "cleared": cleared}


def save_settings(
    channel, method: str, recency_days=None, frequency=None, monetary=None
) -> RfmSettings:
    """Store a channel's scoring method; boundaries are required for
    ``thresholds`` and validated (:class:`domain.rfm.RfmError`)."""

    if method not in ("quantiles", "thresholds"):
        raise RfmError("method", "Use quantiles or thresholds.")
    values = {"recency_days": [], "frequency": [], "monetary": []}
    if method == "thresholds":
        values = {
            "recency_days": validate_thresholds("recency_days", recency_days),
            "frequency": validate_thresholds("frequency", frequency),
            "monetary": validate_thresholds("monetary", monetary),
        }
        # boundaries the columns cannot hold as typed are refused, never rounded

        problem = first_column_problem(RfmSettings, values)
        if problem:
            raise RfmError(*problem)
    settings, _ = RfmSettings.objects.update_or_create(
        channel=channel,
        defaults={"method": method, **values, "updated_at": timezone.now()},
    )
    return settings
