"""Analytics definitions (pure): periods, request checks, medians and the
reference KPIs on hand-worked histories."""

import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from saleor_crm_plugin.domain import analytics as A


def test_buckets_clip_weeks_and_months():
    # 2026-01-07 is a Wednesday
    weeks = A.buckets(date(2026, 1, 7), date(2026, 1, 20), A.WEEK)
    assert [(b.start, b.end) for b in weeks] == [
        (date(2026, 1, 7), date(2026, 1, 11)),
        (date(2026, 1, 12), date(2026, 1, 18)),
        (date(2026, 1, 19), date(2026, 1, 20)),
    ]
    months = A.buckets(date(2024, 1, 31), date(2024, 3, 1), A.MONTH)
    assert [(b.start, b.end) for b in months] == [
        (date(2024, 1, 31), date(2024, 1, 31)),
        (date(2024, 2, 1), date(2024, 2, 29)),
        (date(2024, 3, 1), date(2024, 3, 1)),
    ]


@given(
    st.dates(date(2000, 1, 1), date(2030, 1, 1)),
    st.integers(0, 1000),
    st.sampled_from(A.GRAINS),
)
def test_buckets_partition_the_range(start, length, grain):
    end = start + timedelta(days=length)
    out = A.buckets(start, end, grain)
    assert out[0].start == start and out[-1].end == end
    for a, b in itertools.pairwise(out):
        assert b.start == a.end + timedelta(days=1)
    assert all(b.start <= b.end for b in out)


@pytest.mark.parametrize(
    ("start", "end", "grain", "code"),
    [
        (date(2026, 2, 1), date(2026, 1, 1), A.DAY, A.INVALID_RANGE),
        (date(2020, 1, 1), date(2026, 1, 1), A.MONTH, A.RANGE_TOO_LONG),
        (date(2024, 1, 1), date(2025, 6, 1), A.DAY, A.GRAIN_TOO_FINE),
        (date(2024, 1, 1), date(2024, 1, 2), "hour", A.INVALID),
    ],
)
def test_bad_ranges(start, end, grain, code):
    with pytest.raises(A.AnalyticsError) as err:
        A.check_range(start, end, grain)
    assert err.value.code == code


def test_limits():
    assert len(A.check_range(date(2025, 1, 1), date(2025, 12, 31), A.DAY)) == 365
    assert (
        len(A.check_range(date(2023, 1, 1), date(2025, 12, 31), A.WEEK)) == 158
    )  # 2023-01-01: a Sunday
    for bad in (0, A.F2_DAYS_MAX + 1):
        with pytest.raises(A.AnalyticsError) as err:
            A.check_f2_days(bad)
        assert err.value.code == A.OUT_OF_BOUNDS
    assert len(A.check_cohort_range(date(2023, 1, 15), date(2025, 12, 1))) == 36
    with pytest.raises(A.AnalyticsError):
        A.check_cohort_range(date(2023, 1, 1), date(2026, 1, 1))
    with pytest.raises(A.AnalyticsError):
        A.check_time_zone("Mars/Base")
    assert A.check_time_zone("Asia/Tokyo") == "Asia/Tokyo"


@given(st.lists(st.integers(0, 50), min_size=0, max_size=30))
def test_weighted_median_is_the_lower_median(values):
    counts = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    assert A.weighted_lower_median(counts) == A.lower_median(values)


def _o(
    profile,
    day,
    total,
    *,
    paid=True,
    refunded=0,
    cancelled=False,
    currency="USD",
    hour=12,
):
    return A.RefOrder(
        profile=profile,
        placed_at=datetime(day.year, day.month, day.day, hour, tzinfo=UTC),
        currency=currency,
        total=Decimal(total),
        refunded=Decimal(refunded),
        paid=paid,
        cancelled=cancelled,
    )


def test_reference_hand_worked():
    """A buys on Jan 10 (100, refunded 30) and Jan 20 (50); B on Jan 15 (80,
    fully refunded) and a cancelled order; C on Jan 3 in EUR (counted, not
    added) and Mar 1."""
    orders = [
        _o("A", date(2026, 1, 10), 100, refunded=30),
        _o("A", date(2026, 1, 20), 50),
        _o("B", date(2026, 1, 15), 80, refunded=80),
        _o("B", date(2026, 1, 16), 999, cancelled=True),
        _o("C", date(2026, 1, 3), 10, currency="EUR"),
        _o("C", date(2026, 3, 1), 10),
    ]
    jan = A.reference_period(
        orders,
        "USD",
        "UTC",
        A.Bucket(date(2026, 1, 1), date(2026, 1, 31)),
        today=date(2026, 6, 1),
        f2_days=30,
    )
    assert (jan.orders, jan.other_currency_orders, jan.paid_orders) == (4, 1, 2)
    assert (jan.revenue, jan.aov) == (Decimal(120), Decimal("60.000"))
    assert (jan.new_customers, jan.active_customers, jan.returning_customers) == (
        3,
        3,
        0,
    )
    assert (jan.repeat_customers, jan.repeat_rate) == (1, Decimal("0.333333"))
    # A converted in 10 days; C's second order came 57 days later (> 30)
    assert (jan.f2_eligible, jan.f2_converted) == (3, 1)
    assert jan.second_order_days == {10: 1, 57: 1}
    assert jan.second_order_median == 10
    mar = A.reference_period(
        orders,
        "USD",
        "UTC",
        A.Bucket(date(2026, 3, 1), date(2026, 3, 31)),
        today=date(2026, 6, 1),
    )
    assert (mar.active_customers, mar.returning_customers, mar.repeat_customers) == (
        1,
        1,
        1,
    )
    cohorts = A.reference_cohorts(orders, "USD", "UTC", [date(2026, 1, 1)])
    jan_c = cohorts[date(2026, 1, 1)]
    assert (jan_c.size, jan_c.active[:3]) == (3, [3, 0, 1])
    assert jan_c.revenue[:3] == [Decimal(120), Decimal(0), Decimal(10)]
    assert A.ltv_cell(jan_c, 3, date(2026, 6, 1)) == Decimal("43.333")
    assert A.ltv_cell(jan_c, 6, date(2026, 6, 1)) is None
    assert A.retention_cell(jan_c, 2, date(2026, 6, 1)) == Decimal("0.333333")


def test_time_zone_moves_an_order_to_another_day():
    late = A.RefOrder(
        profile="A",
        placed_at=datetime(2026, 1, 1, 3, tzinfo=UTC),
        currency="USD",
        total=Decimal(5),
        paid=True,
    )
    in_tokyo = A.reference_period(
        [late],
        "USD",
        "Asia/Tokyo",
        A.Bucket(date(2026, 1, 1), date(2026, 1, 1)),
        today=date(2026, 6, 1),
    )
    in_la = A.reference_period(
        [late],
        "USD",
        "America/Los_Angeles",
        A.Bucket(date(2026, 1, 1), date(2026, 1, 1)),
        today=date(2026, 6, 1),
    )
    assert (in_tokyo.orders, in_la.orders) == (1, 0)
