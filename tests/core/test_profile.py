import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from saleor_crm_plugin.domain.orders import OrderState
from saleor_crm_plugin.domain.profile import ProfileStats, compute_profile

D = Decimal
T0 = datetime(2025, 1, 1, tzinfo=UTC)


def day(n: int, hour: int = 0) -> datetime:
    return T0 + timedelta(days=n, hours=hour)


def order(total, refunded="0", placed=0, paid=0, cancelled=False, currency="USD"):
    """``placed``/``paid`` are day offsets; ``paid=None`` means unpaid."""
    return OrderState(
        currency=currency,
        total=D(total),
        refunded=D(refunded),
        placed_at=day(placed),
        paid_at=None if paid is None else day(paid, 1),
        cancelled=cancelled,
    )


def expected(**overrides) -> ProfileStats:
    base = dict(
        currency="USD",
        orders_count=0,
        cancelled_orders_count=0,
        paid_orders_count=0,
        other_currency_orders_count=0,
        total_spent=D(0),
        total_refunded=D(0),
        net_spent=D(0),
        average_order_value=D(0),
        first_order_at=None,
        last_order_at=None,
        first_paid_at=None,
        last_paid_at=None,
    )
    base.update(overrides)
    return ProfileStats(**base)


# --- worked examples ------------------------------------------------------------


def test_empty_order_list():
    assert compute_profile("USD", []) == expected()


def test_one_time_buyer():
    stats = compute_profile("USD", [order("100.00", placed=3, paid=3)])
    assert stats == expected(
        orders_count=1,
        paid_orders_count=1,
        total_spent=D("100.00"),
        net_spent=D("100.00"),
        average_order_value=D("100.000"),
        first_order_at=day(3),
        last_order_at=day(3),
        first_paid_at=day(3, 1),
        last_paid_at=day(3, 1),
    )
    assert stats.average_order_value.as_tuple().exponent == -3


def test_repeat_buyer():
    orders = [
        order("30.01", placed=9, paid=10),
        order("10.00", placed=1, paid=1),
        order("20.00", placed=5, paid=6),
    ]
    assert compute_profile("USD", orders) == expected(
        orders_count=3,
        paid_orders_count=3,
        total_spent=D("60.01"),
        net_spent=D("60.01"),
        average_order_value=D("20.003"),  # 20.00333...
        first_order_at=day(1),
        last_order_at=day(9),
        first_paid_at=day(1, 1),
        last_paid_at=day(10, 1),
    )


def test_average_rounds_half_away_from_zero():
    stats = compute_profile("USD", [order("0.002"), order("0.003")])
    assert stats.net_spent == D("0.005")
    assert stats.average_order_value == D("0.003")  # 0.0025; banker's gives 0.002


def test_unpaid_order_is_counted_but_not_spent():
    stats = compute_profile(
        "USD", [order("40", placed=2, paid=None), order("10", placed=4, paid=4)]
    )
    assert stats == expected(
        orders_count=2,
        paid_orders_count=1,
        total_spent=D("10"),
        net_spent=D("10"),
        average_order_value=D("10.000"),
        first_order_at=day(2),
        last_order_at=day(4),
        first_paid_at=day(4, 1),
        last_paid_at=day(4, 1),
    )


def test_cancelled_order_counts_only_as_cancelled():
    orders = [
        order("70.00", placed=0, paid=0, cancelled=True),  # earliest, but cancelled
        order("50.00", placed=2, paid=2),
        order("80.00", placed=5, paid=None, cancelled=True),  # latest, cancelled
    ]
    assert compute_profile("USD", orders) == expected(
        orders_count=1,
        cancelled_orders_count=2,
        paid_orders_count=1,
        total_spent=D("50.00"),
        net_spent=D("50.00"),
        average_order_value=D("50.000"),
        first_order_at=day(2),
        last_order_at=day(2),
        first_paid_at=day(2, 1),
        last_paid_at=day(2, 1),
    )


def test_only_cancelled_orders():
    stats = compute_profile("USD", [order("10", cancelled=True)])
    assert stats == expected(cancelled_orders_count=1)


def test_partial_refund():
    stats = compute_profile("USD", [order("100.00", refunded="30.00")])
    assert stats == expected(
        orders_count=1,
        paid_orders_count=1,
        total_spent=D("100.00"),
        total_refunded=D("30.00"),
        net_spent=D("70.00"),
        average_order_value=D("70.000"),
        first_order_at=day(0),
        last_order_at=day(0),
        first_paid_at=day(0, 1),
        last_paid_at=day(0, 1),
    )


def test_full_refund_is_spent_and_refunded_but_not_a_paid_order():
    orders = [
        order("100.00", refunded="100.00", placed=1, paid=1),
        order("40.00", placed=3, paid=3),
    ]
    assert compute_profile("USD", orders) == expected(
        orders_count=2,
        paid_orders_count=1,
        total_spent=D("140.00"),
        total_refunded=D("100.00"),
        net_spent=D("40.00"),
        average_order_value=D("40.000"),
        first_order_at=day(1),
        last_order_at=day(3),
        first_paid_at=day(1, 1),
        last_paid_at=day(3, 1),
    )


def test_over_refund_is_capped_at_the_order_total():
    stats = compute_profile(
        "USD", [order("100.00", refunded="120.00"), order("10.00", refunded="2.50")]
    )
    assert stats.total_spent == D("110.00")
    assert stats.total_refunded == D("102.50")
    assert stats.net_spent == D("7.50")
    assert stats.paid_orders_count == 1
    assert stats.average_order_value == D("7.500")


def test_only_fully_refunded_orders():
    stats = compute_profile("USD", [order("25", refunded="25")])
    assert stats.paid_orders_count == 0
    assert stats.orders_count == 1
    assert stats.total_spent == stats.total_refunded == D("25")
    assert stats.net_spent == 0
    assert stats.average_order_value == 0


def test_other_currency_order_is_counted_but_never_added():
    orders = [
        order("100.00", placed=2, paid=2),
        order("500.00", placed=0, paid=0, currency="EUR"),
        order("9.00", placed=7, paid=7, currency="EUR", cancelled=True),
    ]
    assert compute_profile("USD", orders) == expected(
        orders_count=2,
        cancelled_orders_count=1,
        paid_orders_count=1,
        other_currency_orders_count=1,
        total_spent=D("100.00"),
        net_spent=D("100.00"),
        average_order_value=D("100.000"),
        first_order_at=day(0),
        last_order_at=day(2),  # placement counts
        first_paid_at=day(2, 1),
        last_paid_at=day(2, 1),  # payment does not
    )


def test_profile_currency_selects_the_money():
    orders = [order("100.00"), order("7.50", currency="EUR")]
    stats = compute_profile("EUR", orders)
    assert stats.currency == "EUR"
    assert stats.total_spent == D("7.50")
    assert stats.other_currency_orders_count == 1
    assert stats.orders_count == 2


def test_zero_total_order():
    stats = compute_profile("USD", [order("0.00")])
    assert stats == expected(
        orders_count=1,
        paid_orders_count=1,
        total_spent=D("0.00"),
        net_spent=D("0.00"),
        average_order_value=D("0.000"),
        first_order_at=day(0),
        last_order_at=day(0),
        first_paid_at=day(0, 1),
        last_paid_at=day(0, 1),
    )


def test_zero_total_order_lowers_the_average():
    stats = compute_profile("USD", [order("0"), order("90")])
    assert stats.paid_orders_count == 2
    assert stats.average_order_value == D("45.000")


def test_accepts_a_one_shot_iterator():
    orders = [order("10"), order("20", refunded="5"), order("3", cancelled=True)]
    assert compute_profile("USD", iter(orders)) == compute_profile("USD", orders)


# --- property tests -------------------------------------------------------------

money = st.decimals(
    min_value=0, max_value=100000, places=2, allow_nan=False, allow_infinity=False
)


@st.composite
def order_states(draw, currencies=("USD", "USD", "EUR")):
    total = draw(money)
    refunded = draw(
        st.one_of(
            st.just(D(0)),
            st.just(total),
            st.decimals(
                min_value=0,
                max_value=total * 2 + 1,
                places=2,
                allow_nan=False,
                allow_infinity=False,
            ),
        )
    )
    placed = T0 + timedelta(minutes=draw(st.integers(0, 10**6)))
    paid_at = draw(
        st.one_of(
            st.none(),
            st.integers(0, 10**4).map(lambda m: placed + timedelta(minutes=m)),
        )
    )
    return OrderState(
        currency=draw(st.sampled_from(currencies)),
        total=total,
        refunded=refunded,
        placed_at=placed,
        paid_at=paid_at,
        cancelled=draw(st.booleans()),
    )


order_lists = st.lists(order_states(), max_size=12)


def money_figures(stats: ProfileStats):
    return (
        stats.total_spent,
        stats.total_refunded,
        stats.net_spent,
        stats.average_order_value,
        stats.paid_orders_count,
        stats.first_paid_at,
        stats.last_paid_at,
    )


@given(order_lists)
def test_invariants(orders):
    s = compute_profile("USD", orders)
    assert s.net_spent == s.total_spent - s.total_refunded
    assert 0 <= s.total_refunded <= s.total_spent
    assert s.net_spent >= 0
    assert 0 <= s.paid_orders_count <= s.orders_count
    assert 0 <= s.other_currency_orders_count <= s.orders_count
    assert s.paid_orders_count + s.other_currency_orders_count <= s.orders_count
    assert s.orders_count + s.cancelled_orders_count == len(orders)
    assert (
        (s.first_order_at is None) == (s.last_order_at is None) == (s.orders_count == 0)
    )
    if s.orders_count:
        assert s.first_order_at <= s.last_order_at
    assert (s.first_paid_at is None) == (s.last_paid_at is None)
    if s.first_paid_at is not None:
        assert s.first_paid_at <= s.last_paid_at
        # every paid order was placed no later than it was paid
        assert s.first_order_at <= s.first_paid_at
    if s.paid_orders_count:
        assert s.first_paid_at is not None


@given(order_lists)
def test_average_order_value(orders):
    s = compute_profile("USD", orders)
    if s.paid_orders_count:
        assert s.average_order_value.as_tuple().exponent == -3
        error = abs(s.average_order_value * s.paid_orders_count - s.net_spent)
        assert error <= D("0.0005") * s.paid_orders_count
    else:
        # only fully refunded orders (if any) are left: nothing stands
        assert s.average_order_value == 0
        assert s.net_spent == 0


@given(order_lists, st.randoms(use_true_random=False))
def test_order_does_not_matter(orders, rnd: random.Random):
    shuffled = list(orders)
    rnd.shuffle(shuffled)
    assert compute_profile("USD", shuffled) == compute_profile("USD", orders)


@given(order_lists, order_states(currencies=("EUR", "GBP")), st.data())
def test_other_currency_order_never_changes_money(orders, foreign, data):
    before = compute_profile("USD", orders)
    position = data.draw(st.integers(0, len(orders)))
    after = compute_profile("USD", orders[:position] + [foreign] + orders[position:])
    assert money_figures(after) == money_figures(before)
    if foreign.cancelled:
        assert after.cancelled_orders_count == before.cancelled_orders_count + 1
        assert after.orders_count == before.orders_count
        assert after.other_currency_orders_count == before.other_currency_orders_count
    else:
        assert after.orders_count == before.orders_count + 1
        assert after.other_currency_orders_count == (
            before.other_currency_orders_count + 1
        )
        assert after.last_order_at >= foreign.placed_at
        assert after.first_order_at <= foreign.placed_at


@given(order_lists, order_states(currencies=("USD",)))
def test_cancelled_order_only_increments_cancelled(orders, extra):
    cancelled = OrderState(
        extra.currency,
        extra.total,
        extra.refunded,
        extra.placed_at,
        extra.paid_at,
        cancelled=True,
    )
    before = compute_profile("USD", orders)
    after = compute_profile("USD", orders + [cancelled])
    assert after == ProfileStats(
        **{
            **{f: getattr(before, f) for f in ProfileStats.__slots__},
            "cancelled_orders_count": before.cancelled_orders_count + 1,
        }
    )


@given(order_lists, money)
def test_new_unrefunded_paid_order_adds_its_total(orders, total):
    new = OrderState("USD", total, D(0), T0, T0, cancelled=False)
    before = compute_profile("USD", orders)
    after = compute_profile("USD", orders + [new])
    assert after.total_spent == before.total_spent + total
    assert after.total_refunded == before.total_refunded
    assert after.net_spent == before.net_spent + total
    assert after.paid_orders_count == before.paid_orders_count + 1
    assert after.orders_count == before.orders_count + 1


@given(order_lists)
def test_currency_is_a_partition(orders):
    """Each non-cancelled order's money lands in exactly one currency's profile."""
    usd = compute_profile("USD", orders)
    eur = compute_profile("EUR", orders)
    assert usd.orders_count == eur.orders_count
    assert (
        usd.orders_count
        - usd.other_currency_orders_count
        + eur.orders_count
        - eur.other_currency_orders_count
    ) == usd.orders_count
    # all orders are in USD or EUR; paid figures split between the two profiles
    both = compute_profile(
        "USD",
        [
            OrderState("USD", o.total, o.refunded, o.placed_at, o.paid_at, o.cancelled)
            for o in orders
        ],
    )
    assert both.total_spent == usd.total_spent + eur.total_spent
    assert both.total_refunded == usd.total_refunded + eur.total_refunded
    assert both.paid_orders_count == usd.paid_orders_count + eur.paid_orders_count
