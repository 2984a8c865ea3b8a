"""Segment rules: validation (closed catalogue, limits, typed values), the SQL shape
(values only as parameters) and the reference evaluator."""

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from saleor_crm_plugin.domain.errors import CRMErrorCode
from saleor_crm_plugin.domain.segments import (
    FIELDS,
    MAX_DEPTH,
    MAX_NODES,
    OPERATORS,
    RuleError,
    aliases_read,
    compile_sql,
    evaluate,
    has_purchase_condition,
    normalize,
    preset_rule,
    segment_rule,
    value_sql,
)

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)

# the table names the caller's registry gives (``core.tables.TABLES``); the CRM
# order table under a short name, as the tests read it
TABLES = {
    "membership": "saleor_crm_plugin_membership",
    "program": "saleor_crm_plugin_loyaltyprogram",
    "tier": "saleor_crm_plugin_tier",
    "user": "account_user",
    "address": "account_address",
    "order": "order_order",
    "corder": "orders",
    "rfm_score": "saleor_crm_plugin_rfmscore",
    "purchase_fact": "saleor_crm_plugin_purchasefact",
    "profile": "saleor_crm_plugin_customerprofile",
    "repurchase_interval": "saleor_crm_plugin_repurchaseinterval",
    "copurchase": "saleor_crm_plugin_copurchase",
}


def placeholders(sql: str) -> set[str]:
    """The names of the named parameters (``%(name)s``) a compiled text uses."""
    return set(re.findall(r"%\((\w+)\)s", sql))


def bare(sql: str) -> str:
    """The text with every placeholder written ``%s`` (to read its shape)."""
    return re.sub(r"%\(\w+\)s", "%s", sql)


DORMANT_REGULAR = {
    "and": [
        {"field": "paid_orders_count", "op": "gte", "value": 2},
        {"field": "last_order_at", "op": "more_than_days_ago", "value": 90},
        {"field": "channel", "op": "in", "value": ["jp"]},
        {"bought": {"categories": [12], "min_times": 2, "within_days": 365}},
    ]
}


def customer(**fields):
    base = {name: None for name in FIELDS}
    base["orders"] = []
    base.update(fields)
    return base


def order(days_ago, *, categories=(), products=(), collections=(), cancelled=False):
    return {
        "placed_at": NOW - timedelta(days=days_ago),
        "cancelled": cancelled,
        "category_ids": list(categories),
        "product_ids": list(products),
        "collection_ids": list(collections),
    }


def test_the_playbook_example():
    rule = normalize(DORMANT_REGULAR)
    fits = customer(
        paid_orders_count=3,
        last_order_at=NOW - timedelta(days=120),
        channel="jp",
        orders=[order(120, categories=[12]), order(200, categories=[12, 3])],
    )
    assert evaluate(rule, fits, NOW)
    assert not evaluate(rule, {**fits, "channel": "us"}, NOW)
    assert not evaluate(rule, {**fits, "last_order_at": NOW - timedelta(days=30)}, NOW)
    once = {
        **fits,
        "orders": [
            order(120, categories=[12]),
            order(200, categories=[12], cancelled=True),
        ],
    }
    assert not evaluate(rule, once, NOW)
    old = {**fits, "orders": [order(120, categories=[12]), order(400, categories=[12])]}
    assert not evaluate(rule, old, NOW)


def test_missing_values_make_a_condition_false_also_under_not():
    rule = normalize(
        {"field": "last_order_at", "op": "before", "value": "2026-01-01T00:00:00+00:00"}
    )
    never = customer()
    assert not evaluate(rule, never, NOW)
    assert evaluate({"not": rule}, never, NOW)
    assert evaluate(
        normalize({"field": "last_order_at", "op": "is_not_set"}), never, NOW
    )


@pytest.mark.parametrize(
    ("rule", "path", "code"),
    [
        ({"field": "password", "op": "eq", "value": "x"}, "field", "INVALID"),
        ({"field": "orders_count", "op": "like", "value": 1}, "op", "INVALID"),
        (
            {"field": "orders_count", "op": "gte", "value": "1; DROP TABLE x"},
            "value",
            "INVALID",
        ),
        ({"field": "orders_count", "op": "gte", "value": 1.5}, "value", "INVALID"),
        ({"field": "orders_count", "op": "gte"}, "value", "REQUIRED"),
        (
            {"field": "total_spent", "op": "between", "value": [10, 5]},
            "value",
            "INVALID",
        ),
        (
            {"field": "last_order_at", "op": "before", "value": "2026-01-01"},
            "value",
            "INVALID",
        ),
        (
            {"field": "last_order_at", "op": "more_than_days_ago", "value": -1},
            "value",
            "INVALID",
        ),
        ({"and": []}, "and", "INVALID"),
        (
            {"or": [{"field": "channel", "op": "in", "value": []}]},
            "or.0.value",
            "INVALID",
        ),
        ({"bought": {"categories": [1], "products": [2]}}, "bought", "INVALID"),
        ({"bought": {"categories": ["1"]}}, "bought.categories.0", "INVALID"),
        ({"bought": {"categories": [1], "since": 3}}, "bought", "INVALID"),
        # ``ordered``: both ends, with offsets, the window not empty
        ({"ordered": {"from": "2026-01-01T00:00:00+00:00"}}, "ordered.to", "REQUIRED"),
        (
            {"ordered": {"from": "2026-01-01T00:00:00", "to": "2026-02-01T00:00Z"}},
            "ordered.from",
            "INVALID",
        ),
        (
            {"ordered": {"from": "2026-02-01T00:00Z", "to": "2026-02-01T00:00Z"}},
            "ordered.to",
            "INVALID",
        ),
        (
            {
                "ordered": {
                    "from": "2026-01-01T00:00Z",
                    "to": "2026-02-01T00:00Z",
                    "n": 1,
                }
            },
            "ordered",
            "INVALID",
        ),
        ({"ordered": ["2026-01-01T00:00Z"]}, "ordered", "INVALID"),
        ("orders_count > 1", "", "INVALID"),
        # unknown keys are refused, never ignored (issue 13)
        (
            {"field": "orders_count", "op": "gte", "value": 1, "sql": "1=1"},
            "",
            "INVALID",
        ),
        (
            {"and": [{"field": "channel", "op": "eq", "value": "x", "key": "k"}]},
            "and.0",
            "INVALID",
        ),
        (
            {"field": "metadata", "op": "exists", "key": "vip", "value2": 1},
            "",
            "INVALID",
        ),
        (
            {
                "and": [{"field": "orders_count", "op": "gte", "value": 1}],
                "field": "orders_count",
            },
            "",
            "INVALID",
        ),
    ],
)
def test_invalid_rules_name_the_culprit(rule, path, code):
    with pytest.raises(RuleError) as exc:
        normalize(rule)
    assert (exc.value.path, exc.value.code) == (path, CRMErrorCode[code])


def test_limits():
    leaf = {"field": "orders_count", "op": "gte", "value": 1}
    deep = leaf
    for _ in range(MAX_DEPTH):
        deep = {"not": deep}
    with pytest.raises(RuleError) as exc:
        normalize(deep)
    assert exc.value.code is CRMErrorCode.TOO_COMPLEX
    with pytest.raises(RuleError) as exc:
        normalize({"and": [leaf] * MAX_NODES})
    assert exc.value.code is CRMErrorCode.TOO_COMPLEX
    normalize({"and": [leaf] * (MAX_NODES - 1)})  # exactly at the limit: fine


def test_purchase_conditions_are_found_at_any_depth():
    bought = {"bought": {"categories": [3], "min_times": 2}}
    spent = {"field": "total_spent", "op": "gte", "value": 10}
    assert not has_purchase_condition(normalize({"and": [spent, {"not": spent}]}))
    assert has_purchase_condition(normalize(bought))
    assert has_purchase_condition(
        normalize({"and": [spent, {"or": [spent, {"not": bought}]}]})
    )


def test_a_rule_names_the_joins_it_needs():
    """Only ``date_joined`` and ``country`` read Saleor's user row, only
    ``channel`` the channel; set-based fields and purchase conditions read their
    own tables by the profile's columns."""

    def read(rule):
        return aliases_read(normalize(rule))

    assert read(DORMANT_REGULAR) == {"c"}
    assert read({"field": "orders_count", "op": "gte", "value": 2}) == set()
    assert read({"not": {"field": "date_joined", "op": "is_set"}}) == {"u"}
    assert read(
        {
            "or": [
                {"field": "country", "op": "eq", "value": "jp"},
                {"field": "channel", "op": "eq", "value": "x"},
            ]
        }
    ) == {"u", "c"}
    for rule in (
        {"field": "metadata", "op": "exists", "key": "k"},
        {"field": "tier", "op": "eq", "value": "Gold"},
        {"field": "points", "op": "gte", "value": 1},
        {"field": "rfm_group", "op": "eq", "value": "champions"},
        {"field": "customer_type", "op": "eq", "value": "guest"},
        {"bought": {"products": [1]}},
    ):
        assert read(rule) == set(), rule


def test_the_per_customer_form_reads_the_order_rows_not_the_facts():
    rule = normalize(
        {
            "or": [
                {"bought": {"products": [5]}},
                {"bought": {"categories": [3], "min_times": 2, "within_days": 30}},
            ]
        }
    )
    grouped, _ = compile_sql(rule, NOW, TABLES)
    mine, params = compile_sql(rule, NOW, TABLES, per_profile=True)
    assert "GROUP BY" in grouped and "purchasefact" in grouped
    assert "purchasefact" not in mine and "GROUP BY" not in mine
    assert mine.count('FROM "orders" o WHERE o.profile_id = p.id') == 2
    assert placeholders(mine) == set(params)
    assert list(params.values()) == [[5], [3], NOW - timedelta(days=30), 2]


def test_sql_carries_values_only_as_parameters():
    hostile = "x') OR 1=1; --"
    rule = normalize(
        {"and": [{"field": "channel", "op": "eq", "value": hostile}, DORMANT_REGULAR]}
    )
    sql, params = compile_sql(
        rule, NOW, {**TABLES, "corder": "saleor_crm_plugin_customerorder"}
    )
    assert hostile not in sql and hostile in params.values()
    assert placeholders(sql) == set(params)
    assert "(c.slug = %(rule_0)s)" in sql


def test_leaves_are_coalesced_only_under_not():
    """A bare comparison where an unknown cannot make a match (an index can serve
    it); two-valued under NOT, where it could."""
    rule = normalize(
        {
            "and": [
                {"field": "last_order_at", "op": "less_than_days_ago", "value": 90},
                {
                    "or": [
                        {"field": "orders_count", "op": "gte", "value": 2},
                        {"field": "tier", "op": "eq", "value": "Gold"},
                    ]
                },
                {
                    "not": {
                        "and": [
                            {"field": "total_spent", "op": "gte", "value": 500},
                            {"field": "points", "op": "gte", "value": 10},
                        ]
                    }
                },
            ]
        }
    )
    sql = bare(compile_sql(rule, NOW, TABLES)[0])
    assert sql.startswith(
        "((p.last_order_at >= %s) AND ((p.orders_count >= %s) OR"
        " ((p.channel_id, p.user_id) IN (SELECT"
    )
    assert "(NOT (COALESCE(p.net_spent_amount >= %s, FALSE) AND (COALESCE(" in sql
    assert sql.count("COALESCE(") == 2


# --- properties -----------------------------------------------------------------------

leaf_st = st.one_of(
    st.builds(
        lambda f, op, v: {"field": f, "op": op, "value": v},
        st.sampled_from([n for n, f in FIELDS.items() if f.kind == "int"]),
        st.sampled_from(["eq", "ne", "gt", "gte", "lt", "lte"]),
        st.integers(0, 20),
    ),
    st.builds(
        lambda f, op, d: {"field": f, "op": op, "value": d},
        st.sampled_from([n for n, f in FIELDS.items() if f.kind == "datetime"]),
        st.sampled_from(["more_than_days_ago", "less_than_days_ago"]),
        st.integers(0, 400),
    ),
    st.builds(
        lambda vals: {"field": "channel", "op": "in", "value": vals},
        st.lists(st.sampled_from(["jp", "us", "eu"]), min_size=1, max_size=3),
    ),
    st.builds(
        lambda start, days: {
            "ordered": {
                "from": (NOW - timedelta(days=start)).isoformat(),
                "to": (NOW - timedelta(days=start - days)).isoformat(),
            }
        },
        st.integers(1, 500),
        st.integers(1, 120),
    ),
    st.builds(
        lambda ids, n, d: {
            "bought": {"categories": ids, "min_times": n, "within_days": d}
        },
        st.lists(st.integers(1, 5), min_size=1, max_size=3),
        st.integers(1, 3),
        st.one_of(st.none(), st.integers(1, 400)),
    ),
    st.builds(
        lambda op, k, v: {"field": "metadata", "op": op, "key": k, "value": v},
        st.sampled_from(["eq", "ne", "exists", "not_exists"]),
        st.sampled_from(["vip", "source"]),
        st.sampled_from(["yes", "no"]),
    ),
    st.builds(
        lambda op, vals: {"field": "tier", "op": op, "value": vals},
        st.sampled_from(["in", "not_in"]),
        st.lists(st.sampled_from(["Silver", "Gold"]), min_size=1, max_size=2),
    ),
)
rule_st = st.recursive(
    leaf_st,
    lambda children: st.one_of(
        st.builds(lambda xs: {"and": xs}, st.lists(children, min_size=1, max_size=3)),
        st.builds(lambda xs: {"or": xs}, st.lists(children, min_size=1, max_size=3)),
        st.builds(lambda x: {"not": x}, children),
    ),
    max_leaves=8,
)
_base_customer_st = st.builds(
    lambda counts, days, channel, orders: customer(
        orders_count=counts[0],
        paid_orders_count=counts[1],
        cancelled_orders_count=counts[2],
        last_order_at=None if days is None else NOW - timedelta(days=days),
        first_order_at=None if days is None else NOW - timedelta(days=days + 30),
        channel=channel,
        orders=orders,
    ),
    st.tuples(*[st.integers(0, 20)] * 3),
    st.one_of(st.none(), st.integers(0, 500)),
    st.sampled_from(["jp", "us", "eu"]),
    st.lists(
        st.builds(
            lambda d, cats, c: order(d, categories=cats, cancelled=c),
            st.integers(0, 500),
            st.lists(st.integers(1, 5), max_size=3),
            st.booleans(),
        ),
        max_size=5,
    ),
)
customer_st = st.builds(
    lambda base, metadata, tier: {**base, "metadata": metadata, "tier": tier},
    _base_customer_st,
    st.one_of(
        st.none(),
        st.dictionaries(
            st.sampled_from(["vip", "source"]), st.sampled_from(["yes", "no"])
        ),
    ),
    st.sampled_from([None, "Silver", "Gold"]),
)


def _depth(node):
    for key in ("and", "or"):
        if key in node:
            return 1 + max(_depth(c) for c in node[key])
    return 1 + _depth(node["not"]) if "not" in node else 1


@given(rule_st, customer_st)
def test_normalized_rules_are_stable_and_not_is_exact(rule, person):
    if _depth(rule) > MAX_DEPTH:
        with pytest.raises(RuleError):
            normalize(rule)
        return
    normal = normalize(rule)
    assert normalize(normal) == normal
    assert evaluate({"not": normal}, person, NOW) is (not evaluate(normal, person, NOW))
    sql, params = compile_sql(normal, NOW, TABLES)
    assert placeholders(sql) == set(params)


def test_catalogue_operators_are_all_known():
    assert {f.kind for f in FIELDS.values()} <= set(OPERATORS)
    for name, field in FIELDS.items():
        assert field.sql and not set(field.sql) & {";", "%"}, name
    assert (
        Decimal("1.5")
        == normalize({"field": "total_spent", "op": "gte", "value": "1.5"})["value"]
    )


# --- customer type, country, loyalty tier and points, metadata ----------------------


@pytest.mark.parametrize(
    ("rule", "path", "code"),
    [
        ({"field": "country", "op": "eq", "value": "JPN"}, "value", "INVALID"),
        ({"field": "country", "op": "in", "value": ["JP", "1A"]}, "value.1", "INVALID"),
        ({"field": "customer_type", "op": "eq", "value": "vip"}, "value", "INVALID"),
        ({"field": "tier", "op": "gte", "value": "Gold"}, "op", "INVALID"),
        ({"field": "points", "op": "gte", "value": "many"}, "value", "INVALID"),
        ({"field": "metadata", "op": "eq", "value": "x"}, "key", "REQUIRED"),
        (
            {"field": "metadata", "op": "eq", "key": "  ", "value": "x"},
            "key",
            "INVALID",
        ),
        ({"field": "metadata", "op": "eq", "key": 7, "value": "x"}, "key", "INVALID"),
        (
            {"field": "metadata", "op": "eq", "key": "k" * 257, "value": "x"},
            "key",
            "INVALID",
        ),
        ({"field": "metadata", "op": "eq", "key": "vip"}, "value", "REQUIRED"),
        (
            {"field": "metadata", "op": "ne", "key": "vip", "value": 1},
            "value",
            "INVALID",
        ),
        (
            {"field": "metadata", "op": "in", "key": "vip", "value": ["x"]},
            "op",
            "INVALID",
        ),
        ({"not": {"field": "metadata", "op": "exists"}}, "not.key", "REQUIRED"),
    ],
)
def test_new_fields_refuse_bad_input(rule, path, code):
    with pytest.raises(RuleError) as exc:
        normalize(rule)
    assert (exc.value.path, exc.value.code) == (path, CRMErrorCode[code])


def test_country_codes_are_upper_cased_and_metadata_keeps_its_key():
    assert normalize({"field": "country", "op": "in", "value": ["jp", "Us"]})[
        "value"
    ] == ["JP", "US"]
    assert normalize(
        {"field": "metadata", "op": "exists", "key": "crm.vip", "value": "ignored"}
    ) == {"field": "metadata", "op": "exists", "key": "crm.vip", "value": None}


def test_metadata_semantics():
    eq = normalize({"field": "metadata", "op": "eq", "key": "vip", "value": "yes"})
    ne = normalize({"field": "metadata", "op": "ne", "key": "vip", "value": "yes"})
    exists = normalize({"field": "metadata", "op": "exists", "key": "vip"})
    missing = normalize({"field": "metadata", "op": "not_exists", "key": "vip"})
    yes, no = customer(metadata={"vip": "yes"}), customer(metadata={"vip": "no"})
    without, guest = customer(metadata={"other": "yes"}), customer(metadata=None)
    assert [evaluate(eq, c, NOW) for c in (yes, no, without, guest)] == [
        True,
        False,
        False,
        False,
    ]
    # a missing key is a missing value: "ne" is false, its negation true
    assert [evaluate(ne, c, NOW) for c in (yes, no, without, guest)] == [
        False,
        True,
        False,
        False,
    ]
    assert [evaluate(exists, c, NOW) for c in (yes, no, without, guest)] == [
        True,
        True,
        False,
        False,
    ]
    assert [evaluate(missing, c, NOW) for c in (yes, no, without, guest)] == [
        False,
        False,
        True,
        True,
    ]


def test_non_members_have_no_tier_and_guests_are_guests():
    gold = normalize({"field": "tier", "op": "eq", "value": "Gold"})
    not_gold = normalize({"field": "tier", "op": "ne", "value": "Gold"})
    member, outsider = customer(tier="Silver"), customer()
    assert not evaluate(gold, member, NOW) and evaluate(not_gold, member, NOW)
    assert not evaluate(not_gold, outsider, NOW)
    assert evaluate({"not": gold}, outsider, NOW)
    guests = normalize({"field": "customer_type", "op": "eq", "value": "guest"})
    assert evaluate(guests, customer(customer_type="guest"), NOW)
    assert not evaluate(guests, customer(customer_type="account"), NOW)


def test_new_fields_carry_values_only_as_parameters():
    hostile = "x') OR 1=1; --"
    rule = normalize(
        {
            "and": [
                {"field": "metadata", "op": "ne", "key": hostile, "value": hostile},
                {"field": "tier", "op": "in", "value": [hostile]},
                {"field": "points", "op": "between", "value": [10, 20]},
                {"field": "country", "op": "eq", "value": "jp"},
                {"not": {"field": "metadata", "op": "not_exists", "key": hostile}},
            ]
        }
    )
    sql, params = compile_sql(rule, NOW, {**TABLES, "membership": "m_t"})
    assert hostile not in sql and placeholders(sql) == set(params)
    assert '"m_t" m' in sql and '"orders" o' in sql
    # the tier's override expiry is compared with the evaluation moment, in place
    assert list(params.values())[2:5] == [NOW, [hostile], 10]
    assert "COALESCE(p.user_id IN (SELECT u2.id" in sql
    assert "@> %s::jsonb" in bare(sql)


def test_value_sql_of_a_set_based_field_is_a_lookup_of_its_row():
    sql, params = value_sql("tier", NOW, TABLES)
    assert sql.startswith("(SELECT CASE") and list(params.values()) == [NOW]
    assert "WHERE (pr.channel_id, m.user_id) = (p.channel_id, p.user_id)" in sql
    assert value_sql("channel", NOW, TABLES) == ("c.slug", {})
    with pytest.raises(ValueError):
        value_sql("metadata", NOW, TABLES)


def test_the_evaluation_moment_is_one_parameter_however_often_it_is_read():
    rule = normalize(
        {
            "or": [
                {"field": "tier", "op": "eq", "value": "Gold"},
                {"not": {"field": "tier", "op": "in", "value": ["Silver"]}},
            ]
        }
    )
    sql, params = compile_sql(rule, NOW, TABLES)
    assert sql.count("%(rule_now)s") == 2 and params["rule_now"] == NOW
    assert list(params.values()).count(NOW) == 1


def test_compiled_parameters_take_the_callers_prefix():
    rule = normalize({"field": "orders_count", "op": "gte", "value": 2})
    sql, params = compile_sql(rule, NOW, TABLES, prefix="seg_")
    assert sql == "(p.orders_count >= %(seg_0)s)" and params == {"seg_0": 2}
    _, column = value_sql("tier", NOW, TABLES)
    assert set(column) == {"tier_now"}


def test_the_compiler_needs_every_table_name_from_the_caller():
    rule = normalize({"field": "orders_count", "op": "gte", "value": 2})
    names = {k: v for k, v in TABLES.items() if k != "purchase_fact"}
    with pytest.raises(ValueError, match="purchase_fact"):
        compile_sql(rule, NOW, names)


def test_a_segment_rule_is_its_presets_or_its_tree():
    tree = {"field": "orders_count", "op": "gte", "value": 2}
    assert segment_rule(tree) == normalize(tree)
    assert segment_rule(tree, "regulars", {"min_orders": 4}) == preset_rule(
        "regulars", {"min_orders": 4}
    )
    with pytest.raises(RuleError) as missing:
        segment_rule(None)
    assert (missing.value.path, missing.value.code) == ("rule", CRMErrorCode.REQUIRED)


# --- ``ordered``: an order in a window ------------------------------------------------


def test_ordered_is_an_order_not_cancelled_in_a_half_open_window():
    start = datetime(2026, 3, 1, tzinfo=UTC)
    rule = normalize(
        {"ordered": {"from": start.isoformat(), "to": "2026-04-01T00:00:00+00:00"}}
    )
    assert rule == {"ordered": {"from": start, "to": datetime(2026, 4, 1, tzinfo=UTC)}}

    def at(moment, cancelled=False):
        return customer(orders=[{**order(0, cancelled=cancelled), "placed_at": moment}])

    assert evaluate(rule, at(start), NOW)  # the start is in
    assert evaluate(rule, at(datetime(2026, 3, 31, 23, 59, tzinfo=UTC)), NOW)
    assert not evaluate(rule, at(datetime(2026, 4, 1, tzinfo=UTC)), NOW)  # end: out
    assert not evaluate(rule, at(start - timedelta(microseconds=1)), NOW)
    assert not evaluate(rule, at(start, cancelled=True), NOW)
    assert not evaluate(rule, customer(), NOW)  # never ordered
    assert evaluate({"not": rule}, customer(), NOW)


def test_ordered_compiles_to_a_semi_join_on_the_order_rows():
    rule = normalize(
        {
            "ordered": {
                "from": "2026-03-01T00:00:00+09:00",
                "to": "2026-04-01T00:00:00+09:00",
            }
        }
    )
    for per_profile in (False, True):
        sql, params = compile_sql(rule, NOW, TABLES, per_profile=per_profile)
        assert bare(sql) == (
            '(EXISTS (SELECT 1 FROM "orders" o WHERE o.profile_id = p.id'
            " AND NOT o.cancelled AND o.placed_at >= %s AND o.placed_at < %s))"
        )
        assert list(params.values()) == [
            rule["ordered"]["from"],
            rule["ordered"]["to"],
        ]
    # it reads the order rows (one worker), and none of the caller's other aliases
    assert has_purchase_condition(rule)
    assert aliases_read(rule) == set()
