"""Coupon rules without Saleor: validation, schedules, cost estimates and the
report's statistics."""

import math
import statistics
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from saleor_crm_plugin.domain.coupons import (
    CouponRuleError,
    GroupFigures,
    Reward,
    conversion_uplift,
    estimated_cost,
    is_running,
    parse_delivery,
    parse_limits,
    parse_reward,
    parse_trigger,
    revenue_uplift,
    schedule_run,
)
from saleor_crm_plugin.domain.errors import CRMErrorCode

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def error(call, *args, **kwargs) -> CouponRuleError:
    with pytest.raises(CouponRuleError) as exc:
        call(*args, **kwargs)
    return exc.value


# --- triggers -----------------------------------------------------------------------


def test_each_trigger_keeps_only_its_parameters():
    assert parse_trigger("segment_entry", {"segment_id": 3}).as_params() == {
        "segment_id": 3
    }
    assert parse_trigger("first_order", {}).as_params() == {}
    assert parse_trigger("nth_order", {"n": 2}).as_params() == {"n": 2}
    assert parse_trigger("birthday", {}).as_params() == {"days_before": 0}
    assert parse_trigger("schedule", {"every_days": 7}).as_params() == {"every_days": 7}
    assert parse_trigger(
        "category_purchase", {"category_ids": [5, 2, 5], "days": 30}
    ).as_params() == {"category_ids": [2, 5], "days": 30}
    assert parse_trigger("tier_upgrade", {}).as_params() == {}


@pytest.mark.parametrize(
    "kind, params, field, code",
    [
        ("nope", {}, "trigger", "INVALID"),
        ("segment_entry", {}, "segment_id", "REQUIRED"),
        ("segment_entry", {"segment_id": "3"}, "segment_id", "INVALID"),
        ("first_order", {"n": 3}, "n", "INVALID"),
        ("nth_order", {"n": 1}, "n", "INVALID"),
        ("nth_order", {"n": True}, "n", "INVALID"),
        ("days_without_order", {}, "days", "REQUIRED"),
        ("days_without_order", {"days": 0}, "days", "INVALID"),
        ("birthday", {"days_before": 61}, "days_before", "INVALID"),
        ("category_purchase", {"days": 30}, "category_ids", "REQUIRED"),
        (
            "category_purchase",
            {"days": 30, "category_ids": [0]},
            "category_ids",
            "INVALID",
        ),
        (
            "category_purchase",
            {"days": 30, "category_ids": list(range(1, 102))},
            "category_ids",
            "TOO_COMPLEX",
        ),
        ("schedule", {"every_days": 400}, "every_days", "INVALID"),
        ("replenishment", {}, "product_ids", "REQUIRED"),
        ("replenishment", {"days": 30}, "product_ids", "REQUIRED"),
        ("replenishment", {"product_ids": [3], "days": 0}, "days", "INVALID"),
        (
            "replenishment",
            {"category_ids": [3], "days_before": 366},
            "days_before",
            "INVALID",
        ),
        ("replenishment", {"product_ids": [3], "top_k": 3}, "top_k", "INVALID"),
        ("cross_sell", {"top_k": 3}, "product_ids", "REQUIRED"),
        ("cross_sell", {"product_ids": [3]}, "target_product_ids", "REQUIRED"),
        (
            "cross_sell",
            {"product_ids": [3], "category_ids": [4], "top_k": 3},
            "category_ids",
            "INVALID",
        ),
        (
            "cross_sell",
            {"product_ids": [3], "target_product_ids": [5], "top_k": 3},
            "top_k",
            "INVALID",
        ),
        (
            "cross_sell",
            {"product_ids": [3], "target_product_ids": [3, 5]},
            "target_product_ids",
            "INVALID",
        ),
        ("cross_sell", {"product_ids": [3], "top_k": 21}, "top_k", "INVALID"),
        (
            "cross_sell",
            {"product_ids": [3], "top_k": 2, "relation": "before"},
            "relation",
            "INVALID",
        ),
        (
            "cross_sell",
            {"category_ids": [3], "top_k": 2, "days": -1},
            "days",
            "INVALID",
        ),
    ],
)
def test_bad_triggers_are_typed(kind, params, field, code):
    exc = error(parse_trigger, kind, params)
    assert (exc.field, exc.code) == (field, CRMErrorCode[code])


def test_playbook_triggers_keep_their_parameters():
    """sign_up, second_order_due, points_expiring, segment_exit (issue 17)."""
    assert parse_trigger("sign_up", {}).as_params() == {"hours": 0}
    assert parse_trigger("sign_up", {"hours": 24}).as_params() == {"hours": 24}
    assert parse_trigger("second_order_due", {"days": 30}).as_params() == {"days": 30}
    # points_expiring: both optional, absent when omitted (no birthday default)
    assert parse_trigger("points_expiring", {}).as_params() == {}
    assert parse_trigger(
        "points_expiring", {"days_before": 7, "min_points": 100}
    ).as_params() == {"days_before": 7, "min_points": 100}
    assert parse_trigger("segment_exit", {"segment_id": 4}).as_params() == {
        "segment_id": 4
    }
    assert parse_trigger("segment_exit", {"segment_id": 4}).segment_id == 4


@pytest.mark.parametrize(
    "kind, params, field, code",
    [
        ("sign_up", {"hours": -1}, "hours", "INVALID"),
        ("sign_up", {"hours": 721}, "hours", "INVALID"),
        ("sign_up", {"hours": "2"}, "hours", "INVALID"),
        ("sign_up", {"days": 3}, "days", "INVALID"),
        ("second_order_due", {}, "days", "REQUIRED"),
        ("second_order_due", {"days": 0}, "days", "INVALID"),
        ("second_order_due", {"days": 3651}, "days", "INVALID"),
        ("points_expiring", {"days_before": 366}, "days_before", "INVALID"),
        ("points_expiring", {"min_points": 0}, "min_points", "INVALID"),
        ("points_expiring", {"min_points": 1.5}, "min_points", "INVALID"),
        ("points_expiring", {"segment_id": 1}, "segment_id", "INVALID"),
        ("segment_exit", {}, "segment_id", "REQUIRED"),
        ("segment_exit", {"segment_id": 0}, "segment_id", "INVALID"),
        ("segment_exit", {"segment_id": 3, "n": 2}, "n", "INVALID"),
        ("birthday", {"min_points": 5}, "min_points", "INVALID"),
    ],
)
def test_bad_playbook_triggers_are_typed(kind, params, field, code):
    exc = error(parse_trigger, kind, params)
    assert (exc.field, exc.code) == (field, CRMErrorCode[code])


def test_replenishment_and_cross_sell_keep_their_parameters():
    assert parse_trigger(
        "replenishment", {"product_ids": [9, 4], "category_ids": [2]}
    ).as_params() == {"product_ids": [4, 9], "category_ids": [2], "days_before": 0}
    assert parse_trigger(
        "replenishment", {"category_ids": [2], "days": 45, "days_before": 5}
    ).as_params() == {
        "category_ids": [2],
        "days": 45,
        "days_before": 5,
    }
    # the merchant's targets: no relation is kept (an editor may send its default)
    given = parse_trigger(
        "cross_sell",
        {
            "product_ids": [3],
            "target_product_ids": [8, 5],
            "days": 7,
            "relation": "after",
        },
    )
    assert (given.target_product_ids, given.top_k, given.relation) == (
        (5, 8),
        None,
        None,
    )
    assert given.as_params() == {
        "product_ids": [3],
        "target_product_ids": [5, 8],
        "days": 7,
    }
    # X's co-purchases: relation defaults to together, days to 0
    top = parse_trigger("cross_sell", {"category_ids": [6], "top_k": 5})
    assert top.as_params() == {
        "category_ids": [6],
        "top_k": 5,
        "relation": "together",
        "days": 0,
    }
    after = parse_trigger(
        "cross_sell", {"product_ids": [3], "top_k": 1, "relation": "after"}
    )
    assert after.relation == "after"
    # each kind keeps only its own parameters
    assert (
        error(
            parse_trigger,
            "category_purchase",
            {"category_ids": [1], "days": 3, "top_k": 2},
        ).field
        == "top_k"
    )


# --- rewards ------------------------------------------------------------------------


def test_rewards():
    reward = parse_reward(
        {"discount_type": "percentage", "discount_value": "15", "category_ids": [4]}
    )
    assert reward == Reward("percentage", Decimal(15), 30, Decimal(0), (), (4,), ())
    assert reward.limited
    shipping = parse_reward(
        {
            "discount_type": "free_shipping",
            "discount_value": 15,
            "validity_days": 7,
            "min_spend": "50",
        }
    )
    assert (shipping.discount_value, shipping.validity_days, shipping.min_spend) == (
        Decimal(100),
        7,
        Decimal(50),
    )
    assert (
        parse_reward(
            {"discount_type": "fixed", "discount_value": "500"}, currency_places=0
        ).discount_value
        == 500
    )


@pytest.mark.parametrize(
    "values, places, field",
    [
        ({}, 2, "discount_type"),
        ({"discount_type": "percentage"}, 2, "discount_value"),
        (
            {"discount_type": "percentage", "discount_value": "100.5"},
            2,
            "discount_value",
        ),
        ({"discount_type": "percentage", "discount_value": 0}, 2, "discount_value"),
        ({"discount_type": "fixed", "discount_value": "-1"}, 2, "discount_value"),
        ({"discount_type": "fixed", "discount_value": "10.5"}, 0, "discount_value"),
        ({"discount_type": "fixed", "discount_value": "NaN"}, 2, "discount_value"),
        (
            {"discount_type": "fixed", "discount_value": "1", "min_spend": "-1"},
            2,
            "min_spend",
        ),
        (
            {"discount_type": "fixed", "discount_value": "1", "validity_days": 0},
            2,
            "validity_days",
        ),
        ({"discount_type": "free_shipping", "category_ids": [1]}, 2, "category_ids"),
        # never rounded to the currency in silence, never overflowing (issue 13)
        ({"discount_type": "fixed", "discount_value": "1e30"}, 2, None),
        ({"discount_type": "fixed", "discount_value": "1.001"}, 2, "discount_value"),
        (
            {
                "discount_type": "percentage",
                "discount_value": "5",
                "min_spend": "10.005",
            },
            2,
            "min_spend",
        ),
        (
            {"discount_type": "percentage", "discount_value": "5", "min_spend": "10.5"},
            0,
            "min_spend",
        ),
    ],
)
def test_bad_rewards_are_refused(values, places, field):
    if field is None:  # whole, if huge: the column check of the Saleor layer
        assert parse_reward(values, currency_places=places).discount_value == (
            Decimal(values["discount_value"])
        )
        return
    assert error(parse_reward, values, currency_places=places).field == field


def test_amounts_with_trailing_zeros_fit_the_currency():
    reward = parse_reward(
        {"discount_type": "fixed", "discount_value": "5.000", "min_spend": "20.10"},
        currency_places=2,
    )
    assert (reward.discount_value, reward.min_spend) == (Decimal(5), Decimal("20.1"))
    assert parse_limits({"budget_amount": "12.340"}).budget_amount == Decimal("12.34")
    assert error(parse_limits, {"budget_amount": "12.345"}).field == "budget_amount"
    assert (
        error(parse_limits, {"budget_amount": "12.5"}, currency_places=0).field
        == "budget_amount"
    )


# --- limits -------------------------------------------------------------------------


def test_limits_defaults_and_bounds():
    limits = parse_limits({})
    assert (
        limits.max_per_customer,
        limits.cooldown_days,
        limits.budget_codes,
        limits.control_share,
    ) == (1, 0, None, Decimal(0))
    assert parse_limits({"control_share": "0.1"}).control_share == Decimal("0.1")
    assert error(parse_limits, {"control_share": "0.95"}).field == "control_share"
    assert error(parse_limits, {"budget_amount": "0"}).field == "budget_amount"
    assert error(parse_limits, {"max_per_customer": 0}).field == "max_per_customer"
    assert error(parse_limits, {"starts_at": NOW, "ends_at": NOW}).field == "ends_at"
    assert error(parse_limits, {"starts_at": NOW.replace(tzinfo=None)}).field == (
        "starts_at"
    )
    assert parse_delivery(["webhook", "csv", "webhook"]) == ("csv", "webhook")
    assert error(parse_delivery, ["fax"]).field == "delivery"


def test_running_window():
    assert is_running("active", None, None, NOW)
    assert not is_running("paused", None, None, NOW)
    assert not is_running("draft", None, None, NOW)
    assert not is_running("active", NOW + timedelta(seconds=1), None, NOW)
    assert is_running("active", NOW, NOW + timedelta(seconds=1), NOW)
    assert not is_running("active", None, NOW, NOW)  # the end is exclusive


def test_schedule_runs():
    assert schedule_run(None, 7, NOW) is None
    assert schedule_run(NOW + timedelta(hours=1), None, NOW) is None
    assert schedule_run(NOW, None, NOW + timedelta(days=400)) == 0
    assert schedule_run(NOW, 7, NOW + timedelta(days=7) - timedelta(seconds=1)) == 0
    assert schedule_run(NOW, 7, NOW + timedelta(days=7)) == 1
    assert schedule_run(NOW, 7, NOW + timedelta(days=15)) == 2


# --- cost estimate ------------------------------------------------------------------


def reward(kind, value, min_spend=0):
    return Reward(kind, Decimal(value), 30, Decimal(min_spend))


def test_cost_estimate():
    shipping = Decimal("6.5")
    assert estimated_cost(reward("fixed", 10), Decimal(80), shipping) == 10
    assert estimated_cost(reward("fixed", 10), Decimal(4), shipping) == 4
    assert estimated_cost(reward("fixed", 10), Decimal(0), shipping) == 10
    assert estimated_cost(reward("percentage", 15), Decimal(80), shipping) == 12
    # the minimum spend is the smallest order the code can be used on
    assert estimated_cost(reward("percentage", 10, 100), Decimal(80), shipping) == 10
    assert estimated_cost(reward("free_shipping", 100), Decimal(80), shipping) == (
        shipping
    )


# --- report statistics --------------------------------------------------------------


def test_conversion_uplift_by_hand():
    treated = GroupFigures(1000, 100, Decimal(0), Decimal(0))
    control = GroupFigures(1000, 50, Decimal(0), Decimal(0))
    uplift = conversion_uplift(treated, control)
    se = math.sqrt(0.1 * 0.9 / 1000 + 0.05 * 0.95 / 1000)
    assert uplift.estimate == pytest.approx(0.05)
    assert uplift.low == pytest.approx(0.05 - 1.96 * se, abs=1e-4)
    assert uplift.high == pytest.approx(0.05 + 1.96 * se, abs=1e-4)
    assert (
        conversion_uplift(treated, GroupFigures(0, 0, Decimal(0), Decimal(0))) is None
    )


def figures(values):
    revenue = sum(Decimal(v) for v in values)
    return GroupFigures(
        len(values),
        sum(1 for v in values if v > 0),
        revenue,
        sum(Decimal(v) * Decimal(v) for v in values),
    )


amounts = st.lists(st.integers(min_value=0, max_value=100_000), min_size=2, max_size=60)


@given(amounts, amounts)
def test_revenue_uplift_matches_welch_from_the_raw_values(a, b):
    """The report only has sums and sums of squares; the interval must be the one
    computed from the customers' revenues themselves."""
    uplift = revenue_uplift(figures(a), figures(b))
    diff = statistics.fmean(a) - statistics.fmean(b)
    se = math.sqrt(statistics.variance(a) / len(a) + statistics.variance(b) / len(b))
    assert uplift.estimate == pytest.approx(diff, rel=1e-9, abs=1e-6)
    assert uplift.high - uplift.low == pytest.approx(
        2 * 1.959963984540054 * se, rel=1e-6, abs=1e-3
    )
    assert uplift.low <= uplift.estimate <= uplift.high


def test_revenue_uplift_needs_two_per_arm():
    assert revenue_uplift(figures([5]), figures([1, 2])) is None


# --- checkout_abandoned -------------------------------------------------------------


def test_checkout_abandoned_takes_hours_from_1_to_720():
    trigger = parse_trigger("checkout_abandoned", {"hours": 24})
    assert trigger.hours == 24
    assert trigger.as_params() == {"hours": 24}
    assert parse_trigger("checkout_abandoned", {"hours": 720}).as_params() == {
        "hours": 720
    }
    for params, field, code in (
        ({}, "hours", CRMErrorCode.REQUIRED),
        ({"hours": 0}, "hours", CRMErrorCode.INVALID),
        ({"hours": 721}, "hours", CRMErrorCode.INVALID),
        ({"hours": "24"}, "hours", CRMErrorCode.INVALID),
        ({"hours": True}, "hours", CRMErrorCode.INVALID),
        ({"hours": 24, "days": 1}, "days", CRMErrorCode.INVALID),
    ):
        exc = error(parse_trigger, "checkout_abandoned", params)
        assert (exc.field, exc.code) == (field, code), params
    # the hours of another trigger are refused
    exc = error(parse_trigger, "days_without_order", {"days": 3, "hours": 5})
    assert exc.field == "hours"
