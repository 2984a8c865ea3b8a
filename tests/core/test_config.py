from dataclasses import FrozenInstanceError

import pytest
from hypothesis import given
from hypothesis import strategies as st

from saleor_crm_plugin.domain.config import FIELDS, ConfigError, CRMConfig, parse_config


def test_defaults_when_empty():
    assert parse_config({}) == CRMConfig()


def test_values_are_parsed_from_dashboard_strings():
    config = parse_config(
        {
            "attribute_guest_orders": "false",
            "batch_size": "500",
            "max_retry_attempts": 3,
        }
    )
    assert config == CRMConfig(
        attribute_guest_orders=False, batch_size=500, max_retry_attempts=3
    )


def test_every_bad_field_is_reported():
    with pytest.raises(ConfigError) as exc:
        parse_config({"batch_size": "10", "attribute_guest_orders": "maybe", "x": 1})
    assert exc.value.errors == {
        "batch_size": "Enter a number from 100 to 50000.",
        "attribute_guest_orders": "Enter true or false.",
        "x": "Unknown setting.",
    }


@pytest.mark.parametrize("value", ["abc", "1.5", True, "0", "101"])
def test_non_integers_rejected(value):
    with pytest.raises(ConfigError):
        parse_config({"max_retry_attempts": value})


# --- booleans ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        (True, True),
        (False, False),
        ("true", True),
        ("TRUE", True),
        (" True ", True),
        ("1", True),
        ("yes", True),
        ("on", True),
        ("ON", True),
        ("false", False),
        ("False", False),
        (" false\n", False),
        ("0", False),
        ("no", False),
        ("off", False),
        ("", False),
        ("   ", False),
    ],
)
def test_boolean_variants(value, expected):
    assert parse_config({"attribute_guest_orders": value}).attribute_guest_orders is (
        expected
    )


@pytest.mark.parametrize("value", ["maybe", "y", "n", "t", "2", "1.0", "truee", [], {}])
def test_bad_booleans_rejected(value):
    with pytest.raises(ConfigError) as exc:
        parse_config({"attribute_guest_orders": value})
    assert exc.value.errors == {"attribute_guest_orders": "Enter true or false."}


# --- integer ranges ---------------------------------------------------------------


@pytest.mark.parametrize(
    "name, value",
    [
        ("batch_size", 100),
        ("batch_size", 50000),
        ("batch_size", "100"),
        ("batch_size", " 50000 "),
        ("max_retry_attempts", 1),
        ("max_retry_attempts", 100),
        ("max_retry_attempts", "100"),
    ],
)
def test_range_bounds_are_inclusive(name, value):
    assert getattr(parse_config({name: value}), name) == int(str(value).strip())


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("batch_size", 99, "Enter a number from 100 to 50000."),
        ("batch_size", "50001", "Enter a number from 100 to 50000."),
        ("batch_size", -100, "Enter a number from 100 to 50000."),
        ("max_retry_attempts", 0, "Enter a number from 1 to 100."),
        ("max_retry_attempts", 101, "Enter a number from 1 to 100."),
        ("batch_size", "", "Enter a whole number."),
        ("batch_size", "500.0", "Enter a whole number."),
        ("batch_size", 500.5, "Enter a whole number."),
        ("batch_size", False, "Enter a whole number."),
        ("batch_size", [500], "Enter a whole number."),
    ],
)
def test_out_of_range_and_non_integers_explain_themselves(name, value, message):
    with pytest.raises(ConfigError) as exc:
        parse_config({name: value})
    assert exc.value.errors == {name: message}


def test_none_means_default():
    assert (
        parse_config(
            {
                "attribute_guest_orders": None,
                "batch_size": None,
                "max_retry_attempts": None,
            }
        )
        == CRMConfig()
    )


def test_config_error_is_a_value_error_naming_each_field():
    with pytest.raises(ValueError) as exc:
        parse_config({"batch_size": "1", "nope": "x"})
    assert str(exc.value) == (
        "batch_size: Enter a number from 100 to 50000.; nope: Unknown setting."
    )


def test_fields_describe_every_setting_and_defaults_are_valid():
    assert set(FIELDS) == set(CRMConfig.__slots__)
    for name, spec in FIELDS.items():
        default = getattr(CRMConfig(), name)
        if spec["type"] == "int":
            assert spec["min"] <= default <= spec["max"]
        # a default written back as a dashboard string parses to itself
        assert getattr(parse_config({name: str(default).lower()}), name) == default


def test_config_is_immutable():
    with pytest.raises(FrozenInstanceError):
        CRMConfig().batch_size = 1


@given(st.sampled_from(["batch_size", "max_retry_attempts"]), st.data())
def test_any_integer_in_range_round_trips(name, data):
    lo, hi = FIELDS[name]["min"], FIELDS[name]["max"]
    value = data.draw(st.integers(lo, hi))
    as_text = data.draw(st.booleans())
    raw = str(value) if as_text else value
    assert getattr(parse_config({name: raw}), name) == value


@given(st.sampled_from(["batch_size", "max_retry_attempts"]), st.data())
def test_any_integer_out_of_range_is_rejected(name, data):
    lo, hi = FIELDS[name]["min"], FIELDS[name]["max"]
    value = data.draw(
        st.one_of(st.integers(max_value=lo - 1), st.integers(min_value=hi + 1))
    )
    with pytest.raises(ConfigError) as exc:
        parse_config({name: value})
    assert exc.value.errors == {name: f"Enter a number from {lo} to {hi}."}


# --- coupon delivery settings --------------------------------------------------------


def test_coupon_webhook_settings():
    config = parse_config(
        {
            "coupon_webhook_url": " https://hooks.example.com/crm ",
            "coupon_webhook_secret": "s" * 16,
            "birthday_metadata_key": "dob",
        }
    )
    assert (config.coupon_webhook_url, config.birthday_metadata_key) == (
        "https://hooks.example.com/crm",
        "dob",
    )
    with pytest.raises(ConfigError) as exc:
        parse_config({"coupon_webhook_url": "ftp://x", "birthday_metadata_key": " "})
    assert set(exc.value.errors) == {"coupon_webhook_url", "birthday_metadata_key"}
    with pytest.raises(ConfigError) as exc:
        parse_config({"coupon_webhook_url": "https://x.example"})
    assert exc.value.errors == {
        "coupon_webhook_secret": "A webhook needs a secret to sign with."
    }
    with pytest.raises(ConfigError) as exc:
        parse_config({"coupon_webhook_secret": "short"})
    assert exc.value.errors == {"coupon_webhook_secret": "Use at least 16 characters."}


# --- dashboard app ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", ""),
        ("https://shop.example.com", "https://shop.example.com"),
        (" https://shop.example.com/ ", "https://shop.example.com"),
        ("http://localhost:8000", "http://localhost:8000"),
        ("https://example.com/saleor/", "https://example.com/saleor"),
    ],
)
def test_app_public_url_is_an_origin_without_trailing_slash(value, expected):
    assert parse_config({"app_public_url": value}).app_public_url == expected


@pytest.mark.parametrize(
    "value",
    [
        "shop.example.com",
        "ftp://shop.example.com",
        "https://",
        "https://shop.example.com/?a=1",
        "https://shop.example.com/#x",
        "https://user:pw@shop.example.com",
        "https://:8000",
        "https://shop example.com",
    ],
)
def test_bad_app_public_urls_are_refused(value):
    with pytest.raises(ConfigError) as exc:
        parse_config({"app_public_url": value})
    assert set(exc.value.errors) == {"app_public_url"}


def test_signup_channels_are_slugs_separated_by_commas():
    assert CRMConfig().signup_channel_slugs == ()
    config = parse_config({"signup_channels": " jp-store , default_channel,"})
    assert config.signup_channels == "jp-store,default_channel"
    assert config.signup_channel_slugs == ("jp-store", "default_channel")
    assert parse_config({"signup_channels": ""}).signup_channel_slugs == ()
    with pytest.raises(ConfigError) as exc:
        parse_config({"signup_channels": "jp store"})
    assert "signup_channels" in exc.value.errors


def test_item_analytics_settings():
    """The co-purchase refresh's window and top-K: defaults as the item analytics
    constants, dashboard strings parsed, bounds enforced."""
    assert CRMConfig().copurchase_window_days == 90
    assert CRMConfig().copurchase_top_k == 20
    config = parse_config({"copurchase_window_days": "30", "copurchase_top_k": "5"})
    assert (config.copurchase_window_days, config.copurchase_top_k) == (30, 5)
    with pytest.raises(ConfigError) as exc:
        parse_config({"copurchase_window_days": "0", "copurchase_top_k": "101"})
    assert exc.value.errors == {
        "copurchase_window_days": "Enter a number from 1 to 365.",
        "copurchase_top_k": "Enter a number from 1 to 100.",
    }
