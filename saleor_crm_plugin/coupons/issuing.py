"""Coupon rules at work (Saleor layer): who qualifies, issuing their personal codes
as real Saleor voucher codes, the dry run, attribution of redeemed codes to orders,
and the rule's report. Rules are validated by ``domain.coupons`` and administered
by ``coupon_rules``; codes are delivered by ``coupon_delivery``.

Issuing is set-based: one statement finds the customers a trigger selects and
drops those the rule's limits exclude (the same trigger seen before, the cap per
customer, the cooldown), draws the control group, applies the budget and writes
the rows into a temporary table; one more statement then inserts the Saleor
``VoucherCode`` rows (64 random bits each, from PostgreSQL's ``gen_random_uuid``)
and the grants. Runs of a rule are serialized by an advisory lock and go in
batches, each committed: a killed run resumes where it stopped, and a repeated run
issues nothing twice (grants are unique per rule, customer and trigger key)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Avg, Count, Q, Sum
from django.utils import timezone

from ..core.config import load_config
from ..core.sqltools import statement_settings
from ..core.tables import TABLES
from ..domain.coupons import (
    CODE_PREFIX,
    EVENT_TRIGGERS,
    MESSAGE_METHODS,
    GroupFigures,
    Reward,
    conversion_uplift,
    is_running,
    revenue_uplift,
    schedule_run,
)
from ..domain.items import ITEM_KINDS, OWN_INTERVALS
from ..domain.messages import CONSENT_VALUES, SKIP_OPEN_CODES_CAP
from ..domain.segments import DUE_SQL, GAPS_SQL
from ..models import (
    CouponGrant,
    CouponRule,
    CouponVoucher,
    CustomerOrder,
    CustomerProfile,
)
from .delivery import deliver_coupons_task
from .messaging import send_coupon_messages_task
from .rules import create_saleor_voucher, switched_on

logger = logging.getLogger(__name__)


BATCH = 200_000


# a time-based trigger also catches customers who crossed its line this long ago
# (the sweep was down, or the rule was switched on)
CATCH_UP = timedelta(days=7)


# the dry run of an event trigger replays this much history
DRY_RUN_LOOKBACK = timedelta(days=30)


_LOCK_CLASS = 0x43524D43  # "CRMC": advisory locks of coupon rule runs


def reward_of(rule: CouponRule) -> Reward:
    return Reward(
        discount_type=rule.discount_type,
        discount_value=rule.discount_value,
        validity_days=rule.validity_days,
        min_spend=rule.min_spend,
        product_ids=tuple(rule.product_ids),
        category_ids=tuple(rule.category_ids),
        collection_ids=tuple(rule.collection_ids),
    )


# A checkout with lines and an email whose last change crossed the idle line since
# the switch-on (at most ``CATCH_UP`` ago), not being completed, whose customer has
# no order since that change (Saleor's orders by account or email, the CRM's by
# profile). Its customer: the account's profile in the channel; for a guest
# checkout, only with the consent key in the checkout's public metadata (what a
# storefront can set: ``checkoutCreate(input: {metadata})`` or ``updateMetadata``
# on the checkout, which needs no permission), the profile of the account of
# that email (guest orders attributed to accounts) or else the guest profile of
# that email (a guest who ordered before). A guest the CRM does not know (no
# order yet) gets nothing: a guest profile exists only with orders. One code per
# checkout (its token is the trigger key). Two index probes per checkout for the
# profile, as in ``profiles.sync``; the idle line is a range of Saleor's index
# on ``last_change``.
CHECKOUT_ABANDONED_SQL = """
        SELECT p.id AS profile_id, 'checkout:' || ch.token AS trigger_key
        FROM "{checkout}" ch
        CROSS JOIN LATERAL (
            SELECT pu.id FROM "{profile}" pu
            WHERE ch.user_id IS NOT NULL AND pu.channel_id = ch.channel_id
              AND pu.user_id = ch.user_id
            UNION ALL
            SELECT pa.id FROM "{user}" u JOIN "{profile}" pa
              ON pa.user_id = u.id AND pa.channel_id = ch.channel_id
            WHERE ch.user_id IS NULL AND %(attribute_guests)s
              AND u.email IN (ch.email, lower(btrim(ch.email)))
            UNION ALL
            SELECT pg.id FROM "{profile}" pg
            WHERE ch.user_id IS NULL AND pg.channel_id = ch.channel_id
              AND pg.user_id IS NULL AND pg.email = lower(btrim(ch.email))
            LIMIT 1
        ) p
        WHERE ch.channel_id = %(channel)s {only_p}
          AND ch.last_change <= %(now)s - make_interval(hours => %(hours)s)
          AND ch.last_change > %(catch_up)s - make_interval(hours => %(hours)s)
          AND btrim(COALESCE(ch.email, '')) <> ''
          AND ch.completing_started_at IS NULL
          AND EXISTS (SELECT 1 FROM "{checkout_line}" l WHERE l.checkout_id = ch.token)
          AND (ch.user_id IS NOT NULL OR EXISTS (
              SELECT 1 FROM "{checkout_metadata}" cm
              WHERE cm.checkout_id = ch.token
                AND lower(btrim(COALESCE(cm.metadata ->> %(consent_key)s, '')))
                    = ANY(%(consent)s)))
          AND NOT EXISTS (
              SELECT 1 FROM "{corder}" co
              WHERE co.profile_id = p.id AND co.placed_at >= ch.last_change)
          AND NOT EXISTS (
              SELECT 1 FROM "{order}" o
              WHERE o.user_id = ch.user_id AND o.created_at >= ch.last_change
                AND o.status <> 'draft')
          AND NOT EXISTS (
              SELECT 1 FROM "{order}" o
              WHERE o.user_email IN (ch.email, lower(btrim(ch.email)))
                AND o.created_at >= ch.last_change AND o.status <> 'draft')"""


_CANDIDATES = {
    "segment_entry": """
        SELECT DISTINCT ON (e.profile_id) e.profile_id, 'enter:' || e.id AS trigger_key
        FROM "{segment_event}" e
        WHERE e.segment_id = %(segment)s AND e.kind = 'enter'
          AND e.created_at >= %(since)s {only_e}
          AND EXISTS (SELECT 1 FROM "{segment_member}" m
                      WHERE m.segment_id = e.segment_id AND m.profile_id = e.profile_id)
        ORDER BY e.profile_id, e.id DESC""",
    "schedule_segment": """
        SELECT m.profile_id, %(run_key)s AS trigger_key
        FROM "{segment_member}" m WHERE m.segment_id = %(segment)s {only_m}""",
    "schedule_all": """
        SELECT p.id AS profile_id, %(run_key)s AS trigger_key
        FROM "{profile}" p WHERE p.channel_id = %(channel)s {only_p}""",
    "nth_order": """
        SELECT o.profile_id, 'order:' || %(n)s AS trigger_key FROM (
            SELECT co.profile_id, co.paid_at,
                   row_number() OVER (PARTITION BY co.profile_id
                                      ORDER BY co.paid_at, co.order_id) AS rn
            FROM "{corder}" co JOIN "{profile}" p ON p.id = co.profile_id
            WHERE p.channel_id = %(channel)s AND p.paid_orders_count >= %(n)s
              AND p.last_paid_at >= %(since)s {only_p}
              AND co.paid_at IS NOT NULL AND NOT co.cancelled
              AND co.currency = p.currency
        ) o
        WHERE o.rn = %(n)s AND o.paid_at >= %(since)s""",
    "birthday": """
        SELECT DISTINCT ON (p.id) p.id AS profile_id,
               'birthday:' || to_char(d.day, 'YYYY') AS trigger_key
        FROM "{profile}" p JOIN "{user}" u ON u.id = p.user_id
        CROSS JOIN LATERAL (
            SELECT day::date FROM generate_series(
                %(today)s::date + %(before)s - 2, %(today)s::date + %(before)s,
                interval '1 day') day
        ) d
        WHERE p.channel_id = %(channel)s {only_p}
          AND u.metadata ? %(key)s
          AND (right(u.metadata ->> %(key)s, 5) = to_char(d.day, 'MM-DD')
               OR (right(u.metadata ->> %(key)s, 5) = '02-29'
                   AND to_char(d.day, 'MM-DD') = '02-28'
                   AND extract(day FROM (date_trunc('year', d.day)
                       + interval '1 month 28 days')) <> 29))
          AND d.day - %(before)s >= %(since)s::date
        ORDER BY p.id, d.day""",
    "days_without_order": """
        SELECT p.id AS profile_id,
               'lapse:' || to_char(p.last_order_at AT TIME ZONE 'UTC',
                                   'YYYYMMDD"T"HH24MISS') AS trigger_key
        FROM "{profile}" p
        WHERE p.channel_id = %(channel)s {only_p}
          AND p.last_order_at <= %(now)s - make_interval(days => %(days)s)
          AND p.last_order_at > %(catch_up)s - make_interval(days => %(days)s)""",
    "tier_upgrade": """
        SELECT DISTINCT ON (p.id) p.id AS profile_id, 'tier:' || tc.id AS trigger_key
        FROM "{tier_change}" tc
        JOIN "{membership}" m ON m.id = tc.membership_id
        JOIN "{program}" lp ON lp.id = m.program_id AND lp.channel_id = %(channel)s
        JOIN "{tier}" tt ON tt.id = tc.to_tier_id
        LEFT JOIN "{tier}" ft ON ft.id = tc.from_tier_id
        JOIN "{profile}" p ON p.user_id = m.user_id AND p.channel_id = %(channel)s
        WHERE tc.created_at >= %(since)s {only_p} {to_tier}
          AND CASE WHEN ft.id IS NOT NULL THEN tt.rank > ft.rank
                   ELSE EXISTS (SELECT 1 FROM "{tier}" low
                                WHERE low.program_id = tt.program_id
                                  AND low.rank < tt.rank) END
        ORDER BY p.id, tc.id DESC""",
    "category_purchase": """
        SELECT DISTINCT ON (co.profile_id) co.profile_id,
               'purchase:' || co.order_id AS trigger_key
        FROM "{corder}" co
        WHERE co.channel_id = %(channel)s AND co.paid_at IS NOT NULL
          AND NOT co.cancelled {only_co}
          AND co.paid_at <= %(now)s - make_interval(days => %(days)s)
          AND co.paid_at > %(catch_up)s - make_interval(days => %(days)s)
          AND co.category_ids && %(categories)s::int[]
          AND NOT EXISTS (
              SELECT 1 FROM "{corder}" later
              WHERE later.profile_id = co.profile_id AND later.placed_at > co.placed_at
                AND NOT later.cancelled AND later.category_ids && %(categories)s::int[])
        ORDER BY co.profile_id, co.paid_at DESC""",
    # the welcome: ``hours`` after the registration (Saleor's ``date_joined``);
    # once per customer and rule
    "sign_up": """
        SELECT p.id AS profile_id, 'signup' AS trigger_key
        FROM "{profile}" p JOIN "{user}" u ON u.id = p.user_id
        WHERE p.channel_id = %(channel)s {only_p}
          AND u.date_joined + make_interval(hours => %(hours)s) <= %(now)s
          AND u.date_joined + make_interval(hours => %(hours)s) > %(since)s""",
    # the F2 follow-up: the day ``days`` after the first paid order is crossed
    # with that order still the only one
    "second_order_due": """
        SELECT p.id AS profile_id,
               'f2:' || to_char(p.first_paid_at AT TIME ZONE 'UTC',
                                'YYYYMMDD"T"HH24MISS') AS trigger_key
        FROM "{profile}" p
        WHERE p.channel_id = %(channel)s {only_p}
          AND p.paid_orders_count = 1 AND p.orders_count = 1
          AND p.first_paid_at <= %(now)s - make_interval(days => %(days)s)
          AND p.first_paid_at > %(catch_up)s - make_interval(days => %(days)s)""",
    # an open expiry warning of the loyalty sweep (points expiring, not yet
    # expired), optionally only ``days_before`` the expiry and from ``min_points``
    "points_expiring": """
        SELECT DISTINCT ON (p.id) p.id AS profile_id,
               'expiry:' || to_char(w.expires_on, 'YYYYMMDD') AS trigger_key
        FROM "{warning}" w
        JOIN "{membership}" m ON m.id = w.membership_id
        JOIN "{program}" lp ON lp.id = m.program_id AND lp.channel_id = %(channel)s
        JOIN "{profile}" p ON p.user_id = m.user_id AND p.channel_id = %(channel)s
        WHERE w.expires_on >= (%(now)s AT TIME ZONE lp.time_zone)::date {only_p}
          AND w.points >= %(min_points)s
          AND (%(before)s::int IS NULL
               OR w.expires_on <= (%(now)s AT TIME ZONE lp.time_zone)::date
                                  + %(before)s::int)
        ORDER BY p.id, w.expires_on""",
    "segment_exit": """
        SELECT DISTINCT ON (e.profile_id) e.profile_id, 'exit:' || e.id AS trigger_key
        FROM "{segment_event}" e
        WHERE e.segment_id = %(segment)s AND e.kind = 'exit'
          AND e.created_at >= %(since)s {only_e}
          AND NOT EXISTS (SELECT 1 FROM "{segment_member}" m
                          WHERE m.segment_id = e.segment_id
                            AND m.profile_id = e.profile_id)
        ORDER BY e.profile_id, e.id DESC""",
    # the segment condition ``due``'s buyers of the items, one row per customer and
    # item: the last purchase (its order names the purchase cycle in the key) and
    # the send date — the due date (the merchant's ``days``, else ``due``'s
    # interval) less ``days_before``; a purchase since moves the last purchase
    "replenishment": f"""
        SELECT d.profile_id,
               'rebuy:' || CASE d.kind WHEN %(pkind)s THEN 'p' ELSE 'c' END
                   || d.item_id || ':' || d.last_order AS trigger_key
        FROM (
            SELECT g.profile_id, g.kind, g.item_id, max(g.placed_at) AS last_at,
                   (array_agg(g.order_id ORDER BY g.placed_at DESC,
                                                  g.order_id DESC))[1] AS last_order,
                   count(g.gap) AS gaps,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY g.gap) AS own
            FROM (
                SELECT f.profile_id, f.kind, f.item_id, f.placed_at, f.order_id,
                       {GAPS_SQL.format(t="f", part="f.profile_id, f.kind, f.item_id")}
                           AS gap
                FROM "{{purchase_fact}}" f
                WHERE ((f.kind = %(pkind)s AND f.item_id = ANY(%(products)s::int[]))
                    OR (f.kind = %(ckind)s
                        AND f.item_id = ANY(%(categories)s::int[]))) {{only_f}}
            ) g
            GROUP BY g.profile_id, g.kind, g.item_id
        ) d
        JOIN "{{profile}}" pp ON pp.id = d.profile_id AND pp.channel_id = %(channel)s
        LEFT JOIN "{{repurchase_interval}}" ri
            ON ri.channel_id = pp.channel_id AND ri.kind = d.kind
           AND ri.item_id = d.item_id
        CROSS JOIN LATERAL (
            SELECT COALESCE(d.last_at + make_interval(days => %(days)s::int),
                            {DUE_SQL.format(own=OWN_INTERVALS)})
                   - make_interval(days => %(before)s::int) AS send_at
        ) s
        WHERE s.send_at <= %(now)s AND s.send_at > %(catch_up)s""",
    # a purchase of X ``days`` ago (the latest per customer) and the first Y they
    # never bought (``bought_not``'s meaning of a purchase): the merchant's
    # targets, or X's co-purchases by rank; one code per purchase of X, whichever Y
    # (the key names Y for the message's product placeholder)
    "cross_sell": """
        SELECT DISTINCT ON (x.profile_id) x.profile_id,
               'xsell:' || %(ytag)s || y.item_id || ':' || x.order_id AS trigger_key
        FROM "{purchase_fact}" x
        JOIN "{profile}" pp ON pp.id = x.profile_id AND pp.channel_id = %(channel)s
        CROSS JOIN LATERAL ({targets}) y
        WHERE x.kind = %(xkind)s AND x.item_id = ANY(%(xitems)s::int[]) {only_x}
          AND x.placed_at <= %(now)s - make_interval(days => %(days)s::int)
          AND x.placed_at > %(catch_up)s - make_interval(days => %(days)s::int)
          AND NOT EXISTS (
              SELECT 1 FROM "{corder}" o
              WHERE o.profile_id = x.profile_id AND NOT o.cancelled
                AND o.{ycolumn} @> ARRAY[y.item_id])
          AND NOT EXISTS (
              SELECT 1 FROM "{grant}" g
              WHERE g.rule_id = %(rule)s AND g.profile_id = x.profile_id
                AND g.trigger_key LIKE 'xsell:%%:' || x.order_id)
        ORDER BY x.profile_id, x.placed_at DESC, x.order_id DESC, y.rank, y.item_id""",
    # Saleor's own checkout rows, read by the periodic run: nothing is written
    # by the checkout hooks for it. Saleor deletes a checkout it completes (the
    # order keeps its token), so a completed checkout is simply gone.
    "checkout_abandoned": CHECKOUT_ABANDONED_SQL,
}


# cross_sell's Y: the merchant's products, or the top co-purchases of X
_TARGETS = {
    "given": "SELECT t.item_id, t.rank FROM unnest(%(targets)s::int[])"
    " WITH ORDINALITY t(item_id, rank)",
    "top": 'SELECT cp.other_id AS item_id, cp.rank FROM "{copurchase}" cp'
    " WHERE cp.channel_id = pp.channel_id AND cp.kind = x.kind"
    " AND cp.relation = %(relation)s AND cp.item_id = x.item_id"
    " AND cp.rank <= %(top)s",
}


_CANDIDATES["first_order"] = _CANDIDATES["nth_order"]


# the customer's usual order (at least the minimum spend) prices a code
_ORDER = "GREATEST(COALESCE(NULLIF(e.aov, 0), %(channel_aov)s), %(min_spend)s)"


_COST = f"""(CASE %(discount_type)s
    WHEN 'fixed' THEN CASE WHEN {_ORDER} > 0 THEN LEAST(%(value)s, {_ORDER})
                           ELSE %(value)s END
    WHEN 'percentage' THEN {_ORDER} * %(value)s / 100
    ELSE %(shipping)s END)::numeric(20, 3)"""


# 16 hex digits of a v4 UUID without its version nibble (position 13): 64 bits
_RANDOM_HEX = "substr(h, 1, 12) || substr(h, 14, 3) || substr(h, 18, 1)"


def admitted_sql(cand: str = "cand") -> str:
    """The coupon eligibility predicate: who of the trigger's candidates (the CTE
    ``cand``: ``profile_id``, ``trigger_key``) the rule's limits admit — in the
    channel, this trigger not seen before, not within the cooldown, under the cap
    per customer, holding fewer open CRM codes (of any rule) than the plugin's
    ``open_codes_cap`` (0: no cap). ``FROM ... WHERE ...`` over the aliases ``c``
    (the candidate) and ``p`` (its profile), with the named parameters
    ``channel``, ``rule``, ``cooldown_since``, ``cap``, ``open_cap`` and ``now``. The ONE text of it: the run, the dry run
    (which selects with the run's own statement) and the dry run's count of
    everyone admitted before the budget all read it from here."""
    return f"""
    FROM {cand} c JOIN "{{profile}}" p ON p.id = c.profile_id
    WHERE p.channel_id = %(channel)s
      AND NOT EXISTS (
          SELECT 1 FROM "{{grant}}" g
          WHERE g.rule_id = %(rule)s AND g.profile_id = c.profile_id
            AND (g.trigger_key = c.trigger_key OR g.granted_at > %(cooldown_since)s))
      AND (SELECT count(*) FROM "{{grant}}" g
           WHERE g.rule_id = %(rule)s AND g.profile_id = c.profile_id) < %(cap)s
      AND NOT ({open_codes_full("c")})"""


def open_codes_full(cand: str = "c") -> str:
    """The candidate ``cand`` holds ``open_cap`` open CRM codes (issued, not
    used, not expired; any rule) — false when the cap is off (0)."""
    return f"""%(open_cap)s > 0 AND (
          SELECT count(*) FROM "{{grant}}" og
          WHERE og.profile_id = {cand}.profile_id AND NOT og.control
            AND og.redeemed_at IS NULL AND og.expires_at > %(now)s) >= %(open_cap)s"""


# customers the open-codes cap kept from a code: recorded once per trigger as a
# skipped delivery (method ``issue``), not counted as a message
_CAPPED_SQL = (
    """
WITH cand AS ({candidates})
INSERT INTO "{delivery}" (rule_id, grant_id, profile_id, trigger_key, method,
                          status, reason, marketing, attempts, created_at,
                          updated_at)
SELECT DISTINCT ON (c.profile_id) %(rule)s, NULL, c.profile_id, c.trigger_key,
       'issue', 'skipped', %(capped)s, false, 0, %(now)s, %(now)s
FROM cand c JOIN "{profile}" p ON p.id = c.profile_id
WHERE p.channel_id = %(channel)s
  AND NOT EXISTS (
      SELECT 1 FROM "{grant}" g
      WHERE g.rule_id = %(rule)s AND g.profile_id = c.profile_id
        AND g.trigger_key = c.trigger_key)
  AND """
    + open_codes_full("c")
    + """
ORDER BY c.profile_id, c.trigger_key
ON CONFLICT (rule_id, profile_id, trigger_key, method) DO NOTHING
"""
)


_PICK_SQL = (
    """
CREATE TEMP TABLE crm_coupon_pick ON COMMIT DROP AS
WITH cand AS ({candidates}),
eligible AS (
    SELECT c.profile_id, min(c.trigger_key) AS trigger_key,
           min(p.average_order_value_amount) AS aov"""
    + admitted_sql()
    + """
    GROUP BY c.profile_id
    ORDER BY c.profile_id
    LIMIT %(batch)s
),
drawn AS MATERIALIZED (
    SELECT e.profile_id, e.trigger_key, random() < %(control)s AS control,
           {cost} AS cost, random() AS draw,
           replace(gen_random_uuid()::text, '-', '') AS h
    FROM eligible e
),
ranked AS (
    SELECT d.*,
           sum(CASE WHEN d.control THEN 0 ELSE 1 END) OVER w AS n_treated,
           sum(CASE WHEN d.control THEN 0 ELSE d.cost END) OVER w AS cost_treated
    FROM drawn d
    WINDOW w AS (ORDER BY d.draw ROWS UNBOUNDED PRECEDING)
)
SELECT profile_id, trigger_key, control, cost,
       CASE WHEN control THEN '' ELSE %(prefix)s || upper(
           substr(r, 1, 4) || '-' || substr(r, 5, 4) || '-' || substr(r, 9, 4)
           || '-' || substr(r, 13, 4)) END AS code
FROM (SELECT ranked.*, {random_hex} AS r FROM ranked) x
WHERE n_treated <= %(max_codes)s AND cost_treated <= %(max_amount)s
"""
)


_ISSUE_SQL = """
WITH codes AS (
    INSERT INTO "{voucher_code}" (id, code, used, is_active, voucher_id, created_at)
    SELECT gen_random_uuid(), k.code, 0, true, %(voucher)s, %(now)s
    FROM crm_coupon_pick k
    WHERE NOT k.control
      AND NOT EXISTS (SELECT 1 FROM "{gift_card}" gc WHERE gc.code = k.code)
    ON CONFLICT (code) DO NOTHING
    RETURNING code
),
granted AS (
    INSERT INTO "{grant}" (rule_id, profile_id, trigger_key, control, code,
                           granted_at, expires_at, currency, estimated_cost,
                           delivery_attempts, delivery_error)
    SELECT %(rule)s, k.profile_id, k.trigger_key, k.control, k.code, %(now)s,
           CASE WHEN k.control THEN NULL ELSE %(expires)s::timestamptz END, %(currency)s,
           CASE WHEN k.control THEN 0 ELSE k.cost END, 0, ''
    FROM crm_coupon_pick k LEFT JOIN codes c ON c.code = k.code
    WHERE k.control OR c.code IS NOT NULL
    ON CONFLICT DO NOTHING
    RETURNING control
)
SELECT count(*) FILTER (WHERE NOT control), count(*) FILTER (WHERE control)
FROM granted
"""


@dataclass
class RunResult:
    issued: int = 0
    held_out: int = 0
    budget_exhausted: bool = False


def _params(
    rule: CouponRule,
    now: datetime,
    since: datetime,
    only: list[int] | None,
    *,
    dry: bool = False,
) -> tuple[dict, dict] | None:
    """The trigger's candidate query and its parameters, or None when nothing is
    due (a schedule between runs). A dry run takes a schedule's run as due now."""
    params = dict(rule.trigger_params or {})
    kind = rule.trigger
    fmt = {
        "only_e": "",
        "only_m": "",
        "only_p": "",
        "only_co": "",
        "to_tier": "",
        "only_f": "",
        "only_x": "",
    }
    if only is not None:
        fmt.update(
            {
                "only_e": "AND e.profile_id = ANY(%(only)s)",
                "only_m": "AND m.profile_id = ANY(%(only)s)",
                "only_p": "AND p.id = ANY(%(only)s)",
                "only_co": "AND co.profile_id = ANY(%(only)s)",
                "only_f": "AND f.profile_id = ANY(%(only)s)",
                "only_x": "AND x.profile_id = ANY(%(only)s)",
            }
        )
    values = {
        "segment": params.get("segment_id"),
        "n": params.get("n", 1),
        "days": params.get("days"),
        "before": params.get("days_before", None if kind == "points_expiring" else 0),
        "categories": list(params.get("category_ids") or []),
        "catch_up": max(since, now - CATCH_UP),
        # the plugin setting naming the customer metadata key of the birthday
        "key": load_config().birthday_metadata_key if kind == "birthday" else "",
        "today": now.date(),
        "tier": params.get("tier_id"),
        "hours": params.get("hours", 0),
        "min_points": params.get("min_points") or 1,
        "products": list(params.get("product_ids") or []),
        "pkind": ITEM_KINDS["products"],
        "ckind": ITEM_KINDS["categories"],
    }
    if kind == "checkout_abandoned":
        config = load_config()
        values["consent_key"] = config.consent_metadata_key
        values["consent"] = list(CONSENT_VALUES)
        values["attribute_guests"] = config.attribute_guest_orders
    if kind == "schedule":
        anchor = now if dry else (rule.starts_at or rule.activated_at)
        run = schedule_run(anchor, params.get("every_days"), now)
        if run is None:
            return None
        values["run_key"] = f"schedule:{run}"
        values["run"] = run
        kind = "schedule_segment" if params.get("segment_id") else "schedule_all"
    if kind == "first_order":
        values["n"] = 1
    if kind == "tier_upgrade" and params.get("tier_id"):
        fmt["to_tier"] = "AND tt.id = %(tier)s"
    if kind == "cross_sell":
        by_products = bool(params.get("product_ids"))
        x_kind = "products" if by_products else "categories"
        targets = list(params.get("target_product_ids") or [])
        y_kind = "products" if targets else x_kind
        values.update(
            {
                "xkind": ITEM_KINDS[x_kind],
                "xitems": values["products"] if by_products else values["categories"],
                "targets": targets,
                "top": params.get("top_k"),
                "relation": params.get("relation") or "together",
                "ytag": "p" if y_kind == "products" else "c",
                "days": params.get("days") or 0,
            }
        )
        fmt["targets"] = _TARGETS["given" if targets else "top"].format(**TABLES)
        fmt["ycolumn"] = "product_ids" if y_kind == "products" else "category_ids"
    return _CANDIDATES[kind].format(**TABLES, **fmt), values


def _used_budget(rule: CouponRule, now: datetime) -> tuple[int, Decimal]:
    """Codes issued, and the discount committed: what redeemed codes gave plus the
    estimate of open codes (an expired unused code frees its estimate)."""
    if rule.budget_codes is None and rule.budget_amount is None:
        return 0, Decimal(0)  # no budget: nothing to add up
    agg = CouponGrant.objects.filter(rule=rule, control=False).aggregate(
        codes=Count("pk"),
        redeemed=Sum("discount_amount", filter=Q(redeemed_at__isnull=False)),
        open=Sum(
            "estimated_cost", filter=Q(redeemed_at__isnull=True, expires_at__gt=now)
        ),
    )
    return agg["codes"], (agg["redeemed"] or Decimal(0)) + (agg["open"] or Decimal(0))


def channel_averages(channel_id: int, now: datetime) -> tuple[Decimal, Decimal]:
    """The channel's average order value (customers without one of their own) and
    average shipping price (free-shipping codes) over the last 90 days; cached for
    an hour (the order task runs rules for every order)."""
    from django.core.cache import cache

    key = f"saleor-crm-plugin:coupon-averages:{channel_id}"
    cached = cache.get(key)
    if cached is None:
        cached = [str(v) for v in _channel_averages(channel_id, now)]
        cache.set(key, cached, 3600)
    return Decimal(cached[0]), Decimal(cached[1])


def _channel_averages(channel_id: int, now: datetime) -> tuple[Decimal, Decimal]:
    from saleor.order.models import Order

    agg = (
        Order.objects.filter(
            channel_id=channel_id, created_at__gte=now - timedelta(days=90)
        )
        .exclude(status__in=["draft", "unconfirmed", "canceled"])
        .aggregate(
            aov=Avg("total_gross_amount"), shipping=Avg("shipping_price_gross_amount")
        )
    )
    return (
        Decimal(agg["aov"] or 0).quantize(Decimal("0.001")),
        Decimal(agg["shipping"] or 0).quantize(Decimal("0.001")),
    )


def _pick(
    rule: CouponRule,
    now: datetime,
    since: datetime,
    only,
    *,
    max_codes: int | None,
    max_amount: Decimal | None,
    dry: bool = False,
    batch: int = BATCH,
) -> tuple[str, dict] | None:
    """Fill ``crm_coupon_pick`` (inside the caller's transaction). Returns the
    candidates' query and the parameters used, or None when the trigger has
    nothing due."""
    built = _params(rule, now, since, only, dry=dry)
    if built is None:
        return None
    candidates, values = built
    channel_aov, shipping = channel_averages(rule.channel_id, now)
    params = {
        **values,
        "rule": rule.pk or 0,
        "channel": rule.channel_id,
        "now": now,
        "since": since,
        "only": list(only or []),
        "cooldown_since": now - timedelta(days=rule.cooldown_days),
        "cap": rule.max_per_customer,
        "open_cap": load_config().open_codes_cap,
        "batch": batch,
        "control": float(rule.control_share),
        "discount_type": rule.discount_type,
        "value": rule.discount_value,
        "min_spend": rule.min_spend,
        "channel_aov": channel_aov,
        "shipping": shipping,
        "prefix": CODE_PREFIX,
        "max_codes": max_codes if max_codes is not None else 2**62,
        "max_amount": max_amount if max_amount is not None else Decimal(10) ** 17,
    }
    sql = _PICK_SQL.format(
        candidates=candidates, cost=_COST, random_hex=_RANDOM_HEX, **TABLES
    )
    with connection.cursor() as cursor:
        statement_settings(cursor, jit=False)
        cursor.execute("DROP TABLE IF EXISTS crm_coupon_pick")
        cursor.execute(sql, params)
        # the statements that read it are planned on its real size
        cursor.execute("ANALYZE crm_coupon_pick")
    return candidates, params


def _voucher_for(rule: CouponRule, now: datetime):
    """The Saleor voucher for codes issued now: this reward version, ending at the
    end of the last valid day (UTC)."""

    expires_at = (now + timedelta(days=rule.validity_days)).replace(
        hour=0, minute=0, second=0, microsecond=0
    ) + timedelta(days=1)
    found = (
        CouponVoucher.objects.filter(
            rule=rule, reward_version=rule.reward_version, expires_at=expires_at
        )
        .values_list("voucher_id", flat=True)
        .first()
    )
    if found is None:
        voucher = create_saleor_voucher(rule, now, expires_at)
        CouponVoucher.objects.create(
            rule=rule,
            voucher=voucher,
            reward_version=rule.reward_version,
            expires_at=expires_at,
        )
        found = voucher.pk
    return found, expires_at


# why a run of a rule issues nothing now
IDLE_NOT_RUNNING = "not_running"  # not active, not started yet, or ended


IDLE_BUDGET = "budget"  # the budget is used up


IDLE_NOT_DUE = "not_due"  # a schedule between two runs


def _due(rule: CouponRule, now: datetime) -> tuple[int | None, Decimal | None, str]:
    """Whether a run of ``rule`` at ``now`` may issue, and how much: the budget left
    (codes, discount; None when uncapped) and, when nothing is due, why (one of
    ``IDLE_*``; '' when a run is due). The run and the dry run both ask this."""
    if not is_running(rule.status, rule.starts_at, rule.ends_at, now):
        return None, None, IDLE_NOT_RUNNING
    used_codes, used_amount = _used_budget(rule, now) if rule.pk else (0, Decimal(0))
    max_codes = (
        rule.budget_codes - used_codes if rule.budget_codes is not None else None
    )
    max_amount = (
        rule.budget_amount - used_amount if rule.budget_amount is not None else None
    )
    if (max_codes is not None and max_codes <= 0) or (
        max_amount is not None and max_amount <= 0
    ):
        return max_codes, max_amount, IDLE_BUDGET
    if rule.trigger == "schedule":
        due = schedule_run(
            rule.starts_at or rule.activated_at,
            (rule.trigger_params or {}).get("every_days"),
            now,
        )
        if due is None or (rule.schedule_run is not None and due <= rule.schedule_run):
            return max_codes, max_amount, IDLE_NOT_DUE  # this run is done
    return max_codes, max_amount, ""


def run_rule(
    rule: CouponRule, now: datetime | None = None, *, only: list[int] | None = None
) -> RunResult:
    """Issue the codes a running rule owes now (to every customer its trigger
    selects, or only to ``only``). Idempotent; batches of ``BATCH`` customers, each
    committed."""
    now = now or timezone.now()
    result = RunResult()
    while True:
        with transaction.atomic():
            rule = CouponRule.objects.select_for_update().get(pk=rule.pk)
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_CLASS, rule.pk]
                )
            max_codes, max_amount, idle = _due(rule, now)
            if idle:
                result.budget_exhausted = idle == IDLE_BUDGET
                return result
            picked_by = _pick(
                rule,
                now,
                rule.activated_at or now,
                only,
                max_codes=max_codes,
                max_amount=max_amount,
            )
            if picked_by is None:
                return result
            params = picked_by[1]
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*), count(*) FILTER (WHERE NOT control) "
                    "FROM crm_coupon_pick"
                )
                picked, treated = cursor.fetchone()
            if params["open_cap"]:
                with connection.cursor() as cursor:
                    cursor.execute(
                        _CAPPED_SQL.format(candidates=picked_by[0], **TABLES),
                        {**params, "capped": SKIP_OPEN_CODES_CAP},
                    )
            if picked == 0:
                if rule.trigger == "schedule":
                    CouponRule.objects.filter(pk=rule.pk).update(
                        schedule_run=params["run"]
                    )
                return result
            voucher_id, expires_at = (
                _voucher_for(rule, now) if treated else (None, None)
            )
            with connection.cursor() as cursor:
                cursor.execute(
                    _ISSUE_SQL.format(**TABLES),
                    {
                        "voucher": voucher_id,
                        "now": now,
                        "rule": rule.pk,
                        "expires": expires_at,
                        "currency": rule.channel.currency_code,
                    },
                )
                issued, held_out = cursor.fetchone()
            CouponRule.objects.filter(pk=rule.pk).update(
                issued_count=rule.issued_count + issued,
                control_count=rule.control_count + held_out,
            )
            result.issued += issued
            result.held_out += held_out
            if issued and set(rule.delivery) & {"saleor_notify", "webhook"}:
                transaction.on_commit(lambda pk=rule.pk: _schedule_delivery(pk))
            if issued and set(rule.delivery) & set(MESSAGE_METHODS):
                transaction.on_commit(lambda pk=rule.pk: _schedule_messages(pk))
        if picked < BATCH:
            if rule.trigger == "schedule":
                CouponRule.objects.filter(pk=rule.pk).update(schedule_run=params["run"])
            return result


def _schedule_delivery(rule_id: int) -> None:

    try:
        deliver_coupons_task.delay(rule_id)
    except Exception:  # noqa: BLE001 - the periodic sweep delivers later
        logger.exception("CRM: coupon delivery not queued")


def _schedule_messages(rule_id: int) -> None:
    try:
        send_coupon_messages_task.delay(rule_id)
    except Exception:  # noqa: BLE001 - the periodic sweep sends later
        logger.exception("CRM: coupon messages not queued")


def running_rules(now: datetime, *, triggers=None, channel_ids=None):
    qs = (
        CouponRule.objects.select_related("channel")
        .filter(status="active")
        .filter(
            Q(starts_at__isnull=True) | Q(starts_at__lte=now),
            Q(ends_at__isnull=True) | Q(ends_at__gt=now),
        )
    )
    if triggers is not None:
        qs = qs.filter(trigger__in=triggers)
    if channel_ids is not None:
        qs = qs.filter(channel_id__in=channel_ids)
    return list(qs)


def run_all(now: datetime | None = None) -> dict[int, RunResult]:
    """The periodic sweep: every running rule (time-based triggers, schedules, and
    the catch-up of event triggers)."""
    now = now or timezone.now()
    results = {}
    for rule in running_rules(now):
        try:
            results[rule.pk] = run_rule(rule, now)
        except Exception:  # noqa: BLE001 - one broken rule must not stop the others
            logger.exception("CRM: coupon rule %s failed", rule.pk)
    return results


def on_profiles_changed(profile_ids: list[int], now: datetime | None = None) -> int:
    """Fresh data: after an order changed these customers (and their segments),
    run the event-triggered rules of their channels for exactly them."""

    if not profile_ids:
        return 0
    now = now or timezone.now()
    channels = set(
        CustomerProfile.objects.filter(pk__in=profile_ids).values_list(
            "channel_id", flat=True
        )
    )
    issued = 0
    for rule in running_rules(now, triggers=EVENT_TRIGGERS, channel_ids=channels):
        issued += run_rule(rule, now, only=list(profile_ids)).issued
    return issued


@dataclass
class DryRunPart:
    """What one run of the rule selects (nothing is written)."""

    customers: int  # the trigger and the limits admit, before the budget
    codes: int  # would receive a code
    held_out: int  # would be held out (control group; a fresh draw)
    estimated_cost: Decimal  # of those codes
    budget_limited: bool  # the budget leaves some of ``customers`` out
    sample: list[dict]
    explanation: str = ""
    # the explanation as data (``EXPLANATIONS``): its code and parameters, so a
    # client can say it in its own language; ``explanation`` is the English text
    explanation_code: str = ""
    explanation_params: dict = field(default_factory=dict)

    @staticmethod
    def nothing(explanation: str = "", *, budget_limited: bool = False) -> DryRunPart:
        return DryRunPart(0, 0, 0, Decimal(0), budget_limited, [], explanation)

    def explain(self, code: str, **params) -> DryRunPart:
        """Set the explanation: ``code`` (a key of ``EXPLANATIONS``), its
        parameters and the English sentence made from them."""
        self.explanation_code = code
        self.explanation_params = params
        self.explanation = explanation_text(code, params)
        return self


@dataclass
class DryRun:
    """Two plainly separate answers: ``on_activation`` — what switching the rule on
    now issues (for a rule already on: what a run now issues), exactly what
    ``crmCouponRuleActivate`` then issues; ``replayed_window`` — what the rule would
    have issued over ``window_from`` … ``window_to`` had it been on then."""

    currency: str
    on_activation: DryRunPart
    replayed_window: DryRunPart
    window_from: datetime
    window_to: datetime
    rule_is_active: bool

    # the single answer of before (deprecated in the API): the replayed window for
    # a rule that is not switched on, what a run now issues for one that is
    @property
    def _legacy(self) -> DryRunPart:
        return self.on_activation if self.rule_is_active else self.replayed_window

    @property
    def eligible(self) -> int:
        return self._legacy.customers

    @property
    def treated(self) -> int:
        return self._legacy.codes

    @property
    def held_out(self) -> int:
        return self._legacy.held_out

    @property
    def estimated_cost(self) -> Decimal:
        return self._legacy.estimated_cost

    @property
    def budget_limited(self) -> bool:
        return self._legacy.budget_limited

    @property
    def sample(self) -> list[dict]:
        return self._legacy.sample


_NO_BACKLOG = (
    "Counts only {what} after the switch-on: nothing that happened "
    "before is caught up, so switching on issues nothing now."
)


_PENDING = "Counts {what} since the switch-on ({since:%Y-%m-%d %H:%M} UTC)."


_WHAT = {
    "segment_entry": "customers entering the segment",
    "first_order": "first paid orders",
    "nth_order": "n-th paid orders",
    "tier_upgrade": "tier upgrades",
    "days_without_order": "customers crossing the days-without-order line",
    "category_purchase": "purchases reaching the waiting period",
    "birthday": "birthdays coming due",
    "sign_up": "registrations reaching the waiting time",
    "second_order_due": "first orders reaching the waiting period without a second",
    "segment_exit": "customers leaving the segment",
    "replenishment": "customers coming due to rebuy",
    "cross_sell": "purchases reaching the waiting period",
    "checkout_abandoned": "checkouts crossing the idle line",
}


_IDLE = {
    IDLE_BUDGET: "The rule's budget is used up: nothing more is issued.",
    IDLE_NOT_DUE: "The schedule's current run is done; the next one is not due yet.",
}


# Why the on-activation figures are what they are: a code (the API's
# ``CRMCouponDryRunExplanationCode``), its parameters (``trigger``: the rule's
# trigger, ``since``: its switch-on, ``starts_at``: its start) and the English
# sentence; a client translates the code with the parameters.
EXPLANATIONS = {
    "rule_ended": "The rule has ended: it cannot be switched on.",
    "not_started": "The rule starts at {starts_at:%Y-%m-%d %H:%M} UTC: "
    "nothing is issued before.",
    "budget_used_up": _IDLE[IDLE_BUDGET],
    "schedule_not_due": _IDLE[IDLE_NOT_DUE],
    "schedule_segment_members": "The schedule's run due now issues to the "
    "segment's current members.",
    "schedule_channel_customers": "The schedule's run due now issues to every "
    "customer of the channel.",
    "birthdays_due_today": "Birthdays coming due today are issued at the "
    "switch-on; earlier ones are not caught up.",
    "no_backlog": _NO_BACKLOG,
    "counts_since_switch_on": _PENDING,
    "expiry_warnings_at_switch_on": "Members whose points expire soon (an open "
    "expiry warning of the loyalty sweep, not yet given a code) get one at the "
    "switch-on.",
    "expiry_warnings_now": "Members whose points expire soon (an open expiry "
    "warning of the loyalty sweep, not yet given a code) get one now.",
}


def explanation_text(code: str, params: dict) -> str:
    """The English sentence of an explanation code and its parameters."""
    what = _WHAT.get(params.get("trigger", ""), "")
    return EXPLANATIONS[code].format(what=what, **params)


def _on_activation_explanation(
    rule: CouponRule, switched_on: bool, part: DryRunPart
) -> tuple[str, dict]:
    """The code and parameters of why ``part`` (``EXPLANATIONS``)."""
    kind = rule.trigger
    if kind == "schedule":
        if (rule.trigger_params or {}).get("segment_id"):
            return "schedule_segment_members", {}
        return "schedule_channel_customers", {}
    if kind == "points_expiring":
        if switched_on:
            return "expiry_warnings_at_switch_on", {}
        return "expiry_warnings_now", {}
    if kind == "birthday" and switched_on:
        return "birthdays_due_today", {}
    if switched_on and not part.customers:
        return "no_backlog", {"trigger": kind}
    return "counts_since_switch_on", {"trigger": kind, "since": rule.activated_at}


def _replay_start(kind: str, now: datetime) -> datetime:
    """Where the replayed window starts: event triggers look back
    ``DRY_RUN_LOOKBACK``, lines crossed by time their catch-up (``CATCH_UP``),
    birthdays the days the sweep catches up, a schedule replays its run due now,
    points expiring the expiry warnings open now."""
    if kind in EVENT_TRIGGERS:
        return now - DRY_RUN_LOOKBACK
    if kind == "birthday":
        return datetime.combine(
            now.date() - timedelta(days=2), datetime.min.time(), tzinfo=now.tzinfo
        )
    if kind == "schedule":
        return now
    if kind == "points_expiring":
        return now  # the warnings open now
    return now - CATCH_UP


def _measure(
    rule: CouponRule,
    now: datetime,
    since: datetime,
    *,
    dry: bool,
    max_codes,
    max_amount,
    sample_size: int,
) -> DryRunPart:
    """Select as a run does (``_pick``, every customer in one batch) and count;
    inside the dry run's transaction, which is rolled back."""
    picked_by = _pick(
        rule,
        now,
        since,
        None,
        max_codes=max_codes,
        max_amount=max_amount,
        dry=dry,
        batch=2**62,
    )
    if picked_by is None:
        return DryRunPart.nothing()
    candidates, params = picked_by
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FILTER (WHERE NOT control), "
            "count(*) FILTER (WHERE control), "
            "COALESCE(sum(cost) FILTER (WHERE NOT control), 0) "
            "FROM crm_coupon_pick"
        )
        codes, held_out, cost = cursor.fetchone()
        # everyone the trigger and limits admit, before the budget
        cursor.execute(
            _ELIGIBLE_COUNT_SQL.format(candidates=candidates, **TABLES), params
        )
        customers = cursor.fetchone()[0]
        cursor.execute(
            "SELECT k.profile_id, k.control, k.cost, p.email, p.user_id "
            f'FROM crm_coupon_pick k JOIN "{TABLES["profile"]}" p '
            "ON p.id = k.profile_id ORDER BY k.control, k.profile_id LIMIT %s",
            [sample_size],
        )
        sample = [
            {
                "profile_id": pid,
                "control": control,
                "estimated_cost": c,
                "email": email,
                "user_id": user_id,
            }
            for pid, control, c, email, user_id in cursor.fetchall()
        ]
    return DryRunPart(
        customers=customers,
        codes=codes,
        held_out=held_out,
        estimated_cost=Decimal(cost).quantize(Decimal("0.001")),
        budget_limited=codes + held_out < customers,
        sample=sample,
    )


def _budget_left(rule: CouponRule, now: datetime):
    used_codes, used_amount = _used_budget(rule, now) if rule.pk else (0, Decimal(0))
    return (
        rule.budget_codes - used_codes if rule.budget_codes is not None else None,
        rule.budget_amount - used_amount if rule.budget_amount is not None else None,
    )


def dry_run(
    rule: CouponRule, now: datetime | None = None, *, sample_size: int = 50
) -> DryRun:
    """What the rule would issue, and the estimated cost, in two plainly separate
    answers — writing nothing (every statement is rolled back):

    * ``on_activation``: what switching the rule on now issues — the run
      ``crmCouponRuleActivate`` makes, asked the same questions (``_due``) and
      selecting with the same statement (``_pick``). Order-driven triggers count
      only what happens after the switch-on, so this is usually 0 for them; a
      schedule's run due now goes to its current set. For a rule already on: what
      a run now issues.
    * ``replayed_window``: what the rule would have issued over the last 30 days
      (order-driven triggers), the 7-day catch-up (lines crossed by time), the
      birthdays the sweep catches up, or a schedule's run due now — had it been on.

    Both take the budget left and the codes already issued into account; the
    control group is a fresh draw."""

    now = now or timezone.now()
    currency = rule.channel.currency_code
    active = rule.status == "active"
    start = _replay_start(rule.trigger, now)
    try:
        # everything below is rolled back: the dry run writes nothing
        with transaction.atomic():
            on = switched_on(rule, now)
            if on is None:
                activation = DryRunPart.nothing().explain("rule_ended")
            else:
                max_codes, max_amount, idle = _due(on, now)
                if idle == IDLE_NOT_RUNNING:
                    activation = DryRunPart.nothing().explain(
                        "not_started", starts_at=on.starts_at
                    )
                elif idle:
                    activation = DryRunPart.nothing(
                        budget_limited=idle == IDLE_BUDGET
                    ).explain(
                        "budget_used_up" if idle == IDLE_BUDGET else "schedule_not_due"
                    )
                else:
                    activation = _measure(
                        on,
                        now,
                        on.activated_at,
                        dry=False,
                        max_codes=max_codes,
                        max_amount=max_amount,
                        sample_size=sample_size,
                    )
                    code, params = _on_activation_explanation(
                        on, not active, activation
                    )
                    activation.explain(code, **params)
            max_codes, max_amount = _budget_left(rule, now)
            if (max_codes is not None and max_codes <= 0) or (
                max_amount is not None and max_amount <= 0
            ):
                replay = DryRunPart.nothing(budget_limited=True).explain(
                    "budget_used_up"
                )
            else:
                replay = _measure(
                    rule,
                    now,
                    now - DRY_RUN_LOOKBACK,
                    dry=True,
                    max_codes=max_codes,
                    max_amount=max_amount,
                    sample_size=sample_size,
                )
            raise _Rollback(
                DryRun(
                    currency=currency,
                    on_activation=activation,
                    replayed_window=replay,
                    window_from=start,
                    window_to=now,
                    rule_is_active=active,
                )
            )
    except _Rollback as done:
        return done.result


class _Rollback(Exception):
    def __init__(self, result: DryRun):
        super().__init__("dry run")
        self.result = result


_ELIGIBLE_COUNT_SQL = """
WITH cand AS ({candidates})
SELECT count(DISTINCT c.profile_id)""" + admitted_sql()


_ATTRIBUTE_SQL = """
UPDATE "{grant}" g
SET order_id = o.id,
    redeemed_at = COALESCE(g.redeemed_at, o.created_at),
    order_total = o.total_gross_amount,
    discount_amount = COALESCE((
        SELECT sum(d.amount_value) FROM "{order_discount}" d
        WHERE d.order_id = o.id AND d.voucher_code = g.code), 0) + COALESCE((
        SELECT sum(ld.amount_value)
        FROM "{order_line}" ol JOIN "{line_discount}" ld ON ld.line_id = ol.id
        WHERE ol.order_id = o.id AND ld.voucher_code = g.code), 0)
FROM "{order}" o
WHERE o.id = ANY(%(orders)s::uuid[]) AND o.voucher_code LIKE %(prefix)s
  AND g.code = o.voucher_code AND (g.order_id IS NULL OR g.order_id = o.id)
"""


def attribute_orders(order_ids: list[str]) -> int:
    """Link redeemed codes to the orders that used them, with the order's total
    and the discount Saleor gave for the code (order- and line-level). A cancelled
    order keeps its link — Saleor does not give a single-use code back — and the
    report leaves its revenue out. Called in the order task's transaction;
    idempotent."""
    if not order_ids:
        return 0
    orders = [str(i) for i in order_ids]
    with connection.cursor() as cursor:
        cursor.execute(
            _ATTRIBUTE_SQL.format(**TABLES),
            {"orders": orders, "prefix": CODE_PREFIX + "%"},
        )
        return cursor.rowcount


def code_owner(code: str) -> tuple[int | None, str] | None:
    """(user id, normalized guest email) of a CRM code's customer, or None if the
    code is not one of the rules' codes."""
    row = (
        CouponGrant.objects.filter(code=code)
        .values_list("profile__user_id", "profile__email")
        .first()
    )
    return row


_REPORT_SQL = """
WITH arms AS (
    SELECT g.id, g.control, g.profile_id, g.granted_at, g.discount_amount,
           g.redeemed_at, g.order_id,
           (SELECT count(*) FROM "{corder}" co
            WHERE co.profile_id = g.profile_id AND co.paid_at IS NOT NULL
              AND NOT co.cancelled AND co.currency = g.currency
              AND co.paid_at >= g.granted_at
              AND co.paid_at < g.granted_at + make_interval(days => %(window)s)
           ) AS orders,
           (SELECT COALESCE(sum(co.total_amount - co.refunded_amount), 0)
            FROM "{corder}" co
            WHERE co.profile_id = g.profile_id AND co.paid_at IS NOT NULL
              AND NOT co.cancelled AND co.currency = g.currency
              AND co.paid_at >= g.granted_at
              AND co.paid_at < g.granted_at + make_interval(days => %(window)s)
           ) AS revenue
    FROM "{grant}" g WHERE g.rule_id = %(rule)s
)
SELECT control, count(*), count(*) FILTER (WHERE orders > 0),
       COALESCE(sum(revenue), 0), COALESCE(sum(revenue * revenue), 0),
       count(*) FILTER (WHERE redeemed_at IS NOT NULL),
       COALESCE(sum(discount_amount) FILTER (WHERE redeemed_at IS NOT NULL), 0),
       count(*) FILTER (WHERE granted_at + make_interval(days => %(window)s) > %(now)s)
FROM arms GROUP BY control
"""


@dataclass
class Report:
    currency: str
    window_days: int
    treated: GroupFigures
    control: GroupFigures
    redeemed: int
    discount_cost: Decimal
    attributed_revenue: Decimal
    open_windows: int
    conversion_uplift: object
    revenue_uplift: object

    @property
    def incremental_revenue(self) -> Decimal | None:
        if self.revenue_uplift is None:
            return None
        return Decimal(str(self.revenue_uplift.estimate)) * self.treated.customers


def report(rule: CouponRule, now: datetime | None = None) -> Report:
    """Treated vs held-out customers of the rule: conversion (a paid order within
    ``report_window_days`` of the grant), revenue per customer in that window,
    the discount the codes cost, revenue of the orders that used a code, and the
    uplift of conversion and revenue per customer with 95 % intervals. Grants whose
    window is still open count as they stand (``open_windows``)."""
    now = now or timezone.now()
    arms = {
        False: (0, 0, Decimal(0), Decimal(0), 0, Decimal(0), 0),
        True: (0, 0, Decimal(0), Decimal(0), 0, Decimal(0), 0),
    }
    with connection.cursor() as cursor:
        cursor.execute(
            _REPORT_SQL.format(**TABLES),
            {"rule": rule.pk, "window": rule.report_window_days, "now": now},
        )
        for control, *figures in cursor.fetchall():
            arms[control] = tuple(figures)
    groups = {
        control: GroupFigures(
            customers=f[0],
            converted=f[1],
            revenue=Decimal(f[2]),
            revenue_sq=Decimal(f[3]),
        )
        for control, f in arms.items()
    }
    attributed = CouponGrant.objects.filter(
        rule=rule,
        redeemed_at__isnull=False,
        order_id__in=CustomerOrder.objects.filter(cancelled=False).values("order_id"),
    ).aggregate(total=Sum("order_total"))["total"] or Decimal(0)
    return Report(
        currency=rule.channel.currency_code,
        window_days=rule.report_window_days,
        treated=groups[False],
        control=groups[True],
        redeemed=arms[False][4],
        discount_cost=Decimal(arms[False][5]),
        attributed_revenue=attributed,
        open_windows=arms[False][6] + arms[True][6],
        conversion_uplift=conversion_uplift(groups[False], groups[True]),
        revenue_uplift=revenue_uplift(groups[False], groups[True]),
    )
