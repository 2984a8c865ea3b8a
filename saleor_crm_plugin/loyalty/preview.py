"""Preview before change (Saleor layer): what a proposed tier ladder, earn rate or
qualification window would do — how many customers would land in each tier, and
the member-discount cost and points the last 12 months of orders would have given
— computed from the CRM tables with one set-based statement, writing nothing.

The approximations, stated:

* Customers are the account holders with a CRM profile in the channel (members or
  not). Those the review places — the program's members, and account holders with
  a paid order in the channel, whom it enrols first — land on the tier their
  figures reach *now* over the proposed window; the others (registered, never
  paid, not members) stay without a tier, as the review leaves them
  (net spend, paid orders not fully refunded, points earned — the same figures as
  ``loyalty.tiers.figures``). Retention and overrides are left out: this is where the
  figures put them, i.e. what a review would do once retention has run out.
* Points metric: without a proposed earn rate it is what the ledger recorded in
  the window. With one, it is recomputed from the window's orders: the points
  base net of refunds (the program's, or the proposed one: the products subtotal
  after discounts, or the total; ``domain.ledger.points_base_amount``) x proposed
  rate x the multiplier of the tier each member earns with today (effective
  tier, override included; 1 without a tier), rounded per order by the program's
  rounding rule. Using today's multiplier
  avoids the circularity of a tier that depends on the points it multiplies.
* Estimated points: every order of the 12 months, its points base net of refunds
  (as earning and reversal count it) x rate (proposed or current) x the
  multiplier of the proposed tier the customer lands on, rounded per order by
  the program's rule (a refund's reversal is folded into the net
  amount, so a figure may differ by a point per refunded order from the ledger).
* Cost: each order of the last 12 months before ``now`` (paid, not cancelled, in
  the channel currency) is valued with the tier its customer would hold *now*
  under the proposal (not the tier they would have held on the order's day).
  Amounts are what was paid (Saleor's gross total, so shipping and taxes are in),
  less refunds. Percentage: net amount x pct; fixed: min(value, net amount); an
  order whose net amount is below the tier's minimum spend gets nothing. Free
  shipping: the order's shipping price before discounts (the larger of Saleor's
  shipping gross and undiscounted base shipping price), for orders not fully
  refunded. A
  discount limited to categories or collections is valued on the order's matching
  lines the way Saleor's SPECIFIC_PRODUCT voucher picks them (OrderLine -> variant
  -> product category, or the product's collections; gift lines excluded):
  percentage x their gross total, fixed min(value, unit price) per unit, scaled by
  the order's unrefunded share; categories and collections are read as they are
  today, lines whose variant was deleted are not matched. Amounts are rounded to
  cents per order. Since past orders may already carry a member discount, the
  paid amounts are after that discount (the estimate is slightly low for them).

Cost of the statement: one pass over the channel's profiles and their orders in
the two periods (indexed by profile), aggregated in SQL; order lines are read only
for orders of a category/collection-limited tier that contain a matching item."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.db import connection, transaction
from django.utils import timezone

from ..core.sqltools import statement_settings
from ..core.tables import TABLES
from ..domain.errors import CRMErrorCode
from ..domain.ledger import POINTS_BASES
from ..domain.tiers import TierError, Window, WindowKind, add_months, effective_tier_sql
from ..models import LoyaltyProgram, Tier
from .errors import LoyaltyError
from .programs import validate_tier
from .state import SINCE_EVER


@dataclass(frozen=True)
class TierSpec:
    name: str
    rank: int
    metric: str
    threshold: Decimal
    discount_type: str = "none"
    discount_value: Decimal = Decimal(0)
    min_spend: Decimal | None = None
    points_multiplier: Decimal = Decimal(1)
    category_ids: tuple[int, ...] = ()
    collection_ids: tuple[int, ...] = ()
    free_shipping: bool = False


@dataclass(frozen=True)
class TierPreview:
    name: str
    rank: int
    customers: int
    current_customers: int
    estimated_discount: Decimal


@dataclass(frozen=True)
class Preview:
    currency: str
    tiers: list[TierPreview]
    customers_without_tier: int
    # who holds no tier today among the customers the preview counts, so that
    # the "now" column reconciles with the "after" one
    customers_without_tier_now: int
    estimated_discount_total: Decimal
    estimated_points: int
    orders_considered: int
    period_start: datetime
    period_end: datetime


_PREVIEW_SQL = (
    """
WITH tiers AS (
    SELECT * FROM unnest(%(ranks)s::int[], %(metrics)s::text[],
                         %(thresholds)s::numeric[], %(dtypes)s::text[],
                         %(dvalues)s::numeric[], %(min_spends)s::numeric[],
                         %(mults)s::numeric[], %(cats)s::text[], %(cols)s::text[],
                         %(free)s::boolean[])
        AS t(rank, metric, threshold, dtype, dvalue, min_spend, mult, cats, cols,
             free)
),
cust AS (
    -- placed: on the ladder at the next review, which places the program's
    -- members and first enrols account holders with a paid order in the channel
    -- (periodic.enrol_customers); the others stay without a tier whatever the
    -- thresholds
    SELECT p.id AS profile_id, p.user_id,
           p.paid_orders_count > 0
           OR EXISTS (SELECT 1 FROM "{membership}" m
                      WHERE m.program_id = %(program)s AND m.user_id = p.user_id)
               AS placed
    FROM "{profile}" p
    WHERE p.channel_id = %(channel)s AND p.user_id IS NOT NULL
),
fig AS (
    SELECT c.profile_id, c.placed,
           GREATEST(COALESCE(SUM(co.total_amount), 0)
                    - COALESCE(SUM(co.refunded_amount), 0), 0) AS spend,
           COUNT(co.order_id) FILTER (WHERE NOT (co.refunded_amount >= co.total_amount
                                                 AND co.total_amount > 0)) AS paid,
           CASE WHEN %(rate)s::numeric IS NULL THEN COALESCE(MAX(pe.points), 0)
                ELSE COALESCE(SUM({round_points}(
                    {points_amount} * %(rate)s::numeric * COALESCE(cm.mult, 1))), 0)
           END AS points
    FROM cust c
    LEFT JOIN (  -- the multiplier each member earns with today (effective tier)
        SELECT m.user_id, """
    + effective_tier_sql(
        "m", earned="et.points_multiplier", override="ot.points_multiplier"
    )
    + """ AS mult
        FROM "{membership}" m
        LEFT JOIN "{tier}" et ON et.id = m.tier_id
        LEFT JOIN "{tier}" ot ON ot.id = m.override_tier_id
        WHERE m.program_id = %(program)s
    ) cm ON cm.user_id = c.user_id
    LEFT JOIN "{corder}" co ON co.profile_id = c.profile_id
         AND co.paid_at IS NOT NULL AND co.paid_at <= %(now)s
         AND co.paid_at >= %(window_start)s AND NOT co.cancelled
         AND co.currency = %(currency)s
    LEFT JOIN (
        SELECT m.user_id, SUM(e.points) AS points
        FROM "{membership}" m JOIN "{points}" e ON e.membership_id = m.id
        WHERE m.program_id = %(program)s AND e.award_id IS NULL AND e.points > 0
          AND e.created_at <= %(now)s AND e.created_at >= %(window_start)s
        GROUP BY m.user_id
    ) pe ON pe.user_id = c.user_id
    GROUP BY c.profile_id, c.placed
),
landed AS (
    SELECT DISTINCT ON (f.profile_id) f.profile_id, t.rank
    FROM fig f
    LEFT JOIN tiers t ON f.placed AND CASE t.metric WHEN 'spend' THEN f.spend
                                       WHEN 'paid_orders' THEN f.paid
                                       ELSE f.points END >= t.threshold
    ORDER BY f.profile_id, t.rank DESC NULLS LAST
),
orders AS (
    SELECT l.rank, t.dtype, t.dvalue, t.min_spend, COALESCE(t.mult, 1) AS mult,
           GREATEST(co.total_amount - co.refunded_amount, 0) AS amount,
           {points_amount} AS points_amount,
           COALESCE(t.free, false) AS free,
           -- a free-shipping tier costs the order's shipping (before discounts)
           CASE WHEN t.free THEN (
               SELECT GREATEST(o.shipping_price_gross_amount,
                               o.undiscounted_base_shipping_price_amount)
               FROM "{order}" o WHERE o.id = co.order_id) END AS shipping,
           CASE
               WHEN t.dtype IS NULL OR t.dtype = 'none' THEN NULL
               WHEN cardinality(t.cats::int[]) = 0
                    AND cardinality(t.cols::int[]) = 0 THEN NULL
               WHEN NOT (co.category_ids && t.cats::int[]
                         OR co.collection_ids && t.cols::int[]) THEN 0
               WHEN co.total_amount <= 0 THEN 0
               -- the matching lines (as Saleor's SPECIFIC_PRODUCT voucher picks
               -- them): their amount for a percentage, min(value, unit price)
               -- per unit for a fixed discount; scaled by the unrefunded share
               ELSE (SELECT COALESCE(SUM(CASE WHEN t.dtype = 'percentage'
                                              THEN ol.total_price_gross_amount
                                              ELSE LEAST(t.dvalue * ol.quantity,
                                                         ol.total_price_gross_amount)
                                         END), 0)
                     FROM "{order_line}" ol
                     JOIN "{variant}" v ON v.id = ol.variant_id
                     JOIN "{product}" pr ON pr.id = v.product_id
                     WHERE ol.order_id = co.order_id AND NOT ol.is_gift
                       AND (pr.category_id = ANY(t.cats::int[])
                            OR EXISTS (SELECT 1 FROM "{collection_product}" cp
                                       WHERE cp.product_id = pr.id
                                         AND cp.collection_id = ANY(t.cols::int[]))))
                    * GREATEST(co.total_amount - co.refunded_amount, 0)
                    / co.total_amount
           END AS matched
    FROM landed l
    JOIN "{corder}" co ON co.profile_id = l.profile_id
         AND co.paid_at IS NOT NULL AND co.paid_at <= %(now)s
         AND co.paid_at >= %(period_start)s AND NOT co.cancelled
         AND co.currency = %(currency)s
    LEFT JOIN tiers t ON t.rank = l.rank
)
SELECT l.rank, count(*) AS customers, NULL::numeric, NULL::bigint, NULL::bigint
FROM landed l GROUP BY l.rank
UNION ALL
SELECT o.rank, NULL,
       COALESCE(SUM(CASE
           WHEN o.min_spend IS NOT NULL AND o.amount < o.min_spend THEN 0
           WHEN o.free AND o.amount > 0 THEN round(COALESCE(o.shipping, 0), 2)
           WHEN o.dtype IS NULL OR o.dtype = 'none' THEN 0
           WHEN o.dtype = 'percentage'
                THEN round(COALESCE(o.matched, o.amount) * o.dvalue / 100, 2)
           WHEN o.matched IS NOT NULL THEN round(o.matched, 2)
           ELSE LEAST(o.dvalue, o.amount) END), 0),
       COALESCE(SUM({round_points}(
           o.points_amount * %(earn_rate)s::numeric * o.mult)), 0)::bigint,
       count(*)
FROM orders o GROUP BY o.rank
"""
)


# today's customers without a tier, over the population of _PREVIEW_SQL's ``cust``
# (account holders with a CRM profile in the channel): no membership of the
# program, or a membership without a tier
_WITHOUT_TIER_NOW_SQL = """
SELECT count(*) FROM "{profile}" p
WHERE p.channel_id = %(channel)s AND p.user_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM "{membership}" m
                  WHERE m.program_id = %(program)s AND m.user_id = p.user_id
                    AND m.tier_id IS NOT NULL)
"""


# what an order earns points on, net of refunds (domain.ledger.points_base_amount
# and refunded_of_base); a row without its subtotal earns on its total
_POINTS_AMOUNT = {
    "subtotal": "GREATEST(COALESCE(co.subtotal_amount, co.total_amount)"
    " - LEAST(co.refunded_amount, COALESCE(co.subtotal_amount, co.total_amount)),"
    " 0)",
    "total": "GREATEST(co.total_amount - co.refunded_amount, 0)",
}


# the program's rounding rule (domain.ledger.ROUNDING) on non-negative amounts
_ROUND_POINTS = {"down": "floor", "floor": "floor", "half_up": "round"}


def _specs_of(program: LoyaltyProgram) -> list[TierSpec]:
    return [
        TierSpec(
            t.name,
            t.rank,
            t.metric,
            t.threshold,
            t.discount_type,
            t.discount_value,
            t.min_spend,
            t.points_multiplier,
            tuple(t.category_ids),
            tuple(t.collection_ids),
            t.free_shipping,
        )
        for t in program.tiers.order_by("rank")
    ]


def _validate(program, specs: list[TierSpec]) -> None:

    tiers = [
        Tier(
            program=program,
            name=s.name,
            rank=s.rank,
            metric=s.metric,
            threshold=Decimal(s.threshold),
            discount_type=s.discount_type,
            discount_value=Decimal(s.discount_value),
            min_spend=None if s.min_spend is None else Decimal(s.min_spend),
            points_multiplier=Decimal(s.points_multiplier),
            category_ids=list(s.category_ids),
            collection_ids=list(s.collection_ids),
            free_shipping=bool(s.free_shipping),
        )
        for s in specs
    ]
    for i, tier in enumerate(tiers):
        validate_tier(tier, tiers[:i])


def preview_program(
    program: LoyaltyProgram,
    *,
    tiers: list[TierSpec] | None = None,
    points_per_unit: Decimal | None = None,
    window_kind: str | None = None,
    window_months: int | None = None,
    points_base: str | None = None,
    now: datetime | None = None,
) -> Preview:
    now = now or timezone.now()
    specs = _specs_of(program) if tiers is None else list(tiers)
    if tiers is not None:
        _validate(program, specs)
    rate = None if points_per_unit is None else _positive_rate(points_per_unit)
    try:
        window = Window(
            WindowKind(program.window_kind if window_kind is None else window_kind),
            program.window_months if window_months is None else window_months,
            program.time_zone,
        )
    except ValueError as exc:
        field = exc.field if isinstance(exc, TierError) else "window_kind"
        raise LoyaltyError(field, str(exc), CRMErrorCode.INVALID) from exc
    base = program.points_base if points_base is None else points_base
    if base not in POINTS_BASES:
        raise LoyaltyError(
            "points_base",
            f"Choose one of: {', '.join(POINTS_BASES)}.",
            CRMErrorCode.INVALID,
        )
    period_start = add_months(now, -12)
    currency = program.channel.currency_code
    params = {
        "program": program.pk,
        "channel": program.channel_id,
        "currency": currency,
        "now": now,
        "window_start": window.start(now) or SINCE_EVER,
        "period_start": period_start,
        "rate": rate,
        "earn_rate": rate if rate is not None else program.points_per_unit,
        "ranks": [s.rank for s in specs],
        "metrics": [s.metric for s in specs],
        "thresholds": [Decimal(s.threshold) for s in specs],
        "dtypes": [s.discount_type for s in specs],
        "dvalues": [Decimal(s.discount_value) for s in specs],
        "min_spends": [s.min_spend for s in specs],
        "mults": [Decimal(s.points_multiplier) for s in specs],
        "cats": ["{" + ",".join(map(str, s.category_ids)) + "}" for s in specs],
        "cols": ["{" + ",".join(map(str, s.collection_ids)) + "}" for s in specs],
        "free": [bool(s.free_shipping) for s in specs],
    }
    customers: dict[int | None, int] = {}
    discount: dict[int | None, Decimal] = {}
    points = orders = 0
    with transaction.atomic(), connection.cursor() as cursor:  # reads only
        statement_settings(cursor, jit=False)
        sql = _PREVIEW_SQL.format(
            **TABLES,
            round_points=_ROUND_POINTS[program.rounding],
            points_amount=_POINTS_AMOUNT[base],
        )
        cursor.execute(sql, params)
        for rank, count, cost, earned, n_orders in cursor.fetchall():
            if count is not None:
                customers[rank] = count
            else:
                discount[rank] = Decimal(cost).quantize(Decimal("0.01"))
                points += earned
                orders += n_orders
        cursor.execute(_WITHOUT_TIER_NOW_SQL.format(**TABLES), params)
        (without_now,) = cursor.fetchone()
    current = _current(program)
    rows = [
        TierPreview(
            s.name,
            s.rank,
            customers.get(s.rank, 0),
            current.get(s.rank, 0),
            discount.get(s.rank, Decimal("0.00")),
        )
        for s in sorted(specs, key=lambda s: s.rank)
    ]
    return Preview(
        currency=currency,
        tiers=rows,
        customers_without_tier=customers.get(None, 0),
        customers_without_tier_now=without_now,
        estimated_discount_total=sum(
            (r.estimated_discount for r in rows), Decimal("0.00")
        ),
        estimated_points=int(points),
        orders_considered=orders,
        period_start=period_start,
        period_end=now,
    )


def _positive_rate(value) -> Decimal:
    try:
        rate = Decimal(str(value))
    except InvalidOperation:
        rate = None
    if rate is None or not rate.is_finite() or rate <= 0:
        raise LoyaltyError(
            "points_per_unit", "Enter a positive rate.", CRMErrorCode.INVALID
        )
    return rate


def _current(program: LoyaltyProgram) -> dict[int, int]:
    from django.db.models import Count

    return dict(
        program.members.filter(tier__isnull=False)
        .values("tier__rank")
        .annotate(n=Count("id"))
        .values_list("tier__rank", "n")
    )
