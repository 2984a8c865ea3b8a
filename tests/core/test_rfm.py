"""RFM arithmetic: every score combination has exactly one group, the ten named
groups are all reachable, scores stay in 1..5 and move the right way."""

from decimal import Decimal
from itertools import product

import pytest
from hypothesis import given
from hypothesis import strategies as st

from saleor_crm_plugin.domain.rfm import (
    GROUP_NAMES,
    GROUPS,
    RfmError,
    group_case_sql,
    group_of,
    quantile_score,
    threshold_score,
    validate_thresholds,
)


def test_every_combination_has_a_group_and_every_group_is_reachable():
    seen = {group_of(r, f, m) for r, f, m in product(range(1, 6), repeat=3)}
    assert seen == set(GROUP_NAMES)
    assert len(GROUP_NAMES) == 10


@pytest.mark.parametrize(
    ("scores", "group"),
    [
        ((5, 5, 5), "champions"),
        ((5, 1, 3), "new"),
        ((4, 3, 1), "potential_loyalists"),
        ((3, 4, 2), "loyal"),
        ((3, 2, 5), "needs_attention"),
        ((3, 1, 1), "promising"),
        ((1, 5, 5), "cant_lose"),
        ((2, 4, 1), "at_risk"),
        ((2, 1, 5), "hibernating"),
        ((1, 2, 1), "lost"),
    ],
)
def test_named_examples(scores, group):
    assert group_of(*scores) == group


def test_the_sql_case_lists_the_same_table_in_order():
    sql = group_case_sql("r", "f", "m")
    positions = [sql.index(f"'{name}'") for name, *_ in GROUPS]
    assert positions == sorted(positions)
    assert sql.count("WHEN") == len(GROUPS)


@given(st.floats(0, 1))
def test_quantile_scores_stay_in_range(rank):
    assert 1 <= quantile_score(rank) <= 5


@given(st.integers(0, 10_000), st.integers(0, 10_000))
def test_threshold_scores_are_monotonic(a, b):
    bounds = [10, 100, 1000, 5000]
    low, high = sorted([a, b])
    assert threshold_score(low, bounds) <= threshold_score(high, bounds)
    # recency: more days since the last order never scores higher
    assert threshold_score(low, bounds, lower_is_better=True) >= threshold_score(
        high, bounds, lower_is_better=True
    )


def test_thresholds_are_validated():
    assert validate_thresholds("recency", [30, 60, 90, 180]) == [
        Decimal(30),
        Decimal(60),
        Decimal(90),
        Decimal(180),
    ]
    for bad in ([1, 2, 3], [1, 2, 2, 3], [4, 3, 2, 1], [-1, 2, 3, 4], "1,2,3,4"):
        with pytest.raises(RfmError):
            validate_thresholds("recency", bad)
