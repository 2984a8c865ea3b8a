"""Periodic segment work: the refresh of dynamic segments (what time changes) and
the daily RFM recompute. Task names are pinned (``saleor_crm_plugin.tasks.*``)."""

from __future__ import annotations

import logging

from saleor.celeryconf import app
from saleor.core.db.connection import allow_writer

from ..models import CustomerProfile, Segment
from .membership import materialize
from .rfm import recompute

logger = logging.getLogger(__name__)


@app.task(name="saleor_crm_plugin.tasks.refresh_segments")
def refresh_segments():
    """Every 15 minutes: recompute dynamic segments (what the passing of time
    changes, e.g. "90 days without an order"); each segment in its own
    transaction."""

    with allow_writer():
        done = 0
        for segment in Segment.objects.filter(kind="dynamic"):
            try:
                materialize(segment)
                done += 1
            except Exception:  # noqa: BLE001 - one bad segment must not stop the rest
                logger.exception("CRM: segment %s not refreshed", segment.pk)
        return done


@app.task(name="saleor_crm_plugin.tasks.recompute_rfm")
def recompute_rfm():
    """Daily: RFM scores and groups of every channel that has customers."""

    with allow_writer():
        channels = CustomerProfile.objects.values_list(
            "channel_id", flat=True
        ).distinct()
        return {channel_id: recompute(channel_id) for channel_id in channels}
