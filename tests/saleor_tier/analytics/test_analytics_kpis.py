"""The KPIs read from the rollups agree with the plain-Python reference
(``domain.analytics``) on PostgreSQL: random order histories (hypothesis) in two
channels with different currencies and time zones — refunds (partial, full,
more than the total), cancellations, unpaid orders, orders in another currency,
guests, orders a minute either side of local midnight — applied in random
batches (as the task applies them) with later refunds and cancellations; every
period of a random range and grain, the range's total, and the cohort matrix
and LTV must equal the reference. Plus hand-worked small cases."""

import random
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from crm_analytics_helpers import recompute_profiles
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from saleor.account.models import User
from saleor.channel.models import Channel

from saleor_crm_plugin.analytics import kpis
from saleor_crm_plugin.analytics.rollups import rebuild, rollup_snapshot
from saleor_crm_plugin.domain import analytics as A
from saleor_crm_plugin.domain.segments import preset_rule
from saleor_crm_plugin.models import (
    AnalyticsChannel,
    CustomerOrder,
    CustomerProfile,
    LoyaltyProgram,
    Membership,
    RfmScore,
    Segment,
    Tier,
)
from saleor_crm_plugin.segments.membership import materialize

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
CHANNELS = {"kpi-us": ("USD", "America/Los_Angeles"), "kpi-jp": ("JPY", "Asia/Tokyo")}


class Rollback(Exception):
    pass


@pytest.fixture
def shop(db):
    out = {}
    for slug, (currency, tz) in CHANNELS.items():
        channel = Channel.objects.create(
            name=slug, slug=slug, currency_code=currency, default_country="US"
        )
        AnalyticsChannel.objects.create(channel_id=channel.pk, time_zone=tz)
        out[slug] = channel
    users = [User.objects.create(email=f"kpi{n}@example.com") for n in range(6)]
    return out, users


def _moment(tz, days_ago, minute):
    """A local midnight ``days_ago`` days before NOW's local day, moved by
    ``minute`` minutes (edges: -1, 0, +1 …)."""
    zone = ZoneInfo(tz)
    local_day = NOW.astimezone(zone).date() - timedelta(days=days_ago)
    midnight = datetime(local_day.year, local_day.month, local_day.day, tzinfo=zone)
    return (midnight + timedelta(minutes=minute)).astimezone(UTC)


def _random_orders(seed: int, n: int) -> list[dict]:
    """``n`` random orders of 9 customers (6 accounts, 3 guests) in both
    channels, mostly within a few weeks so that customers' order days meet the
    edges of periods; the dice are seeded by hypothesis."""
    rng = random.Random(seed)
    return [
        {
            "customer": rng.randint(0, 8),
            "channel": rng.choice(sorted(CHANNELS)),
            "days_ago": rng.randint(0, 45)
            if rng.random() < 0.7
            else rng.randint(0, 500),
            "minute": rng.choice([-1, 0, 1, 359, 720, 1439]),
            "other_currency": rng.random() < 0.1,
            "total": rng.choice([0, rng.randint(1, 50000)])
            if rng.random() < 0.1
            else rng.randint(1, 50000),
            "refund": rng.choice(["none", "none", "part", "full", "over"]),
            "paid": rng.random() < 0.75,
            "cancelled": rng.random() < 0.12,
            "batch": rng.randint(0, 2),
            "later": rng.choice(["", "", "", "", "refund", "cancel"]),
        }
        for _ in range(n)
    ]


def _profile(shop, customer, slug):
    channels, users = shop
    channel = channels[slug]
    if customer < len(users):
        user = users[customer]
        profile, _ = CustomerProfile.objects.get_or_create(
            channel=channel,
            user=user,
            defaults={"email": user.email, "currency": channel.currency_code},
        )
    else:
        profile, _ = CustomerProfile.objects.get_or_create(
            channel=channel,
            user=None,
            email=f"guest{customer}@example.com",
            defaults={"currency": channel.currency_code},
        )
    return profile


def _refunded(spec, total):
    return {
        "none": Decimal(0),
        "part": (total / 3).quantize(Decimal("0.001")),
        "full": total,
        "over": total + 1,
    }[spec]


def _load(shop, orders):
    """Create the orders batch by batch (recomputing after each, as the task
    does), then apply the later refunds and cancellations; returns the
    reference's view of every order."""
    rows = []
    for batch in range(3):
        touched = set()
        for o in orders:
            if o["batch"] != batch:
                continue
            currency, tz = CHANNELS[o["channel"]]
            profile = _profile(shop, o["customer"], o["channel"])
            total = Decimal(o["total"]) / 100
            row = CustomerOrder.objects.create(
                order_id=uuid.uuid4(),
                profile=profile,
                channel_id=profile.channel_id,
                currency="EUR" if o["other_currency"] else currency,
                total_amount=total,
                refunded_amount=_refunded(o["refund"], total),
                status="unfulfilled",
                placed_at=_moment(tz, o["days_ago"], o["minute"]),
                paid_at=NOW if o["paid"] else None,
                cancelled=o["cancelled"],
            )
            rows.append((row, o))
            touched.add(profile.pk)
        recompute_profiles(sorted(touched))
    touched = set()
    for row, o in rows:
        if o["later"] == "refund":
            row.refunded_amount = row.total_amount
            row.save(update_fields=["refunded_amount"])
        elif o["later"] == "cancel":
            row.cancelled = True
            row.save(update_fields=["cancelled"])
        else:
            continue
        touched.add(row.profile_id)
    recompute_profiles(sorted(touched))
    # a replayed batch changes nothing
    recompute_profiles(sorted({row.profile_id for row, _ in rows}))
    return [
        (
            r.channel_id,
            A.RefOrder(
                profile=r.profile_id,
                placed_at=r.placed_at,
                currency=r.currency,
                total=r.total_amount,
                refunded=r.refunded_amount,
                paid=r.paid_at is not None,
                cancelled=r.cancelled,
            ),
        )
        for r in CustomerOrder.objects.all()
    ]


def _check_period(got: kpis.Period, want: A.RefPeriod, label):
    assert (got.orders, got.other_currency_orders, got.paid_orders) == (
        want.orders,
        want.other_currency_orders,
        want.paid_orders,
    ), label
    assert got.revenue == want.revenue, label
    assert got.aov == want.aov, label
    assert (got.new_customers, got.active_customers, got.returning_customers) == (
        want.new_customers,
        want.active_customers,
        want.returning_customers,
    ), label
    assert got.repeat_customers == want.repeat_customers, label
    assert got.repeat_rate == want.repeat_rate, label
    assert (got.f2_eligible, got.f2_converted, got.f2_rate) == (
        want.f2_eligible,
        want.f2_converted,
        want.f2_rate,
    ), label
    assert got.second_order_median_days == want.second_order_median, label
    bins = [0] * len(A.SECOND_ORDER_BINS)
    labels = [b[0] for b in A.SECOND_ORDER_BINS]
    for days, n in want.second_order_days.items():
        bins[labels.index(A.second_order_bin(days))] += n
    assert got.second_order_bins == bins, label


def _check_all(shop, ref, start, end, grain, f2_days):
    channels, _ = shop
    for slug, channel in channels.items():
        currency, tz = CHANNELS[slug]
        orders = [o for ch, o in ref if ch == channel.pk]
        ch = kpis.channel(slug)
        assert (ch.currency, ch.time_zone) == (currency, tz)
        s = kpis.series(ch, start, end, grain, f2_days=f2_days, now=NOW)
        today = NOW.astimezone(ZoneInfo(tz)).date()
        for got in [*s.periods, s.total]:
            want = A.reference_period(
                orders,
                currency,
                tz,
                A.Bucket(got.start, got.end),
                today=today,
                f2_days=f2_days,
            )
            _check_period(got, want, (slug, grain, got.start, got.end))
        months = A.check_cohort_range(start, end)
        got_cohorts = kpis.cohorts(ch, start, end, now=NOW)
        want_cohorts = A.reference_cohorts(orders, currency, tz, months)
        current = A.month_start(today)
        for c in got_cohorts:
            w = want_cohorts[c.month]
            assert c.size == w.size, c.month
            for k in range(A.MAX_COHORTS):
                assert c.retention[k] == A.retention_cell(w, k, current), (c.month, k)
                if c.active[k] is not None:
                    assert (c.active[k], c.revenue[k]) == (w.active[k], w.revenue[k])
            for months_ in A.LTV_MONTHS:
                assert c.ltv[months_] == A.ltv_cell(w, months_, current), (
                    c.month,
                    months_,
                )


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    seed=st.integers(0, 2**32),
    n=st.integers(0, 120),
    grain=st.sampled_from(A.GRAINS),
    start_ago=st.integers(0, 60) | st.integers(0, 520),
    length=st.integers(1, 60) | st.integers(1, 400),
    f2_days=st.sampled_from([1, 7, 30, 90, 365]),
)
def test_kpis_match_reference(shop, seed, n, grain, start_ago, length, f2_days):
    channels, _ = shop
    orders = _random_orders(seed, n)
    today = NOW.date()
    start = today - timedelta(days=start_ago)
    end = start + timedelta(days=length - 1)
    if grain == A.DAY and length > A.MAX_BUCKETS[A.DAY]:
        grain = A.WEEK
    try:
        with transaction.atomic():
            ref = _load(shop, orders)
            _check_all(shop, ref, start, end, grain, f2_days)
            # the rollups kept incrementally == rebuilt from scratch
            kept = {ch.pk: rollup_snapshot(ch.pk) for ch in channels.values()}
            rebuild([ch.pk for ch in channels.values()])
            assert {ch.pk: rollup_snapshot(ch.pk) for ch in channels.values()} == kept
            raise Rollback
    except Rollback:
        pass


def test_hand_worked_small_case(shop):
    """Three customers in the USD channel (Los Angeles time), by hand:

    * A: 2026-01-10 paid 100 (refunded 30); 2026-01-20 paid 50; 2026-03-05 paid 20
    * B: 2026-01-15 paid 80, fully refunded; 2026-01-15 cancelled 999
    * guest G: 2026-02-01 23:30 local (= 02-02 07:30 UTC) unpaid 40

    January: orders 3 (A, A, B), paid not fully refunded 2, revenue 70 + 50 + 0 =
    120, AOV 60, new 2 (A, B), active 2, returning 0; repeat: A has 2 orders by
    Jan 31, B one → 1/2. February: orders 1, new 1 (G on 02-01 local), active 1.
    March: A returning. F2 (N = 90, today 2026-06-15): A's second order 10 days
    later → converted; B no second (the cancelled one does not count), G none:
    Jan 1/2, Feb 0/1. Time to second: A 10 days.
    """
    channels, _users = shop
    p_a = _profile(shop, 0, "kpi-us")
    p_b = _profile(shop, 1, "kpi-us")
    p_g = _profile(shop, 7, "kpi-us")
    la = ZoneInfo("America/Los_Angeles")

    def order(profile, when, total, *, paid=True, refunded=0, cancelled=False):
        CustomerOrder.objects.create(
            order_id=uuid.uuid4(),
            profile=profile,
            channel_id=profile.channel_id,
            currency="USD",
            total_amount=Decimal(total),
            refunded_amount=Decimal(refunded),
            status="fulfilled",
            placed_at=when,
            paid_at=NOW if paid else None,
            cancelled=cancelled,
        )

    order(p_a, datetime(2026, 1, 10, 12, tzinfo=la), 100, refunded=30)
    order(p_a, datetime(2026, 1, 20, 12, tzinfo=la), 50)
    order(p_a, datetime(2026, 3, 5, 12, tzinfo=la), 20)
    order(p_b, datetime(2026, 1, 15, 12, tzinfo=la), 80, refunded=80)
    order(p_b, datetime(2026, 1, 15, 13, tzinfo=la), 999, cancelled=True)
    order(p_g, datetime(2026, 2, 1, 23, 30, tzinfo=la), 40, paid=False)
    recompute_profiles([p_a.pk, p_b.pk, p_g.pk])

    s = kpis.series(
        kpis.channel("kpi-us"), date(2026, 1, 1), date(2026, 3, 31), A.MONTH, now=NOW
    )
    jan, feb, mar = s.periods
    assert (jan.orders, jan.paid_orders, jan.revenue, jan.aov) == (
        3,
        2,
        Decimal(120),
        Decimal("60.000"),
    )
    assert (jan.new_customers, jan.active_customers, jan.returning_customers) == (
        2,
        2,
        0,
    )
    assert jan.repeat_rate == Decimal("0.5")
    assert (jan.f2_eligible, jan.f2_converted, jan.f2_rate) == (2, 1, Decimal("0.5"))
    assert (jan.second_order_median_days, jan.second_order_customers) == (10, 1)
    assert (feb.orders, feb.new_customers, feb.active_customers, feb.revenue) == (
        1,
        1,
        1,
        Decimal(0),
    )
    assert (feb.f2_eligible, feb.f2_converted) == (1, 0)
    assert (mar.orders, mar.new_customers, mar.returning_customers, mar.revenue) == (
        1,
        0,
        1,
        Decimal(20),
    )
    assert (s.total.active_customers, s.total.new_customers, s.total.orders) == (
        3,
        3,
        5,
    )
    # by week: A's orders of Jan 10 (Sat) and Jan 20 (Tue) fall in different weeks
    w = kpis.series(
        kpis.channel("kpi-us"), date(2026, 1, 5), date(2026, 1, 25), A.WEEK, now=NOW
    )
    assert [p.active_customers for p in w.periods] == [1, 1, 1]
    assert [p.new_customers for p in w.periods] == [1, 1, 0]

    cohorts = kpis.cohorts(
        kpis.channel("kpi-us"), date(2026, 1, 1), date(2026, 2, 1), now=NOW
    )
    jan_c, feb_c = cohorts
    assert (jan_c.size, jan_c.active[:6]) == (2, [2, 0, 1, 0, 0, 0])
    assert jan_c.retention[:3] == [Decimal(1), Decimal(0), Decimal("0.5")]
    # LTV at 3 months: (70 + 50 + 0 + 20) / 2 = 70; Jan + 3 months <= June
    assert jan_c.ltv[3] == Decimal("70.000")
    assert jan_c.ltv[6] is None  # July has not come
    assert (feb_c.size, feb_c.ltv[3]) == (1, Decimal("0.000"))

    # a later full refund of A's March order corrects March and the cohort
    CustomerOrder.objects.filter(profile=p_a, total_amount=20).update(
        refunded_amount=20
    )
    recompute_profiles([p_a.pk])
    s = kpis.series(
        kpis.channel("kpi-us"), date(2026, 3, 1), date(2026, 3, 31), A.MONTH, now=NOW
    )
    assert (s.total.revenue, s.total.paid_orders, s.total.orders) == (0, 0, 1)
    assert kpis.cohorts(
        kpis.channel("kpi-us"), date(2026, 1, 1), date(2026, 1, 1), now=NOW
    )[0].ltv[3] == Decimal("60.000")
    # an erased customer leaves the rollups (profile delete cascades)
    p_a.delete()
    s = kpis.series(
        kpis.channel("kpi-us"), date(2026, 1, 1), date(2026, 3, 31), A.MONTH, now=NOW
    )
    assert (s.total.orders, s.total.new_customers, s.total.revenue) == (
        2,
        2,
        Decimal(0),
    )
    kept = rollup_snapshot(channels["kpi-us"].pk)
    rebuild([channels["kpi-us"].pk])
    assert rollup_snapshot(channels["kpi-us"].pk) == kept


def test_dormant_shares_agree_with_the_playbook_segments(shop):
    """The dormant figures use the channel's playbook thresholds and count exactly
    the members of its ready-made segments; the breakdowns sum the profiles."""
    channels, users = shop
    channel = channels["kpi-us"]
    rng = random.Random(7)
    now = datetime.now(UTC)
    profiles = []
    for n in range(40):
        paid = rng.choice([0, 1, 1, 2, 3, 4, 7])
        profiles.append(
            CustomerProfile.objects.create(
                channel=channel,
                user=None,
                email=f"d{n}@example.com",
                currency="USD",
                orders_count=paid,
                paid_orders_count=paid,
                net_spent_amount=Decimal(rng.randint(0, 90000)) / 100,
                last_paid_at=now - timedelta(days=rng.randint(0, 400), hours=3)
                if paid
                else None,
            )
        )
    thresholds = {
        "dormant_one_time": {"after_days": 120},
        "dormant_former_regulars": {"min_orders": 4, "after_days": 200},
    }
    segments = {}
    for preset, params in thresholds.items():
        segments[preset] = Segment.objects.create(
            name=preset,
            channel=channel,
            preset=preset,
            preset_params=params,
            rule=preset_rule(preset, params),
        )
        materialize(segments[preset])
    ch = kpis.channel("kpi-us")
    d = kpis.dormant(ch)
    assert (d.one_time_after_days, d.regulars_min_orders, d.regulars_after_days) == (
        120,
        4,
        200,
    )
    assert d.buyers == sum(1 for p in profiles if p.paid_orders_count)
    for preset, got in (
        ("dormant_one_time", d.one_time),
        ("dormant_former_regulars", d.former_regulars),
    ):
        segments[preset].refresh_from_db()
        assert got == segments[preset].members_count > 0
    assert d.one_time_share == A.ratio(d.one_time, d.buyers)

    # breakdowns: a segment, RFM groups, tiers
    seg = kpis.by_segment(ch, segments["dormant_one_time"].pk)
    members = [
        p
        for p in profiles
        if segments["dormant_one_time"].members.filter(profile=p).exists()
    ]
    assert (seg.customers, seg.revenue) == (
        len(members),
        sum((p.net_spent_amount for p in members), Decimal(0)),
    )
    for p in profiles[:10]:
        RfmScore.objects.create(
            profile=p,
            channel=channel,
            recency=1,
            frequency=1,
            monetary=1,
            group_name="lost",
            computed_at=now,
        )
    groups = {g.key: (g.customers, g.revenue) for g in kpis.by_rfm_group(ch)}
    assert groups["lost"] == (
        10,
        sum((p.net_spent_amount for p in profiles[:10]), Decimal(0)),
    )
    assert groups["champions"] == (0, 0)
    program = LoyaltyProgram.objects.create(channel=channel)
    silver = Tier.objects.create(program=program, name="Silver", rank=1)
    gold = Tier.objects.create(program=program, name="Gold", rank=2)
    for user, tier, override in (
        (users[0], silver, None),
        (users[1], silver, gold),
        (users[2], gold, None),
    ):
        CustomerProfile.objects.create(
            channel=channel, user=user, currency="USD", net_spent_amount=Decimal(10)
        )
        Membership.objects.create(
            program=program, user=user, tier=tier, override_tier=override
        )
    assert [(g.key, g.customers, g.revenue) for g in kpis.by_tier(ch)] == [
        ("Silver", 1, Decimal(10)),
        ("Gold", 2, Decimal(20)),
    ]
