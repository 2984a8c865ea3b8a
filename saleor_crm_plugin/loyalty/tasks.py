"""Periodic loyalty work run by Celery beat: the tier review, points maturing and
expiring (then mirrored into customer metadata), and expiry warnings. Task names
are pinned (``saleor_crm_plugin.tasks.*``)."""

from __future__ import annotations

from saleor.celeryconf import app
from saleor.core.db.connection import allow_writer

from .ledger import expire_points
from .metadata import mirror_metadata
from .periodic import review_tiers, warn_expiring


@app.task(name="saleor_crm_plugin.tasks.review_loyalty_tiers")
def review_loyalty_tiers():
    """Daily tier review (downgrades after retention, missed upgrades, expired
    overrides); resumes an interrupted run."""

    with allow_writer():
        return review_tiers()


@app.task(name="saleor_crm_plugin.tasks.mature_and_expire_points")
def mature_and_expire_points():
    """Hourly: write what is left of awards past their expiry date, then mirror
    tier and available points (matured or expired since) into customer metadata."""

    with allow_writer():
        expired = expire_points()
        return {"expired": expired, "mirrored": mirror_metadata()}


@app.task(name="saleor_crm_plugin.tasks.warn_expiring_points")
def warn_expiring_points():
    """Daily: members with points expiring soon, for the merchant's messaging."""

    with allow_writer():
        return warn_expiring()
