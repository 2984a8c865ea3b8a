"""Property-based checks of the tier arithmetic (hypothesis), complementing the
example tests in test_tiers.py and test_loyalty_properties.py: a tier earned by an
upgrade survives every review inside its retention, a staff override freezes
every move, decisions are stable once applied, the ladder's answer does not
depend on the order tiers are listed in, month arithmetic composes and clamps,
and qualification windows move forward with time, lengthen with their months and
keep the local wall-clock time in the merchant's zone."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from saleor_crm_plugin.domain.tiers import (
    Membership,
    Metric,
    Reason,
    TierRule,
    Window,
    WindowKind,
    add_months,
    decide,
    effective_rank,
    qualifying_tier,
    validate_ladder,
)

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
ranks = st.one_of(st.none(), st.integers(0, 5))
as_int = lambda r: -1 if r is None else r  # noqa: E731


@given(
    ranks,
    st.integers(0, 5),
    st.integers(1, 400),
    st.integers(0, 399),
    st.lists(ranks, max_size=5),
)
def test_an_upgraded_tier_survives_every_review_inside_its_retention(
    current, qualified, retention_days, review_day, later_figures
):
    """Upgrade now with retention until now + N days; every review before that keeps
    the tier, whatever the figures have dropped to."""
    upgrade = decide(
        Membership(current),
        qualified,
        NOW,
        at_review=False,
        retention_until=NOW + timedelta(days=retention_days),
    )
    if as_int(qualified) <= as_int(current):
        assert upgrade is None
        return
    assert (upgrade.rank, upgrade.reason) == (qualified, Reason.QUALIFIED)
    member = Membership(upgrade.rank, retained_until=upgrade.retained_until)
    review_at = NOW + timedelta(days=review_day % retention_days)
    for figures in later_figures:
        move = decide(
            member,
            figures,
            review_at,
            at_review=True,
            retention_until=review_at + timedelta(days=retention_days),
        )
        assert move is None or as_int(move.rank) > as_int(member.tier_rank)


@given(
    ranks,
    ranks,
    st.integers(0, 5),
    st.booleans(),
    st.one_of(st.none(), st.integers(1, 400)),
    st.one_of(st.none(), st.integers(-30, 30)),
)
def test_an_active_override_freezes_every_move(
    current, qualified, override, at_review, override_days, retained_days
):
    member = Membership(
        current,
        retained_until=None
        if retained_days is None
        else NOW + timedelta(days=retained_days),
        override_rank=override,
        override_expires_at=None
        if override_days is None
        else NOW + timedelta(days=override_days),
    )
    assert (
        decide(
            member,
            qualified,
            NOW,
            at_review=at_review,
            retention_until=NOW + timedelta(days=365),
        )
        is None
    )
    assert effective_rank(member, NOW) == override
    # an expired override no longer freezes anything: the earned tier applies again
    if override_days is not None:
        after = NOW + timedelta(days=override_days)
        assert effective_rank(member, after) == current
        fresh = Membership(current, retained_until=member.retained_until)
        assert decide(
            member, qualified, after, at_review=at_review, retention_until=None
        ) == decide(fresh, qualified, after, at_review=at_review, retention_until=None)


@given(ranks, ranks, st.booleans(), st.one_of(st.none(), st.integers(-30, 30)))
def test_a_decision_once_applied_is_stable(
    current, qualified, at_review, retained_days
):
    retained = None if retained_days is None else NOW + timedelta(days=retained_days)
    retention = NOW + timedelta(days=365)
    move = decide(
        Membership(current, retained),
        qualified,
        NOW,
        at_review=at_review,
        retention_until=retention,
    )
    if move is None:
        return
    after = Membership(move.rank, move.retained_until)
    assert (
        decide(after, qualified, NOW, at_review=at_review, retention_until=retention)
        is None
    )


ladder_st = st.lists(
    st.tuples(st.sampled_from(list(Metric)), st.decimals(0, 1000, places=2)),
    min_size=1,
    max_size=6,
).map(lambda rungs: [TierRule(i, i, m, t) for i, (m, t) in enumerate(rungs)])
figures_st = st.fixed_dictionaries({m: st.decimals(0, 2000, places=2) for m in Metric})


@given(ladder_st, figures_st, st.randoms(use_true_random=False))
def test_the_ladders_answer_does_not_depend_on_the_listing_order(ladder, figures, rnd):
    shuffled = list(ladder)
    rnd.shuffle(shuffled)
    assert qualifying_tier(shuffled, figures) == qualifying_tier(ladder, figures)


@given(
    st.lists(st.decimals(0, 10_000, places=2), min_size=1, max_size=6),
    st.decimals(0, 20_000, places=2),
    st.sampled_from(list(Metric)),
)
def test_a_valid_single_metric_ladder_puts_each_figure_between_two_thresholds(
    thresholds, figure, metric
):
    ladder = [TierRule(i, i, metric, t) for i, t in enumerate(sorted(set(thresholds)))]
    validate_ladder(ladder)
    tier = qualifying_tier(ladder, {metric: figure})
    if tier is None:
        assert figure < ladder[0].threshold
        return
    assert tier.threshold <= figure
    above = [t for t in ladder if t.rank == tier.rank + 1]
    assert not above or figure < above[0].threshold


moments = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2090, 12, 31),
    timezones=st.just(UTC),
)
months_st = st.integers(-240, 240)


@given(moments, months_st, months_st)
def test_add_months_composes_up_to_clamping(moment, a, b):
    direct = add_months(moment, a + b)
    stepped = add_months(add_months(moment, a), b)
    assert (stepped.year, stepped.month) == (direct.year, direct.month)
    assert stepped <= direct  # clamping in the middle can only lose days
    if moment.day <= 28:
        assert stepped == direct


@given(moments, moments, months_st)
def test_add_months_keeps_the_order_of_moments(m1, m2, months):
    low, high = sorted([m1, m2])
    assert add_months(low, months) <= add_months(high, months)


@given(moments, st.integers(-240, 240))
def test_add_months_there_and_back_never_lands_later(moment, months):
    back = add_months(add_months(moment, months), -months)
    assert (back.year, back.month) == (moment.year, moment.month)
    assert back <= moment
    assert add_months(moment, 0) == moment


zones = st.sampled_from(
    [
        "UTC",
        "Asia/Tokyo",
        "America/New_York",
        "Europe/Warsaw",
        "Australia/Lord_Howe",
        "America/St_Johns",
        "Asia/Kathmandu",
    ]
)


@given(
    moments,
    st.integers(0, 2000),
    zones,
    st.sampled_from(list(WindowKind)),
    st.integers(1, 120),
)
def test_a_window_moves_forward_with_time(now, minutes_later, zone, kind, months):
    window = Window(kind, months, zone)
    later = now + timedelta(minutes=minutes_later * 37)
    s1, s2 = window.start(now), window.start(later)
    if kind == WindowKind.LIFETIME:
        assert s1 is None and s2 is None
    else:
        assert s1 <= s2 <= later


@given(moments, zones, st.integers(1, 119))
def test_a_longer_rolling_window_starts_no_later(now, zone, months):
    shorter = Window(WindowKind.ROLLING_MONTHS, months, zone).start(now)
    longer = Window(WindowKind.ROLLING_MONTHS, months + 1, zone).start(now)
    assert longer <= shorter <= now
    span = now - longer
    # N months back is between 28 and 31 days per month, give or take a DST hour
    assert (
        timedelta(days=28 * (months + 1), hours=-1)
        <= span
        <= timedelta(days=31 * (months + 1), hours=1)
    )


@given(moments, zones, st.integers(1, 120))
def test_a_rolling_window_starts_at_the_same_local_time_n_months_earlier(
    now, zone, months
):
    local = now.astimezone(ZoneInfo(zone))
    start = Window(WindowKind.ROLLING_MONTHS, months, zone).start(now)
    # the local calendar position, wall clock and day (clamped), in the zone
    assert start.tzinfo == ZoneInfo(zone)
    assert (start.year * 12 + start.month) == (local.year * 12 + local.month - months)
    assert start.day == min(local.day, _month_length(start.year, start.month))
    assert (start.hour, start.minute) == (local.hour, local.minute)


def _month_length(year, month):
    nxt = datetime(year + month // 12, month % 12 + 1, 1)
    return (nxt - timedelta(days=1)).day


@given(moments, zones)
def test_the_calendar_year_contains_everything_from_new_year_in_the_zone(now, zone):
    window = Window(WindowKind.CALENDAR_YEAR, time_zone=zone)
    local = now.astimezone(ZoneInfo(zone))
    new_year = datetime(local.year, 1, 1, tzinfo=ZoneInfo(zone))
    assert window.contains(new_year, now)
    assert not window.contains(new_year - timedelta(microseconds=1), now)
    assert window.contains(now, now)
    assert not window.contains(now + timedelta(microseconds=1), now)


def test_the_figures_the_ladder_reads_default_to_zero():
    """A metric missing from the figures counts as 0: only a zero threshold on it
    qualifies (guards the ladder strategies above against vacuous figures)."""
    ladder = [
        TierRule(1, 0, Metric.POINTS, Decimal(0)),
        TierRule(2, 1, Metric.PAID_ORDERS, Decimal(1)),
    ]
    assert qualifying_tier(ladder, {}).rank == 0
    assert qualifying_tier(ladder, {Metric.PAID_ORDERS: Decimal(1)}).rank == 1
