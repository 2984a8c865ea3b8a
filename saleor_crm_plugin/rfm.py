"""RFM recompute on the CRM profiles (Saleor layer): one set-based statement per
channel scores every customer with a paid order (recency: days since the last paid
order, frequency: paid orders, monetary: net spent), names their group, writes the
rows whose scores or group changed, and records this period's movement between
groups. Customers without a paid order are left unscored. Rules: ``domain.rfm``.
"""

from __future__ import annotations

from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from .domain.rfm import group_case_sql, validate_thresholds
from .models import RfmMovement, RfmSettings
from .tables import db_tables

_QUANTILE = (
    "LEAST(5, 1 + floor(5 * percent_rank() OVER (ORDER BY {expr})))::int"
)


def _threshold(expr: str, name: str, *, lower_is_better: bool) -> str:
    passed = " + ".join(f"({expr} >= %({name}{k})s)::int" for k in range(4))
    return f"(5 - ({passed}))" if lower_is_better else f"(1 + {passed})"


_RECOMPUTE_SQL = """
WITH base AS (
    SELECT p.id, p.rfm_recency, p.rfm_frequency, p.rfm_monetary, p.rfm_group,
           EXTRACT(EPOCH FROM (%(now)s - p.last_paid_at)) / 86400 AS days,
           p.paid_orders_count AS freq, p.net_spent_amount AS money
    FROM "{profile}" p
    WHERE p.channel_id = %(channel)s AND p.paid_orders_count > 0
      AND p.last_paid_at IS NOT NULL
),
scored AS (
    SELECT id, rfm_recency, rfm_frequency, rfm_monetary, rfm_group,
           {r} AS r, {f} AS f, {m} AS m
    FROM base
),
grouped AS (
    SELECT *, {group_case} AS grp FROM scored
),
moves AS (
    INSERT INTO "{movement}" (channel_id, computed_at, from_group, to_group, customers)
    SELECT %(channel)s, %(now)s, rfm_group, grp, count(*)
    FROM grouped GROUP BY rfm_group, grp
),
changed AS (
    UPDATE "{profile}" p
    SET rfm_recency = g.r, rfm_frequency = g.f, rfm_monetary = g.m,
        rfm_group = g.grp, rfm_computed_at = %(now)s
    FROM grouped g
    WHERE p.id = g.id
      AND (g.rfm_recency, g.rfm_frequency, g.rfm_monetary, g.rfm_group)
          IS DISTINCT FROM (g.r, g.f, g.m, g.grp)
    RETURNING 1
),
cleared AS (
    UPDATE "{profile}" p
    SET rfm_recency = NULL, rfm_frequency = NULL, rfm_monetary = NULL,
        rfm_group = '', rfm_computed_at = %(now)s
    WHERE p.channel_id = %(channel)s AND p.rfm_group <> ''
      AND (p.paid_orders_count = 0 OR p.last_paid_at IS NULL)
    RETURNING 1
)
SELECT (SELECT count(*) FROM base), (SELECT count(*) FROM changed),
       (SELECT count(*) FROM cleared)
"""


def recompute(channel_id: int, now: datetime | None = None) -> dict:
    """Score and group a channel's customers as of ``now``. Idempotent for the
    same ``now`` and data (a second run writes no profile; it records the period's
    movement again only if called for a new ``now``)."""
    now = now or timezone.now()
    settings = RfmSettings.objects.filter(channel_id=channel_id).first()
    params: dict = {"channel": channel_id, "now": now}
    if settings is not None and settings.method == "thresholds":
        r = _threshold("days", "r", lower_is_better=True)
        f = _threshold("freq", "f", lower_is_better=False)
        m = _threshold("money", "m", lower_is_better=False)
        for prefix, values in (("r", settings.recency_days), ("f", settings.frequency),
                               ("m", settings.monetary)):
            params.update({f"{prefix}{k}": v for k, v in enumerate(values)})
    else:
        # fewer days since the last paid order ranks higher
        r = _QUANTILE.format(expr="days DESC")
        f = _QUANTILE.format(expr="freq")
        m = _QUANTILE.format(expr="money")
    sql = _RECOMPUTE_SQL.format(
        r=r, f=f, m=m, group_case=group_case_sql("r", "f", "m"),
        movement=RfmMovement._meta.db_table, **db_tables())
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        if RfmMovement.objects.filter(channel_id=channel_id, computed_at=now).exists():
            return {"scored": 0, "changed": 0, "cleared": 0, "skipped": True}
        cursor.execute(sql, params)
        scored, changed, cleared = cursor.fetchone()
    return {"scored": scored, "changed": changed, "cleared": cleared}


def save_settings(channel, method: str, recency_days=None, frequency=None,
                  monetary=None) -> RfmSettings:
    """Store a channel's scoring method; boundaries are required for
    ``thresholds`` and validated (:class:`domain.rfm.RfmError`)."""
    from .domain.rfm import RfmError

    if method not in ("quantiles", "thresholds"):
        raise RfmError("method", "Use quantiles or thresholds.")
    values = {"recency_days": [], "frequency": [], "monetary": []}
    if method == "thresholds":
        values = {
            "recency_days": validate_thresholds("recency_days", recency_days),
            "frequency": validate_thresholds("frequency", frequency),
            "monetary": validate_thresholds("monetary", monetary),
        }
    settings, _ = RfmSettings.objects.update_or_create(
        channel=channel, defaults={"method": method, **values,
                                   "updated_at": timezone.now()})
    return settings
