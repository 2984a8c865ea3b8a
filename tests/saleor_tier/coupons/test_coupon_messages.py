"""Coupon messages end to end on the real Saleor: emails through Django's SMTP
backend to a real SMTP server on the loopback interface (``crm_smtp``, on
``socketserver``: aiosmtpd is not in Saleor's environment), in the customer's
language, HTML and plain text, with a working one-click unsubscribe; LINE / SMS
payloads to the rule's own signed webhook on a real HTTP server that fails first,
then accepts (Celery's retry); consent, the frequency cap and the open-codes cap
with every skipped recipient recorded with its reason."""

import csv
import io
import json
import threading
from datetime import timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import urlparse

import pytest
from crm_helpers import crm_gql, crm_post
from crm_smtp import SMTPServer
from django.db import connections
from django.test import Client
from django.utils import timezone
from saleor.account.models import Address, User
from saleor.graphql.tests.utils import assert_no_permission

from saleor_crm_plugin.coupons import delivery as coupon_delivery
from saleor_crm_plugin.coupons import issuing as coupons
from saleor_crm_plugin.coupons import messaging
from saleor_crm_plugin.coupons import rules as coupon_rules
from saleor_crm_plugin.domain.coupons import CouponRuleError
from saleor_crm_plugin.models import (
    CouponDelivery,
    CouponGrant,
    CouponRule,
    CustomerProfile,
)

CONSENT = "crm.marketing_consent"
SECRET = "rule-signing-secret-0123456789"


@pytest.fixture
def smtp(settings):
    server = SMTPServer()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.DEFAULT_FROM_EMAIL = "Shop <shop@example.com>"
    yield server
    server.close()


# --- a real HTTP receiver that fails first ------------------------------------------


class Receiver:
    def __init__(self, statuses):
        self.requests, self.statuses = [], list(statuses)
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                owner.requests.append((dict(self.headers), body))
                status = (
                    owner.statuses.pop(0)
                    if len(owner.statuses) > 1
                    else (owner.statuses[0])
                )
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/line"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


# --- data -----------------------------------------------------------------------------


def configure(plugin_configuration, **values):
    kept = [i for i in plugin_configuration.configuration if i["name"] not in values]
    plugin_configuration.configuration = [
        *kept,
        *({"name": k, "value": v} for k, v in values.items()),
    ]
    plugin_configuration.save()


def lapsed(channel, n, *, language="en", consent=True, first="", last="", **user):
    metadata = {CONSENT: "true"} if consent else {}
    account = User.objects.create(
        email=f"m{n}@example.com",
        language_code=language,
        first_name=first,
        last_name=last,
        metadata={**metadata, **user.pop("metadata", {})},
        **user,
    )
    last_at = timezone.now() - timedelta(days=91)
    return CustomerProfile.objects.create(
        channel=channel,
        user=account,
        email=account.email,
        currency="USD",
        orders_count=1,
        paid_orders_count=1,
        last_order_at=last_at,
        last_paid_at=last_at,
        average_order_value_amount=Decimal(40),
    )


def rule_for(channel, name="Win back", **values):
    rule = CouponRule.objects.create(
        name=name,
        channel=channel,
        status="active",
        trigger="days_without_order",
        trigger_params={"days": 90},
        discount_type="percentage",
        discount_value=Decimal(15),
        activated_at=timezone.now() - timedelta(days=2),
        **{"delivery": ["email"], **values},
    )
    return rule


def statuses(rule):
    return {
        (d.profile.user.email, d.method): (d.status, d.reason)
        for d in CouponDelivery.objects.filter(rule=rule).select_related(
            "profile__user"
        )
    }


# --- email ----------------------------------------------------------------------------


def test_emails_reach_a_real_smtp_server_in_each_language_and_unsubscribe_works(
    smtp, crm_plugin_active, channel_USD
):
    configure(crm_plugin_active, storefront_url="https://shop.example.com/")
    ja = lapsed(channel_USD, 1, language="ja", first="花子", last="山田")
    en = lapsed(channel_USD, 2, language="en-US", first="Ann <b>&", last="Lee")
    lapsed(channel_USD, 3, consent=False)
    rule = rule_for(
        channel_USD,
        message_templates={
            "en": {
                "subject": "{name}: {discount} for you",
                "html": "<p>Hi {name}, use <b>{code}</b> by {expiry}.</p>",
            }
        },
    )
    assert coupons.run_rule(rule).issued == 3

    counts = messaging.send(rule.pk)
    assert counts == {"queued": 2, "skipped": 1, "sent": 2, "failed": 0}
    assert statuses(rule) == {
        ("m1@example.com", "email"): ("sent", ""),
        ("m2@example.com", "email"): ("sent", ""),
        ("m3@example.com", "email"): ("skipped", "no_consent"),
    }
    received = {rcpts[0]: (sender, msg) for sender, rcpts, msg in smtp.parsed()}
    assert set(received) == {"m1@example.com", "m2@example.com"}
    codes = dict(
        CouponGrant.objects.filter(rule=rule).values_list("profile__email", "code")
    )

    # Japanese: the default template, both parts, the customer's language
    sender, ja_msg = received["m1@example.com"]
    assert sender == "shop@example.com"
    assert ja_msg["From"] == "Shop <shop@example.com>"
    assert ja_msg["Subject"].strip() == "山田 花子様へ特別クーポン：15%OFF"
    assert ja_msg["Content-Language"] == "ja"
    assert ja_msg.get_content_type() == "multipart/alternative"
    text = ja_msg.get_body(("plain",)).get_content()
    html = ja_msg.get_body(("html",)).get_content()
    assert codes["m1@example.com"] in text and codes["m1@example.com"] in html
    assert "有効期限" in text and "https://shop.example.com/" in text
    assert "配信停止" in text and "配信停止" in html

    # English: the merchant's own subject and HTML, values escaped in HTML only
    _sender, en_msg = received["m2@example.com"]
    assert en_msg["Subject"].strip() == "Ann <b>& Lee: 15% off for you"
    assert en_msg["Content-Language"] == "en"
    en_html = en_msg.get_body(("html",)).get_content()
    assert "Hi Ann &lt;b&gt;&amp; Lee, use <b>" + codes["m2@example.com"] in en_html
    en_text = en_msg.get_body(("plain",)).get_content()
    assert "Hello Ann <b>& Lee" in en_text  # the default text part
    assert "No more offers by email" in en_text

    # one-click unsubscribe (RFC 8058): the headers, the page, the POST
    assert ja_msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = ja_msg["List-Unsubscribe"].strip().strip("<>")
    assert link in text
    path = urlparse(link).path
    page = Client().get(path)
    assert page.status_code == 200
    assert (
        "配信を停止する" in page.content.decode() and "<form" in page.content.decode()
    )
    ja.user.refresh_from_db()
    assert ja.user.metadata[CONSENT] == "true"  # a GET changes nothing
    done = Client().post(
        path, data="List-Unsubscribe=One-Click", content_type="text/plain"
    )
    assert done.status_code == 200
    ja.user.refresh_from_db()
    assert CONSENT not in ja.user.metadata
    en.user.refresh_from_db()
    assert en.user.metadata[CONSENT] == "true"
    # a forged or altered token is refused
    assert Client().post(path[:-3] + "xx/").status_code == 400

    # nothing is sent twice
    assert messaging.send(rule.pk)["sent"] == 0
    assert len(smtp.messages) == 2


def test_transactional_rule_needs_no_consent_and_has_no_unsubscribe(
    smtp, crm_plugin_active, channel_USD
):
    lapsed(channel_USD, 1, consent=False)
    rule = rule_for(channel_USD, transactional=True)
    coupons.run_rule(rule)
    assert messaging.send(rule.pk)["sent"] == 1
    (_s, _r, msg) = smtp.parsed()[0]
    assert msg["List-Unsubscribe"] is None
    assert "No more offers" not in msg.get_body(("plain",)).get_content()


def test_smtp_down_records_failure_then_sends(
    smtp, crm_plugin_active, channel_USD, settings
):
    lapsed(channel_USD, 1)
    rule = rule_for(channel_USD)
    coupons.run_rule(rule)
    settings.EMAIL_PORT = 1  # nothing listens there
    assert messaging.send(rule.pk)["failed"] == 1
    delivery = CouponDelivery.objects.get(rule=rule)
    assert delivery.status == "failed" and delivery.attempts == 1
    assert "ConnectionRefusedError" in delivery.reason
    settings.EMAIL_PORT = smtp.port
    assert messaging.send(rule.pk)["sent"] == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.reason, delivery.attempts) == ("sent", "", 2)
    assert len(smtp.messages) == 1


def test_one_sender_per_rule_at_a_time(smtp, crm_plugin_active, channel_USD):
    """The periodic task publishes a send per rule and so does the run that
    issued: a second worker sending the same rule while the first one does must
    not read the same queued rows and send every email twice."""
    lapsed(channel_USD, 1)
    lapsed(channel_USD, 2)
    rule = rule_for(channel_USD)
    coupons.run_rule(rule)
    other = connections.create_connection("default")  # another worker's session
    lock = [messaging._SEND_LOCK, rule.pk]
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", lock)
        result = messaging.send_coupon_messages_task.apply(args=[rule.pk])
        assert result.successful(), result.traceback
        assert result.get() == {
            "queued": 0,
            "skipped": 0,
            "sent": 0,
            "failed": 0,
            "busy": True,
        }
        assert smtp.messages == []
        assert not CouponDelivery.objects.filter(rule=rule).exists()
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", lock)

        assert messaging.send(rule.pk)["sent"] == 2
        assert len(smtp.messages) == 2
        # the lock is given back when the send ends
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", lock)
            assert cursor.fetchone()[0] is True
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", lock)
    finally:
        other.close()


# --- caps -------------------------------------------------------------------------------


def test_frequency_cap_across_rules(smtp, crm_plugin_active, channel_USD):
    configure(crm_plugin_active, frequency_cap_messages=1, frequency_cap_days=7)
    lapsed(channel_USD, 1)
    lapsed(channel_USD, 2)
    first = rule_for(channel_USD, name="First")
    coupons.run_rule(first)
    assert messaging.send(first.pk)["sent"] == 2
    second = rule_for(channel_USD, name="Second")
    coupons.run_rule(second)
    assert messaging.send(second.pk) == {
        "queued": 0,
        "skipped": 2,
        "sent": 0,
        "failed": 0,
    }
    assert set(statuses(second).values()) == {("skipped", "frequency_cap")}
    # a transactional rule is outside the cap
    third = rule_for(channel_USD, name="Points", transactional=True)
    coupons.run_rule(third)
    assert messaging.send(third.pk)["sent"] == 2
    assert len(smtp.messages) == 4


def test_open_codes_cap_keeps_new_codes_back_and_records_it(
    crm_plugin_active, channel_USD
):
    configure(crm_plugin_active, open_codes_cap=1)
    holder = lapsed(channel_USD, 1)
    first = rule_for(channel_USD, name="First", delivery=["csv"])
    assert coupons.run_rule(first).issued == 1
    lapsed(channel_USD, 2)
    second = rule_for(channel_USD, name="Second", delivery=["csv"])
    # the holder of an open code gets none; the other customer does
    assert coupons.run_rule(second).issued == 1
    assert not CouponGrant.objects.filter(rule=second, profile=holder).exists()
    skipped = CouponDelivery.objects.get(rule=second)
    assert (skipped.profile_id, skipped.method, skipped.status, skipped.reason) == (
        holder.pk,
        "issue",
        "skipped",
        "open_codes_cap",
    )
    # the dry run counts as the run does
    assert coupons.dry_run(second).on_activation.customers == 0
    # a second run records nothing twice
    coupons.run_rule(second)
    assert CouponDelivery.objects.filter(rule=second).count() == 1
    # once the code is used, the cap lets the customer in again
    CouponGrant.objects.filter(rule=first).update(redeemed_at=timezone.now())
    assert coupons.run_rule(second).issued == 1


# --- LINE / SMS webhook -----------------------------------------------------------------


def test_rule_webhook_fails_first_then_accepts_with_celery_retry(
    crm_plugin_active, channel_USD
):
    configure(crm_plugin_active, line_user_id_metadata_key="line.uid")
    receiver = Receiver([500, 200])
    try:
        customer = lapsed(
            channel_USD, 1, language="ja", first="花子", metadata={"line.uid": "U123"}
        )
        customer.user.default_billing_address = Address.objects.create(
            first_name="花子", phone="+81312345678", country="JP"
        )
        customer.user.save(update_fields=["default_billing_address"])
        lapsed(channel_USD, 2)  # neither phone nor LINE ID
        rule = rule_for(
            channel_USD,
            delivery=["message_webhook"],
            webhook_url=receiver.url,
            webhook_secret=SECRET,
            message_templates={"ja": {"short": "{name}様 {code} {discount}"}},
        )
        coupons.run_rule(rule)
        result = messaging.send_coupon_messages_task.apply(args=[rule.pk])
        assert result.successful(), result.traceback
        assert len(receiver.requests) == 2  # the 500, then the retry's 200
        delivery = CouponDelivery.objects.get(rule=rule, profile=customer)
        assert (delivery.status, delivery.attempts) == ("sent", 2)
        assert statuses(rule)[("m2@example.com", "message_webhook")] == (
            "skipped",
            "no_phone_or_line_id",
        )
        headers, body = receiver.requests[-1]
        assert coupon_delivery.verify(SECRET, body, headers["X-CRM-Signature"])
        assert headers["X-CRM-Event"] == "crm.coupons.message"
        payload = json.loads(body)
        code = CouponGrant.objects.get(rule=rule, profile=customer).code
        assert payload["event"] == "crm.coupons.message"
        assert payload["discount"]["type"] == "percentage"
        (message,) = payload["messages"]
        assert message["phone"] == "+81312345678"
        assert message["lineUserId"] == "U123"
        assert message["languageCode"] == "ja"
        assert message["code"] == code
        assert message["text"] == f"花子様 {code} 15%OFF"
        assert message["unsubscribeUrl"].startswith("http")
    finally:
        receiver.close()


def test_first_failure_is_visible_with_its_reason(crm_plugin_active, channel_USD):
    receiver = Receiver([503])
    try:
        lapsed(channel_USD, 1, metadata={"line_user_id": "U9"})
        rule = rule_for(
            channel_USD,
            delivery=["message_webhook"],
            webhook_url=receiver.url,
            webhook_secret=SECRET,
        )
        coupons.run_rule(rule)
        assert messaging.send(rule.pk)["failed"] == 1
        delivery = CouponDelivery.objects.get(rule=rule)
        assert delivery.status == "failed"
        assert delivery.reason == "webhook answered HTTP 503"
        # after the last attempt the row stays failed and is not tried again
        CouponDelivery.objects.filter(pk=delivery.pk).update(
            attempts=messaging.MAX_ATTEMPTS
        )
        posts = len(receiver.requests)
        assert messaging.send(rule.pk)["failed"] == 0
        assert len(receiver.requests) == posts
    finally:
        receiver.close()


# --- validation -------------------------------------------------------------------------


def test_rule_templates_and_webhook_are_validated(channel_USD):
    base = {
        "name": "R",
        "channel": channel_USD,
        "trigger": "first_order",
        "trigger_params": {},
        "discount_type": "percentage",
        "discount_value": Decimal(10),
    }
    with pytest.raises(CouponRuleError) as exc:
        coupon_rules.save_rule(
            None, {**base, "message_templates": {"en": {"subject": "Hi {nmae}"}}}
        )
    assert exc.value.field == "message_templates.en.subject"
    assert "{nmae}" in exc.value.message
    for bad in ("{name.__class__}", "{code!r}", "{code:>10}", "{", "{0}"):
        with pytest.raises(CouponRuleError):
            coupon_rules.save_rule(
                None, {**base, "message_templates": {"ja": {"text": bad}}}
            )
    with pytest.raises(CouponRuleError) as exc:
        coupon_rules.save_rule(
            None, {**base, "message_templates": {"fr": {"text": "x"}}}
        )
    assert exc.value.field == "message_templates"
    with pytest.raises(CouponRuleError) as exc:
        coupon_rules.save_rule(None, {**base, "delivery": ["message_webhook"]})
    assert exc.value.field == "webhook_url"
    with pytest.raises(CouponRuleError) as exc:
        coupon_rules.save_rule(
            None,
            {**base, "webhook_url": "https://x.example.com", "webhook_secret": "short"},
        )
    assert exc.value.field == "webhook_secret"
    rule = coupon_rules.save_rule(
        None,
        {
            **base,
            "delivery": ["message_webhook", "email"],
            "webhook_url": "https://x.example.com/hook",
            "webhook_secret": SECRET,
            "transactional": True,
            "message_templates": {"ja": {"subject": "{name}様 {{特典}}"}},
        },
    )
    assert rule.message_templates == {"ja": {"subject": "{name}様 {{特典}}"}}
    assert rule.transactional and rule.webhook_url == "https://x.example.com/hook"


# --- GraphQL and CSV --------------------------------------------------------------------

CREATE = """
mutation C($input: CRMCouponRuleInput!) {
  crmCouponRuleCreate(input: $input) {
    rule { id delivery transactional webhookUrl hasWebhookSecret
      messageTemplates { ja { subject isDefault } en { subject text isDefault } } }
    errors { field code message } } }"""
DELIVERIES = """
query D($filter: CRMCouponDeliveryFilterInput) {
  crmCouponDeliveries(first: 10, filter: $filter) {
    totalCount edges { node { ruleId email code method status reason attempts } } } }"""
EXPORT = """
mutation E($id: ID!) { crmCouponDeliveriesExport(id: $id) {
  url columns errors { field code message } } }"""


def rule_input(channel, **overrides):
    return {
        "name": "Come back",
        "channel": channel.slug,
        "trigger": {"kind": "DAYS_WITHOUT_ORDER", "days": 90},
        "discountType": "PERCENTAGE",
        "discountValue": "15",
        "validityDays": 30,
        **overrides,
    }


def test_graphql_templates_statuses_and_csv(
    staff_discounts_admin, smtp, crm_plugin_active, channel_USD
):
    bad = crm_gql(
        staff_discounts_admin,
        CREATE,
        {
            "input": rule_input(
                channel_USD, messageTemplates={"en": {"subject": "Hi {nmae}"}}
            )
        },
    )["crmCouponRuleCreate"]
    assert [(e["field"], e["code"]) for e in bad["errors"]] == [
        ("messageTemplates.en.subject", "INVALID")
    ]
    made = crm_gql(
        staff_discounts_admin,
        CREATE,
        {
            "input": rule_input(
                channel_USD,
                delivery=["EMAIL", "MESSAGE_WEBHOOK"],
                webhookUrl="https://hooks.example.com/line",
                webhookSecret=SECRET,
                messageTemplates={"en": {"subject": "{name}, {discount}"}},
            )
        },
    )["crmCouponRuleCreate"]
    assert made["errors"] == []
    rule = made["rule"]
    assert rule["delivery"] == ["EMAIL", "MESSAGE_WEBHOOK"]
    assert rule["hasWebhookSecret"] and rule["webhookUrl"].endswith("/line")
    assert rule["transactional"] is False
    templates = rule["messageTemplates"]
    assert templates["en"]["subject"] == "{name}, {discount}"
    assert not templates["en"]["isDefault"] and templates["ja"]["isDefault"]
    assert templates["en"]["text"].startswith("Hello {name}")

    # statuses: one sent, one skipped, filtered by rule and status
    lapsed(channel_USD, 1)
    lapsed(channel_USD, 2, consent=False)
    pk = CouponRule.objects.get(name="Come back").pk
    CouponRule.objects.filter(pk=pk).update(
        status="active",
        activated_at=timezone.now() - timedelta(days=2),
        delivery=["email"],
    )
    coupons.run_rule(CouponRule.objects.get(pk=pk))
    messaging.send(pk)
    data = crm_gql(
        staff_discounts_admin,
        DELIVERIES,
        {"filter": {"rule": [rule["id"]], "status": "SKIPPED"}},
    )["crmCouponDeliveries"]
    assert data["totalCount"] == 1
    node = data["edges"][0]["node"]
    assert (node["email"], node["method"], node["reason"]) == (
        "m2@example.com",
        "EMAIL",
        "no_consent",
    )
    assert node["ruleId"] == rule["id"] and node["code"].startswith("CRM-")
    sent = crm_gql(staff_discounts_admin, DELIVERIES, {"filter": {"status": "SENT"}})[
        "crmCouponDeliveries"
    ]
    assert [e["node"]["email"] for e in sent["edges"]] == ["m1@example.com"]

    ticket = crm_gql(staff_discounts_admin, EXPORT, {"id": rule["id"]})[
        "crmCouponDeliveriesExport"
    ]
    assert ticket["errors"] == []
    response = Client().get(urlparse(ticket["url"]).path)
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert {(r["email"], r["status"], r["reason"]) for r in rows} == {
        ("m1@example.com", "sent", ""),
        ("m2@example.com", "skipped", "no_consent"),
    }
    assert ticket["columns"] == list(rows[0])


def test_deliveries_need_manage_discounts(staff_api_client):
    response = crm_post(staff_api_client, DELIVERIES, {})
    assert_no_permission(response)
