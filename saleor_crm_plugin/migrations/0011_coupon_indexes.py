"""Indexes on existing, possibly large tables for the time-based coupon triggers,
built without blocking writes (CREATE INDEX CONCURRENTLY, outside a
transaction)."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("saleor_crm_plugin", "0010_coupons"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="customerorder",
            index=models.Index(fields=["channel_id", "paid_at"],
                               name="crm_corder_paid_idx"),
        ),
        AddIndexConcurrently(
            model_name="tierchange",
            index=models.Index(fields=["created_at"], name="crm_tierchange_time_idx"),
        ),
    ]
