"""Property-based checks of the ledger and tier arithmetic (hypothesis), beyond
the example tests in test_ledger.py / test_tiers.py."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given
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
from saleor_crm_plugin.domain.tiers import (
    Membership,
    Metric,
    TierRule,
    Window,
    WindowKind,
    add_months,
    effective_rank,
    qualifying_tier,
)

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


@st.composite
def award(draw, ident):
    points = draw(st.integers(1, 500))
    remaining = draw(st.integers(0, points))
    available = NOW + timedelta(days=draw(st.integers(-60, 30)))
    expires = draw(
        st.one_of(
            st.none(), st.integers(-30, 400).map(lambda d: NOW + timedelta(days=d))
        )
    )
    return Award(ident, points, remaining, available, expires)


awards_st = st.integers(0, 8).flatmap(
    lambda n: st.tuples(*[award(i + 1) for i in range(n)]).map(list)
)


@given(awards_st, st.integers(1, 2000))
def test_spending_takes_only_available_points_and_exactly_the_amount(awards, points):
    try:
        taken = allocate_spend(awards, points, NOW)
    except InsufficientPoints:
        assert balances(awards, NOW)["available"] < points
        return
    by_id = {a.id: a for a in awards}
    assert sum(n for _, n in taken) == points
    for award_id, n in taken:
        a = by_id[award_id]
        assert 0 < n <= a.available(NOW)  # never pending, expired or more than left
    after = apply_taken(awards, taken)
    assert all(a.remaining >= 0 for a in after)
    assert (
        balances(after, NOW)["available"] == balances(awards, NOW)["available"] - points
    )
    assert balances(after, NOW)["pending"] == balances(awards, NOW)["pending"]


@given(awards_st, st.data())
def test_an_award_is_touched_only_once_the_sooner_expiring_ones_are_used_up(
    awards, data
):
    # a spend the balance covers, drawn within it (drawing any amount and
    # discarding the uncovered ones threw away most inputs: a flaky health check)
    available = balances(awards, NOW)["available"]
    assume(available >= 1)
    points = data.draw(st.integers(1, available), label="points")
    taken = dict(allocate_spend(awards, points, NOW))
    usable = [a for a in awards if a.available(NOW) > 0]
    far = datetime.max.replace(tzinfo=UTC)
    for a in usable:
        if a.id not in taken:
            continue
        for sooner in usable:
            if (sooner.expires_at or far) < (a.expires_at or far):
                assert taken.get(sooner.id) == sooner.available(NOW)


@given(awards_st)
def test_expiry_removes_nothing_that_was_spendable(awards):
    expired = expire(awards, NOW)
    assert {i for i, _ in expired} == {
        a.id for a in awards if a.expired(NOW) and a.remaining > 0
    }
    after = apply_taken(awards, expired)
    assert balances(after, NOW) == balances(awards, NOW)
    assert expire(after, NOW) == []  # idempotent


@given(
    st.integers(1, 5000).flatmap(
        lambda points: st.tuples(st.just(points), st.integers(0, points))
    ),
    st.decimals(0, 1000, places=2),
    st.decimals("0.01", 1000, places=2),
)
def test_reversal_accounts_for_every_point_due(award_points, refunded, total):
    # what is left of an award is at most what it gave (drawn so, not filtered)
    points, remaining = award_points
    a = Award(1, points, remaining, NOW, None)
    r = reverse_award(a, refunded, total)
    share = min(refunded / total, Decimal(1))
    due = int((points * share).quantize(Decimal(1), "ROUND_HALF_UP"))
    assert r.points_removed + r.shortfall == due
    assert 0 <= r.points_removed <= remaining
    if refunded >= total:
        assert r.points_removed + r.shortfall == points


@given(
    st.integers(1, 5000), st.decimals(0, 500, places=2), st.decimals(0, 500, places=2)
)
def test_reversal_is_monotonic_in_the_refund(points, r1, r2):
    a = Award(1, points, points, NOW, None)
    low, high = sorted([r1, r2])
    total = Decimal(500)
    assert (
        reverse_award(a, low, total).points_removed
        <= reverse_award(a, high, total).points_removed
    )


amounts = st.decimals(0, 100_000, places=3)
rates = st.decimals(0, 10, places=4)


@given(amounts, amounts, rates, st.sampled_from(["down", "half_up", "floor"]))
def test_earning_is_monotonic_in_the_amount(a1, a2, rate, rounding):
    low, high = sorted([a1, a2])
    assert (
        0
        <= earn_points(low, rate, Decimal(1), rounding)
        <= earn_points(high, rate, Decimal(1), rounding)
    )


@given(amounts, rates, st.decimals(0, 5, places=2))
def test_rounding_down_never_gives_a_point_not_earned(amount, rate, multiplier):
    exact = amount * rate * multiplier
    down = earn_points(amount, rate, multiplier, "down")
    assert down <= exact < down + 1
    assert earn_points(amount, rate, multiplier, "half_up") - down in (0, 1)


moments = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2090, 12, 31),
    timezones=st.just(UTC),
)


@given(moments, st.integers(-240, 240))
def test_add_months_lands_in_the_right_month_on_a_clamped_day(moment, months):
    moved = add_months(moment, months)
    assert moved.year * 12 + moved.month == moment.year * 12 + moment.month + months
    assert moved.day <= moment.day
    assert (moved.hour, moved.minute, moved.second) == (
        moment.hour,
        moment.minute,
        moment.second,
    )
    if moment.day <= 28:
        assert add_months(moved, -months) == moment


zones = st.sampled_from(
    [
        "UTC",
        "Asia/Tokyo",
        "America/New_York",
        "Europe/Warsaw",
        "Pacific/Kiritimati",
        "America/St_Johns",
    ]
)


@given(moments, zones, st.integers(1, 120))
def test_windows_start_before_now_at_the_right_local_instant(now, zone, months):
    local = now.astimezone(ZoneInfo(zone))
    year = Window(WindowKind.CALENDAR_YEAR, time_zone=zone).start(now)
    assert year <= now
    start_local = year.astimezone(ZoneInfo(zone))
    assert (
        start_local.year,
        start_local.month,
        start_local.day,
        start_local.hour,
        start_local.minute,
    ) == (local.year, 1, 1, 0, 0)
    rolling = Window(WindowKind.ROLLING_MONTHS, months, zone)
    assert rolling.start(now) <= now
    assert rolling.contains(now, now)
    assert not rolling.contains(rolling.start(now) - timedelta(microseconds=1), now)
    assert Window(WindowKind.LIFETIME, time_zone=zone).start(now) is None


ladder_st = st.lists(
    st.tuples(st.sampled_from(list(Metric)), st.decimals(0, 1000, places=2)),
    min_size=1,
    max_size=6,
).map(lambda rungs: [TierRule(i, i, m, t) for i, (m, t) in enumerate(rungs)])
figures_st = st.fixed_dictionaries({m: st.decimals(0, 2000, places=2) for m in Metric})


@given(ladder_st, figures_st, figures_st)
def test_more_of_every_figure_never_lands_lower(ladder, f1, f2):
    low = {m: min(f1[m], f2[m]) for m in Metric}
    high = {m: max(f1[m], f2[m]) for m in Metric}
    q_low, q_high = qualifying_tier(ladder, low), qualifying_tier(ladder, high)
    assert (q_low.rank if q_low else -1) <= (q_high.rank if q_high else -1)
    for tier in ladder:  # exactly at a threshold qualifies for that tier at least
        exact = {**low, tier.metric: tier.threshold}
        assert qualifying_tier(ladder, exact).rank >= tier.rank


@given(
    st.one_of(st.none(), st.integers(0, 5)),
    st.integers(0, 5),
    st.one_of(st.none(), st.integers(-10, 10)),
)
def test_an_override_applies_exactly_until_it_expires(tier_rank, override, days):
    expires = None if days is None else NOW + timedelta(days=days)
    member = Membership(tier_rank, override_rank=override, override_expires_at=expires)
    expected = override if expires is None or expires > NOW else tier_rank
    assert effective_rank(member, NOW) == expected


def test_strategies_produce_spendable_awards():
    """Guard: the generators above do produce awards that can be spent (otherwise
    the spending properties would hold vacuously)."""
    a = Award(1, 10, 10, NOW - timedelta(days=1), NOW + timedelta(days=1))
    assert allocate_spend([a], 10, NOW) == [(1, 10)]
    with pytest.raises(InsufficientPoints):
        allocate_spend([a], 11, NOW)
