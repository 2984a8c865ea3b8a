"""The periodic run of every running coupon rule, then the delivery of codes still
undelivered. Task name pinned (``saleor_crm_plugin.tasks.run_coupon_rules``)."""

from __future__ import annotations

from saleor.celeryconf import app
from saleor.core.db.connection import allow_writer

from .delivery import deliver_coupons_task, pending_rules
from .issuing import run_all
from .messaging import pending_message_rules, send_coupon_messages_task


@app.task(name="saleor_crm_plugin.tasks.run_coupon_rules")
def run_coupon_rules():
    """Every 15 minutes (after the segments' refresh): every running coupon rule —
    time-based triggers, schedules, segment entries found by the refresh, and the
    catch-up of order-driven triggers — then push codes still undelivered and
    queue / send (or retry) the rules' messages."""

    with allow_writer():
        results = run_all()
        for rule_id in pending_rules():
            deliver_coupons_task.delay(rule_id)
        for rule_id in pending_message_rules():
            send_coupon_messages_task.delay(rule_id)
        return {pk: r.issued for pk, r in results.items()}
