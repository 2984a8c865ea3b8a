"""The segments benchmark's store, written with set-based SQL (``INSERT ...
SELECT generate_series``, never one ORM save per row) into a real Saleor 3.23
schema: shared by ``bench_segments_rfm.py`` (inside its test database) and
``dashboard_store.py`` (a committed store for ``bench_dashboard.py``).

For ``n`` customers in one channel (``populate``):

* customers ``sg{i}@bench.example`` in ``account_user`` with ``number_of_orders``
  1-4 (Saleor's own counter), and that many Saleor orders each in ``order_order``
  (about 2.5 × n; fulfilled and fully charged, placed over the last 700 days);
* one CRM profile each: orders and paid orders (= ``number_of_orders``), first /
  last (paid) order dates from those same Saleor orders, a net spent of 0-3,000;
* the CRM order rows: 1 to ``facts_max`` per profile (about 10 × n with the
  default 19), placed over the last 700 days, 1 in 40 cancelled, one of 2,000
  products and one of 20 categories each (drawn independently of the profile
  figures); their triggers write the purchase facts in the same statement.

The bulk tables' secondary indexes and foreign keys are dropped during the load
and rebuilt after it (``synth._DroppedIndexes``); the purchase facts' key is
rebuilt (``REINDEX``), then the tables are ``VACUUM ANALYZE``d.
"""

from __future__ import annotations

import time

from django.db import connection, transaction
from synth import SALEOR_ORDER_INSERT, SALEOR_USER_INSERT, bulk_steps

from saleor_crm_plugin.core.tables import db_tables

FACTS_MAX = 19

# the k-th Saleor order of customer u was placed DAY days ago (the profile's first
# and last order dates are the min and max of the same expression)
DAY = "abs(hashtext('d' || u.id || ':' || k)) %% 700"

USERS = (
    SALEOR_USER_INSERT
    + """SELECT false, 'sg' || g || '@bench.example', false, true, '!', %(now)s, '', '',
       '{{}}', '{{}}', substr(md5('jwt' || g), 1, 12), 'en', '', %(now)s,
       md5('sg' || g)::uuid, true, 1 + abs(hashtext('n' || g)) %% 4
FROM generate_series(1, %(n)s) g
"""
)
SALEOR_ORDERS = (
    SALEOR_ORDER_INSERT
    + """SELECT md5('so' || u.id || ':' || k)::uuid,
       (SELECT COALESCE(max(number), 0) FROM "{order}") + row_number() OVER (),
       %(now)s - make_interval(days => {day}), %(now)s, 'fulfilled', 'full', 'full',
       u.id, 'en', '', u.email, 'checkout', %(currency)s, %(channel)s, 0, 0, 0, 0, '',
       1, 25, 25, 25, 25, 25, 0, 25, 25, true, '', 0, '', false, false, false,
       '{{}}', '{{}}'
FROM "{user}" u CROSS JOIN LATERAL generate_series(1, u.number_of_orders) k
WHERE u.email LIKE 'sg%%@bench.example';
SELECT setval(pg_get_serial_sequence('{order}', 'number'),
              GREATEST((SELECT max(number) FROM "{order}"), 1))
"""
)
PROFILES_SQL = """
INSERT INTO "{profile}" (channel_id, user_id, email, currency, created_at,
    updated_at, orders_count, paid_orders_count, cancelled_orders_count,
    other_currency_orders_count, total_spent_amount, total_refunded_amount,
    net_spent_amount, average_order_value_amount, first_order_at, last_order_at,
    first_paid_at, last_paid_at)
SELECT %(channel)s, u.id, u.email, %(currency)s, %(now)s, %(now)s,
       u.number_of_orders, u.number_of_orders, 0, 0, s.spent, 0, s.spent,
       round(s.spent / u.number_of_orders, 3), d.first_at, d.last_at, d.first_at,
       d.last_at
FROM "{user}" u
CROSS JOIN LATERAL (
    SELECT (abs(hashtext('s' || u.id)) %% 300000) / 100.0 AS spent) s
CROSS JOIN LATERAL (
    SELECT min(%(now)s - make_interval(days => {day})) AS first_at,
           max(%(now)s - make_interval(days => {day})) AS last_at
    FROM generate_series(1, u.number_of_orders) k) d
WHERE u.email LIKE 'sg%%@bench.example'
"""
CRM_ORDERS = """
INSERT INTO "{corder}" (order_id, profile_id, channel_id, currency,
    total_amount, refunded_amount, status, placed_at, paid_at, cancelled,
    product_ids, category_ids, collection_ids, synced_at)
SELECT md5('co' || p.id || ':' || k)::uuid, p.id, %(channel)s, %(currency)s, 25,
       0, 'fulfilled',
       %(now)s - make_interval(days => abs(hashtext('d' || p.id || k)) %% 700),
       %(now)s - make_interval(days => abs(hashtext('d' || p.id || k)) %% 700),
       abs(hashtext('c' || p.id || k)) %% 40 = 0,
       ARRAY[1 + abs(hashtext('pr' || p.id || k)) %% 2000],
       ARRAY[1 + abs(hashtext('ca' || p.id || k)) %% 20],
       '{{}}', %(now)s
FROM "{profile}" p
CROSS JOIN LATERAL generate_series(1, 1 + abs(hashtext('k' || p.id)) %% {facts_max}) k
WHERE p.channel_id = %(channel)s
"""


def populate(channel, n, now, facts_max: int = FACTS_MAX) -> dict:
    """Write ``n`` customers with their Saleor orders, CRM profiles and CRM order
    rows in ``channel`` (a Saleor ``Channel``), as of ``now``, on Django's
    connection (autocommit: each step is its own transaction), then rebuild the
    purchase facts' key and ``VACUUM ANALYZE`` the tables. Returns each step's
    seconds."""
    t = db_tables()
    names = {**t, "day": DAY, "facts_max": facts_max}
    params = {
        "n": n,
        "now": now,
        "channel": channel.pk,
        "currency": channel.currency_code,
    }
    with connection.cursor() as cursor:
        steps = (
            ("users", USERS, ()),
            ("saleor_orders", SALEOR_ORDERS, (t["order"],)),
            ("profiles", PROFILES_SQL, ()),
            # the order rows' triggers write the purchase facts in the same
            # statement
            ("crm_orders", CRM_ORDERS, (t["corder"],)),
        )
        seconds = bulk_steps(cursor, steps, names, params)
        # The fact table's key (its only index) was grown in random key order
        # by the load; it is rebuilt, as migration 0013 builds it after copying
        # a store's orders. A store's key then grows by appends at the end of
        # each item's range (page splits leave those pages half full).
        t0 = time.perf_counter()
        with transaction.atomic():
            cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
            cursor.execute(f'REINDEX TABLE "{t["purchase_fact"]}"')
        seconds["reindex_facts"] = round(time.perf_counter() - t0, 1)
        t0 = time.perf_counter()
        for table in ("user", "order", "profile", "corder", "purchase_fact"):
            cursor.execute(f'VACUUM ANALYZE "{t[table]}"')
        seconds["vacuum_analyze"] = round(time.perf_counter() - t0, 1)
    return seconds
