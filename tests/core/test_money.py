from dataclasses import FrozenInstanceError
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from saleor_crm_plugin.domain.money import CurrencyMismatch, Money, quantize

D = Decimal

amounts = st.decimals(
    min_value=D("-1000000000"),
    max_value=D("1000000000"),
    places=4,
    allow_nan=False,
    allow_infinity=False,
)


def usd(value: str) -> Money:
    return Money(D(value), "USD")


# --- arithmetic -----------------------------------------------------------------


def test_addition_same_currency():
    assert usd("1.10") + usd("2.25") == usd("3.35")


def test_subtraction_same_currency_may_go_negative():
    assert usd("2.25") - usd("3.00") == usd("-0.75")


def test_result_keeps_currency():
    total = Money(D("1"), "EUR") + Money(D("2"), "EUR")
    assert total.currency == "EUR"
    assert total.amount == D("3")


@given(amounts, amounts)
def test_add_then_subtract_round_trips(a, b):
    assert (Money(a, "USD") + Money(b, "USD")) - Money(b, "USD") == Money(a, "USD")


@given(amounts)
def test_zero_is_identity(a):
    assert Money(a, "PLN") + Money.zero("PLN") == Money(a, "PLN")
    assert Money(a, "PLN") - Money.zero("PLN") == Money(a, "PLN")
    assert Money.zero("PLN") == Money(D(0), "PLN")


@pytest.mark.parametrize("op", [lambda a, b: a + b, lambda a, b: a - b])
def test_mixing_currencies_raises(op):
    with pytest.raises(CurrencyMismatch, match="USD.*EUR"):
        op(usd("1"), Money(D("1"), "EUR"))


def test_currency_mismatch_is_a_value_error():
    assert issubclass(CurrencyMismatch, ValueError)


@pytest.mark.parametrize("other", [D("1"), 1, 1.0, "1", None])
@pytest.mark.parametrize("op", [lambda a, b: a + b, lambda a, b: a - b])
def test_only_money_combines_with_money(op, other):
    with pytest.raises(TypeError):
        op(usd("1"), other)


@pytest.mark.parametrize("amount", [1, 1.5, "1.50", None])
def test_amount_must_be_decimal(amount):
    with pytest.raises(TypeError):
        Money(amount, "USD")


@pytest.mark.parametrize("currency", ["US", "USDT", "", None, 840])
def test_currency_must_be_three_letter_string(currency):
    with pytest.raises(ValueError):
        Money(D("1"), currency)


def test_money_is_immutable():
    m = usd("1")
    with pytest.raises(FrozenInstanceError):
        m.amount = D("2")


# --- quantize -------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, places, expected",
    [
        ("1.0005", 3, "1.001"),
        ("-1.0005", 3, "-1.001"),
        ("0.0025", 3, "0.003"),  # banker's rounding would give 0.002
        ("-0.0025", 3, "-0.003"),
        ("1.00049999", 3, "1.000"),
        ("-1.00049999", 3, "-1.000"),
        ("2.5", 0, "3"),
        ("-2.5", 0, "-3"),
        ("0.125", 2, "0.13"),
        ("20.003333333", 3, "20.003"),
        ("7", 3, "7.000"),
    ],
)
def test_quantize_rounds_half_away_from_zero(value, places, expected):
    result = quantize(D(value), places)
    assert result == D(expected)
    assert result.as_tuple().exponent == -places


def test_quantize_defaults_to_three_places():
    assert quantize(D("1.23456")) == D("1.235")
    assert quantize(D("1")).as_tuple().exponent == -3


def _pg_round(value: Decimal, places: int) -> Fraction:
    """Independent oracle for PostgreSQL round(numeric, n): half away from zero."""
    scaled = Fraction(value) * 10**places
    sign = -1 if scaled < 0 else 1
    magnitude = abs(scaled)
    rounded = int(magnitude)
    if magnitude - rounded >= Fraction(1, 2):
        rounded += 1
    return Fraction(sign * rounded, 10**places)


@given(
    st.decimals(
        min_value=D("-1000000"),
        max_value=D("1000000"),
        places=8,
        allow_nan=False,
        allow_infinity=False,
    ),
    st.integers(min_value=0, max_value=6),
)
def test_quantize_matches_postgres_round(value, places):
    result = quantize(value, places)
    assert Fraction(result) == _pg_round(value, places)
    assert result.as_tuple().exponent == -places


@given(amounts)
def test_quantize_is_symmetric_and_idempotent(value):
    assert quantize(-value) == -quantize(value)
    assert quantize(quantize(value)) == quantize(value)
    assert abs(quantize(value) - value) <= D("0.0005")
