"""Celery tasks of item analytics (repurchase intervals, co-purchases), on
Saleor's Celery app. Their daily beat entries are set with the plugin's others
in ``saleor_crm_plugin/tasks.py`` (which imports this module so Saleor's
autodiscovery registers them). Task names are pinned."""

from __future__ import annotations

from saleor.celeryconf import app
from saleor.core.db.connection import allow_writer

from ..core.config import load_config
from . import copurchase, repurchase

INTERVALS_TASK = "saleor_crm_plugin.analytics.refresh_repurchase_intervals"
COPURCHASES_TASK = "saleor_crm_plugin.analytics.refresh_copurchases"


@app.task(name=INTERVALS_TASK)
def refresh_repurchase_intervals():
    """Daily: every channel's repurchase intervals per product and category."""
    with allow_writer():
        return repurchase.refresh()


@app.task(name=COPURCHASES_TASK)
def refresh_copurchases():
    """Daily: every channel's top co-purchases per product and category, with
    the window and the number kept per item of the plugin's settings."""
    with allow_writer():
        config = load_config()
        return copurchase.refresh(
            window_days=config.copurchase_window_days,
            top_k=config.copurchase_top_k,
        )
