"""Property-based checks of the points ledger (hypothesis), complementing the
example tests in test_ledger.py and the single-step properties in
test_loyalty_properties.py: spending split in two equals spending at once,
refunds in steps with spending in between account for exactly the one-shot due
(``ROUND_HALF_UP`` of points x refunded share, as ledger.reverse_award states),
random sequences of ledger operations never drive a balance below zero, and
earning is monotonic in the amount, the rate and the multiplier under every
rounding rule."""

from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import assume, given
from hypothesis import strategies as st

from saleor_crm_plugin.domain.ledger import (
    ROUNDING,
    Award,
    InsufficientPoints,
    allocate_spend,
    apply_taken,
    balances,
    earn_points,
    expire,
    reverse_award,
)

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def _award(ident, points, used, available_days, expires_days):
    return Award(
        ident,
        points,
        points - min(used, points),
        NOW + available_days * DAY,
        None if expires_days is None else NOW + expires_days * DAY,
    )


awards_st = st.lists(
    st.builds(
        _award,
        st.integers(1, 10_000),
        st.integers(1, 400),
        st.integers(0, 400),
        st.integers(-40, 20),
        st.one_of(st.none(), st.integers(-20, 400)),
    ),
    max_size=10,
    unique_by=lambda a: a.id,
)


def _totals(taken):
    out = {}
    for award_id, n in taken:
        out[award_id] = out.get(award_id, 0) + n
    return out


@given(awards_st, st.data())
def test_spending_in_two_steps_takes_the_same_points_as_spending_at_once(awards, data):
    available = balances(awards, NOW)["available"]
    assume(available >= 2)
    p1 = data.draw(st.integers(1, available - 1))
    p2 = data.draw(st.integers(1, available - p1))
    first = allocate_spend(awards, p1, NOW)
    second = allocate_spend(apply_taken(awards, first), p2, NOW)
    once = allocate_spend(awards, p1 + p2, NOW)
    assert _totals(first + second) == _totals(once)


@given(awards_st, st.integers(1, 1500))
def test_pending_and_expired_awards_are_never_touched_by_spending(awards, points):
    try:
        taken = allocate_spend(awards, points, NOW)
    except InsufficientPoints:
        assert balances(awards, NOW)["available"] < points
        return
    untouchable = {a.id for a in awards if a.available_at > NOW or a.expired(NOW)}
    assert untouchable.isdisjoint(_totals(taken))
    # and an award with an expiry date is used before any award without one
    by_id = {a.id: a for a in awards}
    if any(by_id[i].expires_at is None for i, _ in taken):
        for a in awards:
            if a.expires_at is not None and a.available(NOW) > 0:
                assert _totals(taken).get(a.id) == a.available(NOW)


def _due(points: int, refunded: Decimal, total: Decimal) -> int:
    """The rule stated in ledger.reverse_award: points x refunded share (clamped to
    [0, 1], full when the order total is not positive), rounded half up."""
    share = (
        Decimal(1) if total <= 0 else min(max(refunded / total, Decimal(0)), Decimal(1))
    )
    return int((Decimal(points) * share).quantize(Decimal(1), ROUND_HALF_UP))


@given(
    st.integers(1, 2000),
    st.decimals("0.01", 1000, places=2),
    st.lists(
        st.tuples(st.decimals(0, 400, places=2), st.integers(0, 2000)),
        min_size=1,
        max_size=6,
    ),
)
def test_refunds_in_steps_with_spending_between_them_account_for_the_one_shot_due(
    points, total, steps
):
    """Each step: part of the award is spent (or expires), then the cumulative
    refunded amount grows. Whatever happened in between, removed + shortfall
    over all steps equals what one refund of the final amount is due, points are
    never removed beyond what is left, and nothing goes negative."""
    remaining, already, removed_sum, refunded = points, 0, 0, Decimal(0)
    for refund_step, spent in steps:
        remaining -= min(spent, remaining)  # spent or expired meanwhile
        refunded = min(refunded + refund_step, total)
        r = reverse_award(
            Award(1, points, remaining, NOW, None), refunded, total, already
        )
        assert r.points_removed >= 0 and r.shortfall >= 0
        assert r.points_removed <= remaining
        remaining -= r.points_removed
        already += r.points_removed + r.shortfall
        removed_sum += r.points_removed
    assert already == _due(points, refunded, total)
    one_shot = reverse_award(Award(1, points, points, NOW, None), refunded, total)
    assert one_shot.points_removed + one_shot.shortfall == already
    assert 0 <= remaining <= points
    assert removed_sum <= points


@given(
    st.integers(1, 2000),
    st.integers(0, 2000),
    st.decimals(0, 1000, places=2),
    st.decimals(-10, 0, places=2),
)
def test_an_order_without_a_positive_total_reverses_everything_due(
    points, used, refunded, total
):
    remaining = points - min(used, points)
    r = reverse_award(Award(1, points, remaining, NOW, None), refunded, total)
    assert (r.points_removed, r.shortfall) == (remaining, points - remaining)


@given(
    st.integers(1, 2000),
    st.integers(0, 2000),
    st.decimals(0, 1000, places=2),
    st.decimals("0.01", 1000, places=2),
)
def test_replaying_a_reversal_with_its_own_result_adds_nothing(
    points, used, refunded, total
):
    remaining = points - min(used, points)
    a = Award(1, points, remaining, NOW, None)
    r = reverse_award(a, refunded, total)
    again = reverse_award(
        Award(1, points, remaining - r.points_removed, NOW, None),
        refunded,
        total,
        r.points_removed + r.shortfall,
    )
    assert (again.points_removed, again.shortfall) == (0, 0)


operation = st.one_of(
    st.tuples(st.just("spend"), st.integers(1, 600)),
    st.tuples(st.just("expire"), st.just(0)),
    st.tuples(st.just("refund"), st.integers(0, 100)),  # cumulative % of an order
    st.tuples(st.just("wait"), st.integers(1, 60)),  # days pass
)


@given(awards_st, st.lists(operation, max_size=15), st.integers(0, 9))
def test_balances_never_go_negative_under_any_sequence_of_operations(awards, ops, pick):
    now, reversed_so_far = NOW, {}
    for op, arg in ops:
        if op == "spend":
            try:
                awards = apply_taken(awards, allocate_spend(awards, arg, now))
            except InsufficientPoints:
                pass
        elif op == "expire":
            awards = apply_taken(awards, expire(awards, now))
        elif op == "refund" and awards:
            target = awards[pick % len(awards)]
            r = reverse_award(
                target, Decimal(arg), Decimal(100), reversed_so_far.get(target.id, 0)
            )
            reversed_so_far[target.id] = (
                reversed_so_far.get(target.id, 0) + r.points_removed + r.shortfall
            )
            awards = apply_taken(awards, [(target.id, r.points_removed)])
        else:
            now += arg * DAY
        b = balances(awards, now)
        assert b["available"] >= 0 and b["pending"] >= 0
        assert b["available"] + b["pending"] <= sum(a.remaining for a in awards)
        assert all(0 <= a.remaining <= a.points for a in awards)
    assert all(reversed_so_far.get(a.id, 0) <= a.points for a in awards)


amounts = st.decimals(0, 100_000, places=3)
rates = st.decimals(0, 10, places=4)
multipliers = st.decimals(0, 5, places=2)
roundings = st.sampled_from(sorted(ROUNDING))


@given(amounts, rates, rates, multipliers, roundings)
def test_earning_is_monotonic_in_the_rate(amount, r1, r2, multiplier, rounding):
    low, high = sorted([r1, r2])
    assert earn_points(amount, low, multiplier, rounding) <= earn_points(
        amount, high, multiplier, rounding
    )


@given(amounts, rates, multipliers, multipliers, roundings)
def test_earning_is_monotonic_in_the_multiplier(amount, rate, m1, m2, rounding):
    low, high = sorted([m1, m2])
    assert earn_points(amount, rate, low, rounding) <= earn_points(
        amount, rate, high, rounding
    )


@given(amounts, amounts, rates, multipliers, roundings)
def test_earning_is_monotonic_in_the_amount_with_any_multiplier(
    a1, a2, rate, multiplier, rounding
):
    low, high = sorted([a1, a2])
    assert earn_points(low, rate, multiplier, rounding) <= earn_points(
        high, rate, multiplier, rounding
    )


@given(amounts, rates, multipliers)
def test_each_rounding_rule_stays_within_its_bound_of_the_exact_figure(
    amount, rate, multiplier
):
    exact = amount * rate * multiplier
    assert earn_points(amount, rate, multiplier, "floor") == earn_points(
        amount, rate, multiplier, "down"
    )  # the same for amounts that are never < 0
    assert abs(earn_points(amount, rate, multiplier, "half_up") - exact) <= Decimal(
        "0.5"
    )


@given(amounts, amounts, rates, multipliers)
def test_rounding_down_per_order_loses_less_than_a_point_per_order(
    a1, a2, rate, multiplier
):
    apart = earn_points(a1, rate, multiplier, "down") + earn_points(
        a2, rate, multiplier, "down"
    )
    together = earn_points(a1 + a2, rate, multiplier, "down")
    assert apart <= together <= apart + 1
