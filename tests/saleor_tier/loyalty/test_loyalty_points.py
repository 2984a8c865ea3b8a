"""Loyalty on real Saleor orders: points earned on payment (pending through the
return window), reversed proportionally on refunds and in full on cancellation,
tiers upgraded the moment a paid order qualifies, spending soonest-expiring first,
expiry, and concurrent spends that never overspend."""

# Fixtures are imported from crm_helpers and requested by name.
from datetime import timedelta
from decimal import Decimal

import pytest
from crm_helpers import (
    AUTHORIZE_ONLY,
    CHARGE,
    cancel,
    capture,
    place_order,
    race,
    refund,
)
from django.db import connection
from django.utils import timezone
from saleor.plugins.manager import get_plugins_manager

from saleor_crm_plugin.domain.errors import CRMErrorCode
from saleor_crm_plugin.loyalty import (
    errors as loyalty_errors,
)
from saleor_crm_plugin.loyalty import (
    ledger as loyalty,
)
from saleor_crm_plugin.loyalty import (
    state as loyalty_state,
)
from saleor_crm_plugin.loyalty import (
    tiers as loyalty_tiers,
)
from saleor_crm_plugin.models import (
    LoyaltyProgram,
    Membership,
    OrderEvent,
    PointsEntry,
    Tier,
    TierChange,
)
from saleor_crm_plugin.pipeline.apply import process_orders


@pytest.fixture
def program(channel_USD):
    program = LoyaltyProgram.objects.create(
        channel=channel_USD,
        points_per_unit=Decimal("1"),
        return_window_days=14,
        points_validity_days=365,
        review_period_months=12,
    )
    Tier.objects.create(program=program, name="Regular", rank=0, threshold=0)
    Tier.objects.create(
        program=program,
        name="Silver",
        rank=1,
        threshold=50,
        points_multiplier=Decimal("1.5"),
    )
    Tier.objects.create(
        program=program,
        name="Gold",
        rank=2,
        threshold=100,
        points_multiplier=Decimal("2"),
    )
    return program


def member(user, program):
    return Membership.objects.select_related("tier", "program").get(
        user=user, program=program
    )


def earned(order):
    return PointsEntry.objects.get(operation=f"earn:{order.pk}", award__isnull=True)


def test_paid_order_earns_pending_points_and_a_tier(
    program, user_api_client, customer_user, shop_usd
):
    order = place_order(user_api_client, shop_usd, quantity=2, token=CHARGE)
    assert order.total_gross_amount == Decimal("30.000")
    award = earned(order)
    # 30.00 USD x 1 point per unit; no tier yet when the order was paid
    assert award.points == 30
    assert award.available_at - timezone.now() > timedelta(days=13)
    assert award.expires_at - award.available_at == timedelta(days=365)
    m = member(customer_user, program)
    assert m.tier.name == "Regular"
    b = loyalty.balances(m.pk)
    assert (b.available, b.pending) == (0, 30)
    # After the return window the points are available.
    later = award.available_at + timedelta(seconds=1)
    assert loyalty.balances(m.pk, later).available == 30
    assert list(TierChange.objects.values_list("from_name", "to_name", "reason")) == [
        ("", "Regular", "qualified")
    ]


def test_upgrade_at_once_when_a_paid_order_reaches_the_threshold(
    program, user_api_client, customer_user, shop_usd
):
    place_order(user_api_client, shop_usd, quantity=2, token=CHARGE)  # 30.00
    assert member(customer_user, program).tier.name == "Regular"
    # 30.00 more: 60.00 in all, above Silver's 50
    second = place_order(user_api_client, shop_usd, quantity=2, token=CHARGE)
    m = member(customer_user, program)
    assert m.tier.name == "Silver"
    assert m.retained_until > timezone.now() + timedelta(days=360)
    # The second order was earned at the tier it was paid under (Regular, x1).
    assert earned(second).points == 30
    # 40.00 more: 100.00 in all, exactly Gold's threshold
    third = place_order(user_api_client, shop_usd, quantity=3, token=CHARGE)
    assert earned(third).points == 60  # 40.00 x 1.5 (paid as Silver)
    assert member(customer_user, program).tier.name == "Gold"
    assert list(
        TierChange.objects.order_by("id").values_list("to_name", flat=True)
    ) == ["Regular", "Silver", "Gold"]


def test_replayed_events_write_nothing(
    program,
    user_api_client,
    customer_user,
    shop_usd,
    django_capture_on_commit_callbacks,
):
    order = place_order(user_api_client, shop_usd, quantity=2, token=CHARGE)
    rows = PointsEntry.objects.count()
    manager = get_plugins_manager(allow_replica=False)
    with django_capture_on_commit_callbacks(execute=True):
        manager.order_fully_paid(order)
        manager.order_paid(order)
    OrderEvent.objects.filter(order_id=order.pk).update(processed_at=None)
    process_orders([str(order.pk)])
    assert PointsEntry.objects.count() == rows


def test_refunds_reverse_proportionally_and_cancellation_fully(
    program, user_api_client, customer_user, shop_usd, staff_orders
):
    order = place_order(user_api_client, shop_usd, quantity=2, token=AUTHORIZE_ONLY)
    assert not PointsEntry.objects.exists()  # not paid: nothing earned
    capture(staff_orders, order)
    award = earned(order)
    assert award.points == 30
    refund(staff_orders, order, Decimal("10.00"))  # a third
    m = member(customer_user, program)
    assert loyalty.balances(m.pk).pending == 20
    refund(staff_orders, order, Decimal("5.00"))  # half in all
    assert loyalty.balances(m.pk).pending == 15
    reversals = list(award.taken.order_by("id").values_list("points", "shortfall"))
    assert reversals == [(-10, 0), (-5, 0)]

    other = place_order(user_api_client, shop_usd, quantity=1, token=AUTHORIZE_ONLY)
    capture(staff_orders, other)
    assert earned(other).points == 20  # 20.00 (10.00 + 10.00 shipping)
    refund(staff_orders, other, Decimal("20.00"))  # in full
    assert loyalty.balances(m.pk).pending == 15  # only the first order's half left


def test_cancelled_paid_order_gives_back_all_its_points(
    program, user_api_client, customer_user, shop_usd, staff_orders
):
    order = place_order(user_api_client, shop_usd, quantity=2, token=CHARGE)
    assert earned(order).points == 30
    cancel(staff_orders, order)
    m = member(customer_user, program)
    assert earned(order).taken.get(kind="reverse").points == -30
    assert loyalty.balances(m.pk).pending == 0


def test_spent_points_are_clawed_back_to_zero_and_the_shortfall_recorded(
    program, user_api_client, customer_user, shop_usd, staff_orders
):
    order = place_order(user_api_client, shop_usd, quantity=2, token=CHARGE)
    m = member(customer_user, program)
    award = earned(order)
    PointsEntry.objects.filter(pk=award.pk).update(available_at=timezone.now())
    loyalty.spend_points(m.pk, 25)
    refund(staff_orders, order, Decimal("30.00"))
    reversal = award.taken.get(kind="reverse")
    assert (reversal.points, reversal.shortfall) == (-5, 25)
    assert loyalty.balances(m.pk).available == 0


def test_spending_takes_the_soonest_expiring_points_first_and_never_overspends(
    program, customer_user
):
    m = Membership.objects.create(program=program, user=customer_user)
    now = timezone.now()
    late = loyalty.grant_points(m, 50, reason="goodwill", by=None, now=now)
    soon = loyalty.grant_points(m, 30, reason="goodwill", by=None, now=now)
    PointsEntry.objects.filter(pk=soon.pk).update(expires_at=now + timedelta(days=5))
    loyalty.spend_points(m.pk, 40)
    taken = dict(
        PointsEntry.objects.filter(kind="spend").values_list("award_id", "points")
    )
    assert taken == {soon.pk: -30, late.pk: -10}
    with pytest.raises(loyalty_errors.LoyaltyError) as exc:
        loyalty.spend_points(m.pk, 41)
    assert exc.value.code is CRMErrorCode.INSUFFICIENT_POINTS
    assert loyalty.balances(m.pk).available == 40
    with pytest.raises(loyalty_errors.LoyaltyError):
        loyalty.grant_points(m, 10, reason=" ", by=None)


def test_expiry_removes_what_is_left_of_each_award_once(program, customer_user):
    m = Membership.objects.create(program=program, user=customer_user)
    now = timezone.now()
    award = loyalty.grant_points(m, 40, reason="welcome", by=None, now=now)
    loyalty.spend_points(m.pk, 15, now=now)
    later = award.expires_at + timedelta(seconds=1)
    assert loyalty.expire_points(later) == 1
    assert loyalty.expire_points(later) == 0  # idempotent
    assert award.taken.get(kind="expire").points == -25
    assert loyalty.balances(m.pk, later).available == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_spends_on_separate_connections_never_overspend(
    channel_USD, customer_user
):
    program = LoyaltyProgram.objects.create(channel=channel_USD)
    m = Membership.objects.create(program=program, user=customer_user)
    loyalty.grant_points(m, 100, reason="seed", by=None)
    results = race(6, lambda: loyalty.spend_points(m.pk, 30))
    assert results == ["INSUFFICIENT_POINTS"] * 3 + ["ok"] * 3
    assert loyalty.balances(m.pk).available == 10
    assert connection.vendor == "postgresql"


def test_staff_override_holds_until_it_expires_and_is_recorded(
    program, customer_user, staff_user
):
    m = Membership.objects.create(program=program, user=customer_user)
    gold = Tier.objects.get(program=program, name="Gold")
    with pytest.raises(loyalty_errors.LoyaltyError) as exc:
        loyalty_tiers.override_tier(
            m, gold, reason="  ", expires_at=None, by=staff_user.pk
        )
    assert exc.value.field == "reason"
    expires = timezone.now() + timedelta(days=30)
    loyalty_tiers.override_tier(
        m, gold, reason="VIP event", expires_at=expires, by=staff_user.pk
    )
    m = member(customer_user, program)
    assert loyalty_state.effective_tier(m) == gold
    # Reviews and new orders do not move a member under an active override.
    assert loyalty_tiers.evaluate_tier(m, at_review=True) is False
    change = TierChange.objects.get(reason="override")
    assert (change.to_name, change.note, change.changed_by_id) == (
        "Gold",
        "VIP event",
        staff_user.pk,
    )
    # Once it expires, the earned tier applies again.
    after = expires + timedelta(seconds=1)
    assert loyalty_state.effective_tier(m, after) is None
    assert loyalty_tiers.evaluate_tier(m, after) is True  # qualifies for Regular (>= 0)
    assert member(customer_user, program).tier.name == "Regular"
