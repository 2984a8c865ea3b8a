"""Segment rules (pure): a rule tree of AND / OR / NOT over customer fields and
purchase conditions, validated against a closed catalogue of fields and operators,
compiled to a SQL condition with named parameters (``%(rule_0)s``, values in a
dict) — never raw SQL from input — and
evaluated in plain Python by a reference evaluator the compiler is tested against.

A rule is JSON-shaped::

    {"and": [
        {"field": "paid_orders_count", "op": "gte", "value": 2},
        {"field": "last_order_at", "op": "more_than_days_ago", "value": 90},
        {"not": {"field": "channel", "op": "in", "value": ["jp"]}},
        {"bought": {"categories": [12], "min_times": 2, "within_days": 365}},
        {"ordered": {"from": "2026-03-01T00:00:00+09:00",
                     "to": "2026-04-01T00:00:00+09:00"}},
    ]}

Every leaf is two-valued: a condition on a missing value (a customer who never
ordered has no ``last_order_at``) is false, in SQL as in Python, so ``NOT`` means
what an admin expects. Under a ``NOT`` a leaf is ``COALESCE(..., FALSE)``; elsewhere
it is the bare comparison (an unknown there cannot make a row match, and ``WHERE``
drops it), which an index on the column can serve.

The SQL refers to the aliases the caller's query provides (``p`` the CRM profile,
``u`` Saleor's user, ``c`` the channel); purchase conditions read the purchase
facts (``PurchaseFact``: one row per product, category and collection of each
order not cancelled) through one sub-select, an index-only range scan of its
key ``(kind, item_id, placed_at, order_id, profile_id)``. Loyalty fields
(``tier``, ``points``) and ``metadata`` are set-based too:
``(p.channel_id, p.user_id) IN (SELECT ... WHERE <condition>)`` over the membership
table, ``p.user_id IN (SELECT ... WHERE metadata @> ...)`` over Saleor's users
(GIN-indexed ``jsonb`` operators); the RFM fields ``p.id IN (SELECT ...)`` over
the narrow score table (``RfmScore``). ``country`` reads a few rows by primary key
or by the ``(profile, placed_at)`` index, only as far as its fallbacks need.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from .errors import CRMErrorCode, CRMServiceError
from .items import (
    ITEM_KINDS,
    MAX_TOP,
    MAX_WITHIN_DAYS,
    OWN_INTERVALS,
    RELATIONS,
    due_at,
)
from .rfm import GROUP_NAMES
from .tiers import effective_tier_sql

MAX_DEPTH = 6
MAX_NODES = 60
MAX_LIST = 1000


class RuleError(CRMServiceError):
    """An invalid rule; ``path`` points at the node (``and.2.not``), ``code`` is
    ``INVALID``, ``REQUIRED`` or ``TOO_COMPLEX``. ``field`` is the input the path
    lies in: ``preset_params`` / ``preset`` for a preset, else ``rule``."""

    def __init__(
        self, path: str, message: str, code: CRMErrorCode = CRMErrorCode.INVALID
    ):
        if path.startswith("preset_params"):
            field = "preset_params"
        else:
            field = "preset" if path == "preset" else "rule"
        super().__init__(field, f"{path or 'rule'}: {message}", code)
        self.path = path


@dataclass(frozen=True)
class Field:
    kind: str  # int | decimal | datetime | text | metadata
    # a value expression (never from input) over the caller's aliases, or — for a
    # set-based field — over the aliases of ``source``; ``{name}`` placeholders are
    # table names (the caller's registry, ``TABLE_KEYS``) and ``{now}`` the
    # evaluation moment (a parameter)
    sql: str
    # set-based: the condition is ``COALESCE(<key> IN (SELECT <source_key>
    # <source> WHERE <condition on sql>), FALSE)`` — one hashed sub-select
    key: str = ""
    source_key: str = ""
    source: str = ""
    choices: tuple[str, ...] = ()  # a closed set of values
    country: bool = False  # ISO 3166-1 alpha-2 codes (upper-cased)
    # for editors only (the field catalogue): what the values are, so a form can
    # offer a picker — channel slugs, tier names, RFM group names, money amounts
    values: str = ""


# The tables the compiled SQL names, by their keys in the caller's registry
# (``core.tables.TABLES``: the models' own names; this module holds none).
TABLE_KEYS = frozenset(
    {
        "membership",
        "program",
        "tier",
        "user",
        "address",
        "order",
        "corder",
        "rfm_score",
        "purchase_fact",
        # item analytics' conditions (``due``, ``bought_not``)
        "profile",
        "repurchase_interval",
        "copurchase",
    }
)

# a member of the channel's loyalty program (unique per program and user)
_MEMBER = 'FROM "{membership}" m JOIN "{program}" pr ON pr.id = m.program_id'
_MEMBER_TIERS = (
    _MEMBER + ' LEFT JOIN "{tier}" t ON t.id = m.tier_id'
    ' LEFT JOIN "{tier}" ot ON ot.id = m.override_tier_id'
)
# ``loyalty.state.effective_tier``: an unexpired override, else the earned tier
_EFFECTIVE_TIER = effective_tier_sql("m", "{now}", earned="t.name", override="ot.name")
# the account's default billing address, else its default shipping address, else
# the billing address of the profile's last order (the latest with one)
_COUNTRY = (
    "COALESCE("
    "(SELECT NULLIF(a.country, '') FROM \"{address}\" a"
    " WHERE a.id = u.default_billing_address_id), "
    "(SELECT NULLIF(a.country, '') FROM \"{address}\" a"
    " WHERE a.id = u.default_shipping_address_id), "
    "(SELECT NULLIF(a.country, '') FROM \"{corder}\" o"
    ' JOIN "{order}" so ON so.id = o.order_id'
    ' JOIN "{address}" a ON a.id = so.billing_address_id'
    " WHERE o.profile_id = p.id ORDER BY o.placed_at DESC, o.order_id DESC LIMIT 1))"
)
MEMBER_KEY = ("(p.channel_id, p.user_id)", "pr.channel_id, m.user_id")
# RFM scores: one row per scored profile (``RfmScore``)
_RFM = 'FROM "{rfm_score}" rs'
RFM_KEY = ("p.id", "rs.profile_id")

FIELDS: dict[str, Field] = {
    "orders_count": Field("int", "p.orders_count"),
    "paid_orders_count": Field("int", "p.paid_orders_count"),
    "cancelled_orders_count": Field("int", "p.cancelled_orders_count"),
    "total_spent": Field("decimal", "p.net_spent_amount", values="money"),
    "average_order_value": Field(
        "decimal", "p.average_order_value_amount", values="money"
    ),
    "first_order_at": Field("datetime", "p.first_order_at"),
    "last_order_at": Field("datetime", "p.last_order_at"),
    "first_paid_at": Field("datetime", "p.first_paid_at"),
    "last_paid_at": Field("datetime", "p.last_paid_at"),
    "date_joined": Field("datetime", "u.date_joined"),
    # the scored customer's row of the narrow RFM table (unscored: no row, false)
    "rfm_recency": Field("int", "rs.recency", *RFM_KEY, _RFM),
    "rfm_frequency": Field("int", "rs.frequency", *RFM_KEY, _RFM),
    "rfm_monetary": Field("int", "rs.monetary", *RFM_KEY, _RFM),
    "rfm_group": Field("text", "rs.group_name", *RFM_KEY, _RFM, values="rfm_group"),
    "channel": Field("text", "c.slug", values="channel"),
    "email_domain": Field("text", "lower(split_part(p.email, '@', 2))"),
    "customer_type": Field(
        "text",
        "CASE WHEN p.user_id IS NULL THEN 'guest' ELSE 'account' END",
        choices=("account", "guest"),
    ),
    "country": Field("text", _COUNTRY, country=True),
    # the effective tier's name in the profile's channel (program); guests and
    # non-members have none
    "tier": Field("text", _EFFECTIVE_TIER, *MEMBER_KEY, _MEMBER_TIERS, values="tier"),
    # available points as last mirrored (``Membership.mirrored_points``: after
    # every ledger change of the member, and hourly for points that mature or
    # expire) — the exact figure is a sum over the ledger per member
    "points": Field("int", "m.mirrored_points", *MEMBER_KEY, _MEMBER),
    # Saleor's public customer metadata: {field, op, key, value}
    "metadata": Field(
        "metadata", "u2.metadata", "p.user_id", "u2.id", 'FROM "{user}" u2'
    ),
}

OPERATORS: dict[str, tuple[str, ...]] = {
    "int": ("eq", "ne", "gt", "gte", "lt", "lte", "between"),
    "decimal": ("eq", "ne", "gt", "gte", "lt", "lte", "between"),
    "datetime": (
        "before",
        "after",
        "between",
        "more_than_days_ago",
        "less_than_days_ago",
        "is_set",
        "is_not_set",
    ),
    "text": ("eq", "ne", "in", "not_in"),
    "metadata": ("eq", "ne", "exists", "not_exists"),
}
# how each operator takes its value (the leaf validation below): ``none`` (no
# value), ``single``, ``range`` ([from, to]), ``list`` (1 to MAX_LIST values) or
# ``days`` (0 to 36500 days before now); the field catalogue reports it
OPERATOR_VALUES: dict[str, str] = {
    "eq": "single",
    "ne": "single",
    "gt": "single",
    "gte": "single",
    "lt": "single",
    "lte": "single",
    "between": "range",
    "in": "list",
    "not_in": "list",
    "before": "single",
    "after": "single",
    "more_than_days_ago": "days",
    "less_than_days_ago": "days",
    "is_set": "none",
    "is_not_set": "none",
    "exists": "none",
    "not_exists": "none",
}
MAX_KEY = 256
_COUNTRY_CODE = re.compile(r"[A-Za-z]{2}")
_CMP = {"eq": "=", "ne": "<>", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
# ``PurchaseFact.KIND_*``
FACT_KINDS = {"products": 1, "categories": 2, "collections": 3}
BOUGHT_KINDS = {
    "products": "product_ids",
    "categories": "category_ids",
    "collections": "collection_ids",
}


# --- validation ---------------------------------------------------------------------


def _number(value, kind: str, path: str):
    if isinstance(value, bool):
        raise RuleError(path, "Enter a number.")
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise RuleError(path, "Enter a number.") from None
    if not number.is_finite():
        raise RuleError(path, "Enter a number.")
    if kind == "int":
        if number != number.to_integral_value():
            raise RuleError(path, "Enter a whole number.")
        return int(number)
    return number


def _moment(value, path: str) -> datetime:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise RuleError(path, "Enter an ISO 8601 date-time.") from None
    else:
        raise RuleError(path, "Enter an ISO 8601 date-time.")
    if moment.tzinfo is None:
        raise RuleError(path, "Give the time zone (e.g. 2026-01-01T00:00:00+09:00).")
    return moment


def _days(value, path: str) -> int:
    days = _number(value, "int", path)
    if not 0 <= days <= 36500:
        raise RuleError(path, "Enter a number of days from 0 to 36500.")
    return days


def _ids(value, path: str) -> list[int]:
    if not isinstance(value, list) or not value:
        raise RuleError(path, "Enter a non-empty list of IDs.")
    if len(value) > MAX_LIST:
        raise RuleError(path, f"At most {MAX_LIST} values.", CRMErrorCode.TOO_COMPLEX)
    out = []
    for i, item in enumerate(value):
        # an ID is a PostgreSQL integer: a larger one would fail the query
        if (
            isinstance(item, bool)
            or not isinstance(item, int)
            or item <= 0
            or item > 2**31 - 1
        ):
            raise RuleError(f"{path}.{i}", "Enter a positive integer ID.")
        out.append(item)
    return out


def normalize(rule, path: str = "") -> dict:
    """Validate a rule and return it with typed values (numbers as ``Decimal`` /
    ``int``, moments as aware ``datetime``). Raises :class:`RuleError`."""
    counter = [0]
    return _normalize(rule, path, 1, counter)


def _normalize(node, path, depth, counter):
    counter[0] += 1
    if counter[0] > MAX_NODES:
        raise RuleError(
            path,
            f"A rule has at most {MAX_NODES} conditions.",
            CRMErrorCode.TOO_COMPLEX,
        )
    if depth > MAX_DEPTH:
        raise RuleError(
            path, f"Rules nest at most {MAX_DEPTH} levels.", CRMErrorCode.TOO_COMPLEX
        )
    if not isinstance(node, dict) or len(node) != 1 and "field" not in node:
        raise RuleError(
            path,
            "Expected {and: [...]}, {or: [...]}, {not: {...}}, "
            "{bought: {...}}, {due: {...}}, {bought_not: {...}}, "
            "{ordered: {...}} or {field, op, value}.",
        )
    if "field" in node:
        return _leaf(node, path)
    here = lambda key: f"{path}.{key}" if path else key  # noqa: E731
    if "and" in node or "or" in node:
        key = "and" if "and" in node else "or"
        children = node[key]
        if not isinstance(children, list) or not children:
            raise RuleError(here(key), "Enter a non-empty list of conditions.")
        return {
            key: [
                _normalize(child, f"{here(key)}.{i}", depth + 1, counter)
                for i, child in enumerate(children)
            ]
        }
    if "not" in node:
        return {"not": _normalize(node["not"], here("not"), depth + 1, counter)}
    if "bought" in node:
        return {"bought": _bought(node["bought"], here("bought"))}
    # item analytics (domain/items.py): due to rebuy, bought X but not Y
    if "due" in node:
        return {"due": _due(node["due"], here("due"))}
    if "bought_not" in node:
        return {"bought_not": _bought_not(node["bought_not"], here("bought_not"))}
    if "ordered" in node:
        return {"ordered": _ordered(node["ordered"], here("ordered"))}
    return _leaf(node, path)


_LEAF_KEYS = frozenset({"field", "op", "value"})


def _leaf(node, path):
    name, op = node.get("field"), node.get("op")
    unknown = set(node) - _LEAF_KEYS - ({"key"} if name == "metadata" else set())
    if unknown:
        raise RuleError(path, f"Unknown keys: {', '.join(sorted(map(str, unknown)))}.")
    if name not in FIELDS:
        raise RuleError(
            f"{path}.field" if path else "field",
            f"Unknown field; use one of: {', '.join(sorted(FIELDS))}.",
        )
    kind = FIELDS[name].kind
    if op not in OPERATORS[kind]:
        raise RuleError(
            f"{path}.op" if path else "op", f"Use one of: {', '.join(OPERATORS[kind])}."
        )
    vpath = f"{path}.value" if path else "value"
    value = node.get("value")
    if kind == "metadata":
        return _metadata_leaf(node, name, op, path)
    if op in ("is_set", "is_not_set"):
        value = None
    elif op == "between":
        if not isinstance(value, list) or len(value) != 2:
            raise RuleError(vpath, "Enter [from, to].")
        parse = (
            (lambda v, p: _moment(v, p))
            if kind == "datetime"
            else (lambda v, p: _number(v, kind, p))
        )
        low, high = parse(value[0], f"{vpath}.0"), parse(value[1], f"{vpath}.1")
        if low > high:
            raise RuleError(vpath, "The range starts after it ends.")
        value = [low, high]
    elif op in ("more_than_days_ago", "less_than_days_ago"):
        value = _days(value, vpath)
    elif kind == "datetime":
        value = _moment(value, vpath)
    elif kind == "text":
        if op in ("in", "not_in"):
            if not isinstance(value, list) or not value or len(value) > MAX_LIST:
                raise RuleError(vpath, f"Enter a list of 1 to {MAX_LIST} values.")
            if not all(isinstance(v, str) for v in value):
                raise RuleError(vpath, "Enter text values.")
            value = [
                _text(FIELDS[name], v, f"{vpath}.{i}") for i, v in enumerate(value)
            ]
        elif not isinstance(value, str):
            raise RuleError(vpath, "Enter a text value.")
        else:
            value = _text(FIELDS[name], value, vpath)
    else:
        if value is None:
            raise RuleError(vpath, "Enter a value.", CRMErrorCode.REQUIRED)
        value = _number(value, kind, vpath)
    return {"field": name, "op": op, "value": value}


def _text(field: Field, value: str, path: str) -> str:
    if field.country:
        if not _COUNTRY_CODE.fullmatch(value):
            raise RuleError(path, "Enter a two-letter country code (ISO 3166-1).")
        return value.upper()
    if field.choices and value not in field.choices:
        raise RuleError(path, f"Use one of: {', '.join(field.choices)}.")
    return value


def _metadata_leaf(node, name, op, path):
    """``{field: metadata, op, key, value}``: the key as Saleor accepts metadata
    keys (text, not blank), the value text (``eq`` / ``ne`` only)."""
    here = lambda key: f"{path}.{key}" if path else key  # noqa: E731
    key = node.get("key")
    if key is None:
        raise RuleError(here("key"), "Enter a metadata key.", CRMErrorCode.REQUIRED)
    if not isinstance(key, str) or not key.strip():
        raise RuleError(here("key"), "Enter a metadata key (not blank).")
    if len(key) > MAX_KEY:
        raise RuleError(here("key"), f"At most {MAX_KEY} characters.")
    value = node.get("value")
    if op in ("exists", "not_exists"):
        value = None
    elif value is None:
        raise RuleError(here("value"), "Enter a value.", CRMErrorCode.REQUIRED)
    elif not isinstance(value, str):
        raise RuleError(here("value"), "Enter a text value (metadata values are text).")
    return {"field": name, "op": op, "key": key, "value": value}


def _bought(spec, path):
    if not isinstance(spec, dict):
        raise RuleError(
            path,
            "Expected {categories|products|collections: [...], "
            "min_times, within_days}.",
        )
    kinds = [k for k in BOUGHT_KINDS if k in spec]
    if len(kinds) != 1:
        raise RuleError(path, "Give exactly one of products, categories, collections.")
    unknown = set(spec) - {*BOUGHT_KINDS, "min_times", "within_days"}
    if unknown:
        raise RuleError(path, f"Unknown keys: {', '.join(sorted(unknown))}.")
    kind = kinds[0]
    out = {
        kind: _ids(spec[kind], f"{path}.{kind}"),
        "min_times": _number(spec.get("min_times", 1), "int", f"{path}.min_times"),
        "within_days": None,
    }
    if not 1 <= out["min_times"] <= 1000:
        raise RuleError(f"{path}.min_times", "Enter 1 to 1000.")
    if spec.get("within_days") is not None:
        out["within_days"] = _days(spec["within_days"], f"{path}.within_days")
    return out


# --- SQL ----------------------------------------------------------------------------


class Params:
    """The named parameters of a compiled text: :meth:`add` keeps a value and
    returns its placeholder ``%(<prefix><n>)s``; :meth:`now` is the evaluation
    moment's one placeholder. ``values`` is the dict to execute with — the
    caller's own parameters are merged in beside it (another prefix, no clash)."""

    def __init__(self, prefix: str = "rule_"):
        self.prefix = prefix
        self.values: dict = {}

    def add(self, value) -> str:
        name = f"{self.prefix}{len(self.values)}"
        self.values[name] = value
        return f"%({name})s"

    def now(self, now: datetime) -> str:
        name = f"{self.prefix}now"
        self.values[name] = now
        return f"%({name})s"


def compile_sql(
    rule: dict,
    now: datetime,
    tables,
    *,
    per_profile: bool = False,
    prefix: str = "rule_",
) -> tuple[str, dict]:
    """A normalized rule as ``(condition, params)`` for a ``WHERE`` over the aliases
    ``p`` / ``u`` / ``c``; values only ever travel as named parameters
    (``%(rule_0)s`` …, the dict ``params``). ``tables`` maps the keys of
    ``TABLE_KEYS`` to the tables' names — the caller's registry, from the models,
    never from input.

    ``per_profile`` is for a ``WHERE`` that already names a few profiles (an
    order just changed them): a purchase condition then counts each one's own
    CRM order rows through their ``(profile, placed_at)`` index, instead of
    grouping every customer's purchase facts of the item (the same answer: the
    facts are those rows' items, one per order)."""
    params = Params(prefix)
    names = _names(tables)
    return _sql(rule, now, names, params, per_profile), params.values


def has_purchase_condition(rule: dict) -> bool:
    """Whether a normalized rule holds a ``bought`` condition anywhere (or
    another condition on the purchase facts: ``due``, ``bought_not``)."""
    if _ITEM_CONDITIONS & set(rule):
        return True
    children = (
        rule.get("and") or rule.get("or") or ([rule["not"]] if "not" in rule else [])
    )
    return any(has_purchase_condition(child) for child in children)


# the caller's aliases besides ``p`` that a field's SQL reads (``u`` Saleor's
# user, ``c`` the channel); a set-based field reads the caller's row only
# through its key
_CALLER_ALIAS = re.compile(r"\b([uc])\.")


def aliases_read(rule: dict) -> frozenset[str]:
    """Which of the caller's aliases ``u`` / ``c`` a normalized rule reads, so
    the caller joins only those (``p``, the profile, is always there)."""
    if _ITEM_CONDITIONS & set(rule):
        return frozenset()
    children = (
        rule.get("and") or rule.get("or") or ([rule["not"]] if "not" in rule else None)
    )
    if children is not None:
        return frozenset().union(*(aliases_read(child) for child in children))
    field = FIELDS[rule["field"]]
    return frozenset(_CALLER_ALIAS.findall(field.key or field.sql))


def _names(tables) -> dict:
    missing = TABLE_KEYS - set(tables)
    if missing:
        raise ValueError(f"table names missing: {', '.join(sorted(missing))}")
    return {key: tables[key] for key in TABLE_KEYS}


def _render(template: str, names: dict, now: datetime, params: Params) -> str:
    """A catalogue expression with its table names; ``{now}`` becomes the
    evaluation moment's parameter."""
    parts = template.split("{now}")
    moment = params.now(now) if len(parts) > 1 else ""
    return moment.join(part.format(**names) for part in parts)


def value_sql(
    name: str, now: datetime, tables, *, prefix: str | None = None
) -> tuple[str, dict]:
    """The value of a catalogue field for the current row of ``p`` / ``u`` / ``c``
    as ``(expression, params)`` — for reports and exports (a set-based field
    becomes a correlated lookup of its one row). ``prefix`` names its parameters
    (default ``<name>_``), so several columns compose into one statement."""
    field, names = FIELDS[name], _names(tables)
    params = Params(f"{name}_" if prefix is None else prefix)
    if field.kind == "metadata":
        raise ValueError("metadata has no single value")
    if not field.key:
        return _render(field.sql, names, now, params), params.values
    expr = _render(field.sql, names, now, params)
    source = _render(field.source, names, now, params)
    return (
        f"(SELECT {expr} {source} WHERE ({field.source_key}) = {field.key})",
        params.values,
    )


def _sql(node, now, names, params, per_profile=False, guarded=False) -> str:
    # ``guarded``: under a NOT, where a leaf must be two-valued (COALESCE(...,
    # FALSE)). Elsewhere a NULL leaf already counts as false: AND / OR without
    # NOT above them turn an unknown into a match only if the known leaves
    # alone make one, and WHERE drops an unknown result — so a leaf there is
    # the bare comparison, which an index on its column can serve
    if "and" in node or "or" in node:
        key = "and" if "and" in node else "or"
        joiner = " AND " if key == "and" else " OR "
        return (
            "("
            + joiner.join(
                _sql(c, now, names, params, per_profile, guarded) for c in node[key]
            )
            + ")"
        )
    if "not" in node:
        return f"(NOT {_sql(node['not'], now, names, params, per_profile, True)})"
    if "due" in node:
        return _due_sql(node["due"], now, names, params, per_profile)
    if "bought_not" in node:
        return _bought_not_sql(node["bought_not"], now, names, params, per_profile)
    if "ordered" in node:
        return _ordered_sql(node["ordered"], names, params)
    if "bought" in node and per_profile:
        return _bought_per_profile(node["bought"], now, names, params)
    if "bought" in node:
        spec, facts = node["bought"], names["purchase_fact"]
        kind = next(k for k in BOUGHT_KINDS if k in spec)
        items = spec[kind]
        where = (
            f" WHERE f.kind = {params.add(FACT_KINDS[kind])}"
            f" AND f.item_id = ANY({params.add(items)}::int[])"
        )
        if spec["within_days"] is not None:
            since = params.add(now - timedelta(days=spec["within_days"]))
            where += f" AND f.placed_at >= {since}"
        # one sub-select over the purchase facts of orders not cancelled (an
        # index-only range scan on (kind, item, placed_at)), not a count per
        # profile; two-valued: profile ids are never NULL
        inner = f'SELECT f.profile_id FROM "{facts}" f{where}'
        if spec["min_times"] > 1:
            times = params.add(spec["min_times"])
            # an order counts once, whichever of the items it holds
            # (the order ids are read only then: they widen what is sorted)
            single = len(items) == 1
            orders = "count(*)" if single else "count(DISTINCT s.order_id)"
            columns = "f.profile_id" if single else "f.profile_id, f.order_id"
            # grouped over the facts sorted by customer: most customers hold one
            # or two facts of an item within a window, so the groups are nearly as
            # many as the facts, and sorting 4-byte ids beats the hash table of
            # that many groups the planner would pick (1M customers, 255k facts →
            # 220k groups: ~95 vs ~155 ms). A sub-select with ORDER BY is not
            # flattened into the grouping, which then reads it in order.
            inner = (
                f"SELECT s.profile_id FROM (SELECT {columns}"
                f' FROM "{facts}" f{where} ORDER BY f.profile_id) s'
                f" GROUP BY s.profile_id HAVING {orders} >= {times}"
            )
        return f"(p.id IN ({inner}))"
    field = FIELDS[node["field"]]
    if not field.key:
        return _condition(field.sql, node, now, names, params, guarded)
    # set-based: the keys whose row satisfies the condition (the sub-select yields
    # no NULL keys, and a NULL key — a guest — is false, so NOT stays exact)
    source = _render(field.source, names, now, params)
    negate = node["op"] in ("is_not_set", "not_exists")
    if field.kind == "metadata":
        inner = _metadata_condition(field.sql, node, params)
    else:
        # the sub-select's own WHERE: an unknown row is not selected
        inner = _condition(
            field.sql,
            {**node, "op": "is_set"} if negate else node,
            now,
            names,
            params,
            False,
        )
    found = f"{field.key} IN (SELECT {field.source_key} {source} WHERE {inner})"
    if negate or guarded:
        found = f"COALESCE({found}, FALSE)"
    return f"(NOT {found})" if negate else f"({found})"


def _bought_per_profile(spec, now, names, params) -> str:
    # the profile's orders not cancelled that hold any of the items: what its
    # facts of those items are, one per order
    kind = next(k for k in BOUGHT_KINDS if k in spec)
    where = (
        f'FROM "{names["corder"]}" o WHERE o.profile_id = p.id'
        f" AND NOT o.cancelled"
        f" AND o.{BOUGHT_KINDS[kind]} && {params.add(spec[kind])}::int[]"
    )
    if spec["within_days"] is not None:
        since = params.add(now - timedelta(days=spec["within_days"]))
        where += f" AND o.placed_at >= {since}"
    if spec["min_times"] == 1:
        return f"(EXISTS (SELECT 1 {where}))"
    return f"((SELECT count(*) {where}) >= {params.add(spec['min_times'])})"


def _metadata_condition(col, node, params) -> str:
    # jsonb operators the GIN index on Saleor's metadata serves; the key and the
    # value travel as parameters (``@>`` on a text value is exact equality)
    op, key = node["op"], node["key"]
    if op in ("exists", "not_exists"):
        return f"{col} ? {params.add(key)}"
    pair = json.dumps({key: node["value"]})
    if op == "eq":
        return f"{col} @> {params.add(pair)}::jsonb"
    return f"({col} ? {params.add(key)} AND NOT {col} @> {params.add(pair)}::jsonb)"


def _condition(template, node, now, names, params, guarded=True) -> str:
    op, value = node["op"], node["value"]
    col = _render(template, names, now, params)
    if op == "is_set":
        return f"({col} IS NOT NULL)"
    if op == "is_not_set":
        return f"({col} IS NULL)"
    if op == "between":
        expr = f"{col} BETWEEN {params.add(value[0])} AND {params.add(value[1])}"
    elif op == "in":
        expr = f"{col} = ANY({params.add(list(value))})"
    elif op == "not_in":
        expr = f"NOT ({col} = ANY({params.add(list(value))}))"
    elif op == "before":
        expr = f"{col} < {params.add(value)}"
    elif op == "after":
        expr = f"{col} > {params.add(value)}"
    elif op == "more_than_days_ago":
        expr = f"{col} < {params.add(now - timedelta(days=value))}"
    elif op == "less_than_days_ago":
        expr = f"{col} >= {params.add(now - timedelta(days=value))}"
    else:
        expr = f"{col} {_CMP[op]} {params.add(value)}"
    return f"COALESCE({expr}, FALSE)" if guarded else f"({expr})"


# --- the reference evaluator --------------------------------------------------------


def evaluate(rule: dict, customer: dict, now: datetime) -> bool:
    """Plain-Python meaning of a normalized rule for one customer: a dict of the
    fields' values (``None`` when missing; ``metadata`` the account's metadata
    dict) and ``orders``: a list of dicts with ``placed_at``, ``cancelled`` and the
    ``product_ids`` / ``category_ids`` / ``collection_ids`` bought."""
    if "and" in rule:
        return all(evaluate(c, customer, now) for c in rule["and"])
    if "or" in rule:
        return any(evaluate(c, customer, now) for c in rule["or"])
    if "not" in rule:
        return not evaluate(rule["not"], customer, now)
    if "due" in rule:
        return _evaluate_due(rule["due"], customer, now)
    if "bought_not" in rule:
        return _evaluate_bought_not(rule["bought_not"], customer, now)
    if "ordered" in rule:
        return _evaluate_ordered(rule["ordered"], customer)
    if "bought" in rule:
        spec = rule["bought"]
        kind = next(k for k in BOUGHT_KINDS if k in spec)
        wanted = set(spec[kind])
        since = (
            now - timedelta(days=spec["within_days"])
            if spec["within_days"] is not None
            else None
        )
        times = sum(
            1
            for o in customer.get("orders", ())
            if not o["cancelled"]
            and wanted & set(o[BOUGHT_KINDS[kind]])
            and (since is None or o["placed_at"] >= since)
        )
        return times >= spec["min_times"]
    op, value = rule["op"], rule["value"]
    actual = customer.get(rule["field"])
    if FIELDS[rule["field"]].kind == "metadata":
        # ``actual``: the account's metadata dict (None for a guest)
        present = isinstance(actual, dict) and rule["key"] in actual
        if op == "exists":
            return present
        if op == "not_exists":
            return not present
        return present and (actual[rule["key"]] == value) is (op == "eq")
    if op == "is_set":
        return actual is not None
    if op == "is_not_set":
        return actual is None
    if actual is None:
        return False
    if op == "between":
        return value[0] <= actual <= value[1]
    if op == "in":
        return actual in value
    if op == "not_in":
        return actual not in value
    if op == "before":
        return actual < value
    if op == "after":
        return actual > value
    if op == "more_than_days_ago":
        return actual < now - timedelta(days=value)
    if op == "less_than_days_ago":
        return actual >= now - timedelta(days=value)
    return {
        "eq": actual == value,
        "ne": actual != value,
        "gt": actual > value,
        "gte": actual >= value,
        "lt": actual < value,
        "lte": actual <= value,
    }[op]


# --- item analytics' conditions (``due``, ``bought_not``) ---------------------------
#
# * ``{"due": {"products"|"categories": [ids], "within_days": N}}`` — the customer
#   is due to rebuy one of the items within N days: ``now <= due_at < now + N``
#   days (``domain.items.due_at``: their own median interval from
#   ``OWN_INTERVALS`` intervals on, else the item's median in their channel).
# * ``{"bought_not": {"products"|"categories": [X ids], "within_days": D,
#   "not": [Y ids]}}`` or ``{..., "top": K, "relation": "together"|"after"}`` —
#   bought one of X (within D days if given) and never any of Y: the merchant's
#   list, or the top K co-purchases of the X items in the customer's channel.

_ITEM_CONDITIONS = frozenset({"bought", "due", "bought_not", "ordered"})
_ARRAY = {"products": "product_ids", "categories": "category_ids"}


def _item_kind_of(spec: dict, path: str) -> str:
    kinds = [k for k in ITEM_KINDS if k in spec]
    if len(kinds) != 1:
        raise RuleError(path, "Give exactly one of products, categories.")
    return kinds[0]


def _due(spec, path: str) -> dict:
    if not isinstance(spec, dict):
        raise RuleError(path, "Expected {products|categories: [...], within_days}.")
    kind = _item_kind_of(spec, path)
    unknown = set(spec) - {kind, "within_days"}
    if unknown:
        raise RuleError(path, f"Unknown keys: {', '.join(sorted(map(str, unknown)))}.")
    if spec.get("within_days") is None:
        raise RuleError(
            f"{path}.within_days", "Enter a number of days.", CRMErrorCode.REQUIRED
        )
    days = _days(spec["within_days"], f"{path}.within_days")
    if not 1 <= days <= MAX_WITHIN_DAYS:
        raise RuleError(
            f"{path}.within_days",
            f"Enter a number of days from 1 to {MAX_WITHIN_DAYS}.",
        )
    return {kind: _ids(spec[kind], f"{path}.{kind}"), "within_days": days}


def _bought_not(spec, path: str) -> dict:
    if not isinstance(spec, dict):
        raise RuleError(
            path,
            "Expected {products|categories: [...], not: [...] | "
            "top, relation, within_days}.",
        )
    kind = _item_kind_of(spec, path)
    unknown = set(spec) - {kind, "within_days", "not", "top", "relation"}
    if unknown:
        raise RuleError(path, f"Unknown keys: {', '.join(sorted(map(str, unknown)))}.")
    out = {kind: _ids(spec[kind], f"{path}.{kind}"), "within_days": None}
    if spec.get("within_days") is not None:
        out["within_days"] = _days(spec["within_days"], f"{path}.within_days")
    given, top = spec.get("not"), spec.get("top")
    if (given is None) == (top is None):
        raise RuleError(
            path,
            "Give exactly one of not (the items) and top (how "
            "many of the top co-purchases).",
            CRMErrorCode.REQUIRED if given is None else CRMErrorCode.INVALID,
        )
    if given is not None:
        if "relation" in spec:
            raise RuleError(f"{path}.relation", "A relation goes with top only.")
        out["not"] = _ids(given, f"{path}.not")
        return out
    out["top"] = _number(top, "int", f"{path}.top")
    if not 1 <= out["top"] <= MAX_TOP:
        raise RuleError(f"{path}.top", f"Enter 1 to {MAX_TOP}.")
    relation = spec.get("relation", "together")
    if relation not in RELATIONS:
        raise RuleError(f"{path}.relation", f"Use one of: {', '.join(RELATIONS)}.")
    out["relation"] = relation
    return out


def _item_kind(spec: dict) -> str:
    return next(k for k in ITEM_KINDS if k in spec)


# the intervals of one customer's purchases of each item: a purchase fact per
# order, in time order; ``gap`` is NULL on the first purchase
GAPS_SQL = (
    "extract(epoch FROM {t}.placed_at - lag({t}.placed_at) OVER"
    " (PARTITION BY {part} ORDER BY {t}.placed_at, {t}.order_id))::float8"
    " / 86400"
)
DUE_SQL = (
    "d.last_at + make_interval(secs => 86400 * CASE WHEN d.gaps >= {own}"
    " THEN d.own ELSE ri.median_days END)"
)


def _due_sql(spec: dict, now: datetime, names: dict, params: Params, per_profile):
    """The ``due`` condition over the caller's profile ``p`` (two-valued)."""
    kind = _item_kind(spec)
    items = params.add(spec[kind])
    code = params.add(ITEM_KINDS[kind])
    due = DUE_SQL.format(own=OWN_INTERVALS)
    since = params.add(now)
    until = params.add(now + timedelta(days=spec["within_days"]))
    window = f"{due} >= {since} AND {due} < {until}"
    if per_profile:
        # the profile's own CRM order rows, through their (profile, placed_at)
        # index: an order holding the item (twice or not) is one purchase
        gap = GAPS_SQL.format(t="o", part="x.item_id")
        return (
            "(EXISTS (SELECT 1 FROM (SELECT g.item_id, max(g.placed_at) AS last_at,"
            " count(g.gap) AS gaps, percentile_cont(0.5) WITHIN GROUP"
            " (ORDER BY g.gap) AS own FROM (SELECT x.item_id, o.placed_at,"
            f' {gap} AS gap FROM "{names["corder"]}" o CROSS JOIN LATERAL'
            f" (SELECT DISTINCT unnest(o.{_ARRAY[kind]})) x(item_id)"
            f" WHERE o.profile_id = p.id AND NOT o.cancelled"
            f" AND o.{_ARRAY[kind]} && {items}::int[]"
            f" AND x.item_id = ANY({items}::int[])) g"
            " GROUP BY g.item_id) d"
            f' LEFT JOIN "{names["repurchase_interval"]}" ri'
            f" ON ri.channel_id = p.channel_id AND ri.kind = {code}"
            f" AND ri.item_id = d.item_id WHERE {window}))"
        )
    # every buyer of the items: an index range scan of the facts' key per item
    gap = GAPS_SQL.format(t="f", part="f.profile_id, f.item_id")
    return (
        "(p.id IN (SELECT d.profile_id FROM (SELECT g.profile_id, g.item_id,"
        " max(g.placed_at) AS last_at, count(g.gap) AS gaps, percentile_cont(0.5)"
        " WITHIN GROUP (ORDER BY g.gap) AS own FROM (SELECT f.profile_id,"
        f' f.item_id, f.placed_at, {gap} AS gap FROM "{names["purchase_fact"]}" f'
        f" WHERE f.kind = {code} AND f.item_id = ANY({items}::int[])) g"
        " GROUP BY g.profile_id, g.item_id) d"
        f' JOIN "{names["profile"]}" pp ON pp.id = d.profile_id'
        f' LEFT JOIN "{names["repurchase_interval"]}" ri'
        f" ON ri.channel_id = pp.channel_id AND ri.kind = {code}"
        f" AND ri.item_id = d.item_id WHERE {window}))"
    )


def _bought_not_sql(
    spec: dict, now: datetime, names: dict, params: Params, per_profile
) -> str:
    """The ``bought_not`` condition over the caller's profile ``p``
    (two-valued: the keys of the sub-selects are never NULL)."""
    kind = _item_kind(spec)
    # the kind's parameter, added once and only where the text reads it
    code = params.add(ITEM_KINDS[kind]) if not per_profile or "top" in spec else ""
    items = params.add(spec[kind])
    since = (
        params.add(now - timedelta(days=spec["within_days"]))
        if spec["within_days"] is not None
        else None
    )
    facts, corder = names["purchase_fact"], names["corder"]
    if "not" in spec:
        others = params.add(spec["not"])
        top = ""
    else:
        relation, rank = params.add(spec["relation"]), params.add(spec["top"])
        top = (
            f'FROM "{names["copurchase"]}" cp WHERE cp.kind = {code}'
            f" AND cp.relation = {relation} AND cp.item_id = ANY({items}::int[])"
            f" AND cp.rank <= {rank}"
        )
    if per_profile:
        column = _ARRAY[kind]
        bought = (
            f'EXISTS (SELECT 1 FROM "{corder}" o WHERE o.profile_id = p.id'
            f" AND NOT o.cancelled AND o.{column} && {items}::int[]"
        )
        if since is not None:
            bought += f" AND o.placed_at >= {since}"
        bought += ")"
        if "not" in spec:
            ys = f"{others}::int[]"
        else:
            ys = f"ARRAY(SELECT cp.other_id {top} AND cp.channel_id = p.channel_id)"
        return (
            f'({bought} AND NOT EXISTS (SELECT 1 FROM "{corder}" o'
            f" WHERE o.profile_id = p.id AND NOT o.cancelled"
            f" AND o.{column} && {ys}))"
        )
    bought = (
        f'p.id IN (SELECT f.profile_id FROM "{facts}" f WHERE f.kind = {code}'
        f" AND f.item_id = ANY({items}::int[])"
    )
    if since is not None:
        bought += f" AND f.placed_at >= {since}"
    bought += ")"
    if "not" in spec:
        return (
            f'({bought} AND NOT (p.id IN (SELECT f.profile_id FROM "{facts}" f'
            f" WHERE f.kind = {code} AND f.item_id = ANY({others}::int[]))))"
        )
    # Y depends on the channel: the buyers of a channel's top co-purchases,
    # paired with that channel
    return (
        f"({bought} AND NOT ((p.id, p.channel_id) IN (SELECT f.profile_id,"
        f" y.channel_id FROM (SELECT DISTINCT cp.channel_id, cp.other_id {top}) y"
        f' JOIN "{facts}" f ON f.kind = {code} AND f.item_id = y.other_id)))'
    )


def _purchases(customer: dict, kind: str, item: int) -> list[datetime]:
    return sorted(
        o["placed_at"]
        for o in customer.get("orders", ())
        if not o["cancelled"] and item in set(o[_ARRAY[kind]])
    )


def _evaluate_due(spec: dict, customer: dict, now: datetime) -> bool:
    """Reference meaning of ``due``; the customer's channel's item medians are
    ``customer["item_stats"]["median"][(kind code, item)]``."""
    kind = _item_kind(spec)
    medians = (customer.get("item_stats") or {}).get("median", {})
    until = now + timedelta(days=spec["within_days"])
    for item in spec[kind]:
        at = due_at(
            _purchases(customer, kind, item), medians.get((ITEM_KINDS[kind], item))
        )
        if at is not None and now <= at < until:
            return True
    return False


def _evaluate_bought_not(spec: dict, customer: dict, now: datetime) -> bool:
    """Reference meaning of ``bought_not``; the top co-purchases of the
    customer's channel are ``customer["item_stats"]["top"][(relation, kind
    code, item)]``: the other items in rank order."""
    kind = _item_kind(spec)
    since = (
        now - timedelta(days=spec["within_days"])
        if spec["within_days"] is not None
        else None
    )
    wanted = set(spec[kind])
    orders = [o for o in customer.get("orders", ()) if not o["cancelled"]]
    if not any(
        wanted & set(o[_ARRAY[kind]]) and (since is None or o["placed_at"] >= since)
        for o in orders
    ):
        return False
    if "not" in spec:
        others = set(spec["not"])
    else:
        tops = (customer.get("item_stats") or {}).get("top", {})
        others = {
            y
            for x in wanted
            for y in tops.get((spec["relation"], ITEM_KINDS[kind], x), ())[
                : spec["top"]
            ]
        }
    return not any(others & set(o[_ARRAY[kind]]) for o in orders)


# --- ``ordered``: an order in a window ------------------------------------------------
#
# * ``{"ordered": {"from": <ISO date-time>, "to": <ISO date-time>}}`` — the
#   customer placed an order (not cancelled) at ``from`` or later and before
#   ``to``: the "ordered in month M + k" of a cohort cell (``domain.analytics``:
#   retention counts the cohort's customers with an order in that month).


def _ordered(spec, path: str) -> dict:
    if not isinstance(spec, dict):
        raise RuleError(path, "Expected {from, to} (ISO 8601 date-times).")
    unknown = set(spec) - {"from", "to"}
    if unknown:
        raise RuleError(path, f"Unknown keys: {', '.join(sorted(map(str, unknown)))}.")
    out = {}
    for key in ("from", "to"):
        if spec.get(key) is None:
            raise RuleError(
                f"{path}.{key}", "Enter a date-time.", CRMErrorCode.REQUIRED
            )
        out[key] = _moment(spec[key], f"{path}.{key}")
    if out["from"] >= out["to"]:
        raise RuleError(f"{path}.to", "The window ends before it starts.")
    return out


def _ordered_sql(spec: dict, names: dict, params: Params) -> str:
    """``ordered`` over the caller's profile ``p`` (two-valued): a semi-join the
    planner serves from the orders' ``(profile, placed_at)`` index for a few
    profiles, or with one pass over the window's orders for many."""
    return (
        f'(EXISTS (SELECT 1 FROM "{names["corder"]}" o WHERE o.profile_id = p.id'
        f" AND NOT o.cancelled AND o.placed_at >= {params.add(spec['from'])}"
        f" AND o.placed_at < {params.add(spec['to'])}))"
    )


def _evaluate_ordered(spec: dict, customer: dict) -> bool:
    """Reference meaning of ``ordered``."""
    return any(
        not o["cancelled"] and spec["from"] <= o["placed_at"] < spec["to"]
        for o in customer.get("orders", ())
    )


# --- ready-made segments of the repeat-purchase playbook ------------------------------


@dataclass(frozen=True)
class Preset:
    title: str
    description: str
    defaults: dict  # editable thresholds: name -> default (int days/counts, or amount)


PRESETS: dict[str, Preset] = {
    "first_time_buyers": Preset(
        "First-time buyers", "One paid order, placed recently.", {"within_days": 60}
    ),
    "second_purchase_candidates": Preset(
        "Second-purchase candidates",
        "One paid order, old enough to ask for the second and not yet lost.",
        {"after_days": 30, "before_days": 90},
    ),
    "regulars": Preset(
        "Regulars",
        "Several paid orders and a recent one.",
        {"min_orders": 3, "within_days": 180},
    ),
    "loyal_vip": Preset(
        "Loyal / VIP",
        "Many paid orders and a high net spend.",
        {"min_orders": 6, "min_spent": 1000},
    ),
    "at_risk": Preset(
        "At risk",
        "Repeat buyers whose last order is getting old.",
        {"min_orders": 2, "after_days": 90, "before_days": 180},
    ),
    "dormant_one_time": Preset(
        "Dormant one-time buyers", "One paid order, long ago.", {"after_days": 180}
    ),
    "dormant_former_regulars": Preset(
        "Dormant former regulars",
        "Used to buy often, nothing for a long time.",
        {"min_orders": 3, "after_days": 180},
    ),
    "high_order_value": Preset(
        "High order value", "A high average order value.", {"min_average": 200}
    ),
    "lapsed_since": Preset(
        "Lapsed since a date",
        "No paid order since a given date.",
        {"since": "2026-01-01T00:00:00+00:00"},
    ),
    "registered_not_bought": Preset(
        "Registered, never bought",
        "A customer account without a paid order, registered recently.",
        {"joined_within_days": 365},
    ),
}


def _f(field, op, value=None):
    return {"field": field, "op": op, "value": value}


def preset_rule(key: str, params: dict | None = None) -> dict:
    """The normalized rule of a ready-made segment with the merchant's thresholds
    (missing ones take the defaults; unknown keys are refused)."""
    if key not in PRESETS:
        raise RuleError("preset", f"Use one of: {', '.join(PRESETS)}.")
    params = params or {}
    unknown = set(params) - set(PRESETS[key].defaults)
    if unknown:
        raise RuleError(
            "preset_params", f"Unknown thresholds: {', '.join(sorted(unknown))}."
        )
    p = {**PRESETS[key].defaults, **params}
    one = _f("paid_orders_count", "eq", 1)
    rules = {
        "first_time_buyers": lambda: [
            one,
            _f("first_paid_at", "less_than_days_ago", p["within_days"]),
        ],
        "second_purchase_candidates": lambda: [
            one,
            _f("last_paid_at", "more_than_days_ago", p["after_days"]),
            _f("last_paid_at", "less_than_days_ago", p["before_days"]),
        ],
        "regulars": lambda: [
            _f("paid_orders_count", "gte", p["min_orders"]),
            _f("last_paid_at", "less_than_days_ago", p["within_days"]),
        ],
        "loyal_vip": lambda: [
            _f("paid_orders_count", "gte", p["min_orders"]),
            _f("total_spent", "gte", p["min_spent"]),
        ],
        "at_risk": lambda: [
            _f("paid_orders_count", "gte", p["min_orders"]),
            _f("last_paid_at", "more_than_days_ago", p["after_days"]),
            _f("last_paid_at", "less_than_days_ago", p["before_days"]),
        ],
        "dormant_one_time": lambda: [
            one,
            _f("last_paid_at", "more_than_days_ago", p["after_days"]),
        ],
        "dormant_former_regulars": lambda: [
            _f("paid_orders_count", "gte", p["min_orders"]),
            _f("last_paid_at", "more_than_days_ago", p["after_days"]),
        ],
        "high_order_value": lambda: [
            _f("paid_orders_count", "gte", 1),
            _f("average_order_value", "gte", p["min_average"]),
        ],
        "lapsed_since": lambda: [
            _f("paid_orders_count", "gte", 1),
            _f("last_paid_at", "before", p["since"]),
        ],
        "registered_not_bought": lambda: [
            _f("customer_type", "eq", "account"),
            _f("paid_orders_count", "eq", 0),
            _f("date_joined", "less_than_days_ago", p["joined_within_days"]),
        ],
    }
    rule = normalize({"and": rules[key]()}, "preset_params")
    if key in ("second_purchase_candidates", "at_risk") and (
        p["after_days"] >= p["before_days"]
    ):
        raise RuleError("preset_params", "after_days must be below before_days.")
    return rule


def segment_rule(rule, preset: str | None = None, preset_params: dict | None = None):
    """The normalized rule of a segment (saved or not): its preset's, with the
    merchant's thresholds, when it names one, else its rule tree. The one place
    that turns "a rule or a preset" into a rule. Raises :class:`RuleError`
    (``REQUIRED`` when there is neither)."""
    if preset:
        return preset_rule(preset, preset_params)
    if rule is None:
        raise RuleError("rule", "Give a rule or a preset.", CRMErrorCode.REQUIRED)
    return normalize(rule)


# --- the catalogue (for editors: the API's ``crmSegmentFields``) -------------------


@dataclass(frozen=True, slots=True)
class ConditionParam:
    """One key of a purchase condition (``bought``, ``due``, ``bought_not``,
    ``ordered``) as its validator above reads it. ``type``: ``ids`` (1 to MAX_LIST
    database keys of ``reference``: product, category, collection, or ``item`` —
    the kind the condition's item key chose), ``int`` (``min`` to ``max``),
    ``choice`` (one of ``choices``) or ``datetime`` (an ISO 8601 date-time with
    its offset). Keys sharing a ``one_of`` group: exactly one is given."""

    name: str
    type: str
    required: bool = False
    min: int | None = None
    max: int | None = None
    default: int | str | None = None
    reference: str = ""
    choices: tuple[str, ...] = ()
    one_of: str = ""


_KIND_REFERENCE = {
    "products": "product",
    "categories": "category",
    "collections": "collection",
}


def _item_params(kinds) -> tuple[ConditionParam, ...]:
    return tuple(
        ConditionParam(kind, "ids", reference=_KIND_REFERENCE[kind], one_of="item")
        for kind in kinds
    )


CONDITIONS: dict[str, tuple[ConditionParam, ...]] = {
    "bought": (
        *_item_params(BOUGHT_KINDS),
        ConditionParam("min_times", "int", min=1, max=1000, default=1),
        ConditionParam("within_days", "int", min=0, max=36500),
    ),
    "due": (
        *_item_params(ITEM_KINDS),
        ConditionParam("within_days", "int", True, 1, MAX_WITHIN_DAYS),
    ),
    "bought_not": (
        *_item_params(ITEM_KINDS),
        ConditionParam("within_days", "int", min=0, max=36500),
        ConditionParam("not", "ids", reference="item", one_of="exclusion"),
        ConditionParam("top", "int", min=1, max=MAX_TOP, one_of="exclusion"),
        ConditionParam("relation", "choice", default="together", choices=RELATIONS),
    ),
    "ordered": (
        ConditionParam("from", "datetime", True),
        ConditionParam("to", "datetime", True),
    ),
}


_PROFILE_ALIAS = re.compile(r"\bp\.")


def _source(field: Field) -> str:
    """Where a field's value comes from, read off its SQL: the customer-per-channel
    profile, the loyalty membership, the RFM score, Saleor's account or the
    channel."""
    if field.kind == "metadata":
        return "account"
    if field.key == MEMBER_KEY[0]:
        return "loyalty"
    if field.key == RFM_KEY[0]:
        return "rfm"
    if _PROFILE_ALIAS.search(field.sql):
        return "profile"
    return "channel" if _CALLER_ALIAS.findall(field.sql) == ["c"] else "account"


def field_catalogue() -> list[dict]:
    """Every rule field with what an editor needs: its value kind, its operators
    and how each takes its value, the closed set of values (or where they come
    from), where the value comes from and whether it is per channel."""
    out = []
    for name, field in FIELDS.items():
        source = _source(field)
        choices = field.choices or (GROUP_NAMES if field.values == "rfm_group" else ())
        out.append(
            {
                "name": name,
                "kind": field.kind,
                "operators": [
                    {"name": op, "value": OPERATOR_VALUES[op]}
                    for op in OPERATORS[field.kind]
                ],
                "choices": list(choices),
                "values": "country" if field.country else field.values,
                "source": source,
                # per customer and channel (a profile's figures, the channel's
                # loyalty program, the channel's RFM scores); an account's own
                # data is the same in every channel
                "channel_scoped": source in ("profile", "loyalty", "rfm"),
            }
        )
    return out
