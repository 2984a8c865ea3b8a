"""The delete trigger of the profile-day rows (migration 0016) returns at once
when no deleted row belongs to a deleted profile: the rollup upkeep's statement
(``crm_analytics_refresh``) holds a DELETE, so the statement trigger fires on
every applied order, and ran its four rollup upserts over nothing each time.
The function's text is ``analytics/rollups.py``'s ``delete_trigger_sql``,
frozen here. Reversible (back to 0016's function)."""

from django.db import migrations

FUNCTION = r"""

CREATE OR REPLACE FUNCTION crm_analytics_pday_gone() RETURNS trigger
LANGUAGE plpgsql SET jit = off
AS $$
DECLARE n bigint;
BEGIN
    -- the upkeep deletes rows of profiles that still exist (or none at all):
    -- nothing to subtract then, and no statement below needs to run
    IF NOT EXISTS (
        SELECT 1 FROM crm_gone_pdays g WHERE NOT EXISTS (
            SELECT 1 FROM "saleor_crm_plugin_customerprofile" p WHERE p.id = g.profile_id)
    ) THEN
        RETURN NULL;
    END IF;
WITH src AS (SELECT -1 AS s, g.* FROM crm_gone_pdays g WHERE NOT EXISTS (SELECT 1 FROM "saleor_crm_plugin_customerprofile" p WHERE p.id = g.profile_id)),
msrc AS (SELECT -1 AS s, * FROM (
SELECT profile_id, channel_id, date_trunc('month', first_day)::date AS cohort_month,
       ((extract(year FROM day) - extract(year FROM first_day)) * 12
        + extract(month FROM day) - extract(month FROM first_day))::int
           AS month_offset,
       SUM(orders)::int AS orders, SUM(revenue) AS revenue
FROM src GROUP BY 1, 2, 3, 4
) m),

d_day AS (
    INSERT INTO "saleor_crm_plugin_analyticsday" AS r (channel_id, day, orders, other_currency_orders,
                              paid_orders, revenue, customers, new_customers)
    SELECT channel_id, day, SUM(s * orders), SUM(s * other_currency_orders),
           SUM(s * paid_orders), SUM(s * revenue), SUM(s),
           COALESCE(SUM(s) FILTER (WHERE gap IS NULL), 0)
    FROM src x GROUP BY channel_id, day ORDER BY channel_id, day
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
    SELECT channel_id, day, gap, SUM(s) FROM src x
    WHERE gap BETWEEN 1 AND 1100
    GROUP BY channel_id, day, gap ORDER BY channel_id, day, gap
    ON CONFLICT (channel_id, day, gap) DO UPDATE SET
        customers = r.customers + EXCLUDED.customers
    RETURNING 1
),
d_first AS (
    INSERT INTO "saleor_crm_plugin_analyticsfirstorder" AS r (channel_id, first_day, second_offset, customers)
    SELECT channel_id, day, second_offset, SUM(s) FROM src x
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
    FROM msrc x
    GROUP BY channel_id, cohort_month, month_offset
    ORDER BY channel_id, cohort_month, month_offset
    ON CONFLICT (channel_id, cohort_month, month_offset) DO UPDATE SET
        customers = r.customers + EXCLUDED.customers,
        orders = r.orders + EXCLUDED.orders,
        revenue = r.revenue + EXCLUDED.revenue
    RETURNING 1
)
SELECT (SELECT count(*) FROM d_day) + (SELECT count(*) FROM d_gap) + (SELECT count(*) FROM d_first) + (SELECT count(*) FROM d_cohort) INTO n;
    RETURN NULL;
END
$$;
"""

PREVIOUS = r"""

CREATE OR REPLACE FUNCTION crm_analytics_pday_gone() RETURNS trigger
LANGUAGE plpgsql SET jit = off
AS $$
DECLARE n bigint;
BEGIN
WITH src AS (SELECT -1 AS s, g.* FROM crm_gone_pdays g WHERE NOT EXISTS (SELECT 1 FROM "saleor_crm_plugin_customerprofile" p WHERE p.id = g.profile_id)),
msrc AS (SELECT -1 AS s, * FROM (
SELECT profile_id, channel_id, date_trunc('month', first_day)::date AS cohort_month,
       ((extract(year FROM day) - extract(year FROM first_day)) * 12
        + extract(month FROM day) - extract(month FROM first_day))::int
           AS month_offset,
       SUM(orders)::int AS orders, SUM(revenue) AS revenue
FROM src GROUP BY 1, 2, 3, 4
) m),

d_day AS (
    INSERT INTO "saleor_crm_plugin_analyticsday" AS r (channel_id, day, orders, other_currency_orders,
                              paid_orders, revenue, customers, new_customers)
    SELECT channel_id, day, SUM(s * orders), SUM(s * other_currency_orders),
           SUM(s * paid_orders), SUM(s * revenue), SUM(s),
           COALESCE(SUM(s) FILTER (WHERE gap IS NULL), 0)
    FROM src x GROUP BY channel_id, day ORDER BY channel_id, day
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
    SELECT channel_id, day, gap, SUM(s) FROM src x
    WHERE gap BETWEEN 1 AND 1100
    GROUP BY channel_id, day, gap ORDER BY channel_id, day, gap
    ON CONFLICT (channel_id, day, gap) DO UPDATE SET
        customers = r.customers + EXCLUDED.customers
    RETURNING 1
),
d_first AS (
    INSERT INTO "saleor_crm_plugin_analyticsfirstorder" AS r (channel_id, first_day, second_offset, customers)
    SELECT channel_id, day, second_offset, SUM(s) FROM src x
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
    FROM msrc x
    GROUP BY channel_id, cohort_month, month_offset
    ORDER BY channel_id, cohort_month, month_offset
    ON CONFLICT (channel_id, cohort_month, month_offset) DO UPDATE SET
        customers = r.customers + EXCLUDED.customers,
        orders = r.orders + EXCLUDED.orders,
        revenue = r.revenue + EXCLUDED.revenue
    RETURNING 1
)
SELECT (SELECT count(*) FROM d_day) + (SELECT count(*) FROM d_gap) + (SELECT count(*) FROM d_first) + (SELECT count(*) FROM d_cohort) INTO n;
    RETURN NULL;
END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("saleor_crm_plugin", "0020_rollup_refresh_function"),
    ]

    operations = [migrations.RunSQL(FUNCTION, PREVIOUS)]
