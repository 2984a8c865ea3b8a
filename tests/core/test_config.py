import pytest

from saleor_crm_plugin.domain.config import ConfigError, CRMConfig, parse_config


def test_defaults_when_empty():
    assert parse_config({}) == CRMConfig()


def test_values_are_parsed_from_dashboard_strings():
    config = parse_config(
        {"attribute_guest_orders": "false", "batch_size": "500", "max_retry_attempts": 3}
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
