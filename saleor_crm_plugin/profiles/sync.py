"""Set-based SQL that turns Saleor orders into CRM rows.

One code path serves live events (a handful of order ids) and the backfill (chunks
of thousands), so both follow the same rules — the rules of
``saleor_crm_plugin.domain.orders`` / ``domain.profile``, which the Saleor tier
checks against this SQL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

import psycopg
from django.db import connection

from ..core.tables import TABLES
from ..domain.orders import FULLY_CHARGED, SKIPPED_STATUSES

# Must match ``domain.emails.email_hash``.
EMAIL_HASH_SQL = "encode(sha256(convert_to(lower(btrim({col})), 'UTF8')), 'hex')"


_SRC = """
src AS (
    SELECT o.id, o.channel_id, o.currency, o.total_gross_amount AS total,
           o.subtotal_gross_amount AS subtotal, o.status,
           o.created_at, o.charge_status, o.total_charged_amount AS charged,
           COALESCE(o.user_id, {guest_user}) AS user_id,
           lower(btrim(o.user_email)) AS email
    FROM "{order}" o
    WHERE o.id = ANY(%(ids)s)
      AND o.status <> ALL(%(skipped)s)
      AND ({guest_filter})
      AND (o.user_id IS NOT NULL OR btrim(o.user_email) <> '')
      AND NOT EXISTS (
          SELECT 1 FROM "{tombstone}" t
          WHERE t.email_hash = {email_hash} AND t.erased_at > o.created_at
      )
),
refunds AS (
    SELECT order_id, SUM(amount) AS amount FROM (
        SELECT p.order_id, t.amount
        FROM "{payment}" p JOIN "{payment_txn}" t ON t.payment_id = p.id
        WHERE p.order_id = ANY(%(ids)s) AND t.kind = 'refund' AND t.is_success
        UNION ALL
        SELECT ti.order_id, ti.refunded_value
        FROM "{txn_item}" ti WHERE ti.order_id = ANY(%(ids)s)
    ) r GROUP BY order_id
),
items AS (
    SELECT l.order_id,
           array_agg(DISTINCT pv.product_id) FILTER (WHERE pv.product_id IS NOT NULL)
               AS product_ids,
           array_agg(DISTINCT p.category_id) FILTER (WHERE p.category_id IS NOT NULL)
               AS category_ids
    FROM "{order_line}" l
    JOIN "{variant}" pv ON pv.id = l.variant_id
    JOIN "{product}" p ON p.id = pv.product_id
    WHERE l.order_id = ANY(%(ids)s)
    GROUP BY l.order_id
),
colls AS (
    SELECT l.order_id, array_agg(DISTINCT cp.collection_id) AS collection_ids
    FROM "{order_line}" l
    JOIN "{variant}" pv ON pv.id = l.variant_id
    JOIN "{collection_product}" cp ON cp.product_id = pv.product_id
    WHERE l.order_id = ANY(%(ids)s)
    GROUP BY l.order_id
)
"""


# A guest order (no user) whose email belongs to an account counts for the account.
# Saleor lower-cases account emails but keeps a checkout's email as typed, so match
# the lower-cased order email too (both forms use the unique index on the email).
_GUEST_USER = (
    '(SELECT u.id FROM "{user}" u WHERE o.user_id IS NULL'
    " AND u.email IN (o.user_email, lower(btrim(o.user_email)))"
    " ORDER BY u.email = o.user_email DESC LIMIT 1)"
)


# The order's profile: the account's in the order's channel, else the guest
# profile of its email. Two index probes (one per partial unique index); a single
# join with an OR of both cases cannot use either index and scans the profiles.
_PROFILE_OF = """
    SELECT pu.id FROM "{profile}" pu
    WHERE s.user_id IS NOT NULL AND pu.channel_id = s.channel_id
      AND pu.user_id = s.user_id
    UNION ALL
    SELECT pg.id FROM "{profile}" pg
    WHERE s.user_id IS NULL AND pg.channel_id = s.channel_id
      AND pg.user_id IS NULL AND pg.email = s.email
"""
_PROFILE_MATCH = """
CROSS JOIN LATERAL ({profile_of} LIMIT 1) p
"""


# The orders of ``src`` with what the CRM row needs of their payments and lines:
# one row per order. Live events read it as a CTE; the backfill stores a chunk's
# rows in a temporary table once (:data:`_CHUNK_TABLE`) and both statements below
# read that, instead of reading the chunk's Saleor orders, lines and payments twice.
_ROWS = """
rows AS (
    SELECT s.*, COALESCE(r.amount, 0) AS refunded,
           COALESCE(i.product_ids, '{{}}') AS product_ids,
           COALESCE(i.category_ids, '{{}}') AS category_ids,
           COALESCE(c.collection_ids, '{{}}') AS collection_ids
    FROM src s
    LEFT JOIN refunds r ON r.order_id = s.id
    LEFT JOIN items i ON i.order_id = s.id
    LEFT JOIN colls c ON c.order_id = s.id
)
"""


# ``{rows}``: the relation of the orders' rows (``src`` or ``rows`` of the CTEs
# above, or the backfill's chunk table), after ``{with_}``, their CTEs if any.
_INSERT_PROFILES = """
{with_}
INSERT INTO "{profile}" (channel_id, user_id, email, currency, created_at, updated_at)
SELECT DISTINCT ON (s.channel_id, COALESCE(s.user_id::text, s.email))
       s.channel_id, s.user_id, s.email, c.currency_code, now(), now()
FROM {rows} s JOIN "{channel}" c ON c.id = s.channel_id
WHERE NOT EXISTS ({profile_of})
ORDER BY s.channel_id, COALESCE(s.user_id::text, s.email), s.created_at DESC
ON CONFLICT DO NOTHING
"""


# the orders' profiles before the upsert (live events return them with the new)
_OLD = 'old AS (SELECT profile_id FROM "{corder}" WHERE order_id = ANY(%(ids)s)),'

_UPSERT_ORDERS = """
WITH {ctes}
up AS (
    INSERT INTO "{corder}" (
        order_id, profile_id, channel_id, currency, total_amount, subtotal_amount,
        refunded_amount, status, placed_at, paid_at, cancelled, product_ids,
        category_ids, collection_ids, synced_at)
    SELECT s.id, p.id, s.channel_id, s.currency, s.total, s.subtotal,
           s.refunded, s.status, s.created_at,
           CASE WHEN s.charge_status = ANY(%(fully_charged)s)
                     OR s.charged + s.refunded >= s.total
                THEN {paid_at} END,
           s.status = 'canceled',
           s.product_ids, s.category_ids, s.collection_ids, now()
    FROM {rows} s
    {profile_match}
    ON CONFLICT (order_id) DO UPDATE SET
        profile_id = EXCLUDED.profile_id,
        currency = EXCLUDED.currency,
        total_amount = EXCLUDED.total_amount,
        subtotal_amount = EXCLUDED.subtotal_amount,
        refunded_amount = EXCLUDED.refunded_amount,
        status = EXCLUDED.status,
        paid_at = COALESCE("{corder}".paid_at, EXCLUDED.paid_at),
        cancelled = EXCLUDED.cancelled,
        product_ids = EXCLUDED.product_ids,
        category_ids = EXCLUDED.category_ids,
        collection_ids = EXCLUDED.collection_ids,
        synced_at = EXCLUDED.synced_at
    RETURNING profile_id
)
{final}
"""


# The backfill's per-chunk table: this session's, created on the first chunk with
# the columns of ``rows``, emptied before each chunk (a caller's outer transaction
# may hold several chunks) and at every commit.
_CHUNK_TABLE = "crm_backfill_chunk"
_CREATE_CHUNK = (
    "CREATE TEMPORARY TABLE IF NOT EXISTS "
    + _CHUNK_TABLE
    + " ON COMMIT DELETE ROWS AS WITH {src}, {rows} SELECT * FROM rows WITH NO DATA"
)
_FILL_CHUNK = "INSERT INTO " + _CHUNK_TABLE + " WITH {src}, {rows} SELECT * FROM rows"


_TOUCHED_PROFILES = "SELECT profile_id FROM old UNION SELECT profile_id FROM up"


_UPSERTED_COUNT = "SELECT count(*) FROM up"


# Mirrors ``domain.profile.compute_profile``.
_RECOMPUTE = """
WITH agg AS (
    SELECT p.id,
        COUNT(co.order_id) FILTER (WHERE NOT co.cancelled) AS orders_count,
        COUNT(co.order_id) FILTER (WHERE co.cancelled) AS cancelled_count,
        COUNT(co.order_id) FILTER (
            WHERE NOT co.cancelled AND co.currency <> p.currency) AS other_count,
        COUNT(co.order_id) FILTER (
            WHERE {paid} AND NOT (co.total_amount > 0
                                  AND co.refunded_amount >= co.total_amount))
            AS paid_count,
        COALESCE(SUM(co.total_amount) FILTER (WHERE {paid}), 0) AS spent,
        COALESCE(SUM(LEAST(co.refunded_amount, co.total_amount))
                 FILTER (WHERE {paid}), 0) AS refunded,
        MIN(co.placed_at) FILTER (WHERE NOT co.cancelled) AS first_order_at,
        MAX(co.placed_at) FILTER (WHERE NOT co.cancelled) AS last_order_at,
        MIN(co.paid_at) FILTER (WHERE {paid}) AS first_paid_at,
        MAX(co.paid_at) FILTER (WHERE {paid}) AS last_paid_at
    FROM "{profile}" p
    LEFT JOIN "{corder}" co ON co.profile_id = p.id{corder_extra}
    WHERE {where}
    GROUP BY p.id
),
upd AS (
    UPDATE "{profile}" p SET
        orders_count = agg.orders_count,
        cancelled_orders_count = agg.cancelled_count,
        other_currency_orders_count = agg.other_count,
        paid_orders_count = agg.paid_count,
        total_spent_amount = agg.spent,
        total_refunded_amount = agg.refunded,
        net_spent_amount = agg.spent - agg.refunded,
        average_order_value_amount = CASE WHEN agg.paid_count > 0
            THEN round((agg.spent - agg.refunded) / agg.paid_count, 3) ELSE 0 END,
        first_order_at = agg.first_order_at,
        last_order_at = agg.last_order_at,
        first_paid_at = agg.first_paid_at,
        last_paid_at = agg.last_paid_at,
        updated_at = now()
    FROM agg
    WHERE p.id = agg.id AND {where}
      AND (agg.orders_count > 0 OR agg.cancelled_count > 0 OR p.user_id IS NOT NULL)
    RETURNING p.id
)
DELETE FROM "{profile}" p USING agg
WHERE p.id = agg.id AND agg.orders_count = 0 AND agg.cancelled_count = 0
  AND p.user_id IS NULL
RETURNING p.id
"""


# A registered customer's profiles before any order (``customer_created``, the
# backfill): one per sign-up channel, dated from the registration, figures zero.
# Staff accounts are not customers; an account erased before it registered again
# is a new customer (the tombstone is older than the registration).
_ACCOUNT_PROFILES = """
INSERT INTO "{profile}" (channel_id, user_id, email, currency, created_at, updated_at)
SELECT c.id, u.id, lower(btrim(u.email)), c.currency_code, u.date_joined, now()
FROM "{user}" u CROSS JOIN "{channel}" c
WHERE {users} AND c.id = ANY(%(channels)s)
  AND u.is_active AND NOT u.is_staff AND btrim(u.email) <> ''
  AND NOT EXISTS (
      SELECT 1 FROM "{tombstone}" t
      WHERE t.email_hash = {email_hash} AND t.erased_at > u.date_joined)
ON CONFLICT DO NOTHING
RETURNING id
"""


_PAID = "(co.paid_at IS NOT NULL AND NOT co.cancelled AND co.currency = p.currency)"


@dataclass
class SyncResult:
    profile_ids: list[int]


def _src_sql(t, attribute_guests: bool) -> str:
    guest_user = _GUEST_USER.format(**t) if attribute_guests else "NULL"
    guest_filter = "TRUE" if attribute_guests else "o.user_id IS NOT NULL"
    return _SRC.format(
        guest_user=guest_user,
        guest_filter=guest_filter,
        email_hash=EMAIL_HASH_SQL.format(col="o.user_email"),
        **t,
    )


def _profile_match(t) -> str:
    return _PROFILE_MATCH.format(profile_of=_PROFILE_OF.format(**t))


def _insert_profiles(t, *, with_: str, rows: str) -> str:
    """The profiles the orders of ``rows`` need and do not have yet. Those that
    exist are left out before the insert (the same two index probes as the
    match), not left to ``ON CONFLICT``, which stays for a concurrent insert: an
    insert that finds its row spends a sequence value and a speculative index
    entry all the same, and most orders of a store are by customers it knows."""
    return _INSERT_PROFILES.format(
        with_=with_, rows=rows, profile_of=_PROFILE_OF.format(**t), **t
    )


def _params(order_ids) -> dict:
    return {
        "ids": [UUID(str(i)) for i in order_ids],
        "skipped": list(SKIPPED_STATUSES),
        "fully_charged": list(FULLY_CHARGED),
    }


def _upsert(order_ids, attribute_guests: bool, paid_at: str, final: str):
    t = TABLES
    src = _src_sql(t, attribute_guests)
    params = _params(order_ids)
    paid_at_sql = "now()" if paid_at == "now" else "s.created_at"
    with connection.cursor() as cursor:
        cursor.execute(_insert_profiles(t, with_="WITH " + src, rows="src"), params)
        cursor.execute(
            _UPSERT_ORDERS.format(
                ctes=f"{src}, {_ROWS.format(**t)}, {_OLD.format(**t)}",
                rows="rows",
                paid_at=paid_at_sql,
                profile_match=_profile_match(t),
                final=final,
                **t,
            ),
            params,
        )
        return cursor.fetchall()


def sync_orders(
    order_ids: Sequence[UUID | str],
    *,
    attribute_guests: bool = True,
    paid_at: str = "now",
    recompute: bool = True,
) -> list[int]:
    """Import or refresh the given Saleor orders; return touched profile ids.

    ``paid_at``: ``"now"`` for live events (the event time), ``"placed"`` for the
    backfill (history has no reliable payment time, the order date stands in).
    With ``recompute=False`` profiles are left for :func:`recompute_profiles`.

    Three statements whatever the number of orders.
    """
    if not order_ids:
        return []
    rows = _upsert(order_ids, attribute_guests, paid_at, _TOUCHED_PROFILES)
    touched = [row[0] for row in rows]
    if recompute:
        recompute_profiles(touched)
    return touched


def import_orders(order_ids: Sequence[UUID | str], *, attribute_guests: bool) -> int:
    """The backfill's variant of :func:`sync_orders`: the order date stands in for
    the payment date, profiles are recomputed later (once each, by range), and
    the number of orders imported is returned. The chunk's orders, with their
    payments and lines, are read from Saleor's tables once, into this session's
    temporary table, which the profile insert and the order upsert then read.
    Must run in a transaction (the table is emptied at commit)."""
    if not order_ids:
        return 0
    t = TABLES
    src = _src_sql(t, attribute_guests)
    rows = _ROWS.format(**t)
    params = _params(order_ids)
    with connection.cursor() as cursor:
        # no rows asked for: the table's columns only
        cursor.execute(_CREATE_CHUNK.format(src=src, rows=rows), _params([]))
        cursor.execute("TRUNCATE " + _CHUNK_TABLE)
        # The one statement that names the orders, five times over: bound on the
        # server (the list sent once, as a uuid[]), where Django's cursor would
        # write the 5,000 ids into the statement's text at each place.
        with psycopg.Cursor(cursor.connection) as bound:
            bound.execute(_FILL_CHUNK.format(src=src, rows=rows), params)
        cursor.execute(_insert_profiles(t, with_="", rows=_CHUNK_TABLE))
        cursor.execute(
            _UPSERT_ORDERS.format(
                ctes="",
                rows=_CHUNK_TABLE,
                paid_at="s.created_at",
                profile_match=_profile_match(t),
                final=_UPSERTED_COUNT,
                **t,
            ),
            {"fully_charged": params["fully_charged"]},
        )
        return cursor.fetchone()[0]


def account_profiles(user_ids: Sequence[int], channel_ids: Sequence[int]) -> list[int]:
    """Give each registered customer of ``user_ids`` a profile in each channel of
    ``channel_ids`` where they have none (their order figures zero until they
    order); returns the new profiles' ids. One statement."""
    if not user_ids or not channel_ids:
        return []
    sql = _ACCOUNT_PROFILES.format(
        users="u.id = ANY(%(users)s)",
        email_hash=EMAIL_HASH_SQL.format(col="u.email"),
        **TABLES,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, {"users": list(user_ids), "channels": list(channel_ids)})
        return [row[0] for row in cursor.fetchall()]


def account_profiles_range(
    lo: int, hi: int, channel_ids: Sequence[int], joined_since=None
) -> int:
    """:func:`account_profiles` for the users with ``lo <= id < hi`` (the
    backfill), registered at ``joined_since`` or later if given; returns how many
    profiles were created."""
    if not channel_ids:
        return 0
    sql = _ACCOUNT_PROFILES.format(
        users="u.id >= %(lo)s AND u.id < %(hi)s"
        " AND (%(since)s::timestamptz IS NULL OR u.date_joined >= %(since)s)",
        email_hash=EMAIL_HASH_SQL.format(col="u.email"),
        **TABLES,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "lo": lo,
                "hi": hi,
                "channels": list(channel_ids),
                "since": joined_since,
            },
        )
        return len(cursor.fetchall())


def recompute_profiles(profile_ids: Sequence[int]) -> int:
    """Recompute the figures of the given profiles from their orders (one
    statement); a guest profile left without orders is deleted, a registered
    customer's keeps its place with figures of zero. Returns how many were
    deleted."""
    if not profile_ids:
        return 0
    t = TABLES
    sql = _RECOMPUTE.format(
        paid=_PAID, where="p.id = ANY(%(ids)s)", corder_extra="", **t
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, {"ids": list(profile_ids)})
        return len(cursor.fetchall())


def recompute_profile_range(lo: int, hi: int) -> int:
    """Recompute profiles with ``lo <= id < hi`` (backfill's last phase). The
    order rows are selected by the range too (``profile_id`` leads their index),
    and so are the profiles updated: through the profiles alone the planner read
    every order row and every profile for each range."""
    t = TABLES
    sql = _RECOMPUTE.format(
        paid=_PAID,
        where="p.id >= %(lo)s AND p.id < %(hi)s",
        corder_extra=" AND co.profile_id >= %(lo)s AND co.profile_id < %(hi)s",
        **t,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, {"lo": lo, "hi": hi})
        return len(cursor.fetchall())


_CHANGED_ORDERS = """
SELECT o.id, o.updated_at, (co.order_id IS NULL OR co.synced_at < o.updated_at)
FROM "{order}" o LEFT JOIN "{corder}" co ON co.order_id = o.id
WHERE (o.updated_at, o.id) > (%(since)s, %(last_id)s) AND o.updated_at <= %(until)s
  AND o.status <> ALL(%(skipped)s)
ORDER BY o.updated_at, o.id
LIMIT %(limit)s
"""


def changed_orders(since, last_id, until, limit: int):
    """Orders updated in ``((since, last_id), until]``, in (updated_at, id) order,
    each with a flag telling whether the CRM's copy is missing or older."""
    with connection.cursor() as cursor:
        cursor.execute(
            _CHANGED_ORDERS.format(**TABLES),
            {
                "since": since,
                "last_id": last_id or UUID(int=0),
                "until": until,
                "skipped": list(SKIPPED_STATUSES),
                "limit": limit,
            },
        )
        return cursor.fetchall()
