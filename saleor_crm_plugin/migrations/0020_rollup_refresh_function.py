"""The KPI rollups' upkeep statement for a list of profiles as a SQL function
(``analytics/rollups.py``, ``refresh_function_sql``, frozen here): the task that
applies an order calls it, so the statement is planned once per database
session instead of once per applied order. The same statement as the rebuild's
(``refresh_profile_range``), over ``p.id = ANY(crm_ids)``. Reversible."""

from django.db import migrations

CREATE = r"""
CREATE FUNCTION crm_analytics_refresh(crm_ids bigint[]) RETURNS bigint
LANGUAGE plpgsql SET jit = off SET plan_cache_mode = force_generic_plan
AS $$
DECLARE n bigint;
BEGIN

WITH prof AS (
    SELECT p.id, p.channel_id, p.currency, COALESCE(ac.time_zone, 'UTC') AS tz
    FROM "saleor_crm_plugin_customerprofile" p LEFT JOIN "saleor_crm_plugin_analyticschannel" ac ON ac.channel_id = p.channel_id
    WHERE p.id = ANY(crm_ids)
),
od AS (
    SELECT pr.id AS profile_id, pr.channel_id,
           (co.placed_at AT TIME ZONE pr.tz)::date AS day,
           COUNT(*)::int AS orders,
           (COUNT(*) FILTER (WHERE co.currency <> pr.currency))::int
               AS other_currency_orders,
           (COUNT(*) FILTER (
               WHERE co.paid_at IS NOT NULL AND co.currency = pr.currency
                 AND NOT (co.total_amount > 0
                          AND co.refunded_amount >= co.total_amount)))::int
               AS paid_orders,
           COALESCE(SUM(co.total_amount - LEAST(co.refunded_amount, co.total_amount))
                    FILTER (WHERE co.paid_at IS NOT NULL
                              AND co.currency = pr.currency), 0)::numeric(20, 3)
               AS revenue
    FROM prof pr JOIN "saleor_crm_plugin_customerorder" co ON co.profile_id = pr.id AND NOT co.cancelled
    GROUP BY 1, 2, 3
),
nw AS (
    SELECT profile_id, day, channel_id, orders, other_currency_orders, paid_orders,
           revenue,
           day - lag(day) OVER w AS gap,
           first_value(day) OVER w AS first_day,
           CASE WHEN row_number() OVER w = 1 THEN
               CASE WHEN orders >= 2 THEN 0
                    -- LEAST ignores a NULL: no second order day is -1
                    WHEN lead(day) OVER w IS NULL THEN -1
                    ELSE LEAST(lead(day) OVER w - day, 3660)
               END
           END AS second_offset
    FROM od WINDOW w AS (PARTITION BY profile_id ORDER BY day)
),
old AS (
    SELECT profile_id, day, channel_id, orders, other_currency_orders, paid_orders, revenue, gap, first_day, second_offset FROM "saleor_crm_plugin_analyticsprofileday"
    WHERE profile_id = ANY(crm_ids)
),
gone AS (SELECT profile_id, day, channel_id, orders, other_currency_orders, paid_orders, revenue, gap, first_day, second_offset FROM old EXCEPT SELECT profile_id, day, channel_id, orders, other_currency_orders, paid_orders, revenue, gap, first_day, second_offset FROM nw),
came AS (SELECT profile_id, day, channel_id, orders, other_currency_orders, paid_orders, revenue, gap, first_day, second_offset FROM nw EXCEPT SELECT profile_id, day, channel_id, orders, other_currency_orders, paid_orders, revenue, gap, first_day, second_offset FROM old),
delta AS (
    SELECT -1 AS s, * FROM gone UNION ALL SELECT 1, * FROM came
),
m_old AS (
SELECT profile_id, channel_id, date_trunc('month', first_day)::date AS cohort_month,
       ((extract(year FROM day) - extract(year FROM first_day)) * 12
        + extract(month FROM day) - extract(month FROM first_day))::int
           AS month_offset,
       SUM(orders)::int AS orders, SUM(revenue) AS revenue
FROM old GROUP BY 1, 2, 3, 4
),
m_new AS (
SELECT profile_id, channel_id, date_trunc('month', first_day)::date AS cohort_month,
       ((extract(year FROM day) - extract(year FROM first_day)) * 12
        + extract(month FROM day) - extract(month FROM first_day))::int
           AS month_offset,
       SUM(orders)::int AS orders, SUM(revenue) AS revenue
FROM nw GROUP BY 1, 2, 3, 4
),
mdelta AS (
    SELECT -1 AS s, * FROM (SELECT * FROM m_old EXCEPT SELECT * FROM m_new) a
    UNION ALL
    SELECT 1, * FROM (SELECT * FROM m_new EXCEPT SELECT * FROM m_old) b
),

d_day AS (
    INSERT INTO "saleor_crm_plugin_analyticsday" AS r (channel_id, day, orders, other_currency_orders,
                              paid_orders, revenue, customers, new_customers)
    SELECT channel_id, day, SUM(s * orders), SUM(s * other_currency_orders),
           SUM(s * paid_orders), SUM(s * revenue), SUM(s),
           COALESCE(SUM(s) FILTER (WHERE gap IS NULL), 0)
    FROM delta x GROUP BY channel_id, day ORDER BY channel_id, day
    ON CONFLICT (channel_id, day) DO UPDATE SET
        orders = r.orders + EXCLUDED.orders,
        other_currency_orders = r.other_currency_orders
                                + EXCLUDED.other_currency_orders,
        paid_orders = r.paid_orders + EXCLUDED.paid_orders,
        revenue = r.revenue + EXCLUDED.revenue,
        customers = r.customers + EXCLUDED.customers,
        new_customers = r.new_customers + EXCLUDED.new_customers
    RETURNING 1
),
d_gap AS (
    INSERT INTO "saleor_crm_plugin_analyticsdaygap" AS r (channel_id, day, gap, customers)
    SELECT channel_id, day, gap, SUM(s) FROM delta x
    WHERE gap BETWEEN 1 AND 1100
    GROUP BY channel_id, day, gap ORDER BY channel_id, day, gap
    ON CONFLICT (channel_id, day, gap) DO UPDATE SET
        customers = r.customers + EXCLUDED.customers
    RETURNING 1
),
d_first AS (
    INSERT INTO "saleor_crm_plugin_analyticsfirstorder" AS r (channel_id, first_day, second_offset, customers)
    SELECT channel_id, day, second_offset, SUM(s) FROM delta x
    WHERE gap IS NULL
    GROUP BY channel_id, day, second_offset ORDER BY channel_id, day, second_offset
    ON CONFLICT (channel_id, first_day, second_offset) DO UPDATE SET
        customers = r.customers + EXCLUDED.customers
    RETURNING 1
),
d_cohort AS (
    INSERT INTO "saleor_crm_plugin_analyticscohort" AS r (channel_id, cohort_month, month_offset, customers,
                                 orders, revenue)
    SELECT channel_id, cohort_month, month_offset, SUM(s), SUM(s * orders),
           SUM(s * revenue)
    FROM mdelta x
    GROUP BY channel_id, cohort_month, month_offset
    ORDER BY channel_id, cohort_month, month_offset
    ON CONFLICT (channel_id, cohort_month, month_offset) DO UPDATE SET
        customers = r.customers + EXCLUDED.customers,
        orders = r.orders + EXCLUDED.orders,
        revenue = r.revenue + EXCLUDED.revenue
    RETURNING 1
)
,
del AS (
    DELETE FROM "saleor_crm_plugin_analyticsprofileday" t USING gone g
    WHERE t.profile_id = g.profile_id AND t.day = g.day
      AND NOT EXISTS (SELECT 1 FROM came c
                      WHERE c.profile_id = g.profile_id AND c.day = g.day)
    RETURNING 1
),
ins AS (
    INSERT INTO "saleor_crm_plugin_analyticsprofileday" (profile_id, day, channel_id, orders, other_currency_orders, paid_orders, revenue, gap, first_day, second_offset) SELECT profile_id, day, channel_id, orders, other_currency_orders, paid_orders, revenue, gap, first_day, second_offset FROM came ORDER BY profile_id, day
    ON CONFLICT (profile_id, day) DO UPDATE SET
        channel_id = EXCLUDED.channel_id, orders = EXCLUDED.orders,
        other_currency_orders = EXCLUDED.other_currency_orders,
        paid_orders = EXCLUDED.paid_orders, revenue = EXCLUDED.revenue,
        gap = EXCLUDED.gap, first_day = EXCLUDED.first_day,
        second_offset = EXCLUDED.second_offset
    RETURNING 1
)
SELECT (SELECT count(*) FROM delta) INTO n;
    RETURN n;
END
$$;
"""

DROP = r"""
DROP FUNCTION crm_analytics_refresh(bigint[]);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("saleor_crm_plugin", "0019_coupon_messages"),
    ]

    operations = [migrations.RunSQL(CREATE, DROP)]
