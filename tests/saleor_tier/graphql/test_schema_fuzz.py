"""Schema-driven fuzzing of the CRM endpoint: for every root field (queries and
mutations) Hypothesis builds requests from the endpoint's own schema — argument
values of each argument's type, malformed on purpose (NUL bytes, 100 kB text,
numbers beyond any column, IDs that are garbage, of another type or out of range,
unknown enum values, random JSON and rule trees) — and sends them with Saleor's
staff and customer clients. A request may be refused in any typed way (a GraphQL
error, a permission error, ``errors``), never with an unhandled exception
("Internal Server Error").

``hypothesis-graphql`` cannot be used here: it needs graphql-core 3, and installing
it replaces the graphql-core 2 that Saleor 3.23 runs on. The generator below reads
the graphql-core 2 schema the endpoint serves instead (the same information
``hypothesis_graphql.from_schema`` reads from the SDL). Each example runs in a
savepoint that is rolled back, so examples do not see each other's writes."""

import json
import uuid
from decimal import Decimal

import pytest
from crm_helpers import crm_post, gid
from django.db import transaction
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saleor_crm_plugin.graphql.schema import schema
from saleor_crm_plugin.models import (
    CouponRule,
    CustomerProfile,
    LoyaltyProgram,
    Segment,
    Tier,
)

EXAMPLES_PER_FIELD = 15
# QueryCostError: Saleor's refusal of a request above the cost limit (a huge `first`)
HANDLED = {"GraphQLError", "PermissionDenied", "QueryCostError"}
NUL = "\x00"

NASTY_TEXT = [
    "",
    " ",
    NUL,
    f"a{NUL}b",
    "x" * 100_000,
    "'; drop table x; --",
    "%",
    "_",
    "default-channel",
    "regulars",
    "Asia/Tokyo",
    "Not/AZone",
    "\u202e\u0301",
    "ACTIVE",
    "active",
    "BOGUS",
    "1e400",
    "-1",
    "null",
]
NASTY_DECIMALS = [
    "1e30",
    "1e400",
    "-1e400",
    "0.0000001",
    "12.345",
    "-1",
    "0",
    "0.1",
    "100",
    "100.0001",
    "99999999999999999.999",
    "1e-30",
    "2",
    "15",
]
NASTY_DATETIMES = [
    "2026-12-01T00:00:00+00:00",
    "2026-12-01T00:00:00",
    "9999-12-31T23:59:59+00:00",
    "0001-01-01T00:00:00+00:00",
    "garbage",
    "",
    NUL,
]
RULE_FIELDS = [
    "orders_count",
    "paid_orders_count",
    "total_spent",
    "last_order_at",
    "channel",
    "email_domain",
    "country",
    "tier",
    "points",
    "metadata",
    "customer_type",
    "rfm_group",
    "password",
    NUL,
]
RULE_OPS = [
    "eq",
    "ne",
    "gt",
    "gte",
    "lt",
    "lte",
    "between",
    "in",
    "not_in",
    "more_than_days_ago",
    "is_set",
    "exists",
    "before",
    "sql",
]


def _one_of(values):
    """``sampled_from`` without the values in its repr (some are 100 kB)."""
    values = list(values)
    return st.sampled_from(range(len(values))).map(values.__getitem__)


def _unnull(type_):
    return type_.of_type if isinstance(type_, GraphQLNonNull) else type_


def _json():
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**20), 10**20),
        _one_of(NASTY_TEXT[:4] + NASTY_DECIMALS),
        st.text(max_size=8),
        st.floats(allow_nan=False, allow_infinity=False),
    )
    leaf = st.fixed_dictionaries(
        {"field": st.sampled_from(RULE_FIELDS), "op": st.sampled_from(RULE_OPS)},
        optional={
            "value": scalars | st.lists(scalars, max_size=3),
            "key": scalars,
            "sql": st.just("1=1"),
        },
    )
    bought = st.one_of(
        *[
            st.fixed_dictionaries(
                {
                    "bought": st.fixed_dictionaries(
                        {kind: st.lists(scalars, max_size=3)},
                        optional={"min_times": scalars, "within_days": scalars},
                    )
                }
            )
            for kind in ("products", "categories", "x")
        ]
    )
    rule = st.recursive(
        leaf | bought,
        lambda inner: st.one_of(
            st.fixed_dictionaries({"and": st.lists(inner, max_size=3)}),
            st.fixed_dictionaries({"or": st.lists(inner, max_size=3)}),
            st.fixed_dictionaries({"not": inner}),
        ),
        max_leaves=5,
    )
    anything = st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(st.text(max_size=5), inner, max_size=3)
        ),
        max_leaves=6,
    )
    return rule | anything


class Values:
    """Strategies for the values of an argument's type. Values that GraphQL
    itself refuses (unknown enum values, IDs it cannot decode) are the rarer
    branch, so most requests reach the resolvers with some nasty text, number or
    JSON inside."""

    def __init__(self, world):
        self.world = world

    def of(self, type_, depth=0):
        if isinstance(type_, GraphQLNonNull):
            return self.of(type_.of_type, depth)
        strategy = self._nullable(type_, depth)
        return st.one_of(st.none(), strategy) if depth else strategy

    def _nullable(self, type_, depth):
        if isinstance(type_, GraphQLList):
            return st.lists(self.of(type_.of_type, depth + 1), max_size=2)
        if isinstance(type_, GraphQLEnumType):
            names = [value.name for value in type_.values]
            valid = st.sampled_from(names)
            return st.one_of(*[valid] * 7, st.sampled_from(["BOGUS", names[0].lower()]))
        if isinstance(type_, GraphQLInputObjectType):
            required, optional = {}, {}
            for name, field in type_.fields.items():
                value = self.of(field.type, depth + 1)
                target = (
                    required if isinstance(field.type, GraphQLNonNull) else optional
                )
                target[name] = value
            return st.fixed_dictionaries(required, optional=optional)
        assert isinstance(type_, GraphQLScalarType), type_
        return self._scalar(type_.name)

    def _scalar(self, name):
        if name == "ID":
            good = _one_of(self.world["good_ids"])
            return st.one_of(good, good, good, good, _one_of(self.world["bad_ids"]))
        if name == "String":
            good = _one_of(self.world["words"])
            return st.one_of(
                good,
                _one_of(NASTY_TEXT),
                st.text(max_size=12),
                st.text(max_size=12).map(lambda t: t + NUL),
            )
        if name == "Int":
            return st.one_of(
                st.integers(0, 400),
                st.integers(-(2**31), 2**31 - 1),
                st.sampled_from([0, -1, 1, 2, 2**31 - 1, -(2**31)]),
            )
        if name in ("Float", "Decimal", "PositiveDecimal"):
            return st.one_of(
                _one_of(NASTY_DECIMALS),
                _one_of(NASTY_DECIMALS),
                st.decimals(allow_nan=False, allow_infinity=False, places=4).map(str),
            )
        if name == "Boolean":
            return st.booleans()
        if name == "DateTime":
            return _one_of(NASTY_DATETIMES)
        if name == "JSON" or name == "JSONString":
            return _json()
        return _one_of(NASTY_TEXT)


def _selection(type_, depth=0) -> str:
    """Every argument-free field of the return type, two levels deep."""
    type_ = _unnull(type_)
    while isinstance(type_, GraphQLList | GraphQLNonNull):
        type_ = type_.of_type
    if not isinstance(type_, GraphQLObjectType):
        return ""
    parts = []
    for name, field in type_.fields.items():
        if any(isinstance(a.type, GraphQLNonNull) for a in field.args.values()):
            continue
        inner = _unnull(field.type)
        while isinstance(inner, GraphQLList | GraphQLNonNull):
            inner = inner.of_type
        if isinstance(inner, GraphQLObjectType):
            if depth < 2:
                sub = _selection(inner, depth + 1)
                if sub:
                    parts.append(f"{name} {sub}")
        else:
            parts.append(name)
    return "{ " + " ".join(parts) + " }" if parts else ""


def _request(operation, name, field, values):
    args = list(field.args.items())
    strategies = {}
    for arg_name, arg in args:
        strategies[arg_name] = values.of(arg.type)
    definitions = ", ".join(f"${a}: {arg.type}" for a, arg in args)
    call = ", ".join(f"{a}: ${a}" for a, _ in args)
    selection = _selection(field.type)
    document = (
        f"{operation}{f' ({definitions})' if definitions else ''} "
        f"{{ {name}{f'({call})' if call else ''} {selection} }}"
    )
    required = {
        a: s
        for a, s in strategies.items()
        if isinstance(field.args[a].type, GraphQLNonNull)
    }
    optional = {a: s for a, s in strategies.items() if a not in required}
    return document, st.fixed_dictionaries(required, optional=optional)


ROOT_FIELDS = [
    ("query", name, field) for name, field in schema.get_query_type().fields.items()
] + [
    ("mutation", name, field)
    for name, field in schema.get_mutation_type().fields.items()
]


@pytest.fixture
def world(channel_USD, channel_PLN, customer_user, category, product):
    """One of each object the root fields take an ID of, IDs that are malformed,
    of another type or of nothing, and words that name real things."""
    segment = Segment.objects.create(
        name="VIP",
        channel=channel_USD,
        rule={"field": "orders_count", "op": "gte", "value": 1},
    )
    program = LoyaltyProgram.objects.create(channel=channel_USD)
    tier = Tier.objects.create(program=program, name="Gold", rank=1)
    rule = CouponRule.objects.create(
        name="R",
        channel=channel_USD,
        trigger="days_without_order",
        trigger_params={"days": 90},
        discount_type="percentage",
        discount_value=Decimal(10),
    )
    CustomerProfile.objects.create(
        channel=channel_USD,
        user=customer_user,
        email=customer_user.email,
        currency="USD",
        orders_count=1,
        paid_orders_count=1,
    )
    good_ids = [
        gid("CRMSegment", segment.pk),
        gid("CRMLoyaltyProgram", program.pk),
        gid("CRMTier", tier.pk),
        gid("CRMCouponRule", rule.pk),
        gid("User", customer_user.pk),
        gid("Category", category.pk),
        gid("Product", product.pk),
    ]
    bad_ids = [
        "garbage",
        "",
        NUL,
        f"{good_ids[0]}{NUL}",
        gid("User", 10**30),
        gid("User", uuid.uuid4()),
        gid("User", "abc"),
        gid("CRMSegment", -1),
        gid("CRMSegment", rule.pk + 1000),
        gid("CRMCouponRule", segment.pk + 1000),
        gid("Order", uuid.uuid4()),
        "'; drop table x; --",
        "x" * 100_000,
    ]
    words = [
        channel_USD.slug,
        channel_PLN.slug,
        "regulars",
        "at_risk",
        "Asia/Tokyo",
        "VIP",
        "reason",
        customer_user.email,
    ]
    return {"good_ids": good_ids, "bad_ids": bad_ids, "words": words}


def check(response, document, variables):
    assert response.status_code != 500, (document, variables)
    content = json.loads(response.content)
    for error in content.get("errors") or []:
        code = (error.get("extensions") or {}).get("exception", {}).get("code")
        assert error["message"] != "Internal Server Error" and code in HANDLED, (
            error,
            document,
            variables,
        )


@pytest.mark.parametrize(
    ("operation", "name", "field"),
    ROOT_FIELDS,
    ids=[name for _, name, _ in ROOT_FIELDS],
)
def test_no_input_makes_the_server_fail(
    operation,
    name,
    field,
    world,
    staff_users_admin,
    staff_discounts_admin,
    user_api_client,
):
    staff = staff_users_admin
    client = (
        user_api_client
        if name in ("crmMyProfile", "crmMyLoyalty", "crmMyCoupons", "crmPointsRedeem")
        else staff
    )
    document, variables_strategy = _request(operation, name, field, Values(world))

    @settings(
        max_examples=EXAMPLES_PER_FIELD,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(variables=variables_strategy)
    def run(variables):
        sid = transaction.savepoint()
        try:
            response = crm_post(client, document, variables)
            check(response, document, variables)
        finally:
            transaction.savepoint_rollback(sid)

    run()
