"""Periodic loyalty work against the real Saleor schema: the set-based tier review
makes the same move as ``evaluate_tier(at_review=True)`` for every member of a
mixed population, honours thresholds exactly, window edges in the program's time
zone, retention and overrides, is idempotent and resumes an interrupted run; the
metadata mirror and the expiry warnings."""

import random
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from unittest import mock

import pytest
from crm_loyalty_helpers import customer
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from saleor.account.models import User

from saleor_crm_plugin import tasks
from saleor_crm_plugin.domain.tiers import Window, WindowKind
from saleor_crm_plugin.loyalty import (
    ledger as loyalty,
)
from saleor_crm_plugin.loyalty import (
    metadata as loyalty_periodic_metadata,
)
from saleor_crm_plugin.loyalty import (
    periodic as loyalty_periodic,
)
from saleor_crm_plugin.loyalty import (
    tiers as loyalty_tiers,
)
from saleor_crm_plugin.models import (
    CustomerProfile,
    LoyaltyProgram,
    Membership,
    PointsEntry,
    PointsExpiryWarning,
    SyncCursor,
    Tier,
    TierChange,
)

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


@pytest.fixture
def ladder(channel_USD):
    program = LoyaltyProgram.objects.create(
        channel=channel_USD, window_months=12, review_period_months=12
    )
    tiers = [
        Tier.objects.create(program=program, name="Regular", rank=0, threshold=0),
        Tier.objects.create(program=program, name="Silver", rank=1, threshold=100),
        Tier.objects.create(program=program, name="Gold", rank=2, threshold=500),
        Tier.objects.create(
            program=program, name="Club", rank=3, metric="paid_orders", threshold=10
        ),
    ]
    return program, {t.name: t for t in tiers}


def state(program):
    return {
        m.pk: (m.tier_id, m.retained_until)
        for m in Membership.objects.filter(program=program).order_by("pk")
    }


def expected_by_evaluate_tier(program, now, read=None):
    """What evaluate_tier(at_review=True) does to each member (as ``read`` sees it,
    ``state`` by default), rolled back."""
    result = {}

    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            for m in Membership.objects.filter(program=program).select_related(
                "tier", "override_tier", "program__channel"
            ):
                loyalty_tiers.evaluate_tier(m, now, at_review=True)
            result = (read or state)(program)
            raise Rollback
    except Rollback:
        pass
    return result


@pytest.fixture
def population(ladder):
    program, t = ladder
    past, future = NOW - timedelta(days=1), NOW + timedelta(days=30)
    ago = NOW - timedelta(days=10)
    out_of_window = NOW - timedelta(days=400)
    members = [
        customer(program, 1),  # nothing: Regular (threshold 0)
        customer(program, 2, (100, ago)),  # exactly Silver's threshold
        customer(program, 3, (99.99, ago)),  # a cent short: Regular
        customer(
            program, 4, (600, out_of_window), tier=t["Gold"], retained_until=past
        ),  # old spend, retention over: down to Regular
        customer(
            program, 5, (150, ago), tier=t["Gold"], retained_until=future
        ),  # retained: stays Gold
        customer(
            program,
            6,
            (700, ago, {"refunded": 300}),
            tier=t["Gold"],
            retained_until=past,
        ),  # net 400: Silver
        customer(program, 7, (700, ago, {"cancelled": True}), (120, ago)),  # Silver
        customer(program, 8, (900, ago, {"currency": "EUR"})),  # other currency
        customer(program, 9, *[(1, ago)] * 10),  # 10 paid orders: Club
        customer(
            program,
            10,
            (600, ago),
            override_tier=t["Regular"],
            override_reason="frozen",
            override_expires_at=future,
        ),
        customer(
            program,
            11,
            (600, ago),
            tier=t["Silver"],
            override_tier=t["Regular"],
            override_reason="ended",
            override_expires_at=past,
        ),  # expired override: up to Gold
    ]
    return program, t, members


def test_review_matches_evaluate_tier_member_by_member(population):
    program, t, members = population
    expected = expected_by_evaluate_tier(program, NOW)
    result = loyalty_periodic.review_tiers(NOW, chunk=3)
    assert state(program) == expected
    names = {
        m.pk: (
            Membership.objects.get(pk=m.pk).tier.name
            if Membership.objects.get(pk=m.pk).tier
            else None
        )
        for m in members
    }
    assert [names[m.pk] for m in members] == [
        "Regular",
        "Silver",
        "Regular",
        "Regular",
        "Gold",
        "Silver",
        "Silver",
        "Regular",
        "Club",
        None,
        "Gold",
    ]
    assert result["reviewed"] == len(members)
    assert result["overrides_expired"] == 1
    assert (result["upgraded"], result["downgraded"]) == (7, 2)
    eleven = Membership.objects.get(pk=members[10].pk)
    assert eleven.override_tier_id is None and eleven.override_reason == ""
    assert TierChange.objects.filter(
        membership=eleven,
        reason="override_expired",
        from_name="Regular",
        to_name="Silver",
    ).exists()
    # a qualified move is retained for the review period
    two = Membership.objects.get(pk=members[1].pk)
    assert two.retained_until == NOW.replace(year=2027)
    assert not SyncCursor.objects.filter(
        key__startswith=loyalty_periodic.REVIEW_KEY
    ).exists()


def test_second_run_moves_nobody(population):
    program, _, _ = population
    loyalty_periodic.review_tiers(NOW)
    before = (state(program), TierChange.objects.count())
    again = loyalty_periodic.review_tiers(NOW + timedelta(minutes=5))
    assert (again["upgraded"], again["downgraded"]) == (0, 0)
    assert (state(program), TierChange.objects.count()) == before


def test_an_interrupted_review_resumes_as_of_its_start(population):
    program, _, members = population
    expected = expected_by_evaluate_tier(program, NOW)
    real_chunks = loyalty_periodic.id_chunks

    def first_two_chunks(queryset, chunk):
        for i, bounds in enumerate(real_chunks(queryset, chunk)):
            if i == 2:
                raise RuntimeError("worker killed")
            yield bounds

    with (
        mock.patch.object(loyalty_periodic, "id_chunks", first_two_chunks),
        pytest.raises(RuntimeError),
    ):
        loyalty_periodic.review_tiers(NOW, chunk=3)
    assert SyncCursor.objects.get(key=loyalty_periodic.REVIEW_KEY).value == NOW
    progress = SyncCursor.objects.get(key=f"{loyalty_periodic.REVIEW_KEY}:{program.pk}")
    assert progress.last_id.int == members[5].pk  # two chunks of three done
    # resumed a day later: still reviewed as of the interrupted run's start
    result = loyalty_periodic.review_tiers(NOW + timedelta(days=1), chunk=3)
    assert result["run_at"] == NOW.isoformat()
    assert result["reviewed"] == len(members) - 6
    assert state(program) == expected
    per_member = TierChange.objects.exclude(reason="override_expired").values_list(
        "membership_id", flat=True
    )
    assert len(per_member) == len(set(per_member))  # nobody moved twice


def test_calendar_year_window_in_the_programs_time_zone(ladder):
    program, t = ladder
    LoyaltyProgram.objects.filter(pk=program.pk).update(
        window_kind="calendar_year", time_zone="Asia/Tokyo"
    )
    now = datetime(2025, 12, 31, 15, 30, tzinfo=UTC)  # 2026-01-01 00:30 in Tokyo
    inside = datetime(2025, 12, 31, 15, 10, tzinfo=UTC)  # 00:10 on 1 January, Tokyo
    outside = datetime(2025, 12, 31, 14, 50, tzinfo=UTC)  # 23:50 on 31 December
    a = customer(program, 1, (100, inside))
    b = customer(program, 2, (100, outside))
    loyalty_periodic.review_tiers(now)
    assert Membership.objects.get(pk=a.pk).tier == t["Silver"]
    assert Membership.objects.get(pk=b.pk).tier == t["Regular"]


def test_rolling_window_edge(ladder):
    program, t = ladder
    start = NOW.replace(year=2025)  # 12 months before NOW
    at_edge = customer(program, 1, (100, start))
    just_before = customer(program, 2, (100, start - timedelta(seconds=1)))
    loyalty_periodic.review_tiers(NOW)
    assert Membership.objects.get(pk=at_edge.pk).tier == t["Silver"]
    assert Membership.objects.get(pk=just_before.pk).tier == t["Regular"]


def test_metadata_mirror_writes_changed_members_only(
    ladder, customer_user, django_capture_on_commit_callbacks
):
    program, t = ladder
    customer_user.metadata = {"newsletter": "yes"}
    customer_user.save(update_fields=["metadata"])
    m = Membership.objects.create(program=program, user=customer_user, tier=t["Gold"])
    with django_capture_on_commit_callbacks(execute=True):
        loyalty.grant_points(m, 42, reason="welcome", by=None)  # mirrors on commit
    slug = program.channel.slug
    customer_user.refresh_from_db()
    assert customer_user.metadata == {
        "newsletter": "yes",
        f"crm.{slug}.tier": "Gold",
        f"crm.{slug}.points": "42",
    }
    assert loyalty_periodic_metadata.mirror_metadata() == 0  # nothing changed
    LoyaltyProgram.objects.filter(pk=program.pk).update(
        metadata_tier_key="loyalty_tier", metadata_points_key="loyalty_points"
    )
    Membership.objects.filter(pk=m.pk).update(tier=t["Silver"])
    assert loyalty_periodic_metadata.mirror_metadata([m.pk]) == 1
    customer_user.refresh_from_db()
    assert customer_user.metadata["loyalty_tier"] == "Silver"
    assert customer_user.metadata["loyalty_points"] == "42"
    assert customer_user.metadata["newsletter"] == "yes"


def test_expiry_warnings(ladder, customer_user):
    program, _ = ladder
    LoyaltyProgram.objects.filter(pk=program.pk).update(
        points_validity_days=40, expiry_warning_days=30
    )
    program.refresh_from_db()
    m = Membership.objects.create(program=program, user=customer_user)
    m.program = program
    now = timezone.now()
    loyalty.grant_points(m, 50, reason="soon", by=None, now=now - timedelta(days=30))
    loyalty.grant_points(m, 70, reason="later", by=None, now=now)
    loyalty.spend_points(m.pk, 20, now=now)  # taken from the soonest-expiring award
    assert loyalty_periodic.warn_expiring(now) == 1
    warning = PointsExpiryWarning.objects.get()
    assert warning.points == 30
    assert warning.expires_on == (now + timedelta(days=10)).date()
    assert loyalty_periodic.warn_expiring(now) == 0


def test_periodic_tasks_are_registered_on_saleors_app():
    sender = mock.Mock()
    tasks._register_periodic_tasks(sender)
    names = {call.kwargs["name"] for call in sender.add_periodic_task.call_args_list}
    assert {"crm-tier-review", "crm-points-expiry", "crm-expiry-warnings"} <= names
    assert tasks.review_loyalty_tiers.app is tasks.app


def test_review_enrols_customers_with_paid_orders_from_before_the_program(ladder):
    program, t = ladder
    member = customer(program, 1, (150, NOW - timedelta(days=3)))
    Membership.objects.filter(pk=member.pk).delete()  # history only, no membership
    profile = CustomerProfile.objects.get(user_id=member.user_id)
    CustomerProfile.objects.filter(pk=profile.pk).update(paid_orders_count=1)
    never_paid = User.objects.create(email="never-paid@example.com")
    CustomerProfile.objects.create(
        channel=program.channel, user=never_paid, currency="USD"
    )
    result = loyalty_periodic.review_tiers(NOW)
    assert result["enrolled"] == 1
    enrolled = Membership.objects.get(program=program, user_id=member.user_id)
    assert enrolled.tier == t["Silver"]
    assert not Membership.objects.filter(user=never_paid).exists()
    assert loyalty_periodic.review_tiers(NOW)["enrolled"] == 0


# --- the review against evaluate_tier on a random population -----------------------


def award(membership, points, created_at, *, expires_at=None, spent=0):
    entry = PointsEntry.objects.create(
        membership=membership,
        kind="earn",
        points=points,
        available_at=created_at,
        expires_at=expires_at,
        operation=f"earn:{uuid.uuid4()}",
        created_at=created_at,
    )
    if spent:
        PointsEntry.objects.create(
            membership=membership,
            kind="spend",
            points=-spent,
            award=entry,
            operation=f"spend:{uuid.uuid4()}",
            created_at=created_at,
        )
    return entry


def outcome(program):
    """Each member's tier, retention, tier_since and the moves written (the
    override-expiry rows are the review's own bookkeeping: evaluate_tier leaves an
    expired override in place, inactive)."""
    members = {
        m.pk: (m.tier_id, m.retained_until, m.tier_since)
        for m in Membership.objects.filter(program=program)
    }
    moves = sorted(
        TierChange.objects.filter(membership__program=program)
        .exclude(reason="override_expired")
        .values_list(
            "membership_id",
            "from_tier_id",
            "to_tier_id",
            "from_name",
            "to_name",
            "reason",
            "created_at",
        )
    )
    return members, moves


def outcome_of_evaluate_tier(program, now):
    return expected_by_evaluate_tier(program, now, read=outcome)


WINDOWS = {
    "rolling-6-months-new-york": ("rolling_months", 6, "America/New_York"),
    "calendar-year-tokyo": ("calendar_year", 12, "Asia/Tokyo"),
    "lifetime": ("lifetime", 12, "UTC"),
}


@pytest.mark.parametrize("window", WINDOWS, ids=list(WINDOWS))
@pytest.mark.parametrize("seed", [1, 2])
def test_random_population_moves_exactly_as_evaluate_tier(channel_USD, window, seed):
    kind, months, zone = WINDOWS[window]
    program = LoyaltyProgram.objects.create(
        channel=channel_USD,
        window_kind=kind,
        window_months=months,
        time_zone=zone,
        review_period_months=6,
    )
    ladder = [
        Tier.objects.create(program=program, name="Regular", rank=0, threshold=0),
        Tier.objects.create(program=program, name="Silver", rank=1, threshold=100),
        Tier.objects.create(program=program, name="Gold", rank=2, threshold=500),
        Tier.objects.create(
            program=program, name="Star", rank=3, metric="points", threshold=300
        ),
        Tier.objects.create(
            program=program, name="Club", rank=4, metric="paid_orders", threshold=6
        ),
    ]
    rng = random.Random(seed)
    start = Window(WindowKind(kind), months, zone).start(NOW) or NOW - timedelta(
        days=3650
    )
    moments = [start, start - timedelta(microseconds=1), NOW, NOW + timedelta(hours=1)]

    def moment():
        if rng.random() < 0.25:
            return rng.choice(moments)
        return NOW - timedelta(days=rng.randint(0, 500), seconds=rng.randint(0, 86399))

    for n in range(45):
        orders = []
        for _ in range(rng.choice([0, 1, 2, 3, 6, 7])):
            total = Decimal(
                rng.choice(["1", "50", "99.99", "100", "250", "500", "900"])
            )
            extra = {}
            roll = rng.random()
            if roll < 0.15:
                extra["refunded"] = total  # fully refunded: no paid order, no spend
            elif roll < 0.3:
                extra["refunded"] = (total / 2).quantize(Decimal("0.01"))
            elif roll < 0.4:
                extra["cancelled"] = True
            elif roll < 0.45:
                extra["currency"] = "EUR"
            orders.append((total, moment(), extra))
        member = {}
        roll = rng.random()
        if roll < 0.15:
            member.update(
                override_tier=rng.choice(ladder),
                override_reason="staff",
                override_expires_at=rng.choice(
                    [None, NOW + timedelta(days=3), NOW, NOW - timedelta(days=3)]
                ),
            )
        m = customer(
            program,
            n,
            *orders,
            tier=rng.choice([None, *ladder]),
            retained_until=rng.choice(
                [None, NOW - timedelta(days=1), NOW, NOW + timedelta(days=1)]
            ),
            **member,
        )
        for _ in range(rng.choice([0, 1, 2])):
            award(
                m,
                rng.choice([100, 150, 299, 300]),
                moment(),
                spent=rng.choice([0, 0, 50]),
            )

    expected_members, expected_moves = outcome_of_evaluate_tier(program, NOW)
    result = loyalty_periodic.review_tiers(NOW, chunk=7)
    members, moves = outcome(program)
    assert members == expected_members
    assert moves == expected_moves
    reasons = [move[5] for move in expected_moves]
    assert result["upgraded"] == reasons.count("qualified")
    assert result["downgraded"] == reasons.count("review")
    assert result["reviewed"] == 45
    assert (
        result["overrides_expired"]
        == Membership.objects.filter(
            program=program, tier_changes__reason="override_expired"
        ).count()
    )
    assert not Membership.objects.filter(
        program=program, override_expires_at__lte=NOW
    ).exists()


# --- boundaries ----------------------------------------------------------------------


def test_every_metric_qualifies_exactly_at_its_threshold(channel_USD):
    program = LoyaltyProgram.objects.create(channel=channel_USD)
    silver = Tier.objects.create(program=program, name="Silver", rank=1, threshold=100)
    star = Tier.objects.create(
        program=program, name="Star", rank=2, metric="points", threshold=250
    )
    club = Tier.objects.create(
        program=program, name="Club", rank=3, metric="paid_orders", threshold=3
    )
    ago = NOW - timedelta(days=5)
    spend_at = customer(program, 1, (60, ago), (40, ago))
    spend_below = customer(program, 2, (60, ago), (40, ago, {"refunded": "0.01"}))
    points_at = customer(program, 3)
    award(points_at, 200, ago)
    award(points_at, 50, ago, spent=50)  # spending does not undo earning
    points_below = customer(program, 4)
    award(points_below, 249, ago)
    orders_at = customer(program, 5, (1, ago), (1, ago), (1, ago))
    orders_below = customer(program, 6, (1, ago), (1, ago), (1, ago, {"refunded": 1}))
    expected, _ = outcome_of_evaluate_tier(program, NOW)
    loyalty_periodic.review_tiers(NOW)
    assert outcome(program)[0] == expected
    tiers = dict(Membership.objects.filter(program=program).values_list("pk", "tier"))
    assert [
        tiers[m.pk]
        for m in (
            spend_at,
            spend_below,
            points_at,
            points_below,
            orders_at,
            orders_below,
        )
    ] == [silver.pk, None, star.pk, None, club.pk, None]


def test_retention_and_override_expiry_at_the_exact_moment(ladder):
    program, t = ladder
    run_out = customer(program, 1, tier=t["Gold"], retained_until=NOW)
    retained = customer(
        program, 2, tier=t["Gold"], retained_until=NOW + timedelta(microseconds=1)
    )
    override_over = customer(
        program,
        3,
        (600, NOW - timedelta(days=1)),
        override_tier=t["Silver"],
        override_reason="x",
        override_expires_at=NOW,
    )
    override_on = customer(
        program,
        4,
        (600, NOW - timedelta(days=1)),
        override_tier=t["Silver"],
        override_reason="x",
        override_expires_at=NOW + timedelta(seconds=1),
    )
    result = loyalty_periodic.review_tiers(NOW)
    after = {m.pk: m for m in Membership.objects.filter(program=program)}
    assert after[run_out.pk].tier == t["Regular"]
    assert after[retained.pk].tier == t["Gold"]
    assert after[override_over.pk].override_tier is None
    assert after[override_over.pk].tier == t["Gold"]
    assert after[override_on.pk].override_tier == t["Silver"]
    assert after[override_on.pk].tier is None  # frozen: no move under an override
    assert result["overrides_expired"] == 1
    assert list(
        TierChange.objects.filter(membership=override_over)
        .order_by("pk")
        .values_list("reason", "from_name", "to_name")
    ) == [("override_expired", "Silver", ""), ("qualified", "", "Gold")]


def test_inactive_programs_are_not_reviewed(ladder):
    program, t = ladder
    LoyaltyProgram.objects.filter(pk=program.pk).update(is_active=False)
    member = customer(
        program,
        1,
        (600, NOW - timedelta(days=1)),
        tier=t["Silver"],
        retained_until=NOW - timedelta(days=1),
    )
    result = loyalty_periodic.review_tiers(NOW)
    assert (result["reviewed"], result["upgraded"]) == (0, 0)
    assert Membership.objects.get(pk=member.pk).tier == t["Silver"]
    assert not TierChange.objects.exists()


def test_a_review_started_while_another_runs_is_skipped(population):
    program, _, _ = population
    before = outcome(program)
    other = connection.get_new_connection(connection.get_connection_params())
    try:
        other.autocommit = True
        with other.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_lock(%s)", [loyalty_periodic.REVIEW_LOCK]
            )
        result = loyalty_periodic.review_tiers(NOW)
        assert result["skipped"] is True and result["reviewed"] == 0
        assert outcome(program) == before
        assert not SyncCursor.objects.exists()
        with other.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_unlock(%s)", [loyalty_periodic.REVIEW_LOCK]
            )
    finally:
        other.close()
    result = loyalty_periodic.review_tiers(NOW)
    assert "skipped" not in result and result["reviewed"] == 11
    assert outcome(program) != before


# --- metadata mirror, tasks, warnings ------------------------------------------------


def row_versions(user_ids):
    """The physical row version of each user: an UPDATE always makes a new one."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, ctid::text FROM account_user WHERE id = ANY(%s)",
            [list(user_ids)],
        )
        return dict(cursor.fetchall())


def test_mirror_writes_only_changed_users_one_statement_per_chunk(ladder):
    program, t = ladder
    members = [customer(program, n, tier=t["Silver"]) for n in range(7)]
    users = [m.user_id for m in members]
    User.objects.filter(pk=users[0]).update(metadata={"newsletter": "yes"})
    chunks = len(list(loyalty_periodic.id_chunks(Membership.objects.all(), 3)))
    assert chunks >= 3

    def mirror_statements(queries):
        return [q for q in queries if 'UPDATE "account_user"' in q["sql"]]

    with CaptureQueriesContext(connection) as first:
        assert loyalty_periodic_metadata.mirror_metadata(chunk=3) == len(members)
    assert len(mirror_statements(first.captured_queries)) == chunks
    slug = program.channel.slug
    assert User.objects.get(pk=users[0]).metadata == {
        "newsletter": "yes",
        f"crm.{slug}.tier": "Silver",
        f"crm.{slug}.points": "0",
    }

    versions = row_versions(users)
    Membership.objects.filter(pk=members[2].pk).update(tier=t["Gold"])
    award(members[5], 30, NOW - timedelta(days=1))
    with CaptureQueriesContext(connection) as second:
        assert loyalty_periodic_metadata.mirror_metadata(chunk=3) == 2
    # the same statements, whatever the number of members written
    assert len(second.captured_queries) == len(first.captured_queries)
    assert len(mirror_statements(second.captured_queries)) == chunks
    now_versions = row_versions(users)
    rewritten = {u for u in users if now_versions[u] != versions[u]}
    assert rewritten == {users[2], users[5]}
    assert User.objects.get(pk=users[2]).metadata[f"crm.{slug}.tier"] == "Gold"
    assert User.objects.get(pk=users[5]).metadata[f"crm.{slug}.points"] == "30"
    assert User.objects.get(pk=users[0]).metadata["newsletter"] == "yes"

    # the review's follow-up mirrors just the members it names
    Membership.objects.filter(pk__in=[members[3].pk, members[4].pk]).update(
        tier=t["Regular"]
    )
    assert loyalty_periodic_metadata.mirror_metadata([members[3].pk]) == 1
    assert User.objects.get(pk=users[3]).metadata[f"crm.{slug}.tier"] == "Regular"
    assert User.objects.get(pk=users[4]).metadata[f"crm.{slug}.tier"] == "Silver"


def test_mirror_shows_the_override_and_nothing_for_an_inactive_program(ladder):
    program, t = ladder
    m = customer(
        program,
        1,
        tier=t["Silver"],
        override_tier=t["Gold"],
        override_reason="vip",
        override_expires_at=NOW + timedelta(days=1),
    )
    slug = program.channel.slug
    loyalty_periodic_metadata.mirror_metadata(now=NOW)
    assert User.objects.get(pk=m.user_id).metadata[f"crm.{slug}.tier"] == "Gold"
    loyalty_periodic_metadata.mirror_metadata(
        now=NOW + timedelta(days=2)
    )  # override over
    assert User.objects.get(pk=m.user_id).metadata[f"crm.{slug}.tier"] == "Silver"
    LoyaltyProgram.objects.filter(pk=program.pk).update(is_active=False)
    loyalty_periodic_metadata.mirror_metadata(now=NOW + timedelta(days=2))
    assert User.objects.get(pk=m.user_id).metadata[f"crm.{slug}.tier"] == ""


def test_hourly_task_expires_points_then_mirrors_the_balance(ladder, customer_user):
    program, t = ladder
    LoyaltyProgram.objects.filter(pk=program.pk).update(points_validity_days=1)
    program.refresh_from_db()
    m = Membership.objects.create(program=program, user=customer_user, tier=t["Gold"])
    now = timezone.now()
    loyalty.grant_points(m, 42, reason="old", by=None, now=now - timedelta(days=3))
    loyalty.grant_points(m, 10, reason="new", by=None, now=now)
    # run as the worker runs it (on Saleor's Celery app, eagerly)
    assert tasks.mature_and_expire_points.apply().get() == {"expired": 1, "mirrored": 1}
    customer_user.refresh_from_db()
    slug = program.channel.slug
    assert customer_user.metadata[f"crm.{slug}.points"] == "10"
    assert customer_user.metadata[f"crm.{slug}.tier"] == "Gold"
    assert PointsEntry.objects.get(membership=m, kind="expire").points == -42
    assert tasks.mature_and_expire_points.apply().get() == {"expired": 0, "mirrored": 0}
    review = tasks.review_loyalty_tiers.apply().get()
    assert review["reviewed"] == 1
    assert tasks.warn_expiring_points.apply().get() == 1  # the 10 expire tomorrow


def test_expiry_warnings_per_day_in_the_programs_time_zone(ladder, channel_PLN):
    program, _ = ladder
    LoyaltyProgram.objects.filter(pk=program.pk).update(
        time_zone="Asia/Tokyo", expiry_warning_days=30
    )
    a, b = customer(program, 1), customer(program, 2)
    had = NOW - timedelta(days=100)
    award(a, 10, had, expires_at=datetime(2026, 6, 20, 14, 0, tzinfo=UTC))  # 23:00
    award(a, 20, had, expires_at=datetime(2026, 6, 20, 16, 0, tzinfo=UTC))  # 01:00
    award(a, 30, had, expires_at=datetime(2026, 6, 21, 10, 0, tzinfo=UTC), spent=5)
    award(a, 40, had, expires_at=NOW + timedelta(days=31))  # beyond the warning
    award(a, 50, had, expires_at=NOW)  # expired already
    award(b, 60, had, expires_at=NOW + timedelta(days=2), spent=60)  # nothing left
    award(b, 70, had)  # never expires
    inactive = LoyaltyProgram.objects.create(channel=channel_PLN, is_active=False)
    award(customer(inactive, 3), 80, had, expires_at=NOW + timedelta(days=1))
    assert loyalty_periodic.warn_expiring(NOW) == 2
    assert sorted(
        PointsExpiryWarning.objects.values_list("membership_id", "expires_on", "points")
    ) == [(a.pk, date(2026, 6, 20), 10), (a.pk, date(2026, 6, 21), 45)]
    assert loyalty_periodic.warn_expiring(NOW) == 0
    assert loyalty_periodic.warn_expiring(NOW + timedelta(hours=1)) == 0
