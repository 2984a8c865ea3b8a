"""Repurchase intervals (issue 15, item 3) on PostgreSQL with Saleor's schema:
the set-based refresh over the purchase facts against the plain-Python reference
(``domain.items``) on random order histories (hypothesis), a hand-worked case,
idempotency, the ``due`` segment condition (set form and the per-profile form
used after an order) against the reference evaluator, the beat entry, and the
GraphQL API (permissions, connection, filters, typed errors)."""

import math
from datetime import datetime, timedelta
from unittest import mock

import pytest
from crm_analytics_helpers import (
    DAY,
    NOW,
    T0,
    errors_of,
    facts_of,
    history_st,
    ids_by_sql,
    load,
)
from crm_helpers import crm_gql, crm_post, gid
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from saleor.celeryconf import app

from saleor_crm_plugin import tasks as crm_tasks
from saleor_crm_plugin.analytics import repurchase, tasks_items
from saleor_crm_plugin.domain.items import due_at, interval_stats
from saleor_crm_plugin.domain.segments import evaluate, normalize
from saleor_crm_plugin.models import CustomerOrder, CustomerProfile, RepurchaseInterval


def stored():
    return {
        (r.channel_id, r.kind, r.item_id): r for r in RepurchaseInterval.objects.all()
    }


def assert_matches_reference(people):
    expected = interval_stats(facts_of(people))
    rows = stored()
    assert set(rows) == set(expected)
    for key, s in expected.items():
        r = rows[key]
        assert (r.customers, r.repeat_customers, r.intervals) == (
            s.customers,
            s.repeat_customers,
            s.intervals,
        ), key
        for got, want in (
            (r.q1_days, s.q1_days),
            (r.median_days, s.median_days),
            (r.q3_days, s.q3_days),
        ):
            assert math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-9), key
    return expected


def with_medians(people, expected):
    """The reference's customers with their channel's item medians."""
    return [
        (
            pk,
            {
                **person,
                "item_stats": {
                    "median": {
                        (kind, item): s.median_days
                        for (ch, kind, item), s in expected.items()
                        if ch == person["channel"]
                    }
                },
            },
        )
        for pk, person in people
    ]


due_st = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["products", "categories"]),
        "items": st.lists(st.integers(1, 4), min_size=1, max_size=2),
        "within_days": st.integers(1, 200),
        "negate": st.booleans(),
    }
)


def _reset():
    CustomerOrder.objects.all().delete()
    CustomerProfile.objects.all().delete()
    RepurchaseInterval.objects.all().delete()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(histories=history_st, dues=st.lists(due_st, min_size=1, max_size=4))
def test_refresh_and_due_agree_with_the_reference(channels, histories, dues):
    _reset()
    people = load(channels, histories)
    repurchase.refresh(NOW)
    expected = assert_matches_reference(people)
    people = with_medians(people, expected)
    for spec in dues:
        raw = {"due": {spec["kind"]: spec["items"], "within_days": spec["within_days"]}}
        rule = normalize({"not": raw} if spec["negate"] else raw)
        want = {pk for pk, person in people if evaluate(rule, person, NOW)}
        assert ids_by_sql(rule) == want, rule
        assert ids_by_sql(rule, per_profile=True) == want, rule


def test_hand_worked_intervals_and_idempotent_refresh(channels):
    # customer 1 bought product 7 at days 0, 10, 30; customer 2 at 0 and 40
    # (and once more in a cancelled order); customer 3 once; customer 4 in the
    # other channel twice, 5 days apart
    a, b = channels
    people = load(
        channels,
        [
            (
                0,
                [
                    (100 * DAY, [7], [1], False),
                    (90 * DAY, [7, 7], [1], False),
                    (70 * DAY, [7], [], False),
                ],
            ),
            (
                0,
                [
                    (100 * DAY, [7], [], False),
                    (60 * DAY, [7], [], False),
                    (65 * DAY, [7], [], True),
                ],
            ),
            (0, [(95 * DAY, [7], [], False)]),
            (1, [(20 * DAY, [7], [], False), (15 * DAY, [7], [], False)]),
        ],
    )
    assert repurchase.refresh(NOW) == {
        "products": {"items": 2, "removed": 0},
        "categories": {"items": 1, "removed": 0},
    }
    rows = stored()
    r = rows[(a.pk, 1, 7)]
    # intervals 10, 20 (customer 1) and 40 (customer 2), pooled
    assert (r.customers, r.repeat_customers, r.intervals) == (3, 2, 3)
    assert (r.q1_days, r.median_days, r.q3_days) == (15, 20, 30)
    other = rows[(b.pk, 1, 7)]
    assert (other.customers, other.median_days) == (1, 5)
    assert rows[(a.pk, 2, 1)].median_days == 10
    assert_matches_reference(people)
    ids = {key: r.pk for key, r in rows.items()}
    # a second run: the same rows (same IDs), the same figures
    repurchase.refresh(NOW)
    again = stored()
    assert {key: r.pk for key, r in again.items()} == ids
    assert [(x.median_days, x.intervals) for x in again.values()] == [
        (x.median_days, x.intervals) for x in rows.values()
    ]
    # customer 4's second order is cancelled: the item leaves channel b
    CustomerOrder.objects.filter(
        profile_id=people[3][0], placed_at=T0 - timedelta(days=15)
    ).update(cancelled=True)
    assert repurchase.refresh(NOW)["products"] == {"items": 1, "removed": 1}
    assert (b.pk, 1, 7) not in stored()


def test_due_dates_of_a_customer(channels):
    people = load(
        channels,
        [
            # own interval: 30, 30 days -> due 20 days from now
            (
                0,
                [
                    (70 * DAY, [5], [], False),
                    (40 * DAY, [5], [], False),
                    (10 * DAY, [5], [], False),
                ],
            ),
            # one interval of 20 days: the item's median (30)
            (0, [(30 * DAY, [5, 6], [], False), (10 * DAY, [5], [], False)]),
        ],
    )
    repurchase.refresh(NOW)
    assert stored()[(channels[0].pk, 1, 5)].median_days == 30
    first, second = (p for p, _ in people)
    rows = repurchase.due_items(first, channels[0].pk, "products")
    assert [
        (r["item_id"], r["purchases"], r["own_days"], r["due_at"]) for r in rows
    ] == [(5, 3, 30, T0 + timedelta(days=20))]
    # product 6 bought once and nobody's repeat: no median, no due date
    rows = repurchase.due_items(second, channels[0].pk, "products")
    assert [
        (r["item_id"], r["own_days"], r["median_days"], r["due_at"]) for r in rows
    ] == [(5, None, 30, T0 + timedelta(days=20))]
    assert due_at([T0 - timedelta(days=10)], 30) == rows[0]["due_at"]
    rule = normalize({"due": {"products": [5], "within_days": 21}})
    assert ids_by_sql(rule) == ids_by_sql(rule, per_profile=True) == {first, second}
    rule = normalize({"due": {"products": [5], "within_days": 19}})
    assert ids_by_sql(rule) == set()


def test_the_refresh_is_a_periodic_task_on_saleors_app():
    sender = mock.Mock()
    crm_tasks._register_periodic_tasks(sender)
    calls = sender.add_periodic_task.call_args_list
    beat = {c.kwargs["name"]: c.args[1] for c in calls}
    assert beat["crm-repurchase-intervals"].task == (
        "saleor_crm_plugin.analytics.refresh_repurchase_intervals"
    )
    assert beat["crm-copurchases"].task == (
        "saleor_crm_plugin.analytics.refresh_copurchases"
    )
    assert tasks_items.refresh_repurchase_intervals.app is app
    assert "saleor_crm_plugin.analytics.refresh_repurchase_intervals" in app.tasks


def test_the_task_refreshes(channels):
    load(channels, [(0, [(10 * DAY, [1], [], False), (5 * DAY, [1], [], False)])])
    result = tasks_items.refresh_repurchase_intervals.apply().get()
    assert result["products"]["items"] == 1 and RepurchaseInterval.objects.count() == 1


# --- GraphQL ----------------------------------------------------------------------

INTERVALS = """
query ($channel: String!, $kind: CRMItemKindEnum, $items: [ID!], $first: Int,
       $after: String, $sortBy: CRMRepurchaseIntervalSortingInput) {
  crmRepurchaseIntervals(channel: $channel, kind: $kind, items: $items,
                         first: $first, after: $after, sortBy: $sortBy) {
    totalCount
    edges { node { id channel kind item customers repeatCustomers intervals
                   lowerQuartileDays medianDays upperQuartileDays computedAt } }
    pageInfo { hasNextPage endCursor }
  }
}"""
DUE = """
query ($customer: ID!, $channel: String!) {
  crmCustomerRepurchaseDue(customerId: $customer, channel: $channel, kind: PRODUCT,
                           first: 10) {
    edges { node { kind item purchases lastPurchasedAt ownIntervalDays
                   itemMedianDays dueAt } }
  }
}"""


@pytest.fixture
def catalogue(channels, product, category, customer_user):
    """Orders of Saleor's own product / category fixtures by two customers."""
    people = load(
        channels,
        [
            (
                0,
                [
                    (30 * DAY, [product.pk], [category.pk], False),
                    (10 * DAY, [product.pk], [category.pk], False),
                ],
            ),
            (
                0,
                [
                    (50 * DAY, [product.pk], [], False),
                    (20 * DAY, [product.pk], [], False),
                    (5 * DAY, [product.pk], [], False),
                ],
            ),
        ],
    )
    CustomerProfile.objects.filter(pk=people[0][0]).update(user=customer_user, email="")
    repurchase.refresh(NOW)
    return people


def test_intervals_through_the_api(staff_users_admin, catalogue, product, category):
    data = crm_gql(staff_users_admin, INTERVALS, {"channel": "rp-a", "first": 1})
    page = data["crmRepurchaseIntervals"]
    assert page["totalCount"] == 2 and page["pageInfo"]["hasNextPage"]
    first = page["edges"][0]["node"]
    # sorted by item: products (kind 1) before categories
    assert (first["kind"], first["item"], first["channel"]) == (
        "PRODUCT",
        gid("Product", product.pk),
        "rp-a",
    )
    # intervals 20 (customer 1), 30 and 15 (customer 2)
    assert (first["customers"], first["repeatCustomers"], first["intervals"]) == (
        2,
        2,
        3,
    )
    assert (
        first["lowerQuartileDays"],
        first["medianDays"],
        first["upperQuartileDays"],
    ) == (17.5, 20, 25)
    rest = crm_gql(
        staff_users_admin,
        INTERVALS,
        {"channel": "rp-a", "first": 5, "after": page["pageInfo"]["endCursor"]},
    )
    [node] = [e["node"] for e in rest["crmRepurchaseIntervals"]["edges"]]
    assert (node["kind"], node["item"], node["medianDays"]) == (
        "CATEGORY",
        gid("Category", category.pk),
        20,
    )
    only = crm_gql(
        staff_users_admin,
        INTERVALS,
        {"channel": "rp-a", "first": 5, "items": [gid("Category", category.pk)]},
    )
    assert [e["node"]["kind"] for e in only["crmRepurchaseIntervals"]["edges"]] == [
        "CATEGORY"
    ]
    kind = crm_gql(
        staff_users_admin,
        INTERVALS,
        {
            "channel": "rp-a",
            "first": 5,
            "kind": "PRODUCT",
            "sortBy": {"field": "MEDIAN_DAYS", "direction": "DESC"},
        },
    )
    assert kind["crmRepurchaseIntervals"]["totalCount"] == 1
    assert (
        crm_gql(staff_users_admin, INTERVALS, {"channel": "rp-b", "first": 5})[
            "crmRepurchaseIntervals"
        ]["totalCount"]
        == 0
    )


def test_due_dates_through_the_api(
    staff_users_admin, catalogue, product, customer_user
):
    data = crm_gql(
        staff_users_admin,
        DUE,
        {"customer": gid("User", customer_user.pk), "channel": "rp-a"},
    )
    [node] = [e["node"] for e in data["crmCustomerRepurchaseDue"]["edges"]]
    # one interval (20 days): the product's median, 20 days
    assert node["item"] == gid("Product", product.pk)
    assert (node["purchases"], node["ownIntervalDays"], node["itemMedianDays"]) == (
        2,
        None,
        20,
    )
    assert datetime.fromisoformat(node["dueAt"]) == T0 + timedelta(days=10)


@pytest.mark.parametrize(
    "variables, field, code",
    [
        ({"channel": "nope"}, "channel", "NOT_FOUND"),
        ({"items": ["UHJvZHVjdDo5OTk5OTk5"]}, "items", "NOT_FOUND"),  # Product:9999999
        (
            {"items": ["UHJvZHVjdDoxMDAwMDAwMDAwMDAwMDAwMDAwMDA="]},
            "items",
            "NOT_FOUND",
        ),  # Product:10**20, beyond an integer column
        ({"items": ["T3JkZXI6MQ=="]}, "items", "INVALID"),  # Order:1
        ({"items": ["not an id"]}, "items", "INVALID"),
        ({"kind": "CATEGORY", "items": ["product"]}, "items", "INVALID"),
    ],
)
def test_bad_input_is_a_typed_error(
    staff_users_admin, catalogue, product, variables, field, code
):
    if variables.get("items") == ["product"]:
        variables = {**variables, "items": [gid("Product", product.pk)]}
    errors, data = errors_of(
        crm_post(
            staff_users_admin, INTERVALS, {"channel": "rp-a", "first": 5, **variables}
        )
    )
    assert [(e["extensions"]["field"], e["extensions"]["code"]) for e in errors] == [
        (field, code)
    ]
    assert data["crmRepurchaseIntervals"] is None


def test_bad_customer_and_page_size(staff_users_admin, catalogue, staff_user):
    errors, _ = errors_of(
        crm_post(
            staff_users_admin,
            DUE,
            {"customer": gid("User", staff_user.pk), "channel": "rp-a"},
        )
    )
    assert [(e["extensions"]["field"], e["extensions"]["code"]) for e in errors] == [
        ("customerId", "NOT_FOUND")
    ]
    errors, _ = errors_of(
        crm_post(staff_users_admin, INTERVALS, {"channel": "rp-a", "first": 1000})
    )
    assert errors and "first" in errors[0]["message"]


def test_permission_is_required(
    staff_api_client, user_api_client, catalogue, customer_user
):
    for client, query, variables in (
        (staff_api_client, INTERVALS, {"channel": "rp-a", "first": 5}),
        (
            user_api_client,
            DUE,
            {"customer": gid("User", customer_user.pk), "channel": "rp-a"},
        ),
    ):
        errors, _ = errors_of(crm_post(client, query, variables))
        assert errors[0]["extensions"]["exception"]["code"] == "PermissionDenied"
