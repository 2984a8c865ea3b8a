from datetime import UTC, datetime
from decimal import Decimal

import pytest

from saleor_crm_plugin.domain.orders import (
    FULLY_CHARGED,
    OrderState,
    is_paid,
    skip_reason,
)

D = Decimal
T0 = datetime(2025, 1, 1, 12, tzinfo=UTC)


# --- skip_reason: Saleor 3.23 OrderStatus values ----------------------------------


@pytest.mark.parametrize(
    "status, reason",
    [("draft", "draft"), ("unconfirmed", "unconfirmed"), ("expired", "expired")],
)
def test_not_yet_or_never_orders_are_skipped(status, reason):
    assert skip_reason(status) == reason


@pytest.mark.parametrize(
    "status",
    [
        "unfulfilled",
        "partially fulfilled",  # Saleor spells this one with a space
        "fulfilled",
        "partially_returned",
        "returned",
        "canceled",  # imported, then counted as cancelled
    ],
)
def test_real_orders_are_imported(status):
    assert skip_reason(status) is None


def test_status_match_is_exact():
    assert skip_reason("Draft") is None
    assert skip_reason("draft ") is None


# --- is_paid: Saleor 3.23 OrderChargeStatus values --------------------------------


def test_fully_charged_statuses():
    assert FULLY_CHARGED == {"full", "overcharged"}


@pytest.mark.parametrize(
    "status, total, charged, refunded, expected",
    [
        ("full", "100", "100", "0", True),
        # the status is trusted even if the amounts lag behind
        ("full", "100", "0", "0", True),
        ("overcharged", "100", "120", "0", True),
        ("partial", "100", "50", "0", False),
        ("partial", "100", "99.999", "0", False),
        # refunds lowered total_charged; adding them back shows it was paid
        ("partial", "100", "50", "50", True),
        ("partial", "100", "70", "40", True),
        ("none", "100", "0", "100", True),
        ("none", "100", "0", "99.99", False),
        ("none", "100", "0", "0", False),
        # zero totals are paid as soon as placed
        ("none", "0", "0", "0", True),
        ("partial", "0", "0", "0", True),
        ("full", "0", "0", "0", True),
    ],
)
def test_is_paid(status, total, charged, refunded, expected):
    assert (
        is_paid(
            total=D(total),
            charged=D(charged),
            refunded=D(refunded),
            charge_status=status,
        )
        is expected
    )


def test_is_paid_takes_keyword_arguments_only():
    with pytest.raises(TypeError):
        is_paid(D(1), D(1), D(0), "full")


# --- OrderState ---------------------------------------------------------------------


def state(total="100", refunded="0", paid=True, cancelled=False):
    return OrderState(
        currency="USD",
        total=D(total),
        refunded=D(refunded),
        placed_at=T0,
        paid_at=T0 if paid else None,
        cancelled=cancelled,
    )


@pytest.mark.parametrize(
    "kwargs, paid, fully_refunded, effective",
    [
        ({}, True, False, True),
        ({"paid": False}, False, False, False),
        ({"cancelled": True}, False, False, False),
        ({"refunded": "30"}, True, False, True),
        ({"refunded": "99.99"}, True, False, True),
        ({"refunded": "100"}, True, True, False),
        ({"refunded": "150"}, True, True, False),
        ({"paid": False, "refunded": "100"}, False, True, False),
        ({"cancelled": True, "refunded": "100"}, False, True, False),
        # a zero-total order can never be "fully refunded"
        ({"total": "0"}, True, False, True),
        ({"total": "0", "refunded": "0"}, True, False, True),
    ],
)
def test_order_state_flags(kwargs, paid, fully_refunded, effective):
    s = state(**kwargs)
    assert s.paid is paid
    assert s.fully_refunded is fully_refunded
    assert s.effective is effective
