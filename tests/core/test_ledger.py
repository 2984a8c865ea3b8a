from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from saleor_crm_plugin.domain.ledger import (
    Award,
    InsufficientPoints,
    allocate_spend,
    apply_taken,
    balances,
    earn_points,
    expire,
    reverse_award,
)

NOW = datetime(2026, 6, 1, tzinfo=UTC)
DAY = timedelta(days=1)


def award(id, points, *, remaining=None, available=-1, expires=None):
    return Award(
        id=id,
        points=points,
        remaining=points if remaining is None else remaining,
        available_at=NOW + available * DAY,
        expires_at=None if expires is None else NOW + expires * DAY,
    )


@pytest.mark.parametrize(
    "amount, rate, mult, rounding, expected",
    [
        (Decimal("30.00"), Decimal(1), Decimal(1), "down", 30),
        (Decimal("45.99"), Decimal(1), Decimal("1.5"), "down", 68),  # 68.985
        (Decimal("45.99"), Decimal(1), Decimal("1.5"), "half_up", 69),
        (Decimal("0.49"), Decimal(1), Decimal(1), "half_up", 0),
        (Decimal("0.50"), Decimal(1), Decimal(1), "half_up", 1),
        (Decimal("1000"), Decimal("0.01"), Decimal(2), "down", 20),  # JPY: 1 per 100
        (Decimal("0"), Decimal(1), Decimal(1), "down", 0),
    ],
)
def test_earn_points(amount, rate, mult, rounding, expected):
    assert earn_points(amount, rate, mult, rounding) == expected


def test_earn_points_refuses_negatives():
    with pytest.raises(ValueError):
        earn_points(Decimal("-1"), Decimal(1), Decimal(1))


def test_pending_until_the_return_window_ends_then_available_until_expiry():
    a = award(1, 50, available=2, expires=10)
    assert balances([a], NOW) == {"available": 0, "pending": 50}
    assert balances([a], NOW + 2 * DAY) == {"available": 50, "pending": 0}
    assert balances([a], NOW + 10 * DAY) == {"available": 0, "pending": 0}


def test_spending_takes_the_soonest_expiring_first_and_never_expiry_less_first():
    awards = [
        award(1, 50, expires=None),  # never expires: last
        award(2, 30, expires=20),
        award(3, 20, expires=5),
        award(4, 40, available=3, expires=4),  # pending: untouchable
    ]
    assert allocate_spend(awards, 60, NOW) == [(3, 20), (2, 30), (1, 10)]


def test_spending_more_than_available_takes_nothing():
    awards = [award(1, 50), award(2, 40, available=3)]
    with pytest.raises(InsufficientPoints):
        allocate_spend(awards, 51, NOW)
    with pytest.raises(ValueError):
        allocate_spend(awards, 0, NOW)


def test_expire_reports_what_is_left_of_each_expired_award():
    awards = [
        award(1, 50, remaining=20, expires=-1),
        award(2, 10, expires=1),
        award(3, 5, remaining=0, expires=-2),
    ]
    assert expire(awards, NOW) == [(1, 20)]


def test_partial_refunds_in_steps_add_up_to_one_refund():
    a = award(1, 100)
    first = reverse_award(a, Decimal("25"), Decimal("100"))
    assert (first.points_removed, first.shortfall) == (25, 0)
    a = apply_taken([a], [(1, 25)])[0]
    second = reverse_award(a, Decimal("60"), Decimal("100"), already_reversed=25)
    assert (second.points_removed, second.shortfall) == (35, 0)
    once = reverse_award(award(1, 100), Decimal("60"), Decimal("100"))
    assert once.points_removed == 60


def test_reversal_of_spent_points_claws_back_to_zero_and_records_the_shortfall():
    a = award(1, 100, remaining=30)
    r = reverse_award(a, Decimal("100"), Decimal("100"))
    assert (r.points_removed, r.shortfall) == (30, 70)


def test_replayed_reversal_removes_nothing_more():
    a = award(1, 100, remaining=50)
    r = reverse_award(a, Decimal("50"), Decimal("100"), already_reversed=50)
    assert (r.points_removed, r.shortfall) == (0, 0)


awards_st = st.lists(
    st.builds(
        lambda i, p, av, ex: award(i, p, available=av, expires=ex),
        st.integers(1, 10_000),
        st.integers(1, 500),
        st.integers(-30, 30),
        st.one_of(st.none(), st.integers(-30, 400)),
    ),
    max_size=12,
    unique_by=lambda a: a.id,
)


@given(awards_st, st.integers(1, 3000))
def test_spending_never_overspends_and_takes_in_expiry_order(awards, points):
    available = balances(awards, NOW)["available"]
    if points > available:
        with pytest.raises(InsufficientPoints):
            allocate_spend(awards, points, NOW)
        return
    taken = allocate_spend(awards, points, NOW)
    assert sum(n for _, n in taken) == points
    by_id = {a.id: a for a in awards}
    for award_id, n in taken:
        assert 0 < n <= by_id[award_id].available(NOW)
    after = apply_taken(awards, taken)
    assert balances(after, NOW)["available"] == available - points
    assert all(a.remaining >= 0 for a in after)
    # an award emptied by this spend expires no later than any award still holding
    # available points (soonest-expiring first)
    far = NOW + 10_000 * DAY
    emptied = [
        by_id[i].expires_at or far for i, n in taken if n == by_id[i].available(NOW)
    ]
    left = [a.expires_at or far for a in after if a.available(NOW) > 0]
    if emptied and left:
        assert max(emptied) <= min(left)


@given(st.integers(1, 1000), st.lists(st.integers(0, 100), min_size=1, max_size=5))
def test_stepwise_refunds_equal_a_single_refund(points, steps):
    total = Decimal(100)
    cumulative, already, remaining = Decimal(0), 0, points
    for step in steps:
        cumulative = min(cumulative + step, total)
        r = reverse_award(
            award(1, points, remaining=remaining), cumulative, total, already
        )
        already += r.points_removed + r.shortfall
        remaining -= r.points_removed
    single = reverse_award(award(1, points), cumulative, total)
    assert already == single.points_removed + single.shortfall
    assert remaining >= 0


def test_the_points_base_is_the_subtotal_or_the_total():
    from saleor_crm_plugin.domain.ledger import points_base_amount, refunded_of_base

    total, subtotal = Decimal("30"), Decimal("20")
    assert points_base_amount("subtotal", total, subtotal) == Decimal("20")
    assert points_base_amount("total", total, subtotal) == Decimal("30")
    # a row synced before the subtotal was kept earns on its total
    assert points_base_amount("subtotal", total, None) == Decimal("30")
    assert points_base_amount("subtotal", total, Decimal("-1")) == 0
    with pytest.raises(ValueError):
        points_base_amount("net", total, subtotal)
    # a refund takes back the points of what it refunded, up to the base
    assert refunded_of_base(subtotal, Decimal("10"), False) == Decimal("10")
    assert refunded_of_base(subtotal, Decimal("30"), False) == subtotal
    assert refunded_of_base(subtotal, Decimal("0"), True) == subtotal
