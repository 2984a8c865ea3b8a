"""Purchase facts: one narrow row per (order, product / category / collection) of
every CRM order that is not cancelled, for the purchase conditions of segments
(``PurchaseFact``).

The rows are kept by the database: statement-level triggers on the CRM order
table (insert, update, delete; truncate empties the facts too) replace the facts
of the orders each statement changed, set-based over its transition tables —
one ``DELETE`` and one ``INSERT ... SELECT unnest(...)`` per statement, whatever
its size. An update that leaves the order's profile, date, cancellation and
items as they were (a re-sync) touches no fact.

Existing orders are copied before the primary key is built (a large store: one
``INSERT ... SELECT DISTINCT`` and one index build, not row by row). Reversible.
"""

from django.db import migrations, models

ORDER = "saleor_crm_plugin_customerorder"
FACT = "saleor_crm_plugin_purchasefact"

# the facts of the orders in ``src`` that are not cancelled (kinds as
# ``PurchaseFact.KIND_*``); an item twice in one order is one fact (ON CONFLICT)
_FACTS_OF = """
SELECT x.kind, x.item_id, s.placed_at, s.order_id, s.profile_id
FROM {src} s
CROSS JOIN LATERAL (
    SELECT 1::smallint, unnest(s.product_ids)
    UNION ALL SELECT 2::smallint, unnest(s.category_ids)
    UNION ALL SELECT 3::smallint, unnest(s.collection_ids)
) AS x(kind, item_id)
WHERE NOT s.cancelled AND x.item_id IS NOT NULL
"""
_KEY = "kind, item_id, placed_at, order_id, profile_id"
_INSERT = f'INSERT INTO "{FACT}" ({_KEY})'
# an order's facts, found by their whole key (the table's only index) from the
# order row they were made of
_DELETE = f"""
DELETE FROM "{FACT}" f USING ({_FACTS_OF.format(src="{src}")}) gone
WHERE f.kind = gone.kind AND f.item_id = gone.item_id
  AND f.placed_at = gone.placed_at AND f.order_id = gone.order_id
  AND f.profile_id = gone.profile_id
"""

# what a fact depends on; an updated order whose row is the same in these (a
# re-sync) keeps its facts
_COLUMNS = ("order_id, profile_id, placed_at, cancelled, product_ids, category_ids,"
            " collection_ids")


def _changed(a: str, b: str) -> str:
    """The rows of transition table ``a`` not in ``b``, over ``_COLUMNS``."""
    return f"(SELECT {_COLUMNS} FROM {a} EXCEPT SELECT {_COLUMNS} FROM {b})"


# The function's plans are cached for the session, planned once with the first
# call's transition-table sizes (1 row from a hook, thousands from a backfill
# chunk), so no statement's cost may hang on those estimates: old and new rows
# are compared with EXCEPT (hashed or sorted, never a nested loop of the two
# tables: that took 0.7 s per 2,000-row chunk once planned for one row), and the
# facts to delete are probed by their key (hash and merge joins off: either
# would read the whole fact table for a one-order change). JIT is off:
# compiling these short statements, whose cost the planner overrates on a large
# fact table, took ~430 ms each.
FUNCTION = f"""
CREATE FUNCTION crm_purchase_facts_sync() RETURNS trigger
LANGUAGE plpgsql
SET jit = off SET enable_hashjoin = off SET enable_mergejoin = off
AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_INSERT} {_FACTS_OF.format(src="crm_new_orders")}
        ON CONFLICT DO NOTHING;
    ELSIF TG_OP = 'UPDATE' THEN
        -- the facts of the orders that changed are replaced
        {_DELETE.format(src=_changed("crm_old_orders", "crm_new_orders"))};
        {_INSERT} {_FACTS_OF.format(src=_changed("crm_new_orders", "crm_old_orders"))}
        ON CONFLICT DO NOTHING;
    ELSIF TG_OP = 'DELETE' THEN
        {_DELETE.format(src="crm_old_orders")};
    ELSE
        -- the order table emptied: so are the facts. When the same statement
        -- truncates the fact table too (Django's flush lists every table), a
        -- nested TRUNCATE is refused (object in use) and the table is
        -- already empty: the DELETE finds nothing.
        BEGIN
            TRUNCATE "{FACT}";
        EXCEPTION WHEN object_in_use THEN
            DELETE FROM "{FACT}";
        END;
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
# the existing orders' facts, copied with no index to maintain; the key is built
# afterwards in one pass
PK = f"{FACT}_pkey"
DROP_PK = f'ALTER TABLE "{FACT}" DROP CONSTRAINT "{PK}"'
FILL = f"{_INSERT} SELECT DISTINCT * FROM ({_FACTS_OF.format(src=f'"{ORDER}"')}) f"
ADD_PK = f'ALTER TABLE "{FACT}" ADD CONSTRAINT "{PK}" PRIMARY KEY ({_KEY})'


class Migration(migrations.Migration):

    dependencies = [
        ("saleor_crm_plugin", "0012_rfm_scores"),
    ]

    operations = [
        migrations.CreateModel(
            name="PurchaseFact",
            fields=[
                ("pk", models.CompositePrimaryKey(
                    "kind", "item_id", "placed_at", "order_id", "profile_id",
                    blank=True, editable=False, primary_key=True, serialize=False)),
                ("kind", models.PositiveSmallIntegerField()),
                ("item_id", models.IntegerField()),
                ("placed_at", models.DateTimeField()),
                ("order_id", models.UUIDField()),
                ("profile_id", models.IntegerField()),
            ],
        ),
        # the triggers first, in the migration's transaction: CREATE TRIGGER
        # holds off writes to the order table until it commits, so no order
        # slips between the copy and the triggers
        migrations.RunSQL(FUNCTION, DROP_FUNCTION),
        migrations.RunSQL(DROP_PK, migrations.RunSQL.noop),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
        migrations.RunSQL(ADD_PK, migrations.RunSQL.noop),
    ]
