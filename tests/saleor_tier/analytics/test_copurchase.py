"""Co-purchases (issue 15, item 4) on PostgreSQL with Saleor's schema: the
set-based refresh (same order / next order within N days; support, confidence,
lift, top K) against the plain-Python reference (``domain.items``) on random
order histories (hypothesis), hand-worked cases, idempotency, the
``bought_not`` segment condition (set form and per-profile form) against the
reference evaluator, and the GraphQL API."""

import pytest
from crm_analytics_helpers import (
    DAY,
    NOW,
    errors_of,
    facts_of,
    history_st,
    ids_by_sql,
    load,
)
from crm_helpers import crm_gql, crm_post, gid
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saleor_crm_plugin.analytics import copurchase
from saleor_crm_plugin.analytics.tasks_items import refresh_copurchases
from saleor_crm_plugin.domain.items import ITEM_KINDS, copurchases, orders_of
from saleor_crm_plugin.domain.segments import evaluate, normalize
from saleor_crm_plugin.models import CoPurchase, CustomerOrder, CustomerProfile


def stored():
    out = {}
    for r in CoPurchase.objects.order_by("rank"):
        out.setdefault((r.relation, r.kind, r.channel_id, r.item_id), []).append(r)
    return out


def reference(people, **params):
    facts = facts_of(people)
    out = {}
    for kind, code in ITEM_KINDS.items():
        for relation in ("together", "after"):
            for (channel, item), tops in copurchases(
                orders_of(facts, code), relation, **params
            ).items():
                out[(relation, code, channel, item)] = tops
    return out


def assert_matches_reference(people, window_days, **params):
    expected = reference(people, window_days=window_days, **params)
    rows = stored()
    assert set(rows) == set(expected)
    for key, tops in expected.items():
        got = [
            (
                r.other_id,
                r.rank,
                r.orders,
                r.item_orders,
                r.other_orders,
                r.total_orders,
                r.support,
                r.confidence,
                r.lift,
            )
            for r in rows[key]
        ]
        want = [
            (
                c.other,
                c.rank,
                c.orders,
                c.item_orders,
                c.other_orders,
                c.total_orders,
                c.support,
                c.confidence,
                c.lift,
            )
            for c in tops
        ]
        assert got == want, key
        assert {r.window_days for r in rows[key]} == {
            window_days if key[0] == "after" else None
        }
    return expected


def with_tops(people, expected):
    return [
        (
            pk,
            {
                **person,
                "item_stats": {
                    "top": {
                        (relation, kind, item): [c.other for c in tops]
                        for (relation, kind, channel, item), tops in expected.items()
                        if channel == person["channel"]
                    }
                },
            },
        )
        for pk, person in people
    ]


def _reset():
    CustomerOrder.objects.all().delete()
    CustomerProfile.objects.all().delete()
    CoPurchase.objects.all().delete()


bought_not_st = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["products", "categories"]),
        "items": st.lists(st.integers(1, 4), min_size=1, max_size=2),
        "within_days": st.none() | st.integers(1, 300),
        "not": st.none() | st.lists(st.integers(1, 4), min_size=1, max_size=2),
        "top": st.integers(1, 3),
        "relation": st.sampled_from(["together", "after"]),
        "negate": st.booleans(),
    }
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    histories=history_st,
    window=st.integers(1, 200),
    min_orders=st.integers(1, 2),
    top_k=st.integers(1, 3),
    conditions=st.lists(bought_not_st, min_size=1, max_size=4),
)
def test_refresh_and_bought_not_agree_with_the_reference(
    channels, histories, window, min_orders, top_k, conditions
):
    _reset()
    people = load(channels, histories)
    copurchase.refresh(NOW, window_days=window, min_orders=min_orders, top_k=top_k)
    expected = assert_matches_reference(
        people, window, min_orders=min_orders, top_k=top_k
    )
    people = with_tops(people, expected)
    for spec in conditions:
        raw = {spec["kind"]: spec["items"], "within_days": spec["within_days"]}
        if spec["not"] is not None:
            raw["not"] = spec["not"]
        else:
            raw.update(top=spec["top"], relation=spec["relation"])
        rule = normalize({"bought_not": raw})
        if spec["negate"]:
            rule = {"not": rule}
        want = {pk for pk, person in people if evaluate(rule, person, NOW)}
        assert ids_by_sql(rule) == want, rule
        assert ids_by_sql(rule, per_profile=True) == want, rule


def test_hand_worked_together_and_after(channels):
    a, _ = channels
    people = load(
        channels,
        [
            # baskets {1,2}, {1,2,3}, {1,3}, {2} (the core tier's hand-worked case),
            # each by its own customer; customer 5 buys 1 then, 10 days later, 2 and 1
            (0, [(50 * DAY, [1, 2], [], False)]),
            (0, [(50 * DAY, [1, 2, 3], [], False)]),
            (0, [(50 * DAY, [1, 3], [], False)]),
            (0, [(50 * DAY, [2], [], False)]),
            (
                0,
                [
                    (240 * DAY, [1], [], False),
                    (230 * DAY, [2, 1], [], False),
                    # 190 days later: beyond the window
                    (40 * DAY, [3], [], False),
                ],
            ),
        ],
    )
    result = copurchase.refresh(NOW, window_days=90, min_orders=1, top_k=20)
    assert result["products/after"] == {"pairs": 1, "removed": 0}
    rows = stored()
    together = rows[("together", 1, a.pk, 1)]
    # N = 7 orders; 1 is in 5 of them; with 2 in 3 (2 is in 4 orders), with 3 in
    # 2 (3 is in 3 orders)
    assert [
        (r.other_id, r.rank, r.orders, r.item_orders, r.other_orders, r.total_orders)
        for r in together
    ] == [(2, 1, 3, 5, 4, 7), (3, 2, 2, 5, 3, 7)]
    assert together[0].support == 3 / 7 and together[0].confidence == 3 / 5
    assert together[0].lift == (3 * 7) / (5 * 4)
    [after] = rows[("after", 1, a.pk, 1)]
    # the only move within 90 days: customer 5's first order -> second
    assert (
        after.other_id,
        after.orders,
        after.item_orders,
        after.other_orders,
        after.window_days,
    ) == (2, 1, 5, 1, 90)
    assert after.lift == (1 * 7) / (5 * 1)
    assert_matches_reference(people, 90, min_orders=1, top_k=20)
    ids = {r.pk for tops in rows.values() for r in tops}
    copurchase.refresh(NOW, window_days=90, min_orders=1, top_k=20)
    assert {r.pk for tops in stored().values() for r in tops} == ids
    # the default minimum of 2 orders per pair: 1 -> 2 (3 orders), 1 -> 3 (2),
    # 3 -> 1 (2), 2 -> 1 (3); the single "after" move and 2 <-> 3 (1) are gone
    copurchase.refresh(NOW, window_days=90)
    assert sorted(
        (k[0], k[3], [r.other_id for r in v]) for k, v in stored().items()
    ) == [("together", 1, [2, 3]), ("together", 2, [1]), ("together", 3, [1])]

    c1, c2, c3, c4, c5 = (pk for pk, _ in people)
    # cross-sell: bought 1 but not its top-1 "together" co-purchase (2)
    rule = normalize({"bought_not": {"products": [1], "top": 1}})
    assert ids_by_sql(rule) == ids_by_sql(rule, per_profile=True) == {c3}
    # top 2 (2 and 3): nobody who bought 1 lacks both
    rule = normalize({"bought_not": {"products": [1], "top": 2}})
    assert ids_by_sql(rule) == ids_by_sql(rule, per_profile=True) == set()
    # bought 1 in the last 60 days, never 3 (given by the merchant)
    rule = normalize({"bought_not": {"products": [1], "not": [3], "within_days": 60}})
    assert ids_by_sql(rule) == ids_by_sql(rule, per_profile=True) == {c1}
    rule = normalize({"not": {"bought_not": {"products": [1], "not": [3]}}})
    assert ids_by_sql(rule) == ids_by_sql(rule, per_profile=True) == {c2, c3, c4, c5}


def test_the_daily_task_reads_window_and_top_k_from_the_settings(
    channels, crm_plugin_active
):
    a, _ = channels
    load(
        channels,
        [
            # 1 with 2 in two orders and with 3 in two; 2 is in more orders
            # (4) than 3 (2), so 3 ranks first (lift); two customers buy 2 ten
            # days after 1
            (0, [(50 * DAY, [1, 2], [], False)]),
            (0, [(50 * DAY, [1, 2, 3], [], False)]),
            (0, [(50 * DAY, [1, 3], [], False)]),
            (0, [(240 * DAY, [1], [], False), (230 * DAY, [2], [], False)]),
            (0, [(240 * DAY, [1], [], False), (230 * DAY, [2], [], False)]),
        ],
    )
    crm_plugin_active.configuration = [
        *crm_plugin_active.configuration,
        {"name": "copurchase_window_days", "value": "5"},
        {"name": "copurchase_top_k", "value": "1"},
    ]
    crm_plugin_active.save()
    refresh_copurchases()
    rows = stored()
    assert [r.other_id for r in rows[("together", 1, a.pk, 1)]] == [3]
    assert not any(key[0] == "after" for key in rows)  # 10 days > 5
    crm_plugin_active.configuration = [
        item
        for item in crm_plugin_active.configuration
        if not item["name"].startswith("copurchase_")
    ]
    crm_plugin_active.save()
    refresh_copurchases()  # the defaults: 90 days, top 20
    rows = stored()
    assert [r.other_id for r in rows[("together", 1, a.pk, 1)]] == [3, 2]
    [after] = rows[("after", 1, a.pk, 1)]
    assert (after.other_id, after.orders, after.window_days) == (2, 2, 90)


CO = """
query ($channel: String!, $item: ID!, $relation: CRMCoPurchaseRelationEnum!,
       $first: Int, $after: String) {
  crmCoPurchases(channel: $channel, item: $item, relation: $relation, first: $first,
                 after: $after) {
    totalCount
    edges { node { id channel kind relation item other rank orders itemOrders
                   otherOrders totalOrders support confidence lift windowDays } }
    pageInfo { hasNextPage endCursor }
  }
}"""


@pytest.fixture
def baskets(channels, product_list):
    p1, p2, p3 = (p.pk for p in product_list[:3])
    load(
        channels,
        [
            (0, [(5 * DAY, [p1, p2], [], False)]),
            (0, [(5 * DAY, [p1, p2, p3], [], False)]),
            (0, [(5 * DAY, [p1, p3], [], False)]),
        ],
    )
    copurchase.refresh(NOW, min_orders=1)
    return p1, p2, p3


def test_copurchases_through_the_api(staff_users_admin, baskets):
    p1, p2, p3 = baskets
    data = crm_gql(
        staff_users_admin,
        CO,
        {
            "channel": "rp-a",
            "item": gid("Product", p1),
            "relation": "TOGETHER",
            "first": 1,
        },
    )
    page = data["crmCoPurchases"]
    assert page["totalCount"] == 2 and page["pageInfo"]["hasNextPage"]
    node = page["edges"][0]["node"]
    assert (node["kind"], node["relation"], node["item"], node["rank"]) == (
        "PRODUCT",
        "TOGETHER",
        gid("Product", p1),
        1,
    )
    # 1 with 2 in 2 of 3 orders, with 3 in 2: a tie on n_XY and n_Y -> lower ID
    assert node["other"] == gid("Product", min(p2, p3))
    assert (
        node["orders"],
        node["itemOrders"],
        node["otherOrders"],
        node["totalOrders"],
    ) == (2, 3, 2, 3)
    assert node["confidence"] == 2 / 3 and node["lift"] == 1.0
    assert node["windowDays"] is None
    rest = crm_gql(
        staff_users_admin,
        CO,
        {
            "channel": "rp-a",
            "item": gid("Product", p1),
            "relation": "TOGETHER",
            "first": 5,
            "after": page["pageInfo"]["endCursor"],
        },
    )
    assert [e["node"]["rank"] for e in rest["crmCoPurchases"]["edges"]] == [2]
    after = crm_gql(
        staff_users_admin,
        CO,
        {
            "channel": "rp-a",
            "item": gid("Product", p1),
            "relation": "AFTER",
            "first": 5,
        },
    )
    assert after["crmCoPurchases"]["totalCount"] == 0


@pytest.mark.parametrize(
    "variables, field, code",
    [
        ({"channel": "nope"}, "channel", "NOT_FOUND"),
        ({"item": "UHJvZHVjdDo5OTk5OTk5"}, "item", "NOT_FOUND"),  # Product:9999999
        ({"item": "VXNlcjox"}, "item", "INVALID"),  # User:1
    ],
)
def test_bad_input_is_a_typed_error(staff_users_admin, baskets, variables, field, code):
    errors, data = errors_of(
        crm_post(
            staff_users_admin,
            CO,
            {
                "channel": "rp-a",
                "item": gid("Product", baskets[0]),
                "relation": "AFTER",
                "first": 5,
                **variables,
            },
        )
    )
    assert [(e["extensions"]["field"], e["extensions"]["code"]) for e in errors] == [
        (field, code)
    ]
    assert data["crmCoPurchases"] is None


def test_permission_is_required(staff_api_client, baskets):
    errors, _ = errors_of(
        crm_post(
            staff_api_client,
            CO,
            {
                "channel": "rp-a",
                "item": gid("Product", baskets[0]),
                "relation": "AFTER",
                "first": 5,
            },
        )
    )
    assert errors[0]["extensions"]["exception"]["code"] == "PermissionDenied"
