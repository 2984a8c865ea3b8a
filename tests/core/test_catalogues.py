"""The catalogues the API hands to editors (segment rule fields and purchase
conditions, coupon triggers) agree with the validators they describe: a value built
from the catalogue is accepted, and each bound it states is the validator's."""

import pytest

from saleor_crm_plugin.domain.coupons import (
    MAX_IDS,
    TRIGGER_PARAMS,
    TRIGGERS,
    CouponRuleError,
    parse_trigger,
)
from saleor_crm_plugin.domain.errors import CRMErrorCode
from saleor_crm_plugin.domain.segments import (
    CONDITIONS,
    FIELDS,
    MAX_LIST,
    OPERATORS,
    RuleError,
    field_catalogue,
    normalize,
)

CATALOGUE = {entry["name"]: entry for entry in field_catalogue()}
MOMENT = "2026-01-01T00:00:00+09:00"


def _sample(entry: dict, shape: str):
    kind = entry["kind"]
    if entry["choices"]:
        one = entry["choices"][0]
    elif entry["values"] == "country":
        one = "JP"
    else:
        one = {"int": 3, "decimal": "12.50", "datetime": MOMENT}.get(kind, "x")
    if shape == "range":
        return [one, one]
    if shape == "list":
        return [one]
    if shape == "days":
        return 30
    return one


def test_the_field_catalogue_lists_every_field_with_its_operators():
    assert list(CATALOGUE) == list(FIELDS)
    for name, entry in CATALOGUE.items():
        assert [op["name"] for op in entry["operators"]] == list(
            OPERATORS[FIELDS[name].kind]
        )
        assert entry["kind"] == FIELDS[name].kind


@pytest.mark.parametrize(
    ("field", "op"),
    [
        (name, op["name"])
        for name, entry in CATALOGUE.items()
        for op in entry["operators"]
    ],
)
def test_a_value_shaped_as_the_catalogue_says_is_accepted(field, op):
    entry = CATALOGUE[field]
    shape = next(o["value"] for o in entry["operators"] if o["name"] == op)
    leaf = {"field": field, "op": op}
    if field == "metadata":
        leaf["key"] = "k"
    if shape != "none":
        leaf["value"] = _sample(entry, shape)
    normalized = normalize(leaf)
    assert normalized["op"] == op
    assert (normalized.get("value") is None) == (shape == "none")
    if shape == "list":
        assert isinstance(normalized["value"], list)


def test_a_closed_set_of_values_is_enforced():
    with pytest.raises(RuleError):
        normalize({"field": "customer_type", "op": "eq", "value": "robot"})
    assert CATALOGUE["customer_type"]["choices"] == ["account", "guest"]
    assert "champions" in CATALOGUE["rfm_group"]["choices"]


def test_channel_scope_and_sources():
    assert CATALOGUE["orders_count"]["channel_scoped"] is True
    assert CATALOGUE["tier"]["source"] == "loyalty"
    assert CATALOGUE["rfm_recency"]["source"] == "rfm"
    assert CATALOGUE["date_joined"]["channel_scoped"] is False
    assert CATALOGUE["metadata"]["source"] == "account"
    assert CATALOGUE["channel"]["values"] == "channel"


# a valid value of each datetime parameter (``ordered``: from before to)
_MOMENTS = {"from": "2026-03-01T00:00:00+09:00", "to": "2026-04-01T00:00:00+09:00"}


def _minimal(name):
    spec = {}
    for param in CONDITIONS[name]:
        if param.one_of and any(
            p.one_of == param.one_of and p.name in spec for p in CONDITIONS[name]
        ):
            continue
        if param.required or param.one_of:
            if param.type == "datetime":
                spec[param.name] = _MOMENTS[param.name]
            else:
                spec[param.name] = [5] if param.type == "ids" else param.min
    return spec


@pytest.mark.parametrize("name", list(CONDITIONS))
def test_a_minimal_condition_from_the_catalogue_is_accepted(name):
    spec = _minimal(name)
    out = normalize({name: spec})[name]
    for param in CONDITIONS[name]:
        if param.default is not None and param.name not in spec:
            if name == "bought_not" and param.name == "relation" and "top" not in spec:
                continue
            assert out[param.name] == param.default


@pytest.mark.parametrize(
    ("name", "param"),
    [(n, p) for n, params in CONDITIONS.items() for p in params if p.type == "int"],
)
def test_condition_bounds_are_the_validators(name, param):
    base = _minimal(name)
    if param.one_of:
        base = {k: v for k, v in base.items() if k not in ("not", "top")}
    for value in (param.min, param.max):
        assert normalize({name: {**base, param.name: value}})[name][param.name] == value
    with pytest.raises(RuleError):
        normalize({name: {**base, param.name: param.max + 1}})
    if param.min > 0:
        with pytest.raises(RuleError):
            normalize({name: {**base, param.name: param.min - 1}})


@pytest.mark.parametrize("name", list(CONDITIONS))
def test_required_and_exclusive_keys(name):
    spec = _minimal(name)
    for param in CONDITIONS[name]:
        if param.required:
            with pytest.raises(RuleError) as exc:
                normalize({name: {k: v for k, v in spec.items() if k != param.name}})
            assert exc.value.code is CRMErrorCode.REQUIRED
    groups = {p.one_of for p in CONDITIONS[name] if p.one_of}
    for group in groups:
        both = {
            p.name: [5] if p.type == "ids" else p.min
            for p in CONDITIONS[name]
            if p.one_of == group
        }
        with pytest.raises(RuleError):
            normalize({name: {**spec, **both}})
    with pytest.raises(RuleError):
        normalize({name: {**spec, "nope": 1}})


def test_id_lists_are_bounded_by_max_list():
    spec = {"products": list(range(1, MAX_LIST + 2))}
    with pytest.raises(RuleError) as exc:
        normalize({"bought": spec})
    assert exc.value.code is CRMErrorCode.TOO_COMPLEX


# --- coupon triggers ------------------------------------------------------------


def test_every_trigger_has_its_parameters_described():
    assert list(TRIGGER_PARAMS) == list(TRIGGERS)


# what a trigger needs beyond its required parameters: a rule across them
# (replenishment: products or categories; cross_sell: X and the targets or top_k)
ACROSS = {
    "replenishment": {"product_ids": [7]},
    "cross_sell": {"product_ids": [7], "top_k": 3},
}


@pytest.mark.parametrize("kind", TRIGGERS)
def test_triggers_accept_their_minimal_parameters_and_apply_defaults(kind):
    params = {
        p.name: [7] if p.type == "ids" else p.min
        for p in TRIGGER_PARAMS[kind]
        if p.required
    }
    params.update(ACROSS.get(kind, {}))
    trigger = parse_trigger(kind, params)
    for p in TRIGGER_PARAMS[kind]:
        if not p.required and p.name not in params:
            # an optional list left out is empty
            empty = () if p.type == "ids" else None
            assert getattr(trigger, p.name) == (
                p.default if p.default is not None else empty
            )


@pytest.mark.parametrize(
    ("kind", "param"),
    [(k, p) for k, params in TRIGGER_PARAMS.items() for p in params],
)
def test_trigger_bounds_and_required_are_the_validators(kind, param):
    base = {
        p.name: [7] if p.type == "ids" else p.min
        for p in TRIGGER_PARAMS[kind]
        if p.required
    }
    base.update(ACROSS.get(kind, {}))
    if param.type == "choice":
        for choice in param.choices:
            assert (
                getattr(parse_trigger(kind, {**base, param.name: choice}), param.name)
                == choice
            )
        with pytest.raises(CouponRuleError) as exc:
            parse_trigger(kind, {**base, param.name: "nope"})
        assert exc.value.field == param.name
        return
    if param.required:
        with pytest.raises(CouponRuleError) as exc:
            parse_trigger(kind, {k: v for k, v in base.items() if k != param.name})
        assert (exc.value.field, exc.value.code) == (param.name, CRMErrorCode.REQUIRED)
    if param.type == "ids":
        with pytest.raises(CouponRuleError) as exc:
            parse_trigger(kind, {**base, param.name: list(range(1, MAX_IDS + 2))})
        assert (exc.value.field, exc.value.code) == (
            param.name,
            CRMErrorCode.TOO_COMPLEX,
        )
        return
    assert getattr(
        parse_trigger(kind, {**base, param.name: param.max}), param.name
    ) == (param.max)
    for bad in (param.min - 1, param.max + 1):
        with pytest.raises(CouponRuleError) as exc:
            parse_trigger(kind, {**base, param.name: bad})
        assert exc.value.field == param.name


def test_trigger_params_round_trip():
    assert parse_trigger("birthday", {}).as_params() == {"days_before": 0}
    assert parse_trigger("birthday", {"days_before": None}).days_before == 0
