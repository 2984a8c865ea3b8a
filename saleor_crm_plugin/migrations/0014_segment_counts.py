"""Counts the database keeps at every commit: a segment's ``members_count`` and
the number of CRM profiles per channel (``ProfileCount``).

* Statement-level triggers on the segment member table add each statement's
  inserted and deleted members to their segments' ``members_count``, set-based
  over its transition tables — whatever deletes them (a refresh, an erasure's
  cascade, a segment's deletion, raw SQL), so the stored count never waits for
  the next refresh.
* Statement-level triggers on the profile table add each statement's inserted
  and deleted profiles per channel to ``ProfileCount`` (a row per channel and
  connection slot), which the live count of a rule reads instead of counting
  the channel's profiles.

A row trigger on each table catches the one change no statement makes today (a
profile moving to another channel, a member to another segment) only when it
happens. Existing counts are recomputed once. Reversible.
"""

from django.db import migrations, models

PROFILE = "saleor_crm_plugin_customerprofile"
COUNT = "saleor_crm_plugin_profilecount"
MEMBER = "saleor_crm_plugin_segmentmember"
SEGMENT = "saleor_crm_plugin_segment"

# adds (channel, delta) rows of ``src`` to the calling connection's slot; in
# channel order, so two statements lock a channel's rows in the same order
_ADD = f"""
INSERT INTO "{COUNT}" AS t (channel_id, slot, profiles)
SELECT channel_id, pg_backend_pid() % 16, sum(delta) FROM ({{src}}) d
GROUP BY channel_id HAVING sum(delta) <> 0 ORDER BY channel_id
ON CONFLICT (channel_id, slot) DO UPDATE SET profiles = t.profiles + EXCLUDED.profiles
"""

PROFILE_FUNCTION = f"""
CREATE FUNCTION crm_profile_count_sync() RETURNS trigger
LANGUAGE plpgsql SET jit = off
AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_ADD.format(src="SELECT channel_id, 1 AS delta FROM crm_new_profiles")};
    ELSIF TG_OP = 'DELETE' THEN
        {_ADD.format(src="SELECT channel_id, -1 AS delta FROM crm_old_profiles")};
    ELSIF TG_OP = 'UPDATE' THEN
        -- a row trigger, only when the profile's channel changed
        {_ADD.format(src="SELECT OLD.channel_id AS channel_id, -1 AS delta"
                         " UNION ALL SELECT NEW.channel_id, 1")};
    ELSE
        -- the profile table emptied; when the same statement truncates the
        -- count table too (Django's flush), a nested TRUNCATE is refused
        BEGIN
            TRUNCATE "{COUNT}";
        EXCEPTION WHEN object_in_use THEN
            DELETE FROM "{COUNT}";
        END;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER crm_profile_count_insert AFTER INSERT ON "{PROFILE}"
    REFERENCING NEW TABLE AS crm_new_profiles
    FOR EACH STATEMENT EXECUTE FUNCTION crm_profile_count_sync();
CREATE TRIGGER crm_profile_count_delete AFTER DELETE ON "{PROFILE}"
    REFERENCING OLD TABLE AS crm_old_profiles
    FOR EACH STATEMENT EXECUTE FUNCTION crm_profile_count_sync();
CREATE TRIGGER crm_profile_count_move AFTER UPDATE OF channel_id ON "{PROFILE}"
    FOR EACH ROW WHEN (OLD.channel_id IS DISTINCT FROM NEW.channel_id)
    EXECUTE FUNCTION crm_profile_count_sync();
CREATE TRIGGER crm_profile_count_truncate AFTER TRUNCATE ON "{PROFILE}"
    FOR EACH STATEMENT EXECUTE FUNCTION crm_profile_count_sync();
"""

# adds (segment, delta) rows of ``src`` to the segments' counts, locking the
# segments in id order first (an erasure touches several segments; a refresh
# walks them in id order too)
_MEMBERS = f"""
PERFORM 1 FROM "{SEGMENT}" s WHERE s.id IN (SELECT segment_id FROM ({{src}}) l)
    ORDER BY s.id FOR NO KEY UPDATE;
UPDATE "{SEGMENT}" s SET members_count = s.members_count + d.delta
FROM (SELECT segment_id, sum(delta) AS delta FROM ({{src}}) x GROUP BY segment_id
      HAVING sum(delta) <> 0) d
WHERE s.id = d.segment_id
"""

MEMBER_FUNCTION = f"""
CREATE FUNCTION crm_segment_members_count_sync() RETURNS trigger
LANGUAGE plpgsql SET jit = off
AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_MEMBERS.format(src="SELECT segment_id, 1 AS delta FROM crm_new_members")};
    ELSIF TG_OP = 'DELETE' THEN
        {_MEMBERS.format(src="SELECT segment_id, -1 AS delta FROM crm_old_members")};
    ELSIF TG_OP = 'UPDATE' THEN
        -- a row trigger, only when the member moved to another segment
        {_MEMBERS.format(src="SELECT OLD.segment_id AS segment_id, -1 AS delta"
                             " UNION ALL SELECT NEW.segment_id, 1")};
    ELSE
        UPDATE "{SEGMENT}" SET members_count = 0 WHERE members_count <> 0;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER crm_segment_members_insert AFTER INSERT ON "{MEMBER}"
    REFERENCING NEW TABLE AS crm_new_members
    FOR EACH STATEMENT EXECUTE FUNCTION crm_segment_members_count_sync();
CREATE TRIGGER crm_segment_members_delete AFTER DELETE ON "{MEMBER}"
    REFERENCING OLD TABLE AS crm_old_members
    FOR EACH STATEMENT EXECUTE FUNCTION crm_segment_members_count_sync();
CREATE TRIGGER crm_segment_members_move AFTER UPDATE OF segment_id ON "{MEMBER}"
    FOR EACH ROW WHEN (OLD.segment_id IS DISTINCT FROM NEW.segment_id)
    EXECUTE FUNCTION crm_segment_members_count_sync();
CREATE TRIGGER crm_segment_members_truncate AFTER TRUNCATE ON "{MEMBER}"
    FOR EACH STATEMENT EXECUTE FUNCTION crm_segment_members_count_sync();
"""

DROP = f"""
DROP TRIGGER crm_profile_count_insert ON "{PROFILE}";
DROP TRIGGER crm_profile_count_delete ON "{PROFILE}";
DROP TRIGGER crm_profile_count_move ON "{PROFILE}";
DROP TRIGGER crm_profile_count_truncate ON "{PROFILE}";
DROP FUNCTION crm_profile_count_sync();
DROP TRIGGER crm_segment_members_insert ON "{MEMBER}";
DROP TRIGGER crm_segment_members_delete ON "{MEMBER}";
DROP TRIGGER crm_segment_members_move ON "{MEMBER}";
DROP TRIGGER crm_segment_members_truncate ON "{MEMBER}";
DROP FUNCTION crm_segment_members_count_sync();
"""

# the counts as they are, in the migration's transaction after the triggers were
# created (CREATE TRIGGER holds off writes to the tables until it commits)
FILL = f"""
INSERT INTO "{COUNT}" (channel_id, slot, profiles)
SELECT channel_id, 0, count(*) FROM "{PROFILE}" GROUP BY channel_id;
UPDATE "{SEGMENT}" s SET members_count = COALESCE(
    (SELECT count(*) FROM "{MEMBER}" m WHERE m.segment_id = s.id), 0);
"""


class Migration(migrations.Migration):

    dependencies = [
        ("saleor_crm_plugin", "0013_purchase_facts"),
    ]

    operations = [
        migrations.CreateModel(
            name="ProfileCount",
            fields=[
                ("pk", models.CompositePrimaryKey(
                    "channel_id", "slot", blank=True, editable=False,
                    primary_key=True, serialize=False)),
                ("channel_id", models.IntegerField()),
                ("slot", models.SmallIntegerField()),
                ("profiles", models.BigIntegerField(default=0)),
            ],
        ),
        migrations.RunSQL(PROFILE_FUNCTION + MEMBER_FUNCTION, DROP),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
    ]
