"""Item analytics, pure: quartiles as PostgreSQL's ``percentile_cont``,
repurchase intervals, due dates, co-purchase measures — hand-worked cases — and
the two segment conditions built on them (validation, SQL shape, reference)."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from saleor_crm_plugin.domain.errors import CRMErrorCode
from saleor_crm_plugin.domain.items import (
    Fact,
    Order,
    copurchases,
    due_at,
    interval_stats,
    orders_of,
    percentile_cont,
)
from saleor_crm_plugin.domain.segments import (
    RuleError,
    aliases_read,
    compile_sql,
    evaluate,
    has_purchase_condition,
    normalize,
)

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
# the caller's table registry (``core.tables.TABLES``), as the compiler reads it
TABLES = {
    key: f"t_{key}"
    for key in (
        "membership",
        "program",
        "tier",
        "user",
        "address",
        "order",
        "corder",
        "rfm_score",
        "purchase_fact",
        "profile",
        "repurchase_interval",
        "copurchase",
    )
}


def day(n):
    return NOW - timedelta(days=100) + timedelta(days=n)


def test_percentile_cont_interpolates_like_postgresql():
    assert percentile_cont([4, 1, 3, 2], 0.25) == 1.75
    assert percentile_cont([4, 1, 3, 2], 0.5) == 2.5
    assert percentile_cont([4, 1, 3, 2], 0.75) == 3.25
    assert percentile_cont([7], 0.25) == 7
    assert percentile_cont([], 0.5) is None


@given(st.lists(st.floats(0, 1000), min_size=1, max_size=30))
def test_quartiles_are_ordered_and_within_the_values(values):
    q1, q2, q3 = (percentile_cont(values, f) for f in (0.25, 0.5, 0.75))
    assert min(values) <= q1 <= q2 <= q3 <= max(values)


def _facts():
    # customer 1 bought item 7 at days 0, 10, 30; customer 2 at 0 and 40;
    # customer 3 once; item 8 never twice
    rows = [(1, 0), (1, 10), (1, 30), (2, 0), (2, 40), (3, 5)]
    facts = [
        Fact(channel=1, profile=p, kind=1, item=7, order=f"o{p}-{d}", placed_at=day(d))
        for p, d in rows
    ]
    facts.append(Fact(1, 1, 1, 8, "o1-0", day(0)))
    return facts


def test_intervals_hand_worked():
    stats = interval_stats(_facts())
    assert set(stats) == {(1, 1, 7)}  # item 8: no interval, no row
    s = stats[(1, 1, 7)]
    # intervals 10, 20 (customer 1) and 40 (customer 2), pooled
    assert (s.customers, s.repeat_customers, s.intervals) == (3, 2, 3)
    assert (s.q1_days, s.median_days, s.q3_days) == (15, 20, 30)


def test_due_dates_hand_worked():
    # own median from two intervals on: 10 and 20 -> 15 days after day 30
    assert due_at([day(0), day(10), day(30)], 20) == day(45)
    # one interval: the item's median
    assert due_at([day(0), day(40)], 20) == day(60)
    assert due_at([day(5)], 20) == day(25)
    assert due_at([day(5)], None) is None
    assert due_at([], 20) is None


def _orders():
    return [
        Order(1, 1, "o1", day(0), frozenset({1, 2})),
        Order(1, 2, "o2", day(0), frozenset({1, 2, 3})),
        Order(1, 3, "o3", day(0), frozenset({1, 3})),
        Order(1, 4, "o4", day(0), frozenset({2})),
    ]


def test_copurchase_together_hand_worked():
    top = copurchases(_orders(), "together", min_orders=1)
    # item 1: in 3 of 4 orders; with 2 in 2 (2 is in 3), with 3 in 2 (3 is in 2)
    first, second = top[(1, 1)]
    assert (first.other, first.rank, first.orders) == (3, 1, 2)
    assert first.support == 0.5 and first.confidence == 2 / 3
    assert first.lift == (2 / 3) / (2 / 4)
    assert (second.other, second.rank) == (2, 2)
    assert second.lift == (2 / 3) / (3 / 4)
    # a pair seen once is dropped at the default minimum of 2 orders
    assert [c.other for c in copurchases(_orders(), "together")[(1, 2)]] == [1]
    best = copurchases(_orders(), "together", min_orders=1, top_k=1)[(1, 1)]
    assert [c.other for c in best] == [3]


def test_copurchase_after_hand_worked():
    orders = [
        Order(1, 1, "a", day(0), frozenset({1})),
        Order(1, 1, "b", day(10), frozenset({2, 1})),
        Order(1, 1, "c", day(200), frozenset({3})),  # 190 days later
        Order(1, 2, "d", day(0), frozenset({1})),
        Order(1, 2, "e", day(90), frozenset({3})),
    ]  # exactly 90 days
    top = copurchases(orders, "after", window_days=90, min_orders=1)
    # orders holding 1: a, b, d (3); followed within 90 days by 2: a->b,
    # by 3: d->e; b->c is too late; 1 -> 1 (a->b) is no co-purchase
    assert [(c.other, c.orders, c.item_orders) for c in top[(1, 1)]] == [
        (2, 1, 3),
        (3, 1, 3),
    ]
    two, three = top[(1, 1)]
    # next orders within the window holding 2: b (1); holding 3: e (1); N = 5
    assert two.lift == (1 * 5) / (3 * 1) and three.lift == two.lift
    # 2 (in b) and 3 are never followed within the window: no co-purchases
    assert (1, 2) not in top and (1, 3) not in top


def test_orders_of_groups_facts_per_order():
    orders = orders_of(_facts(), 1)
    assert {o.order: o.items for o in orders}["o1-0"] == frozenset({7, 8})


# --- the segment conditions ---------------------------------------------------


def customer(orders, median=None, top=None):
    return {"orders": orders, "item_stats": {"median": median or {}, "top": top or {}}}


def order(days_ago, products=(), categories=(), cancelled=False):
    return {
        "placed_at": NOW - timedelta(days=days_ago),
        "cancelled": cancelled,
        "product_ids": list(products),
        "category_ids": list(categories),
        "collection_ids": [],
    }


def test_due_condition_reference():
    rule = normalize({"due": {"products": [5], "within_days": 7}})
    # bought 40 and 10 days ago (one interval); the item's median is 13 days:
    # due in 3 days
    c = customer([order(40, [5]), order(10, [5])], median={(1, 5): 13})
    assert evaluate(rule, c, NOW)
    assert not evaluate(rule, {**c, "item_stats": {"median": {(1, 5): 40}}}, NOW)
    # already overdue: not "due within"
    assert not evaluate(rule, {**c, "item_stats": {"median": {(1, 5): 5}}}, NOW)
    # own interval from two intervals on (30, 30): due in 20 days, not 3
    own = customer(
        [order(70, [5]), order(40, [5]), order(10, [5])], median={(1, 5): 13}
    )
    assert not evaluate(rule, own, NOW)
    assert evaluate(normalize({"due": {"products": [5], "within_days": 21}}), own, NOW)
    # cancelled orders are no purchases; no median: never due
    assert not evaluate(
        rule,
        customer([order(40, [5]), order(10, [5], cancelled=True)], median={(1, 5): 13}),
        NOW,
    )
    assert not evaluate(rule, customer([order(40, [5])]), NOW)


def test_bought_not_condition_reference():
    given = normalize({"bought_not": {"products": [1], "not": [2, 3]}})
    assert evaluate(given, customer([order(5, [1])]), NOW)
    assert not evaluate(given, customer([order(5, [1]), order(400, [3])]), NOW)
    assert not evaluate(given, customer([order(5, [4])]), NOW)
    top = normalize({"bought_not": {"products": [1], "top": 1, "relation": "after"}})
    stats = {("after", 1, 1): [2, 3]}
    assert evaluate(top, customer([order(5, [1]), order(3, [3])], top=stats), NOW)
    assert not evaluate(top, customer([order(5, [1]), order(3, [2])], top=stats), NOW)
    windowed = normalize(
        {"bought_not": {"categories": [1], "within_days": 30, "not": [9]}}
    )
    assert not evaluate(windowed, customer([order(60, categories=[1])]), NOW)
    assert evaluate(windowed, customer([order(6, categories=[1])]), NOW)


@pytest.mark.parametrize(
    "rule, path, code",
    [
        ({"due": {"products": [1]}}, "due.within_days", "REQUIRED"),
        ({"due": {"products": [1], "within_days": 0}}, "due.within_days", "INVALID"),
        ({"due": {"products": [1], "within_days": 3651}}, "due.within_days", "INVALID"),
        ({"due": {"collections": [1], "within_days": 3}}, "due", "INVALID"),
        (
            {"due": {"products": [1], "categories": [2], "within_days": 3}},
            "due",
            "INVALID",
        ),
        ({"due": {"products": [], "within_days": 3}}, "due.products", "INVALID"),
        ({"due": {"products": [1], "within_days": 3, "sql": "1=1"}}, "due", "INVALID"),
        ({"due": [1]}, "due", "INVALID"),
        ({"bought_not": {"products": [1]}}, "bought_not", "REQUIRED"),
        (
            {"bought_not": {"products": [1], "not": [2], "top": 3}},
            "bought_not",
            "INVALID",
        ),
        ({"bought_not": {"products": [1], "top": 0}}, "bought_not.top", "INVALID"),
        ({"bought_not": {"products": [1], "top": 101}}, "bought_not.top", "INVALID"),
        (
            {"bought_not": {"products": [1], "top": 3, "relation": "before"}},
            "bought_not.relation",
            "INVALID",
        ),
        (
            {"bought_not": {"products": [1], "not": [2], "relation": "after"}},
            "bought_not.relation",
            "INVALID",
        ),
        (
            {"bought_not": {"products": [1], "not": ["x"]}},
            "bought_not.not.0",
            "INVALID",
        ),
        # IDs are PostgreSQL integers (for ``bought`` too)
        ({"due": {"products": [2**31], "within_days": 3}}, "due.products.0", "INVALID"),
        ({"bought": {"products": [2**31]}}, "bought.products.0", "INVALID"),
    ],
)
def test_bad_conditions_are_refused(rule, path, code):
    with pytest.raises(RuleError) as err:
        normalize(rule)
    assert (err.value.path, err.value.code) == (path, CRMErrorCode[code])


@pytest.mark.parametrize("per_profile", [False, True])
@pytest.mark.parametrize(
    "raw",
    [
        {"due": {"products": [4242], "within_days": 17}},
        {"bought_not": {"categories": [4242], "within_days": 17, "not": [4343]}},
        {"bought_not": {"products": [4242], "top": 17, "relation": "after"}},
    ],
)
def test_values_travel_as_parameters(raw, per_profile):
    rule = normalize({"not": raw})
    sql, params = compile_sql(rule, NOW, TABLES, per_profile=per_profile)
    assert "4242" not in sql and "17" not in sql and "after" not in sql
    assert set(re.findall(r"%\((\w+)\)s", sql)) == set(params)
    assert "%s" not in sql
    assert has_purchase_condition(rule) and aliases_read(rule) == frozenset()
