"""Periodic loyalty work against the real Saleor schema: the set-based tier review
makes the same move as ``evaluate_tier(at_review=True)`` for every member of a
mixed population, honours thresholds exactly, window edges in the program's time
zone, retention and overrides, is idempotent and resumes an interrupted run; the
metadata mirror and the expiry warnings."""

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.db import transaction
from django.utils import timezone
from saleor.account.models import User

from saleor_crm_plugin import loyalty, loyalty_periodic, tasks
from saleor_crm_plugin.models import (
    CustomerOrder,
    CustomerProfile,
    LoyaltyProgram,
    Membership,
    PointsExpiryWarning,
    SyncCursor,
    Tier,
    TierChange,
)

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


@pytest.fixture
def ladder(channel_USD):
    program = LoyaltyProgram.objects.create(channel=channel_USD, window_months=12,
                                            review_period_months=12)
    tiers = [
        Tier.objects.create(program=program, name="Regular", rank=0, threshold=0),
        Tier.objects.create(program=program, name="Silver", rank=1, threshold=100),
        Tier.objects.create(program=program, name="Gold", rank=2, threshold=500),
        Tier.objects.create(program=program, name="Club", rank=3, metric="paid_orders",
                            threshold=10),
    ]
    return program, {t.name: t for t in tiers}


def customer(program, n, *orders, tier=None, retained_until=None, **member):
    user = User.objects.create(email=f"member{n}-{uuid.uuid4().hex[:6]}@example.com")
    profile = CustomerProfile.objects.create(
        channel=program.channel, user=user, currency=program.channel.currency_code)
    for total, paid_at, *rest in orders:
        extra = rest[0] if rest else {}
        CustomerOrder.objects.create(
            order_id=uuid.uuid4(), profile=profile, channel_id=program.channel_id,
            currency=extra.get("currency", "USD"), total_amount=Decimal(total),
            refunded_amount=Decimal(extra.get("refunded", 0)), status="fulfilled",
            placed_at=paid_at, paid_at=paid_at, cancelled=extra.get("cancelled", False))
    return Membership.objects.create(program=program, user=user, tier=tier,
                                     retained_until=retained_until, **member)


def state(program):
    return {
        m.pk: (m.tier_id, m.retained_until)
        for m in Membership.objects.filter(program=program).order_by("pk")
    }


def expected_by_evaluate_tier(program, now):
    """What evaluate_tier(at_review=True) does to each member, rolled back."""
    result = {}

    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            for m in Membership.objects.filter(program=program).select_related(
                "tier", "override_tier", "program__channel"
            ):
                loyalty.evaluate_tier(m, now, at_review=True)
            result = state(program)
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
        customer(program, 4, (600, out_of_window), tier=t["Gold"],
                 retained_until=past),  # old spend, retention over: down to Regular
        customer(program, 5, (150, ago), tier=t["Gold"],
                 retained_until=future),  # retained: stays Gold
        customer(program, 6, (700, ago, {"refunded": 300}), tier=t["Gold"],
                 retained_until=past),  # net 400: Silver
        customer(program, 7, (700, ago, {"cancelled": True}), (120, ago)),  # Silver
        customer(program, 8, (900, ago, {"currency": "EUR"})),  # other currency
        customer(program, 9, *[(1, ago)] * 10),  # 10 paid orders: Club
        customer(program, 10, (600, ago), override_tier=t["Regular"],
                 override_reason="frozen", override_expires_at=future),
        customer(program, 11, (600, ago), tier=t["Silver"],
                 override_tier=t["Regular"], override_reason="ended",
                 override_expires_at=past),  # expired override: up to Gold
    ]
    return program, t, members


def test_review_matches_evaluate_tier_member_by_member(population):
    program, t, members = population
    expected = expected_by_evaluate_tier(program, NOW)
    result = loyalty_periodic.review_tiers(NOW, chunk=3)
    assert state(program) == expected
    names = {m.pk: (Membership.objects.get(pk=m.pk).tier.name
                    if Membership.objects.get(pk=m.pk).tier else None)
             for m in members}
    assert [names[m.pk] for m in members] == [
        "Regular", "Silver", "Regular", "Regular", "Gold", "Silver", "Silver",
        "Regular", "Club", None, "Gold"]
    assert result["reviewed"] == len(members)
    assert result["overrides_expired"] == 1
    assert (result["upgraded"], result["downgraded"]) == (7, 2)
    eleven = Membership.objects.get(pk=members[10].pk)
    assert eleven.override_tier_id is None and eleven.override_reason == ""
    assert TierChange.objects.filter(membership=eleven, reason="override_expired",
                                     from_name="Regular", to_name="Silver").exists()
    # a qualified move is retained for the review period
    two = Membership.objects.get(pk=members[1].pk)
    assert two.retained_until == NOW.replace(year=2027)
    assert not SyncCursor.objects.filter(
        key__startswith=loyalty_periodic.REVIEW_KEY).exists()


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
    real_chunks = loyalty_periodic._id_chunks

    def first_two_chunks(queryset, chunk):
        for i, bounds in enumerate(real_chunks(queryset, chunk)):
            if i == 2:
                raise RuntimeError("worker killed")
            yield bounds

    with mock.patch.object(loyalty_periodic, "_id_chunks", first_two_chunks), \
            pytest.raises(RuntimeError):
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
        "membership_id", flat=True)
    assert len(per_member) == len(set(per_member))  # nobody moved twice


def test_calendar_year_window_in_the_programs_time_zone(ladder):
    program, t = ladder
    LoyaltyProgram.objects.filter(pk=program.pk).update(
        window_kind="calendar_year", time_zone="Asia/Tokyo")
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
        "newsletter": "yes", f"crm.{slug}.tier": "Gold", f"crm.{slug}.points": "42"}
    assert loyalty_periodic.mirror_metadata() == 0  # nothing changed
    LoyaltyProgram.objects.filter(pk=program.pk).update(
        metadata_tier_key="loyalty_tier", metadata_points_key="loyalty_points")
    Membership.objects.filter(pk=m.pk).update(tier=t["Silver"])
    assert loyalty_periodic.mirror_metadata([m.pk]) == 1
    customer_user.refresh_from_db()
    assert customer_user.metadata["loyalty_tier"] == "Silver"
    assert customer_user.metadata["loyalty_points"] == "42"
    assert customer_user.metadata["newsletter"] == "yes"


def test_expiry_warnings(ladder, customer_user):
    program, _ = ladder
    LoyaltyProgram.objects.filter(pk=program.pk).update(points_validity_days=40,
                                                        expiry_warning_days=30)
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
    CustomerProfile.objects.create(channel=program.channel, user=never_paid,
                                   currency="USD")
    result = loyalty_periodic.review_tiers(NOW)
    assert result["enrolled"] == 1
    enrolled = Membership.objects.get(program=program, user_id=member.user_id)
    assert enrolled.tier == t["Silver"]
    assert not Membership.objects.filter(user=never_paid).exists()
    assert loyalty_periodic.review_tiers(NOW)["enrolled"] == 0
