"""The names customers see of coupon rules and tiers: the language picked from
Saleor's language code (else the channel's), the fallbacks, the validation."""

import pytest

from saleor_crm_plugin.domain.customer_names import (
    MAX_LENGTH,
    channel_language,
    clean_names,
    customer_facing,
    customer_language,
    language_of,
)
from saleor_crm_plugin.domain.errors import CRMErrorCode, CRMServiceError


@pytest.mark.parametrize(
    ("code", "language"),
    [
        ("ja", "ja"),
        ("ja-jp", "ja"),
        ("JA_JP", "ja"),
        ("en", "en"),
        ("en-gb", "en"),
        ("EN_US", "en"),
        ("fr", None),
        ("", None),
        (None, None),
        ("jav", None),
    ],
)
def test_language_of_a_saleor_code(code, language):
    assert language_of(code) == language


def test_other_languages_read_the_channels():
    assert channel_language("JP") == "ja"
    assert channel_language("US") == "en"
    assert channel_language(None) == "en"
    assert customer_language("fr", "JP") == "ja"
    assert customer_language("en", "JP") == "en"
    assert customer_language(None, "US") == "en"


def test_fallbacks():
    both = {"ja": "ありがとう", "en": "Thanks"}
    assert customer_facing(both, "internal", "ja") == "ありがとう"
    assert customer_facing(both, "internal", "en") == "Thanks"
    assert customer_facing({"ja": "ありがとう", "en": ""}, "internal", "en") == (
        "ありがとう"
    )
    assert customer_facing({"ja": "", "en": ""}, "internal", "ja") == "internal"


def test_names_are_trimmed_and_bounded():
    assert clean_names({"ja": "  名前 ", "en": None}, "customer_name") == {"ja": "名前"}
    assert clean_names({"ja": "x" * MAX_LENGTH}, "customer_name") == {
        "ja": "x" * MAX_LENGTH
    }
    with pytest.raises(CRMServiceError) as exc:
        clean_names({"en": "x" * (MAX_LENGTH + 1)}, "customer_name")
    assert exc.value.field == "customer_name_en"
    assert exc.value.code is CRMErrorCode.INVALID
