"""Customer-facing names (ja / en) of coupon rules and tiers, the loyalty
program's points base, and the products subtotal of CRM order rows.

Existing programs keep earning on the order total (what they did so far, and the
column's default); programs created through the API default to the products
subtotal after discounts (``loyalty.programs.create_program``). Existing order rows
get their subtotal from Saleor's orders in one statement."""

from django.db import migrations, models

FILL_SUBTOTALS = """
UPDATE "saleor_crm_plugin_customerorder" co
SET subtotal_amount = o.subtotal_gross_amount
FROM "order_order" o
WHERE o.id = co.order_id AND co.subtotal_amount IS NULL
"""


class Migration(migrations.Migration):
    dependencies = [
        ("order", "0227_orderline_price_override_reason"),
        ("saleor_crm_plugin", "0017_item_analytics"),
    ]

    operations = [
        migrations.AddField(
            model_name="couponrule",
            name="customer_name_ja",
            field=models.CharField(blank=True, default="", max_length=128),
        ),
        migrations.AddField(
            model_name="couponrule",
            name="customer_name_en",
            field=models.CharField(blank=True, default="", max_length=128),
        ),
        migrations.AddField(
            model_name="tier",
            name="customer_name_ja",
            field=models.CharField(blank=True, default="", max_length=128),
        ),
        migrations.AddField(
            model_name="tier",
            name="customer_name_en",
            field=models.CharField(blank=True, default="", max_length=128),
        ),
        # existing programs: "total", as they earned so far
        migrations.AddField(
            model_name="loyaltyprogram",
            name="points_base",
            field=models.CharField(
                choices=[
                    ("subtotal", "products subtotal after discounts"),
                    ("total", "order total (shipping and taxes included)"),
                ],
                default="total",
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="customerorder",
            name="subtotal_amount",
            field=models.DecimalField(
                blank=True, decimal_places=3, max_digits=20, null=True
            ),
        ),
        migrations.RunSQL(FILL_SUBTOTALS, migrations.RunSQL.noop),
    ]
