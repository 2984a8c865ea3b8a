from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from saleor_crm_plugin.domain.tiers import (
    Membership,
    Metric,
    Move,
    Reason,
    TierError,
    TierRule,
    Window,
    WindowKind,
    add_months,
    decide,
    effective_rank,
    missing_for,
    qualifying_tier,
    validate_ladder,
)

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)

LADDER = [
    TierRule(id=1, rank=0, metric=Metric.SPEND, threshold=Decimal("0")),
    TierRule(id=2, rank=1, metric=Metric.SPEND, threshold=Decimal("100.00")),
    TierRule(id=3, rank=2, metric=Metric.SPEND, threshold=Decimal("500.00")),
]


# --- windows ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "moment, months, expected",
    [
        (datetime(2026, 3, 31), -1, datetime(2026, 2, 28)),
        (datetime(2024, 3, 31), -1, datetime(2024, 2, 29)),  # leap year
        (datetime(2026, 1, 15), -1, datetime(2025, 12, 15)),
        (datetime(2026, 1, 31), 1, datetime(2026, 2, 28)),
        (datetime(2026, 5, 31), -12, datetime(2025, 5, 31)),
        (datetime(2026, 5, 31), -27, datetime(2024, 2, 29)),
    ],
)
def test_add_months_clamps_to_the_month_end(moment, months, expected):
    assert add_months(moment, months) == expected


def test_rolling_window_starts_n_months_back_in_the_merchants_zone():
    window = Window(WindowKind.ROLLING_MONTHS, months=12, time_zone="Asia/Tokyo")
    # 12:00 UTC is 21:00 in Tokyo on the same day.
    assert window.start(NOW) == datetime(2025, 3, 31, 21, 0, tzinfo=TOKYO)


def test_calendar_year_starts_on_new_year_in_the_merchants_zone():
    # 31 Dec 2025 20:00 UTC is already 1 Jan 2026 05:00 in Tokyo.
    now = datetime(2025, 12, 31, 20, 0, tzinfo=UTC)
    tokyo = Window(WindowKind.CALENDAR_YEAR, time_zone="Asia/Tokyo")
    utc = Window(WindowKind.CALENDAR_YEAR, time_zone="UTC")
    assert tokyo.start(now) == datetime(2026, 1, 1, tzinfo=TOKYO)
    assert utc.start(now) == datetime(2025, 1, 1, tzinfo=UTC)
    # 18:00 UTC on 31 Dec is 03:00 on 1 Jan in Tokyo: inside both current years.
    order = datetime(2025, 12, 31, 18, 0, tzinfo=UTC)
    assert tokyo.contains(order, now) and utc.contains(order, now)
    earlier = datetime(2025, 12, 31, 14, 0, tzinfo=UTC)  # 23:00 in Tokyo, 2025
    assert not tokyo.contains(earlier, now) and utc.contains(earlier, now)


def test_window_edges_are_inclusive_at_the_start_and_exclude_the_future():
    window = Window(WindowKind.ROLLING_MONTHS, months=6)
    start = window.start(NOW)
    assert window.contains(start, NOW)
    assert not window.contains(start - timedelta(microseconds=1), NOW)
    assert window.contains(NOW, NOW)
    assert not window.contains(NOW + timedelta(seconds=1), NOW)


def test_lifetime_has_no_start():
    window = Window(WindowKind.LIFETIME)
    assert window.start(NOW) is None
    assert window.contains(datetime(1990, 1, 1, tzinfo=UTC), NOW)


@pytest.mark.parametrize("months", [0, -1, 121])
def test_rolling_months_out_of_range(months):
    with pytest.raises(TierError) as exc:
        Window(WindowKind.ROLLING_MONTHS, months=months)
    assert exc.value.field == "window_months"


def test_unknown_time_zone():
    with pytest.raises(TierError) as exc:
        Window(WindowKind.LIFETIME, time_zone="Mars/Olympus")
    assert exc.value.field == "time_zone"


def test_naive_now_is_refused():
    with pytest.raises(ValueError):
        Window(WindowKind.CALENDAR_YEAR).start(datetime(2026, 1, 1))


# --- ladders ------------------------------------------------------------------------


def test_exactly_at_the_threshold_qualifies():
    assert qualifying_tier(LADDER, {Metric.SPEND: Decimal("100.00")}).id == 2
    assert qualifying_tier(LADDER, {Metric.SPEND: Decimal("99.999")}).id == 1
    assert qualifying_tier(LADDER, {Metric.SPEND: Decimal("500")}).id == 3


def test_no_tier_when_nothing_is_reached():
    ladder = LADDER[1:]
    assert qualifying_tier(ladder, {Metric.SPEND: Decimal("10")}) is None
    assert qualifying_tier(ladder, {}) is None


def test_mixed_metrics_take_the_highest_rank_reached():
    ladder = [
        TierRule(id=1, rank=1, metric=Metric.PAID_ORDERS, threshold=Decimal(3)),
        TierRule(id=2, rank=2, metric=Metric.SPEND, threshold=Decimal(1000)),
    ]
    figures = {Metric.PAID_ORDERS: Decimal(5), Metric.SPEND: Decimal(999)}
    assert qualifying_tier(ladder, figures).id == 1
    figures[Metric.SPEND] = Decimal(1000)
    assert qualifying_tier(ladder, figures).id == 2


@pytest.mark.parametrize(
    "ladder, field",
    [
        (
            [
                TierRule(1, 1, Metric.SPEND, Decimal(1)),
                TierRule(2, 1, Metric.SPEND, Decimal(2)),
            ],
            "rank",
        ),
        ([TierRule(1, 1, Metric.SPEND, Decimal(-1))], "threshold"),
        (
            [
                TierRule(1, 1, Metric.SPEND, Decimal(10)),
                TierRule(2, 2, Metric.SPEND, Decimal(10)),
            ],
            "threshold",
        ),
    ],
)
def test_invalid_ladders(ladder, field):
    with pytest.raises(TierError) as exc:
        validate_ladder(ladder)
    assert exc.value.field == field


def test_valid_ladder_passes():
    validate_ladder(LADDER)


def test_missing_for_next_tier():
    assert missing_for(LADDER[2], {Metric.SPEND: Decimal("120.50")}) == Decimal(
        "379.50"
    )
    assert missing_for(LADDER[2], {Metric.SPEND: Decimal("900")}) == 0


# --- moves --------------------------------------------------------------------------

RETAIN = NOW + timedelta(days=365)


def test_upgrade_happens_at_once_with_retention():
    move = decide(
        Membership(tier_rank=0), 2, NOW, at_review=False, retention_until=RETAIN
    )
    assert move == Move(2, Reason.QUALIFIED, RETAIN)


def test_upgrade_from_no_tier():
    move = decide(
        Membership(tier_rank=None), 0, NOW, at_review=False, retention_until=RETAIN
    )
    assert move.rank == 0 and move.reason == Reason.QUALIFIED


def test_no_downgrade_between_reviews():
    assert (
        decide(Membership(tier_rank=2), 0, NOW, at_review=False, retention_until=RETAIN)
        is None
    )


def test_downgrade_at_review_once_retention_is_over():
    member = Membership(tier_rank=2, retained_until=NOW - timedelta(seconds=1))
    move = decide(member, 0, NOW, at_review=True, retention_until=RETAIN)
    assert move == Move(0, Reason.REVIEW, None)


def test_retention_keeps_the_tier_at_review():
    member = Membership(tier_rank=2, retained_until=NOW + timedelta(days=1))
    assert decide(member, 0, NOW, at_review=True, retention_until=RETAIN) is None


def test_retention_ending_exactly_now_no_longer_protects():
    member = Membership(tier_rank=2, retained_until=NOW)
    assert decide(member, 1, NOW, at_review=True, retention_until=RETAIN).rank == 1


def test_downgrade_can_leave_the_ladder():
    member = Membership(tier_rank=1)
    assert decide(member, None, NOW, at_review=True, retention_until=RETAIN) == Move(
        None, Reason.REVIEW, None
    )


def test_same_tier_is_no_move():
    member = Membership(tier_rank=1)
    for at_review in (False, True):
        assert (
            decide(member, 1, NOW, at_review=at_review, retention_until=RETAIN) is None
        )


def test_override_wins_until_it_expires():
    member = Membership(
        tier_rank=0, override_rank=2, override_expires_at=NOW + timedelta(days=1)
    )
    assert effective_rank(member, NOW) == 2
    assert decide(member, 1, NOW, at_review=True, retention_until=RETAIN) is None
    later = NOW + timedelta(days=1)
    assert effective_rank(member, later) == 0
    assert decide(member, 1, later, at_review=False, retention_until=RETAIN).rank == 1


def test_override_without_expiry_is_permanent():
    member = Membership(tier_rank=2, override_rank=0)
    assert effective_rank(member, NOW + timedelta(days=10_000)) == 0


ranks = st.one_of(st.none(), st.integers(0, 5))


@given(
    current=ranks,
    qualified=ranks,
    at_review=st.booleans(),
    retained_days=st.one_of(st.none(), st.integers(-30, 30)),
)
def test_moves_never_go_down_outside_a_review_and_never_up_at_a_loss(
    current, qualified, at_review, retained_days
):
    retained = None if retained_days is None else NOW + timedelta(days=retained_days)
    member = Membership(tier_rank=current, retained_until=retained)
    move = decide(member, qualified, NOW, at_review=at_review, retention_until=RETAIN)
    as_int = lambda r: -1 if r is None else r  # noqa: E731
    if move is None:
        return
    assert move.rank == qualified  # a move always lands where the figures are
    if as_int(move.rank) < as_int(current):
        assert at_review and (retained is None or retained <= NOW)
        assert move.reason == Reason.REVIEW
    else:
        assert as_int(move.rank) > as_int(current)
        assert move.reason == Reason.QUALIFIED and move.retained_until == RETAIN


@given(
    st.lists(st.decimals(0, 10_000, places=2), min_size=1, max_size=6, unique=True),
    st.decimals(0, 20_000, places=2),
)
def test_qualifying_tier_is_the_highest_threshold_not_above_the_figure(
    thresholds, spend
):
    ladder = [
        TierRule(id=i, rank=i, metric=Metric.SPEND, threshold=t)
        for i, t in enumerate(sorted(thresholds))
    ]
    validate_ladder(ladder)
    tier = qualifying_tier(ladder, {Metric.SPEND: spend})
    reached = [t for t in ladder if t.threshold <= spend]
    if not reached:
        assert tier is None
    else:
        assert tier == max(reached, key=lambda t: t.threshold)
        nxt = [t for t in ladder if t.rank == tier.rank + 1]
        if nxt:
            assert missing_for(nxt[0], {Metric.SPEND: spend}) > 0


def test_a_ladder_is_checked_against_every_lower_rung_of_the_same_metric():
    """Regular (spend 100) < VIP (paid orders 10) < Gold (spend 50) would put a
    customer who spent 60 in Gold without reaching Regular."""
    from saleor_crm_plugin.domain.tiers import TierError, TierRule, validate_ladder

    ladder = [
        TierRule(1, 0, Metric.SPEND, Decimal(100)),
        TierRule(2, 1, Metric.PAID_ORDERS, Decimal(10)),
        TierRule(3, 2, Metric.SPEND, Decimal(50)),
    ]
    with pytest.raises(TierError) as exc:
        validate_ladder(ladder)
    assert exc.value.field == "threshold"
    validate_ladder([*ladder[:2], TierRule(3, 2, Metric.SPEND, Decimal(150))])
