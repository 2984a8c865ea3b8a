"""Purchase facts: one narrow row per (order, product / category / collection) of
every CRM order that is not cancelled, for the purchase conditions of segments
(``PurchaseFact``).

The rows are kept by the database: statement-level triggers on the CRM order
table (insert, update, delete; truncate empties the facts too) replace the facts
of the orders each statement changed, set-based over its transition tables — one ``DELETE`` and one
``INSERT ... SELECT unnest(...)`` per statement, whatever its size. An update
that leaves the order's profile, date, cancellation and items as they were (a
re-sync) touches no fact.

Existing orders are copied before the range index is built (a large store:
one ``INSERT ... SELECT`` and one index build, not row by row). Reversible.
"""

from django.db import migrations, models

ORDER = "saleor_crm_plugin_customerorder"
FACT = "saleor_crm_plugin_purchasefact"

# the facts of the orders in ``src`` that are not cancelled (kinds as
# ``PurchaseFact.KIND_*``); an item twice in one order is one fact (ON CONFLICT)
_FACTS_OF = """
SELECT s.order_id, x.kind, x.item_id, s.profile_id, s.placed_at
FROM {src} s
CROSS JOIN LATERAL (
    SELECT 1::smallint, unnest(s.product_ids)
    UNION ALL SELECT 2::smallint, unnest(s.category_ids)
    UNION ALL SELECT 3::smallint, unnest(s.collection_ids)
) AS x(kind, item_id)
WHERE NOT s.cancelled AND x.item_id IS NOT NULL
"""

# an order row of ``{b}`` the same as ``{a}`` for its facts (by order ID: a
# hashed anti-join, whatever the statement's size)
_SAME = (
    "{b}.order_id = {a}.order_id AND ({b}.profile_id, {b}.placed_at, {b}.cancelled,"
    " {b}.product_ids, {b}.category_ids, {b}.collection_ids) IS NOT DISTINCT FROM"
    " ({a}.profile_id, {a}.placed_at, {a}.cancelled, {a}.product_ids,"
    " {a}.category_ids, {a}.collection_ids)"
)

FUNCTION = f"""
CREATE FUNCTION crm_purchase_facts_sync() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO "{FACT}" (order_id, kind, item_id, profile_id, placed_at)
        {_FACTS_OF.format(src="crm_new_orders")}
        ON CONFLICT DO NOTHING;
    ELSIF TG_OP = 'UPDATE' THEN
        -- the facts of the orders that changed are replaced
        DELETE FROM "{FACT}" f USING crm_old_orders o
        WHERE f.order_id = o.order_id
          AND NOT EXISTS (SELECT 1 FROM crm_new_orders n
                          WHERE {_SAME.format(a="o", b="n")});
        INSERT INTO "{FACT}" (order_id, kind, item_id, profile_id, placed_at)
        {_FACTS_OF.format(src="crm_new_orders")}
          AND NOT EXISTS (SELECT 1 FROM crm_old_orders o
                          WHERE {_SAME.format(a="s", b="o")})
        ON CONFLICT DO NOTHING;
    ELSIF TG_OP = 'DELETE' THEN
        DELETE FROM "{FACT}" f USING crm_old_orders o WHERE f.order_id = o.order_id;
    ELSE
        TRUNCATE "{FACT}";
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER crm_purchase_facts_insert AFTER INSERT ON "{ORDER}"
    REFERENCING NEW TABLE AS crm_new_orders
    FOR EACH STATEMENT EXECUTE FUNCTION crm_purchase_facts_sync();
CREATE TRIGGER crm_purchase_facts_update AFTER UPDATE ON "{ORDER}"
    REFERENCING OLD TABLE AS crm_old_orders NEW TABLE AS crm_new_orders
    FOR EACH STATEMENT EXECUTE FUNCTION crm_purchase_facts_sync();
CREATE TRIGGER crm_purchase_facts_delete AFTER DELETE ON "{ORDER}"
    REFERENCING OLD TABLE AS crm_old_orders
    FOR EACH STATEMENT EXECUTE FUNCTION crm_purchase_facts_sync();
CREATE TRIGGER crm_purchase_facts_truncate AFTER TRUNCATE ON "{ORDER}"
    FOR EACH STATEMENT EXECUTE FUNCTION crm_purchase_facts_sync();
"""
DROP_FUNCTION = f"""
DROP TRIGGER crm_purchase_facts_insert ON "{ORDER}";
DROP TRIGGER crm_purchase_facts_update ON "{ORDER}";
DROP TRIGGER crm_purchase_facts_delete ON "{ORDER}";
DROP TRIGGER crm_purchase_facts_truncate ON "{ORDER}";
DROP FUNCTION crm_purchase_facts_sync();
"""
FILL = (f'INSERT INTO "{FACT}" (order_id, kind, item_id, profile_id, placed_at)'
        + _FACTS_OF.format(src=f'"{ORDER}"') + " ON CONFLICT DO NOTHING")


class Migration(migrations.Migration):

    dependencies = [
        ("saleor_crm_plugin", "0011_coupon_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="PurchaseFact",
            fields=[
                ("pk", models.CompositePrimaryKey(
                    "order_id", "kind", "item_id", blank=True, editable=False,
                    primary_key=True, serialize=False)),
                ("order_id", models.UUIDField()),
                ("kind", models.PositiveSmallIntegerField()),
                ("item_id", models.IntegerField()),
                ("profile_id", models.IntegerField()),
                ("placed_at", models.DateTimeField()),
            ],
        ),
        # the triggers first, in the migration's transaction: CREATE TRIGGER
        # holds off writes to the order table until it commits, so no order
        # slips between the copy and the triggers
        migrations.RunSQL(FUNCTION, DROP_FUNCTION),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
        migrations.AddIndex(
            model_name="purchasefact",
            index=models.Index(fields=["kind", "item_id", "placed_at"],
                               include=["profile_id"], name="crm_fact_item_idx"),
        ),
    ]
