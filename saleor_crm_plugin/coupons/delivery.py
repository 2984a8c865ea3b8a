"""Delivering issued coupon codes (Saleor layer).

* ``saleor_notify`` — Saleor's own notification path: ``manager.notify`` with the
  event ``crm_coupon_issued``, which reaches the apps the merchant subscribed to
  Saleor's NOTIFY_USER webhook (and any notification plugin that handles it).
* ``webhook`` — a JSON POST of up to ``WEBHOOK_BATCH`` codes to the URL in the
  plugin's configuration, signed like Stripe's: header
  ``X-CRM-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`` with the
  configured secret, for email, LINE, SMS and direct-mail tools.
* ``csv`` — nothing is pushed; the codes are exported (``exports``).

A batch is marked delivered only when every push method of the rule took it; a
failure is recorded on the grants (attempts, error) and retried by the periodic
task. Codes and emails never go to the logs."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from datetime import datetime

import graphene
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from saleor.celeryconf import app
from saleor.core.db.connection import allow_writer

from ..core.config import load_config
from ..models import CouponGrant, CouponRule

logger = logging.getLogger(__name__)

NOTIFY_EVENT = "crm_coupon_issued"


WEBHOOK_EVENT = "crm.coupons.issued"


WEBHOOK_BATCH = 500


MAX_ATTEMPTS = 20


PUSH_METHODS = ("saleor_notify", "webhook")


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The ``X-CRM-Signature`` header value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(
    secret: str,
    body: bytes,
    header: str,
    *,
    now: int | None = None,
    tolerance: int = 300,
) -> bool:
    """What a receiver does (documented in docs/merchant-guide.md, "Delivery"; used by the tests)."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    now = int(time.time()) if now is None else now
    if abs(now - timestamp) > tolerance:
        return False
    expected = sign(secret, body, timestamp)
    return hmac.compare_digest(expected, header)


def _payload(rule: CouponRule, grant: CouponGrant) -> dict:
    profile = grant.profile
    user = profile.user
    return {
        "rule": {"id": global_id("CRMCouponRule", rule.pk), "name": rule.name},
        "channel": rule.channel.slug,
        "code": grant.code,
        "email": user.email if user is not None else profile.email,
        "customerId": global_id("User", user.pk) if user is not None else None,
        "firstName": user.first_name if user is not None else "",
        "languageCode": user.language_code if user is not None else "",
        "expiresAt": grant.expires_at.isoformat() if grant.expires_at else None,
        "discount": {
            "type": rule.discount_type,
            "value": str(rule.discount_value),
            "minSpend": str(rule.min_spend),
            "currency": rule.channel.currency_code,
        },
    }


def global_id(type_name: str, pk) -> str:
    return graphene.Node.to_global_id(type_name, pk)


def deliver(rule_id: int, now: datetime | None = None) -> dict:
    """Push the rule's undelivered codes by its push methods, batch by batch.
    Returns counts; stops at the first failing batch (retried later)."""
    now = now or timezone.now()
    rule = CouponRule.objects.select_related("channel").filter(pk=rule_id).first()
    if rule is None:
        return {"delivered": 0, "failed": 0}
    methods = [m for m in rule.delivery if m in PUSH_METHODS]
    if not methods:
        return {"delivered": 0, "failed": 0}
    delivered = 0
    while True:
        grants = list(
            CouponGrant.objects.select_related("profile__user")
            .filter(
                rule=rule,
                control=False,
                delivered_at__isnull=True,
                delivery_attempts__lt=MAX_ATTEMPTS,
            )
            .order_by("pk")[:WEBHOOK_BATCH]
        )
        if not grants:
            return {"delivered": delivered, "failed": 0}
        ids = [g.pk for g in grants]
        try:
            payloads = [_payload(rule, g) for g in grants]
            if "webhook" in methods:
                _post(rule, payloads)
            if "saleor_notify" in methods:
                _notify(rule, payloads)
        except Exception as exc:  # noqa: BLE001 - recorded and retried
            logger.warning(
                "CRM: coupon delivery failed for rule %s (%s)",
                rule.pk,
                type(exc).__name__,
            )
            CouponGrant.objects.filter(pk__in=ids).update(
                delivery_attempts=F("delivery_attempts") + 1,
                delivery_error=f"{type(exc).__name__}: {exc}"[:255],
            )
            return {"delivered": delivered, "failed": len(ids)}
        with transaction.atomic():
            CouponGrant.objects.filter(pk__in=ids).update(
                delivered_at=now,
                delivery_attempts=F("delivery_attempts") + 1,
                delivery_error="",
            )
        delivered += len(ids)


def _post(rule: CouponRule, payloads: list[dict]) -> None:
    from saleor.core.http_client import HTTPClient

    config = load_config()
    if not config.coupon_webhook_url:
        raise RuntimeError("no coupon webhook URL configured")
    body = json.dumps(
        {"event": WEBHOOK_EVENT, "coupons": payloads}, separators=(",", ":")
    ).encode()
    response = HTTPClient.send_request(
        "POST",
        config.coupon_webhook_url,
        data=body,
        headers={
            "Content-Type": "application/json",
            "X-CRM-Event": WEBHOOK_EVENT,
            "X-CRM-Signature": sign(
                config.coupon_webhook_secret, body, int(time.time())
            ),
        },
        allow_redirects=False,
    )
    if not 200 <= response.status_code < 300:
        raise RuntimeError(f"webhook answered HTTP {response.status_code}")


def _notify(rule: CouponRule, payloads: list[dict]) -> None:
    from saleor.plugins.manager import get_plugins_manager

    manager = get_plugins_manager(allow_replica=False)
    for payload in payloads:
        manager.notify(
            NOTIFY_EVENT,
            payload_func=lambda p=payload: p,
            channel_slug=rule.channel.slug,
        )


def pending_rules() -> list[int]:
    """Rules with codes still to push (for the periodic retry)."""
    return list(
        CouponGrant.objects.filter(
            control=False,
            delivered_at__isnull=True,
            delivery_attempts__lt=MAX_ATTEMPTS,
            rule__delivery__overlap=list(PUSH_METHODS),
        )
        .values_list("rule_id", flat=True)
        .distinct()
    )


@app.task(
    name="saleor_crm_plugin.tasks.deliver_coupons_task",
    bind=True,
    max_retries=5,
    autoretry_for=(Exception,),
    retry_backoff=30,
)
def deliver_coupons_task(self, rule_id: int):
    """Push a rule's new codes (Saleor notification, signed webhook)."""

    with allow_writer():
        return deliver(rule_id)
