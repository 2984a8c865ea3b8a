"""RFM scores move out of the wide profile table into a narrow one (``RfmScore``,
one row per scored profile): a recompute then writes ~40-byte rows under two
indexes instead of rewriting profile rows under nine.

The existing scores are copied, then the profile's five ``rfm_*`` columns and
their index are dropped: no raw-SQL insert of the plugin lists them (only the two
benchmarks' population inserts did, and no longer do), the profile loses an index
every profile write maintained, and dropping a column is a catalogue change in
PostgreSQL, not a table rewrite. The profile
foreign key is ON DELETE CASCADE in the database, so raw-SQL profile deletes
(``sql.py`` drops profiles left without orders) take the score row with them.
Reversible: the columns come back filled from the table.
"""

import django.db.models.deletion
from django.db import migrations, models

SCORE = "saleor_crm_plugin_rfmscore"
PROFILE = "saleor_crm_plugin_customerprofile"

COPY = f"""
INSERT INTO "{SCORE}" (profile_id, channel_id, recency, frequency, monetary,
                       group_name, computed_at)
SELECT id, channel_id, rfm_recency, rfm_frequency, rfm_monetary, rfm_group,
       COALESCE(rfm_computed_at, now())
FROM "{PROFILE}"
WHERE rfm_group <> '' AND rfm_recency IS NOT NULL AND rfm_frequency IS NOT NULL
  AND rfm_monetary IS NOT NULL
"""
COPY_BACK = f"""
UPDATE "{PROFILE}" p
SET rfm_recency = s.recency, rfm_frequency = s.frequency, rfm_monetary = s.monetary,
    rfm_group = s.group_name, rfm_computed_at = s.computed_at
FROM "{SCORE}" s WHERE s.profile_id = p.id
"""
CASCADE_FK = f"""
ALTER TABLE "{SCORE}" ADD CONSTRAINT crm_rfm_score_profile_fk
    FOREIGN KEY (profile_id) REFERENCES "{PROFILE}" (id)
    ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED
"""


class Migration(migrations.Migration):

    dependencies = [
        ("channel", "0027_channel_allow_legacy_gift_card_use"),
        ("saleor_crm_plugin", "0011_coupon_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="RfmScore",
            fields=[
                ("profile", models.OneToOneField(
                    db_constraint=False, on_delete=django.db.models.deletion.CASCADE,
                    primary_key=True, related_name="rfm_score", serialize=False,
                    to="saleor_crm_plugin.customerprofile")),
                ("recency", models.PositiveSmallIntegerField()),
                ("frequency", models.PositiveSmallIntegerField()),
                ("monetary", models.PositiveSmallIntegerField()),
                ("group_name", models.CharField(max_length=32)),
                ("computed_at", models.DateTimeField()),
                ("channel", models.ForeignKey(
                    db_index=False, on_delete=django.db.models.deletion.CASCADE,
                    related_name="+", to="channel.channel")),
            ],
            options={
                "indexes": [models.Index(fields=["channel", "group_name"],
                                         name="crm_rfm_score_group_idx")],
            },
        ),
        # reversed, this runs after the columns are back
        migrations.RunSQL(COPY, COPY_BACK),
        # after the copy (the rows are checked once, no deferred trigger events)
        migrations.RunSQL(
            CASCADE_FK,
            f'ALTER TABLE "{SCORE}" DROP CONSTRAINT crm_rfm_score_profile_fk'),
        migrations.RemoveIndex(model_name="customerprofile", name="crm_profile_rfm_idx"),
        migrations.RemoveField(model_name="customerprofile", name="rfm_computed_at"),
        migrations.RemoveField(model_name="customerprofile", name="rfm_frequency"),
        migrations.RemoveField(model_name="customerprofile", name="rfm_group"),
        migrations.RemoveField(model_name="customerprofile", name="rfm_monetary"),
        migrations.RemoveField(model_name="customerprofile", name="rfm_recency"),
    ]
