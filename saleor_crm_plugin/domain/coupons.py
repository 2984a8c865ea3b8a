"""Coupon rules without Django or Saleor: what a rule may say (validated into a
normal form), the promo-code format, the cost estimate of one code, and the
statistics of a rule's report (treated vs held-out customers, uplift with a
confidence interval).

A rule is *trigger* → *reward* under *limits*:

* trigger — ``segment_entry`` (a customer enters a segment), ``schedule`` (members
  of a segment, or every customer of the channel, at ``starts_at`` and then every
  ``every_days``), ``first_order`` / ``nth_order`` (the customer's first / n-th
  paid order), ``birthday`` (a date kept in the customer's Saleor metadata, ``days
  before`` it), ``days_without_order`` (the day a customer crosses N days since
  their last order), ``tier_upgrade`` (a move up the loyalty ladder, optionally to
  one tier), ``category_purchase`` (N days after a paid order with a product of the
  chosen categories, unless bought again since — cross-sell and replenishment),
  ``sign_up`` (``hours`` after the customer registered: a welcome),
  ``second_order_due`` (``days`` after the first paid order, with no second order
  yet), ``points_expiring`` (a member's points expire soon: the loyalty sweep's
  expiry warning, optionally ``days_before`` the expiry and from ``min_points``),
  ``segment_exit`` (a customer leaves a segment and stays out),
  ``replenishment`` (``days_before`` a customer is due to rebuy one of the
  products / categories: their last purchase plus ``days``, else the interval the
  segment condition ``due`` uses; not once they bought it again), ``cross_sell``
  (``days`` after buying X — products or categories — when they have not bought
  Y: the merchant's ``target_product_ids`` or the ``top_k`` co-purchases of X);
* reward — a Saleor voucher shape: percentage, fixed amount or free shipping,
  optional minimum spend, optionally limited to products / categories /
  collections, valid for ``validity_days``;
* limits — codes per customer over the rule's life, a cooldown between two codes
  of the rule, a budget (codes and/or total discount), start and end, and the share
  of eligible customers held out as a control group.

Trigger ``checkout_abandoned``: a Saleor checkout with lines and an email, idle
``hours`` (its ``last_change``), not completed, whose customer has not ordered
since; one code per checkout; a guest checkout only with the consent key in the
checkout's metadata, and only for a customer the CRM knows (see ``coupons.issuing``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from .errors import CRMErrorCode, CRMServiceError
from .items import TOP_K

CODE_PREFIX = "CRM-"
# 16 hexadecimal digits of a version-4 UUID, skipping its fixed version nibble:
# 64 random bits per code (PostgreSQL's gen_random_uuid, a strong random source)
CODE_RANDOM_BITS = 64

TRIGGERS = (
    "segment_entry",
    "schedule",
    "first_order",
    "nth_order",
    "birthday",
    "days_without_order",
    "tier_upgrade",
    "category_purchase",
    "sign_up",
    "second_order_due",
    "points_expiring",
    "segment_exit",
    "replenishment",
    "cross_sell",
    "checkout_abandoned",
)
# fired by something that happened to a customer: evaluated for exactly the
# customers an order (or a registration) changed, within seconds, besides the
# periodic catch-up
EVENT_TRIGGERS = (
    "segment_entry",
    "first_order",
    "nth_order",
    "tier_upgrade",
    "sign_up",
    "segment_exit",
)


@dataclass(frozen=True, slots=True)
class TriggerParam:
    """One parameter of a trigger, as :func:`parse_trigger` validates it and the
    API's trigger catalogue (``crmCouponTriggers``) describes it.

    ``type``: ``int`` (a whole number from ``min`` to ``max``), ``id`` (a database
    key of ``reference``: segment, tier) or ``ids`` (a list of 1 to ``MAX_IDS``
    keys of ``reference``: category). ``default``: the value an omitted optional
    parameter takes (``None``: absent)."""

    name: str
    type: str
    required: bool
    min: int | None = None
    max: int | None = None
    default: int | str | None = None
    reference: str = ""
    # ``choice``: the values it takes (the catalogue's CHOICE)
    choices: tuple[str, ...] = ()


MAX_IDS = 100
# cross_sell: at most this many co-purchases of X (what the refresh keeps per item)
MAX_TOP_K = TOP_K
MAX_DAYS = 3650
MAX_POINTS = 1_000_000_000
MAX_HOURS = 720
_KEY_MAX = 2**63 - 1
# the parameters each trigger takes, in the order an editor shows them
TRIGGER_PARAMS: dict[str, tuple[TriggerParam, ...]] = {
    "segment_entry": (
        TriggerParam("segment_id", "id", True, 1, _KEY_MAX, reference="segment"),
    ),
    "schedule": (
        TriggerParam("segment_id", "id", False, 1, _KEY_MAX, reference="segment"),
        TriggerParam("every_days", "int", False, 1, 366),
    ),
    "first_order": (),
    "nth_order": (TriggerParam("n", "int", True, 2, 1000),),
    "birthday": (TriggerParam("days_before", "int", False, 0, 60, default=0),),
    "days_without_order": (TriggerParam("days", "int", True, 1, MAX_DAYS),),
    "tier_upgrade": (
        TriggerParam("tier_id", "id", False, 1, _KEY_MAX, reference="tier"),
    ),
    "category_purchase": (
        TriggerParam("category_ids", "ids", True, reference="category"),
        TriggerParam("days", "int", True, 1, MAX_DAYS),
    ),
    "sign_up": (TriggerParam("hours", "int", False, 0, 720, default=0),),
    "second_order_due": (TriggerParam("days", "int", True, 1, MAX_DAYS),),
    "points_expiring": (
        TriggerParam("days_before", "int", False, 0, 365),
        TriggerParam("min_points", "int", False, 1, MAX_POINTS),
    ),
    "segment_exit": (
        TriggerParam("segment_id", "id", True, 1, _KEY_MAX, reference="segment"),
    ),
    # due to rebuy an item: the purchase interval is ``days`` (the merchant's)
    # or, as the segment condition ``due``, the customer's own median interval
    # (from ``OWN_INTERVALS`` intervals) else the item's median in the channel;
    # sent ``days_before`` the due date; one of product_ids / category_ids needed
    "replenishment": (
        TriggerParam("product_ids", "ids", False, reference="product"),
        TriggerParam("category_ids", "ids", False, reference="category"),
        TriggerParam("days", "int", False, 1, MAX_DAYS),
        TriggerParam("days_before", "int", False, 0, 365, default=0),
    ),
    # bought X (product_ids or category_ids) ``days`` ago and not yet Y: the
    # merchant's target_product_ids, else the ``top_k`` co-purchases of X
    # (``relation`` together / after)
    "cross_sell": (
        TriggerParam("product_ids", "ids", False, reference="product"),
        TriggerParam("category_ids", "ids", False, reference="category"),
        TriggerParam("target_product_ids", "ids", False, reference="product"),
        TriggerParam("top_k", "int", False, 1, MAX_TOP_K),
        TriggerParam(
            "relation",
            "choice",
            False,
            default="together",
            choices=("together", "after"),
        ),
        TriggerParam("days", "int", False, 0, MAX_DAYS, default=0),
    ),
    "checkout_abandoned": (TriggerParam("hours", "int", True, 1, MAX_HOURS),),
}
PARAMS = {
    kind: tuple(param.name for param in params)
    for kind, params in TRIGGER_PARAMS.items()
}
DISCOUNT_TYPES = ("percentage", "fixed", "free_shipping")
DELIVERY = ("saleor_notify", "webhook", "csv", "email", "message_webhook")


# the delivery methods that send one message per recipient (``coupons.messaging``)
MESSAGE_METHODS = ("email", "message_webhook")
STATUSES = ("draft", "active", "paused")


class CouponRuleError(CRMServiceError):
    """An invalid rule: ``field`` (snake_case input name), a :class:`CRMErrorCode`
    member (``INVALID`` unless given) and a message for the admin."""


@dataclass(frozen=True, slots=True)
class Trigger:
    kind: str
    segment_id: int | None = None
    n: int | None = None
    days: int | None = None
    every_days: int | None = None
    days_before: int = 0
    tier_id: int | None = None
    category_ids: tuple[int, ...] = ()
    hours: int | None = None
    min_points: int | None = None
    product_ids: tuple[int, ...] = ()
    target_product_ids: tuple[int, ...] = ()
    top_k: int | None = None
    relation: str | None = None

    def as_params(self) -> dict:
        """The JSON kept on the rule (only what the kind uses)."""
        keep = PARAMS[self.kind]
        out = {}
        for name in keep:
            value = getattr(self, name)
            if value is not None and value != ():
                out[name] = list(value) if isinstance(value, tuple) else value
        return out


def _int(field: str, value, lo: int, hi: int, *, required: bool = True) -> int | None:
    if value is None:
        if required:
            raise CouponRuleError(
                field, "This value is required.", CRMErrorCode.REQUIRED
            )
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise CouponRuleError(field, "Enter a whole number.")
    if not lo <= value <= hi:
        raise CouponRuleError(field, f"Enter a number from {lo} to {hi}.")
    return value


def _ids(field: str, values, *, required: bool = False) -> tuple[int, ...]:
    values = values or []
    if not isinstance(values, (list, tuple)):
        raise CouponRuleError(field, "Enter a list of IDs.")
    if required and not values:
        raise CouponRuleError(field, "Choose at least one.", CRMErrorCode.REQUIRED)
    if len(values) > MAX_IDS:
        raise CouponRuleError(
            field, f"Choose at most {MAX_IDS}.", CRMErrorCode.TOO_COMPLEX
        )
    out = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise CouponRuleError(field, "Enter valid IDs.")
        out.append(value)
    return tuple(sorted(set(out)))


def parse_trigger(kind: str, params: dict | None) -> Trigger:
    """Validate a trigger; ``params`` keys are snake_case, IDs are database keys."""
    if kind not in TRIGGERS:
        raise CouponRuleError("trigger", f"Unknown trigger {kind!r}.")
    params = dict(params or {})
    unknown = {k for k, v in params.items() if v is not None} - set(PARAMS[kind])
    if unknown:
        raise CouponRuleError(sorted(unknown)[0], f"Not used by the {kind} trigger.")
    values = {}
    for param in TRIGGER_PARAMS[kind]:
        value = params.get(param.name)
        if value is None:
            value = param.default
        if param.type == "ids":
            values[param.name] = _ids(param.name, value, required=param.required)
        elif param.type == "choice":
            values[param.name] = _choice(param.name, value, param.choices)
        else:
            values[param.name] = _int(
                param.name, value, param.min, param.max, required=param.required
            )
    if kind == "first_order":
        values["n"] = 1
    if kind in ("replenishment", "cross_sell"):
        _items_of(kind, values)
    return Trigger(kind, **values)


def _choice(field: str, value, choices: tuple[str, ...]) -> str | None:
    if value is None:
        return None
    if value not in choices:
        raise CouponRuleError(field, f"Choose one of: {', '.join(choices)}.")
    return value


def _items_of(kind: str, values: dict) -> None:
    """The item rules of replenishment and cross_sell (``values`` parsed)."""
    products, categories = values["product_ids"], values["category_ids"]
    if not products and not categories:
        raise CouponRuleError(
            "product_ids",
            "Choose products or categories.",
            CRMErrorCode.REQUIRED,
        )
    if kind == "replenishment":
        return
    # cross_sell: X of one kind (its co-purchases are of that kind)
    if products and categories:
        raise CouponRuleError(
            "category_ids", "Choose products or categories, not both."
        )
    if values["target_product_ids"]:
        if values["top_k"] is not None:
            raise CouponRuleError(
                "top_k", "Give the target products or top_k, not both."
            )
        # a relation goes with top_k only (an editor may send its default)
        values["relation"] = None
        if set(values["target_product_ids"]) & set(products):
            raise CouponRuleError(
                "target_product_ids", "A target product cannot be one of X."
            )
    elif values["top_k"] is None:
        raise CouponRuleError(
            "target_product_ids",
            "Choose the target products, or top_k of X's co-purchases.",
            CRMErrorCode.REQUIRED,
        )


@dataclass(frozen=True, slots=True)
class Reward:
    discount_type: str
    discount_value: Decimal
    validity_days: int
    min_spend: Decimal = Decimal(0)
    product_ids: tuple[int, ...] = ()
    category_ids: tuple[int, ...] = ()
    collection_ids: tuple[int, ...] = ()

    @property
    def limited(self) -> bool:
        return bool(self.product_ids or self.category_ids or self.collection_ids)


def _decimal(field: str, value, *, required: bool = True) -> Decimal | None:
    if value is None:
        if required:
            raise CouponRuleError(
                field, "This value is required.", CRMErrorCode.REQUIRED
            )
        return None
    if isinstance(value, bool):
        raise CouponRuleError(field, "Enter a number.")
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise CouponRuleError(field, "Enter a number.") from None
    if not number.is_finite():
        raise CouponRuleError(field, "Enter a number.")
    return number


def _places(number: Decimal) -> int:
    """Decimal places ``number`` needs exactly (``1.50`` needs 1), counted on its
    digits: no context precision rounds it, and no size overflows."""
    _sign, digits, exponent = number.as_tuple()
    digits = list(digits)
    while exponent < 0 and len(digits) > 1 and digits[-1] == 0:
        digits.pop()
        exponent += 1
    return max(0, -exponent)


def _money(field: str, value: Decimal | None, places: int) -> None:
    """An amount of the currency as typed: at most its decimal places."""
    if value is not None and _places(value) > places:
        raise CouponRuleError(
            field, f"Use at most {places} decimal places for this currency."
        )


def parse_reward(values: dict, *, currency_places: int = 2) -> Reward:
    discount_type = values.get("discount_type")
    if discount_type not in DISCOUNT_TYPES:
        raise CouponRuleError(
            "discount_type",
            "Choose percentage, fixed or free_shipping.",
            CRMErrorCode.REQUIRED if discount_type is None else CRMErrorCode.INVALID,
        )
    value = _decimal(
        "discount_value",
        values.get("discount_value"),
        required=discount_type != "free_shipping",
    ) or Decimal(0)
    if discount_type == "percentage" and not Decimal(0) < value <= 100:
        raise CouponRuleError(
            "discount_value", "A percentage is above 0 and at most 100."
        )
    if discount_type == "fixed":
        if value <= 0:
            raise CouponRuleError("discount_value", "Enter an amount above 0.")
        _money("discount_value", value, currency_places)
    if discount_type == "free_shipping":
        value = Decimal(100)  # Saleor's shipping voucher: 100 % of the shipping
    min_spend = _decimal("min_spend", values.get("min_spend"), required=False)
    if min_spend is None:
        min_spend = Decimal(0)
    if min_spend < 0:
        raise CouponRuleError("min_spend", "Enter 0 or more.")
    _money("min_spend", min_spend, currency_places)
    reward = Reward(
        discount_type=discount_type,
        discount_value=value,
        validity_days=_int(
            "validity_days",
            values.get("validity_days", 30)
            if values.get("validity_days") is not None
            else 30,
            1,
            365,
        ),
        min_spend=min_spend,
        product_ids=_ids("product_ids", values.get("product_ids")),
        category_ids=_ids("category_ids", values.get("category_ids")),
        collection_ids=_ids("collection_ids", values.get("collection_ids")),
    )
    if reward.limited and discount_type == "free_shipping":
        raise CouponRuleError(
            "category_ids",
            "Free shipping applies to the whole order; remove the product limits.",
        )
    return reward


@dataclass(frozen=True, slots=True)
class Limits:
    max_per_customer: int = 1
    cooldown_days: int = 0
    budget_codes: int | None = None
    budget_amount: Decimal | None = None
    control_share: Decimal = Decimal(0)
    report_window_days: int = 30
    starts_at: datetime | None = None
    ends_at: datetime | None = None


def parse_limits(values: dict, *, currency_places: int = 2) -> Limits:
    control = _decimal("control_share", values.get("control_share"), required=False)
    if control is None:
        control = Decimal(0)
    if not Decimal(0) <= control <= Decimal("0.9"):
        raise CouponRuleError("control_share", "Hold out a share from 0 to 0.9.")
    budget_amount = _decimal(
        "budget_amount", values.get("budget_amount"), required=False
    )
    if budget_amount is not None and budget_amount <= 0:
        raise CouponRuleError("budget_amount", "Enter an amount above 0.")
    _money("budget_amount", budget_amount, currency_places)
    starts_at, ends_at = values.get("starts_at"), values.get("ends_at")
    for name, moment in (("starts_at", starts_at), ("ends_at", ends_at)):
        if moment is not None and (
            not isinstance(moment, datetime) or moment.tzinfo is None
        ):
            raise CouponRuleError(name, "Enter a date and time with a time zone.")
    if starts_at and ends_at and ends_at <= starts_at:
        raise CouponRuleError("ends_at", "The end must come after the start.")
    return Limits(
        max_per_customer=_int(
            "max_per_customer", values.get("max_per_customer", 1), 1, 1000
        ),
        cooldown_days=_int(
            "cooldown_days", values.get("cooldown_days", 0), 0, MAX_DAYS
        ),
        budget_codes=_int(
            "budget_codes", values.get("budget_codes"), 1, 10_000_000, required=False
        ),
        budget_amount=budget_amount,
        control_share=control,
        report_window_days=_int(
            "report_window_days", values.get("report_window_days", 30), 1, 365
        ),
        starts_at=starts_at,
        ends_at=ends_at,
    )


def parse_delivery(methods) -> tuple[str, ...]:
    methods = list(methods or [])
    bad = [m for m in methods if m not in DELIVERY]
    if bad:
        raise CouponRuleError("delivery", f"Unknown delivery {bad[0]!r}.")
    return tuple(sorted(set(methods)))


def is_running(status: str, starts_at, ends_at, now: datetime) -> bool:
    """An active rule issues codes only between its start and end."""
    return (
        status == "active"
        and (starts_at is None or starts_at <= now)
        and (ends_at is None or now < ends_at)
    )


def schedule_run(
    starts_at: datetime | None, every_days: int | None, now: datetime
) -> int | None:
    """The number of the scheduled run due at ``now`` (0 for the first; None before
    the start). A one-off schedule has only run 0."""
    if starts_at is None or now < starts_at:
        return None
    if not every_days:
        return 0
    return int((now - starts_at).total_seconds() // (every_days * 86400))


def estimated_cost(
    reward: Reward, average_order_value: Decimal, average_shipping: Decimal
) -> Decimal:
    """What one code would cost if it is used once on an order of the customer's
    usual size (at least the minimum spend): the face value of a fixed code (never
    more than the order), the percentage of the order, or the channel's average
    shipping price for free shipping."""
    order = max(average_order_value, reward.min_spend)
    if reward.discount_type == "fixed":
        return min(reward.discount_value, order) if order > 0 else reward.discount_value
    if reward.discount_type == "percentage":
        return order * reward.discount_value / 100
    return average_shipping


# --- the report ---------------------------------------------------------------------

Z95 = 1.959963984540054


@dataclass(frozen=True, slots=True)
class GroupFigures:
    """One arm of a rule (treated or held out): ``customers`` assigned,
    ``converted`` of them with a paid order in their window, ``revenue`` of those
    orders and the sum of squares of revenue per customer (for its variance)."""

    customers: int
    converted: int
    revenue: Decimal
    revenue_sq: Decimal

    @property
    def conversion(self) -> float | None:
        return self.converted / self.customers if self.customers else None

    @property
    def revenue_per_customer(self) -> Decimal | None:
        return self.revenue / self.customers if self.customers else None

    def _revenue_var(self) -> float | None:
        n = self.customers
        if n < 2:
            return None
        mean = float(self.revenue) / n
        return max(0.0, (float(self.revenue_sq) - n * mean * mean) / (n - 1))


@dataclass(frozen=True, slots=True)
class Uplift:
    estimate: float
    low: float
    high: float


def conversion_uplift(treated: GroupFigures, control: GroupFigures) -> Uplift | None:
    """Difference of conversion rates (treated − held out) with a 95 % Wald
    interval; None when an arm is empty."""
    p1, p0 = treated.conversion, control.conversion
    if p1 is None or p0 is None:
        return None
    se = math.sqrt(
        p1 * (1 - p1) / treated.customers + p0 * (1 - p0) / control.customers
    )
    diff = p1 - p0
    return Uplift(diff, diff - Z95 * se, diff + Z95 * se)


def revenue_uplift(treated: GroupFigures, control: GroupFigures) -> Uplift | None:
    """Difference of revenue per customer with a 95 % Welch interval (normal
    approximation); None when an arm has fewer than two customers."""
    v1, v0 = treated._revenue_var(), control._revenue_var()
    if v1 is None or v0 is None:
        return None
    diff = float(treated.revenue_per_customer - control.revenue_per_customer)
    se = math.sqrt(v1 / treated.customers + v0 / control.customers)
    return Uplift(diff, diff - Z95 * se, diff + Z95 * se)
