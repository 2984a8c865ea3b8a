"""Messages to each recipient of a rule (Saleor layer): email through the email
backend Saleor is configured with (``EMAIL_URL`` → Django's ``EMAIL_*`` settings,
sender ``DEFAULT_FROM_EMAIL``), and the rule's own signed webhook for LINE / SMS
services (``message_webhook``).

Two steps, both set-based and chunked:

* ``queue`` — one ``INSERT … SELECT`` per chunk of the rule's new grants writes a
  ``CouponDelivery`` row per grant and method: ``queued``, or ``skipped`` with the
  reason (no marketing consent, no email / phone / LINE ID, the frequency cap
  across all rules). Chunks of the queue are serialized across rules by an
  advisory lock, so the frequency cap holds when rules run side by side.
* ``send`` — batches of queued (or failed, not yet at the limit) rows are read
  with everything their message needs in one statement, rendered
  (``domain.messages``), sent, and their status written back in one statement
  per batch. A failed batch raises in the Celery task, which retries with
  backoff.

Marketing emails carry a signed one-click unsubscribe link (``List-Unsubscribe``
and ``List-Unsubscribe-Post`` headers, RFC 8058) served by the plugin route
``unsubscribe/<token>/``, which removes the consent key from the customer's
metadata."""

from __future__ import annotations

import json
import logging
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseNotAllowed
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from saleor.account.models import User
from saleor.celeryconf import app
from saleor.core.db.connection import allow_writer
from saleor.core.http_client import HTTPClient
from saleor.core.utils import build_absolute_uri
from saleor.product.models import Product

from ..core.config import PLUGIN_ID, load_config
from ..core.sqltools import session_lock
from ..core.tables import TABLES
from ..domain.coupons import MESSAGE_METHODS
from ..domain.messages import (
    CONSENT_VALUES,
    SKIP_FREQUENCY_CAP,
    SKIP_NO_ADDRESS,
    SKIP_NO_CONSENT,
    SKIP_NO_EMAIL,
    channel_language,
    format_date,
    format_discount,
    language_of,
    render,
)
from ..models import CouponDelivery, CouponRule, DeliveryStatus
from .delivery import global_id, sign

logger = logging.getLogger(__name__)

MESSAGE_EVENT = "crm.coupons.message"

QUEUE_CHUNK = 20_000

SEND_BATCH = 200

WEBHOOK_BATCH = 100

MAX_ATTEMPTS = 6

NO_EMAIL_BACKEND = "Saleor has no email backend: set EMAIL_URL"

UNSUBSCRIBE_SALT = "saleor-crm-plugin.unsubscribe"

_LOCK = (0x43524D4D, 0)  # "CRMM": the frequency cap's queueing, across rules

_SEND_LOCK = 0x43524D53  # "CRMS": the sending of one rule's messages (with its id)


_QUEUE_SQL = """
INSERT INTO "{delivery}" (rule_id, grant_id, profile_id, trigger_key, method,
                          status, reason, marketing, attempts, created_at,
                          updated_at)
SELECT %(rule)s, y.grant_id, y.profile_id, y.trigger_key, y.method,
       CASE WHEN r.reason = '' THEN 'queued' ELSE 'skipped' END, r.reason,
       %(marketing)s, 0, %(now)s, %(now)s
FROM (
    SELECT g.id AS grant_id, g.profile_id, g.trigger_key, m.method,
           CASE
             WHEN %(marketing)s AND NOT (lower(btrim(COALESCE(
                  u.metadata ->> %(consent_key)s, ''))) = ANY(%(consent)s))
               THEN %(skip_consent)s
             WHEN m.method = 'email' AND COALESCE(NULLIF(u.email, ''),
                  NULLIF(p.email, '')) IS NULL
               THEN %(skip_email)s
             WHEN m.method = 'message_webhook'
                  AND COALESCE(NULLIF(ba.phone, ''), NULLIF(sa.phone, ''),
                               NULLIF(u.metadata ->> %(line_key)s, '')) IS NULL
               THEN %(skip_address)s
             ELSE '' END AS reason,
           -- marketing messages of the window (a message: one grant, whatever
           -- the methods), and this grant's place among the customer's new ones
           CASE WHEN %(marketing)s AND %(cap)s > 0 THEN (
               SELECT count(DISTINCT d.grant_id) FROM "{delivery}" d
               WHERE d.profile_id = g.profile_id AND d.marketing
                 AND d.status IN ('queued', 'sent')
                 AND d.created_at > %(cap_since)s)
           ELSE 0 END AS recent,
           dense_rank() OVER (PARTITION BY g.profile_id ORDER BY g.id) AS place
    FROM "{grant}" g
    JOIN "{profile}" p ON p.id = g.profile_id
    LEFT JOIN "{user}" u ON u.id = p.user_id
    LEFT JOIN "{address}" ba ON ba.id = u.default_billing_address_id
    LEFT JOIN "{address}" sa ON sa.id = u.default_shipping_address_id
    CROSS JOIN unnest(%(methods)s::text[]) AS m(method)
    WHERE g.rule_id = %(rule)s AND NOT g.control
      AND g.id > %(after)s AND g.id <= %(upto)s
) y
CROSS JOIN LATERAL (
    SELECT CASE WHEN y.reason <> '' THEN y.reason
                WHEN %(marketing)s AND %(cap)s > 0 AND y.recent + y.place > %(cap)s
                THEN %(skip_cap)s
                ELSE '' END AS reason
) r
ON CONFLICT (rule_id, profile_id, trigger_key, method) DO NOTHING
"""


def queue(rule: CouponRule, now: datetime | None = None) -> dict:
    """Write a delivery row (queued or skipped with the reason) for every grant
    of the rule not yet queued, by each of its message methods. Chunks of
    ``QUEUE_CHUNK`` grants, one statement each; returns counts per status."""
    now = now or timezone.now()
    methods = [m for m in rule.delivery if m in MESSAGE_METHODS]
    counts = {"queued": 0, "skipped": 0}
    if not methods:
        return counts
    config = load_config()
    marketing = not rule.transactional
    params = {
        "rule": rule.pk,
        "now": now,
        "methods": methods,
        "marketing": marketing,
        "consent_key": config.consent_metadata_key,
        "consent": list(CONSENT_VALUES),
        "line_key": config.line_user_id_metadata_key,
        "cap": config.frequency_cap_messages,
        "cap_since": now - timedelta(days=config.frequency_cap_days),
        "skip_consent": SKIP_NO_CONSENT,
        "skip_email": SKIP_NO_EMAIL,
        "skip_address": SKIP_NO_ADDRESS,
        "skip_cap": SKIP_FREQUENCY_CAP,
    }
    sql = _QUEUE_SQL.format(**TABLES)
    with connection.cursor() as cursor:
        # where the queue of this rule stands: every grant up to it has its rows
        cursor.execute(
            f'SELECT COALESCE(max(grant_id), 0) FROM "{TABLES["delivery"]}" '
            "WHERE rule_id = %s AND grant_id IS NOT NULL",
            [rule.pk],
        )
        after = cursor.fetchone()[0]
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                f'SELECT id FROM "{TABLES["grant"]}" WHERE rule_id = %s '
                "AND NOT control AND id > %s ORDER BY id OFFSET %s LIMIT 1",
                [rule.pk, after, QUEUE_CHUNK - 1],
            )
            row = cursor.fetchone()
            if row is None:
                cursor.execute(
                    f'SELECT max(id) FROM "{TABLES["grant"]}" WHERE rule_id = %s '
                    "AND NOT control AND id > %s",
                    [rule.pk, after],
                )
                upto = cursor.fetchone()[0]
                if upto is None:
                    return counts
            else:
                upto = row[0]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", list(_LOCK))
            cursor.execute(
                sql + " RETURNING status", {**params, "after": after, "upto": upto}
            )
            for (status,) in cursor.fetchall():
                counts[status] += 1
        after = upto
        if row is None:
            return counts


_BATCH_SQL = """
SELECT d.id, d.method, g.code, g.expires_at, g.profile_id,
       COALESCE(NULLIF(u.email, ''), p.email), u.id, u.first_name, u.last_name,
       u.language_code, COALESCE(NULLIF(ba.phone, ''), NULLIF(sa.phone, '')),
       NULLIF(u.metadata ->> %(line_key)s, ''),
       (SELECT COALESCE(sum(a.points + COALESCE((
                SELECT sum(t.points) FROM "{points}" t WHERE t.award_id = a.id), 0)), 0)
        FROM "{points}" a JOIN "{membership}" ms ON ms.id = a.membership_id
        JOIN "{program}" lp ON lp.id = ms.program_id
        WHERE ms.user_id = u.id AND lp.channel_id = p.channel_id
          AND a.award_id IS NULL AND a.points > 0
          AND (a.available_at IS NULL OR a.available_at <= %(now)s)
          AND (a.expires_at IS NULL OR a.expires_at > %(now)s)) AS points,
       g.trigger_key
FROM "{delivery}" d
JOIN "{grant}" g ON g.id = d.grant_id
JOIN "{profile}" p ON p.id = d.profile_id
LEFT JOIN "{user}" u ON u.id = p.user_id
LEFT JOIN "{address}" ba ON ba.id = u.default_billing_address_id
LEFT JOIN "{address}" sa ON sa.id = u.default_shipping_address_id
WHERE d.rule_id = %(rule)s AND d.method = %(method)s
  AND d.status IN ('queued', 'failed') AND d.attempts < %(max_attempts)s
  AND d.id > %(after)s
ORDER BY d.id
LIMIT %(batch)s
"""


_RESULT_SQL = """
UPDATE "{delivery}" d
SET status = r.status, reason = r.reason, attempts = d.attempts + 1,
    updated_at = %(now)s,
    sent_at = CASE WHEN r.status = 'sent' THEN %(now)s ELSE d.sent_at END
FROM (SELECT unnest(%(ids)s::bigint[]) AS id, unnest(%(statuses)s::text[]) AS status,
             unnest(%(reasons)s::text[]) AS reason) r
WHERE d.id = r.id
"""


@dataclass
class Recipient:
    delivery_id: int
    method: str
    code: str
    expires_at: datetime | None
    profile_id: int
    email: str
    user_id: int | None
    first_name: str
    last_name: str
    language_code: str | None
    phone: str | None
    line_user_id: str | None
    points: int
    trigger_key: str = ""


class MessagesFailed(RuntimeError):
    """Some messages of a rule failed (recorded per recipient); the task retries."""


def send(rule_id: int, now: datetime | None = None) -> dict:
    """Queue the rule's new grants, then send what is queued (or failed and not
    yet at ``MAX_ATTEMPTS``), batch by batch. Returns counts. One sender per rule
    at a time: while another worker sends the rule's messages this returns at
    once, with ``busy``."""
    now = now or timezone.now()
    counts = {"queued": 0, "skipped": 0, "sent": 0, "failed": 0}
    with _sending_lock(rule_id) as locked:
        if not locked:
            # another worker is sending this rule's messages (the sweep and the
            # run both publish a task per rule): it sends what is queued
            return {**counts, "busy": True}
        return _send(rule_id, now, counts)


def _sending_lock(rule_id: int):
    """One sender per rule (``core.sqltools.session_lock``): a second ``send`` of
    the same rule while one runs returns at once instead of reading the same
    queued rows and sending every message twice."""
    return session_lock("message sending", _SEND_LOCK, rule_id)


def _send(rule_id: int, now: datetime, counts: dict) -> dict:
    rule = CouponRule.objects.select_related("channel").filter(pk=rule_id).first()
    if rule is None:
        return counts
    counts.update(queue(rule, now))
    settings_ = load_config()
    config = Context(
        storefront_url=settings_.storefront_url,
        line_user_id_metadata_key=settings_.line_user_id_metadata_key,
        coupon_webhook_url=settings_.coupon_webhook_url,
        coupon_webhook_secret=settings_.coupon_webhook_secret,
        product=product_name(rule),
    )
    for method in (m for m in rule.delivery if m in MESSAGE_METHODS):
        after = 0
        while True:
            batch = _batch(rule, method, after, now, config.line_user_id_metadata_key)
            if not batch:
                break
            after = batch[-1].delivery_id
            outcome = (
                _send_emails(rule, batch, config)
                if method == "email"
                else _post_messages(rule, batch, config)
            )
            _record(outcome, now)
            for status, _reason in outcome.values():
                counts[status] += 1
    return counts


def _batch(rule, method, after, now, line_key) -> list[Recipient]:
    with connection.cursor() as cursor:
        cursor.execute(
            _BATCH_SQL.format(**TABLES),
            {
                "rule": rule.pk,
                "method": method,
                "after": after,
                "now": now,
                "line_key": line_key,
                "max_attempts": MAX_ATTEMPTS,
                "batch": SEND_BATCH if method == "email" else WEBHOOK_BATCH,
            },
        )
        return [Recipient(*row) for row in cursor.fetchall()]


def _record(outcome: dict[int, tuple[str, str]], now: datetime) -> None:
    if not outcome:
        return
    ids = list(outcome)
    with connection.cursor() as cursor:
        cursor.execute(
            _RESULT_SQL.format(**TABLES),
            {
                "ids": ids,
                "statuses": [outcome[i][0] for i in ids],
                "reasons": [outcome[i][1][:255] for i in ids],
                "now": now,
            },
        )


@dataclass(frozen=True)
class Context:
    """What every message of one ``send`` shares (read once)."""

    storefront_url: str
    line_user_id_metadata_key: str
    coupon_webhook_url: str
    coupon_webhook_secret: str
    product: str
    # (item reference, language) -> name: the products / categories named by
    # the grants' trigger keys (replenishment, cross_sell), read once per send
    item_names: dict = field(default_factory=dict)


def _values(rule: CouponRule, r: Recipient, language: str, config: Context) -> dict:
    name = (
        " ".join(part for part in (r.last_name, r.first_name) if part)
        if language == "ja"
        else " ".join(part for part in (r.first_name, r.last_name) if part)
    )
    if not name:
        name = "お客" if language == "ja" else "there"
    return {
        "name": name,
        "code": r.code,
        "discount": format_discount(
            rule.discount_type,
            rule.discount_value,
            rule.channel.currency_code,
            language,
        ),
        # the last valid day: the code ends at the start of the day after
        "expiry": format_date(
            (r.expires_at - timedelta(seconds=1)).date() if r.expires_at else None,
            language,
        ),
        "points": f"{r.points:,}",
        "product": trigger_item_name(r.trigger_key, language, config.item_names)
        or config.product,
        "storefront_url": config.storefront_url,
        "unsubscribe_url": unsubscribe_url(r.user_id) if r.user_id else "",
    }


def product_name(rule: CouponRule) -> str:
    """The product a message names: the trigger's product (cross-sell,
    replenishment) or the reward's first product."""
    params = rule.trigger_params or {}
    pk = params.get("product_id") or params.get("target_product_id")
    if pk is None and rule.product_ids:
        pk = rule.product_ids[0]
    if pk is None:
        return ""
    return Product.objects.filter(pk=pk).values_list("name", flat=True).first() or ""


# the item a replenishment / cross_sell grant is about: rebuy:p42:<order>,
# xsell:c7:<order> (p: a product, c: a category)
_ITEM_KEY = re.compile(r"^(?:rebuy|xsell):([pc])([0-9]+):")


def trigger_item_name(trigger_key: str, language: str, cache: dict) -> str:
    """The name of the product / category a grant's trigger key names, in
    ``language`` when Saleor has a translation, else its name ('' when the key
    names none, or the item is gone)."""
    match = _ITEM_KEY.match(trigger_key or "")
    if match is None:
        return ""
    ref = (match.group(1), int(match.group(2)), language)
    if ref not in cache:
        cache[ref] = _item_name(*ref)
    return cache[ref]


def _item_name(kind: str, pk: int, language: str) -> str:
    from saleor.product.models import (
        Category,
        CategoryTranslation,
        ProductTranslation,
    )

    model, translations, key = (
        (Product, ProductTranslation, "product_id")
        if kind == "p"
        else (Category, CategoryTranslation, "category_id")
    )
    translated = (
        translations.objects.filter(**{key: pk}, language_code__iexact=language)
        .exclude(name__isnull=True)
        .exclude(name="")
        .values_list("name", flat=True)
        .first()
    )
    if translated:
        return translated
    return model.objects.filter(pk=pk).values_list("name", flat=True).first() or ""


def _language(rule: CouponRule, r: Recipient) -> str:
    country = rule.channel.default_country
    return language_of(r.language_code, channel_language(getattr(country, "code", "")))


def _send_emails(rule: CouponRule, batch: list[Recipient], config) -> dict:
    """Send each recipient's email over one connection of Saleor's email backend;
    a failure is recorded per recipient."""
    marketing = not rule.transactional
    outcome: dict[int, tuple[str, str]] = {}
    if not settings.EMAIL_BACKEND:
        reason = NO_EMAIL_BACKEND
        return {r.delivery_id: ("failed", reason) for r in batch}
    try:
        mail = get_connection(fail_silently=False)
        mail.open()
    except Exception as exc:  # noqa: BLE001 - recorded per recipient, retried
        reason = f"{type(exc).__name__}: {exc}"
        logger.warning("CRM: email backend unavailable (%s)", type(exc).__name__)
        return {r.delivery_id: ("failed", reason) for r in batch}
    try:
        for r in batch:
            language = _language(rule, r)
            values = _values(rule, r, language, config)
            message = render(
                rule.message_templates, language, values, marketing=marketing
            )
            headers = {"Content-Language": language}
            if marketing and values["unsubscribe_url"]:
                headers["List-Unsubscribe"] = f"<{values['unsubscribe_url']}>"
                headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
            email = EmailMultiAlternatives(
                subject=message.subject,
                body=message.text,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[r.email],
                headers=headers,
                connection=mail,
            )
            email.attach_alternative(message.html, "text/html")
            try:
                email.send()
            except Exception as exc:  # noqa: BLE001 - recorded, retried
                outcome[r.delivery_id] = ("failed", f"{type(exc).__name__}: {exc}")
            else:
                outcome[r.delivery_id] = ("sent", "")
    finally:
        try:
            mail.close()
        except Exception:  # noqa: BLE001 - the messages are sent or recorded
            logger.warning("CRM: email connection did not close cleanly")
    return outcome


def _message_payload(rule: CouponRule, r: Recipient, config) -> dict:
    language = _language(rule, r)
    values = _values(rule, r, language, config)
    message = render(
        rule.message_templates, language, values, marketing=not rule.transactional
    )
    return {
        "deliveryId": global_id("CRMCouponDelivery", r.delivery_id),
        "customerId": global_id("User", r.user_id) if r.user_id else None,
        "email": r.email,
        "phone": r.phone,
        "lineUserId": r.line_user_id,
        "languageCode": language,
        "code": r.code,
        "expiresAt": r.expires_at.isoformat() if r.expires_at else None,
        "text": message.short,
        "subject": message.subject,
        "unsubscribeUrl": values["unsubscribe_url"] or None,
    }


def _post_messages(rule: CouponRule, batch: list[Recipient], config) -> dict:
    """One signed POST of up to ``WEBHOOK_BATCH`` messages to the rule's webhook
    (or the plugin's coupon webhook); the answer applies to every message."""
    url = rule.webhook_url or config.coupon_webhook_url
    secret = rule.webhook_secret if rule.webhook_url else config.coupon_webhook_secret
    if not url:
        return {r.delivery_id: ("failed", "no webhook URL") for r in batch}
    body = json.dumps(
        {
            "event": MESSAGE_EVENT,
            "rule": {"id": global_id("CRMCouponRule", rule.pk), "name": rule.name},
            "channel": rule.channel.slug,
            "transactional": rule.transactional,
            "discount": {
                "type": rule.discount_type,
                "value": str(rule.discount_value),
                "minSpend": str(rule.min_spend),
                "currency": rule.channel.currency_code,
            },
            "messages": [_message_payload(rule, r, config) for r in batch],
        },
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode()
    try:
        response = HTTPClient.send_request(
            "POST",
            url,
            data=body,
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "X-CRM-Event": MESSAGE_EVENT,
                "X-CRM-Signature": sign(secret, body, int(time.time())),
            },
            allow_redirects=False,
        )
    except Exception as exc:  # noqa: BLE001 - recorded, retried
        reason = f"{type(exc).__name__}: {exc}"
        return {r.delivery_id: ("failed", reason) for r in batch}
    if not 200 <= response.status_code < 300:
        reason = f"webhook answered HTTP {response.status_code}"
        return {r.delivery_id: ("failed", reason) for r in batch}
    return {r.delivery_id: ("sent", "") for r in batch}


def pending_message_rules() -> list[int]:
    """Rules with message deliveries to (re)try, or message methods at all (their
    new grants are queued by ``send``)."""
    retry = set(
        CouponDelivery.objects.filter(
            status__in=[DeliveryStatus.QUEUED, DeliveryStatus.FAILED],
            attempts__lt=MAX_ATTEMPTS,
        )
        .values_list("rule_id", flat=True)
        .distinct()
    )
    with_methods = set(
        CouponRule.objects.filter(
            status="active", delivery__overlap=list(MESSAGE_METHODS)
        ).values_list("pk", flat=True)
    )
    return sorted(retry | with_methods)


# --- unsubscribe --------------------------------------------------------------------


def unsubscribe_token(user_id: int) -> str:
    return signing.dumps({"u": user_id}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_url(user_id: int) -> str:
    path = reverse("plugins-global", kwargs={"plugin_id": PLUGIN_ID})
    return build_absolute_uri(f"{path}unsubscribe/{unsubscribe_token(user_id)}/")


def withdraw_consent(user_id: int) -> bool:
    """Remove the consent key from the customer's metadata; False when there is
    no such customer."""
    key = load_config().consent_metadata_key
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=user_id).first()
        if user is None:
            return False
        if key in (user.metadata or {}):
            user.delete_value_from_metadata(key)
            user.save(update_fields=["metadata", "updated_at"])
    return True


_PAGE = {
    "en": {
        "title": "Unsubscribe",
        "ask": "Stop receiving offers by email?",
        "button": "Unsubscribe",
        "done": "You are unsubscribed: no more offers will be sent to you.",
        "bad": "This link is not valid.",
    },
    "ja": {
        "title": "配信停止",
        "ask": "クーポンやお知らせのメール配信を停止しますか？",
        "button": "配信を停止する",
        "done": "配信を停止しました。今後お知らせはお送りしません。",
        "bad": "このリンクは無効です。",
    },
}


def _page(language: str, body: str, status: int = 200) -> HttpResponse:
    text = _PAGE[language]
    return HttpResponse(
        f'<!doctype html><html lang="{language}"><head><meta charset="utf-8">'
        f'<meta name="robots" content="noindex"><title>{escape(text["title"])}'
        f"</title></head><body>{body}</body></html>",
        status=status,
        content_type="text/html; charset=utf-8",
    )


def serve_unsubscribe(request, token: str) -> HttpResponse:
    """GET: a confirmation page with one button; POST (the button, or a mail
    client's one-click ``List-Unsubscribe=One-Click``): consent withdrawn."""
    token = token.strip("/")
    try:
        user_id = int(signing.loads(token, salt=UNSUBSCRIBE_SALT)["u"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return HttpResponseBadRequest("invalid link")
    language_code = (
        User.objects.filter(pk=user_id).values_list("language_code", flat=True).first()
    )
    language = language_of(language_code, "en")
    text = _PAGE[language]
    if request.method == "GET":
        return _page(
            language,
            f"<h1>{escape(text['title'])}</h1><p>{escape(text['ask'])}</p>"
            f'<form method="post"><button type="submit">{escape(text["button"])}'
            "</button></form>",
        )
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "POST"])
    if not withdraw_consent(user_id):
        return _page(language, f"<p>{escape(text['bad'])}</p>", status=404)
    return _page(language, f"<p>{escape(text['done'])}</p>")


@app.task(
    name="saleor_crm_plugin.tasks.send_coupon_messages_task",
    bind=True,
    max_retries=5,
    autoretry_for=(MessagesFailed,),
    retry_backoff=60,
    retry_backoff_max=3600,
)
def send_coupon_messages_task(self, rule_id: int):
    """Queue and send a rule's messages (email, message webhook); failures are
    recorded per recipient and retried with exponential backoff."""
    with allow_writer():
        counts = send(rule_id)
    if counts["failed"]:
        raise MessagesFailed(f"{counts['failed']} messages of rule {rule_id} failed")
    return counts
