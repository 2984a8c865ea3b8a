"""The plugin's Celery tasks, registered on Saleor's own Celery app
(``saleor.celeryconf.app`` autodiscovers ``<app>.tasks`` of every installed app).

Each area owns its tasks (``pipeline.apply``/``pipeline.tasks``, ``loyalty.tasks``,
``loyalty.metadata``, ``segments.tasks``, ``coupons.tasks``, ``coupons.delivery``,
``coupons.messaging``,
``analytics.tasks_items``);
this module imports them so the worker registers them all, and sets the beat
schedule. Every task keeps its name from before the split (``name=`` pinned), so
messages queued during an upgrade still run."""

from __future__ import annotations

from celery.schedules import crontab
from saleor.celeryconf import app

from .analytics.tasks_items import refresh_copurchases, refresh_repurchase_intervals
from .coupons.delivery import deliver_coupons_task
from .coupons.messaging import send_coupon_messages_task
from .coupons.tasks import run_coupon_rules
from .loyalty.metadata import mirror_loyalty_metadata
from .loyalty.tasks import (
    mature_and_expire_points,
    review_loyalty_tiers,
    warn_expiring_points,
)
from .pipeline.apply import link_account_task, process_order_events
from .pipeline.tasks import (
    process_pending_events,
    reconcile_orders,
    retry_hook_failures,
)
from .segments.tasks import recompute_rfm, refresh_segments

# every task of the plugin, for the worker's registry (and one place to find them)
__all__ = [
    "deliver_coupons_task",
    "link_account_task",
    "mature_and_expire_points",
    "mirror_loyalty_metadata",
    "process_order_events",
    "process_pending_events",
    "recompute_rfm",
    "reconcile_orders",
    "refresh_copurchases",
    "refresh_repurchase_intervals",
    "refresh_segments",
    "retry_hook_failures",
    "review_loyalty_tiers",
    "run_coupon_rules",
    "send_coupon_messages_task",
    "warn_expiring_points",
]


@app.on_after_finalize.connect
def _register_periodic_tasks(sender, **kwargs):
    sender.add_periodic_task(
        crontab(minute="*"), process_pending_events.s(), name="crm-pending-events"
    )
    sender.add_periodic_task(
        crontab(minute="*/5"), retry_hook_failures.s(), name="crm-retry-hooks"
    )
    sender.add_periodic_task(
        crontab(minute="*/10"), reconcile_orders.s(), name="crm-reconcile-orders"
    )
    sender.add_periodic_task(
        crontab(minute=15, hour=3), review_loyalty_tiers.s(), name="crm-tier-review"
    )
    sender.add_periodic_task(
        crontab(minute=5), mature_and_expire_points.s(), name="crm-points-expiry"
    )
    sender.add_periodic_task(
        crontab(minute=45, hour=3), warn_expiring_points.s(), name="crm-expiry-warnings"
    )
    sender.add_periodic_task(
        crontab(minute="*/15"), refresh_segments.s(), name="crm-refresh-segments"
    )
    sender.add_periodic_task(
        crontab(minute=30, hour=2), recompute_rfm.s(), name="crm-rfm-recompute"
    )
    sender.add_periodic_task(
        crontab(minute="7-59/15"), run_coupon_rules.s(), name="crm-coupon-rules"
    )
    sender.add_periodic_task(
        crontab(minute=40, hour=1),
        refresh_repurchase_intervals.s(),
        name="crm-repurchase-intervals",
    )
    sender.add_periodic_task(
        crontab(minute=0, hour=2), refresh_copurchases.s(), name="crm-copurchases"
    )
