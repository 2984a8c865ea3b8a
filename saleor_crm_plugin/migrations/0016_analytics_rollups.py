"""KPI rollups (``saleor_crm_plugin/analytics``): a profile's contribution per
order day, and per channel the day, gap, first-order and cohort rollups.

The profile-day rows reference their profile ``ON DELETE CASCADE`` (a plain
integer for Django, so Django's own cascade never deletes them before the
profile), and a statement trigger subtracts the rows of deleted profiles from
the rollups (an erasure, a profile left without orders). The existing store is
filled by profile-id ranges of 20,000 (the upkeep statement of
``analytics/rollups.py``, frozen here).
"""

from django.db import migrations, models


TRIGGER = r"""
CREATE FUNCTION crm_analytics_pday_gone() RETURNS trigger
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
CREATE TRIGGER crm_analytics_pday_delete AFTER DELETE ON "saleor_crm_plugin_analyticsprofileday"
    REFERENCING OLD TABLE AS crm_gone_pdays
    FOR EACH STATEMENT EXECUTE FUNCTION crm_analytics_pday_gone();
ALTER TABLE "saleor_crm_plugin_analyticsprofileday" ADD CONSTRAINT crm_analytics_pday_profile_fk
    FOREIGN KEY (profile_id) REFERENCES "saleor_crm_plugin_customerprofile" (id) ON DELETE CASCADE;
"""

DROP_TRIGGER = r"""
ALTER TABLE "saleor_crm_plugin_analyticsprofileday" DROP CONSTRAINT crm_analytics_pday_profile_fk;
DROP TRIGGER crm_analytics_pday_delete ON "saleor_crm_plugin_analyticsprofileday";
DROP FUNCTION crm_analytics_pday_gone();
"""

FILL = r"""
WITH prof AS (
    SELECT p.id, p.channel_id, p.currency, COALESCE(ac.time_zone, 'UTC') AS tz
    FROM "saleor_crm_plugin_customerprofile" p LEFT JOIN "saleor_crm_plugin_analyticschannel" ac ON ac.channel_id = p.channel_id
    WHERE p.id >= %(lo)s AND p.id < %(hi)s
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
    WHERE profile_id IN (SELECT id FROM prof) 
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
SELECT (SELECT count(*) FROM delta)
"""


def fill(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute('SELECT min(id), max(id) FROM "saleor_crm_plugin_customerprofile"')
        lo, hi = cursor.fetchone()
        if lo is None:
            return
        while lo <= hi:
            cursor.execute(FILL, {"lo": lo, "hi": lo + 20000})
            lo += 20000


class Migration(migrations.Migration):

    dependencies = [
        ('saleor_crm_plugin', '0015_recency_index'),
    ]

    operations = [
        migrations.CreateModel(
            name='AnalyticsChannel',
            fields=[
                ('channel_id', models.IntegerField(primary_key=True, serialize=False)),
                ('time_zone', models.CharField(default='UTC', max_length=64)),
                ('rebuilt_at', models.DateTimeField(blank=True, null=True)),
            ],
        ),
        migrations.CreateModel(
            name='AnalyticsCohort',
            fields=[
                ('pk', models.CompositePrimaryKey('channel_id', 'cohort_month', 'month_offset', blank=True, editable=False, primary_key=True, serialize=False)),
                ('channel_id', models.IntegerField()),
                ('cohort_month', models.DateField()),
                ('month_offset', models.SmallIntegerField()),
                ('customers', models.IntegerField(default=0)),
                ('orders', models.IntegerField(default=0)),
                ('revenue', models.DecimalField(decimal_places=3, default=0, max_digits=20)),
            ],
        ),
        migrations.CreateModel(
            name='AnalyticsDay',
            fields=[
                ('pk', models.CompositePrimaryKey('channel_id', 'day', blank=True, editable=False, primary_key=True, serialize=False)),
                ('channel_id', models.IntegerField()),
                ('day', models.DateField()),
                ('orders', models.IntegerField(default=0)),
                ('other_currency_orders', models.IntegerField(default=0)),
                ('paid_orders', models.IntegerField(default=0)),
                ('revenue', models.DecimalField(decimal_places=3, default=0, max_digits=20)),
                ('customers', models.IntegerField(default=0)),
                ('new_customers', models.IntegerField(default=0)),
            ],
        ),
        migrations.CreateModel(
            name='AnalyticsDayGap',
            fields=[
                ('pk', models.CompositePrimaryKey('channel_id', 'day', 'gap', blank=True, editable=False, primary_key=True, serialize=False)),
                ('channel_id', models.IntegerField()),
                ('day', models.DateField()),
                ('gap', models.SmallIntegerField()),
                ('customers', models.IntegerField(default=0)),
            ],
        ),
        migrations.CreateModel(
            name='AnalyticsFirstOrder',
            fields=[
                ('pk', models.CompositePrimaryKey('channel_id', 'first_day', 'second_offset', blank=True, editable=False, primary_key=True, serialize=False)),
                ('channel_id', models.IntegerField()),
                ('first_day', models.DateField()),
                ('second_offset', models.SmallIntegerField()),
                ('customers', models.IntegerField(default=0)),
            ],
        ),
        migrations.CreateModel(
            name='AnalyticsProfileDay',
            fields=[
                ('pk', models.CompositePrimaryKey('profile_id', 'day', blank=True, editable=False, primary_key=True, serialize=False)),
                ('profile_id', models.IntegerField()),
                ('day', models.DateField()),
                ('channel_id', models.IntegerField()),
                ('orders', models.IntegerField()),
                ('other_currency_orders', models.IntegerField()),
                ('paid_orders', models.IntegerField()),
                ('revenue', models.DecimalField(decimal_places=3, default=0, max_digits=20)),
                ('gap', models.IntegerField(null=True)),
                ('first_day', models.DateField()),
                ('second_offset', models.IntegerField(null=True)),
            ],
        ),
        migrations.RunSQL(TRIGGER, DROP_TRIGGER),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
