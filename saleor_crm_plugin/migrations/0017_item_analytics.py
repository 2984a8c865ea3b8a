"""Item analytics (issue 15, items 3 and 4): repurchase intervals per channel and
item (``RepurchaseInterval``) and each item's top co-purchases
(``CoPurchase``). Both are small (one row per item, K per item and relation),
rebuilt from the purchase facts by periodic tasks; empty until the first
refresh. Reversible."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("channel", "0027_channel_allow_legacy_gift_card_use"),
        ("saleor_crm_plugin", "0016_analytics_rollups"),
    ]

    operations = [
        migrations.CreateModel(
            name="RepurchaseInterval",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True,
                                           serialize=False, verbose_name="ID")),
                ("kind", models.PositiveSmallIntegerField()),
                ("item_id", models.IntegerField()),
                ("customers", models.PositiveIntegerField()),
                ("repeat_customers", models.PositiveIntegerField()),
                ("intervals", models.PositiveIntegerField()),
                ("q1_days", models.FloatField()),
                ("median_days", models.FloatField()),
                ("q3_days", models.FloatField()),
                ("computed_at", models.DateTimeField()),
                ("channel", models.ForeignKey(
                    db_index=False, on_delete=django.db.models.deletion.CASCADE,
                    related_name="+", to="channel.channel")),
            ],
            options={
                "constraints": [models.UniqueConstraint(
                    fields=("channel", "kind", "item_id"),
                    name="crm_repurchase_unique_item")],
            },
        ),
        migrations.CreateModel(
            name="CoPurchase",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True,
                                           serialize=False, verbose_name="ID")),
                ("kind", models.PositiveSmallIntegerField()),
                ("relation", models.CharField(max_length=8)),
                ("item_id", models.IntegerField()),
                ("other_id", models.IntegerField()),
                ("rank", models.PositiveSmallIntegerField()),
                ("orders", models.PositiveIntegerField()),
                ("item_orders", models.PositiveIntegerField()),
                ("other_orders", models.PositiveIntegerField()),
                ("total_orders", models.PositiveIntegerField()),
                ("support", models.FloatField()),
                ("confidence", models.FloatField()),
                ("lift", models.FloatField()),
                ("window_days", models.PositiveIntegerField(blank=True, null=True)),
                ("computed_at", models.DateTimeField()),
                ("channel", models.ForeignKey(
                    db_index=False, on_delete=django.db.models.deletion.CASCADE,
                    related_name="+", to="channel.channel")),
            ],
            options={
                "constraints": [models.UniqueConstraint(
                    fields=("kind", "relation", "item_id", "channel", "other_id"),
                    name="crm_copurchase_unique_pair")],
            },
        ),
    ]
