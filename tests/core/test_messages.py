"""Message templates (domain.messages): validation with typed errors, safe
rendering (HTML escaping, no attribute access), languages, the unsubscribe
footer of marketing messages, and the reward in words."""

from datetime import date
from decimal import Decimal

import pytest

from saleor_crm_plugin.domain.errors import CRMErrorCode
from saleor_crm_plugin.domain.messages import (
    DEFAULTS,
    TemplateError,
    channel_language,
    format_date,
    format_discount,
    has_consent,
    language_of,
    parse_templates,
    render,
)

VALUES = {
    "name": "Ann <script>",
    "code": "CRM-AAAA-BBBB-CCCC-DDDD",
    "discount": "15% off",
    "expiry": "31 Dec 2026",
    "points": "1,200",
    "product": "Coffee & Beans",
    "storefront_url": "https://shop.example.com/",
    "unsubscribe_url": "https://shop.example.com/u/x",
}


@pytest.mark.parametrize(
    "template, message",
    [
        ("Hello {nmae}", "Unknown placeholder {nmae}"),
        ("{name.__class__}", "Unknown placeholder"),
        ("{code!r}", "without a format or conversion"),
        ("{code:>40}", "without a format or conversion"),
        ("{0}", "Unknown placeholder {0}"),
        ("a { b", "Unmatched brace"),
        ("a } b", "Unmatched brace"),
    ],
)
def test_bad_templates_are_refused_with_the_field(template, message):
    with pytest.raises(TemplateError) as exc:
        parse_templates({"en": {"text": template}})
    assert exc.value.field == "message_templates.en.text"
    assert exc.value.code is CRMErrorCode.INVALID
    assert message in exc.value.message


def test_subject_one_line_language_and_part_checked():
    with pytest.raises(TemplateError) as exc:
        parse_templates({"ja": {"subject": "a\nb"}})
    assert exc.value.field == "message_templates.ja.subject"
    with pytest.raises(TemplateError) as exc:
        parse_templates({"de": {"text": "x"}})
    assert exc.value.field == "message_templates"
    with pytest.raises(TemplateError) as exc:
        parse_templates({"en": {"body": "x"}})
    assert exc.value.field == "message_templates.en.body"
    with pytest.raises(TemplateError):
        parse_templates({"en": {"text": "x" * 10_001}})


def test_valid_templates_keep_only_what_was_written():
    assert parse_templates(
        {"en": {"subject": "Hi {name} {{x}}", "text": "", "html": None}, "ja": None}
    ) == {"en": {"subject": "Hi {name} {{x}}"}}
    assert parse_templates(None) == {}


def test_every_default_template_is_valid():
    for language, parts in DEFAULTS.items():
        assert parse_templates({language: parts}) == {language: parts}


def test_html_part_escapes_values_text_part_does_not():
    out = render(
        {"en": {"html": "<p>{name} / {product}</p>"}}, "en", VALUES, marketing=False
    )
    assert out.html == "<p>Ann &lt;script&gt; / Coffee &amp; Beans</p>"
    assert "Hello Ann <script>," in out.text
    assert out.subject == "Ann <script>, a coupon for you: 15% off"


def test_text_only_template_makes_an_escaped_html_part():
    out = render({"ja": {"text": "{name}様\n{code}"}}, "ja", VALUES, marketing=False)
    assert out.html == "<p>Ann &lt;script&gt;様<br>CRM-AAAA-BBBB-CCCC-DDDD</p>"


def test_marketing_messages_get_the_unsubscribe_link_once():
    out = render({}, "ja", VALUES, marketing=True)
    assert out.text.count(VALUES["unsubscribe_url"]) == 1
    assert out.html.count(VALUES["unsubscribe_url"]) == 1
    assert "配信停止" in out.text
    own = render(
        {"en": {"text": "Bye: {unsubscribe_url}"}}, "en", VALUES, marketing=True
    )
    assert own.text.count(VALUES["unsubscribe_url"]) == 1
    plain = render({}, "en", VALUES, marketing=False)
    assert VALUES["unsubscribe_url"] not in plain.text + plain.html


def test_subject_is_one_line_whatever_the_values():
    out = render(
        {}, "en", {**VALUES, "name": "A\r\nBcc: x@example.com"}, marketing=False
    )
    assert "\n" not in out.subject and "\r" not in out.subject


@pytest.mark.parametrize(
    "user, channel, expected",
    [
        ("ja", "en", "ja"),
        ("JA-jp", "en", "ja"),
        ("en_US", "ja", "en"),
        ("fr", "ja", "ja"),
        (None, "en", "en"),
        ("", "ja", "ja"),
    ],
)
def test_language_of_the_customer_else_the_channel(user, channel, expected):
    assert language_of(user, channel) == expected


def test_channel_language_and_formats():
    assert channel_language("JP") == "ja" and channel_language("US") == "en"
    assert channel_language(None) == "en"
    assert format_discount("percentage", Decimal("15.000"), "JPY", "ja") == "15%OFF"
    assert format_discount("percentage", Decimal("12.5"), "USD", "en") == "12.5% off"
    assert format_discount("fixed", Decimal("1000.000"), "JPY", "ja") == "1,000円引き"
    assert format_discount("fixed", Decimal("10"), "USD", "en") == "USD 10.00 off"
    assert format_discount("free_shipping", Decimal(0), "JPY", "ja") == "送料無料"
    assert format_date(date(2026, 12, 31), "ja") == "2026年12月31日"
    assert format_date(date(2026, 12, 31), "en") == "31 Dec 2026"


@pytest.mark.parametrize(
    "value, expected",
    [
        ("true", True),
        (" Yes ", True),
        ("1", True),
        (True, True),
        ("false", False),
        ("", False),
        (None, False),
        ("0", False),
    ],
)
def test_consent_values(value, expected):
    assert has_consent(value) is expected
