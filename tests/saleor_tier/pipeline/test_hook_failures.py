"""A CRM failure never breaks Saleor and loses nothing: the failure is stored and
the periodic tasks replay it from Saleor's own records."""

# Fixtures are imported from crm_helpers and requested by name.
from datetime import timedelta

import pytest
from crm_helpers import (
    CHARGE,
    CUSTOMER_DELETE,
    assert_figures,
    fact_kinds,
    gid,
    gql,
    ok,
    place_order,
    profile_of,
    register_account,
)
from django.db import transaction
from django.utils import timezone
from saleor.account.models import User
from saleor.order.models import Order
from saleor.plugins.manager import get_plugins_manager

from saleor_crm_plugin import tasks
from saleor_crm_plugin.domain.emails import email_hash
from saleor_crm_plugin.models import (
    CustomerProfile,
    ErasureTombstone,
    EventSource,
    HookFailure,
    OrderEvent,
)
from saleor_crm_plugin.pipeline import apply as services
from saleor_crm_plugin.pipeline import ingest
from saleor_crm_plugin.pipeline.tasks import (
    process_pending_events,
    reconcile_orders,
    retry_hook_failures,
)


def _database_error():
    """A real PostgreSQL error in place of the CRM's INSERT: without a savepoint it
    would abort Saleor's transaction."""
    return "SELECT 1 / 0, " + ", ".join(["%s::text"] * 6)  # takes the 6 parameters


@pytest.fixture
def broken_recording(monkeypatch):
    monkeypatch.setattr(ingest, "_insert_fact_sql", _database_error)
    return monkeypatch


def test_checkout_completes_when_recording_fails_and_retry_recovers(
    broken_recording, user_api_client, customer_user, shop_usd, channel_USD
):
    # checkoutComplete answers with an order and no errors (place_order checks).
    order = place_order(user_api_client, shop_usd, quantity=2, token=CHARGE)
    order.refresh_from_db()
    assert (order.status, order.charge_status) == ("unfulfilled", "full")
    assert order.total_charged_amount == order.total_gross_amount

    failures = HookFailure.objects.filter(order_id=order.pk)
    assert set(failures.values_list("hook", flat=True)) == {
        "order_created",
        "order_confirmed",
        "order_paid",
        "order_fully_paid",
    }
    assert all("division by zero" in f.error for f in failures)
    assert all(f.resolved_at is None and f.attempts == 1 for f in failures)
    assert not OrderEvent.objects.exists()
    assert not CustomerProfile.objects.exists()

    # The database is healthy again: the periodic retry replays every failure.
    broken_recording.undo()
    assert retry_hook_failures() == 4
    assert not HookFailure.objects.filter(resolved_at__isnull=True).exists()
    assert fact_kinds(order) == ["confirmed", "created", "fully_paid", "paid"]
    assert set(OrderEvent.objects.values_list("source", flat=True)) == {
        EventSource.RETRY
    }
    assert not OrderEvent.objects.filter(processed_at__isnull=True).exists()
    assert_figures(
        profile_of(customer_user, channel_USD),
        orders_count=1,
        paid_orders_count=1,
        total_spent="30.00",
        net_spent="30.00",
        average_order_value="30.00",
        first_order_at=order.created_at,
    )
    # Nothing left to retry; a second run changes nothing.
    assert retry_hook_failures() == 0
    assert OrderEvent.objects.count() == 4


def test_failure_inside_saleors_atomic_block_does_not_poison_it(
    broken_recording, order_with_lines
):
    manager = get_plugins_manager(allow_replica=False)
    with transaction.atomic():
        # Saleor calls a hook directly inside its own transaction.
        manager.order_fully_paid(order_with_lines)
        # Saleor's transaction goes on: reads and writes still work...
        Order.objects.filter(pk=order_with_lines.pk).update(customer_note="goes on")
        assert HookFailure.objects.filter(
            order_id=order_with_lines.pk, hook="order_fully_paid"
        ).exists()
    # ...and what it wrote is there after it committed.
    order_with_lines.refresh_from_db()
    assert order_with_lines.customer_note == "goes on"
    assert not OrderEvent.objects.exists()


def test_failure_that_is_not_a_database_error(monkeypatch, order_with_lines):
    def boom(*args, **kwargs):
        raise RuntimeError("unexpected")

    monkeypatch.setattr(ingest, "_insert_fact_sql", boom)
    manager = get_plugins_manager(allow_replica=False)
    with transaction.atomic():
        assert manager.order_paid(order_with_lines) is None  # no exception
    failure = HookFailure.objects.get(order_id=order_with_lines.pk)
    assert failure.hook == "order_paid"
    assert failure.error == "RuntimeError: unexpected"


def test_retry_keeps_backing_off_while_the_failure_lasts(
    broken_recording, order_with_lines, django_capture_on_commit_callbacks
):
    manager = get_plugins_manager(allow_replica=False)
    manager.order_created(order_with_lines)
    failure = HookFailure.objects.get()

    # Still broken: the retry fails, counts the attempt and waits longer.
    assert retry_hook_failures() == 0
    failure.refresh_from_db()
    assert failure.attempts == 2
    assert failure.resolved_at is None
    assert failure.next_attempt_at > timezone.now() + timedelta(seconds=20)
    # Not due yet: not retried.
    broken_recording.undo()
    assert retry_hook_failures() == 0
    # Due: recovered.
    HookFailure.objects.update(next_attempt_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert retry_hook_failures() == 1
    assert fact_kinds(order_with_lines) == ["created"]


def test_broker_down_facts_are_swept_later(
    monkeypatch, user_api_client, customer_user, shop_usd, channel_USD
):
    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(tasks.process_order_events, "delay", broker_down)
    order = place_order(user_api_client, shop_usd, quantity=1, token=CHARGE)
    # The facts are stored, only their processing is pending.
    assert fact_kinds(order) == ["confirmed", "created", "fully_paid", "paid"]
    assert OrderEvent.objects.filter(processed_at__isnull=True).count() == 4
    assert not HookFailure.objects.exists()
    assert profile_of(customer_user, channel_USD) is None

    # Within the grace period the sweep leaves them to the task...
    assert process_pending_events() == 0
    # ...after it, applies them.
    OrderEvent.objects.update(occurred_at=timezone.now() - timedelta(minutes=2))
    assert process_pending_events() == 1
    assert not OrderEvent.objects.filter(processed_at__isnull=True).exists()
    assert_figures(
        profile_of(customer_user, channel_USD),
        orders_count=1,
        paid_orders_count=1,
        total_spent="20.00",
    )


def test_transient_processing_failure_is_retried_by_the_task(
    monkeypatch,
    order_with_lines,
    customer_user,
    channel_USD,
    django_capture_on_commit_callbacks,
):
    real_sync = services.sync_orders
    calls = []

    def flaky_sync(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("deadlock detected")
        return real_sync(*args, **kwargs)

    monkeypatch.setattr(services, "sync_orders", flaky_sync)
    manager = get_plugins_manager(allow_replica=False)
    with django_capture_on_commit_callbacks(execute=True):
        manager.order_created(order_with_lines)
    assert len(calls) == 2
    event = OrderEvent.objects.get()
    assert event.processed_at is not None
    assert (event.attempts, event.last_error) == (1, "RuntimeError: deadlock detected")
    assert profile_of(customer_user, channel_USD).orders_count == 1


def test_persistent_processing_failure_is_caught_by_the_reconcile_sweep(
    monkeypatch,
    order_with_lines,
    customer_user,
    channel_USD,
    django_capture_on_commit_callbacks,
):
    real_sync = services.sync_orders

    def failing_sync(*args, **kwargs):
        raise RuntimeError("statement timeout")

    monkeypatch.setattr(services, "sync_orders", failing_sync)
    manager = get_plugins_manager(allow_replica=False)
    with django_capture_on_commit_callbacks(execute=True):
        manager.order_created(order_with_lines)
    event = OrderEvent.objects.get()
    assert event.processed_at is None
    assert event.attempts > 1  # the task retried, every attempt counted
    assert event.last_error == "RuntimeError: statement timeout"
    assert profile_of(customer_user, channel_USD) is None

    # Retries exhausted: the pending sweep leaves the fact for attention...
    monkeypatch.setattr(services, "sync_orders", real_sync)
    OrderEvent.objects.update(occurred_at=timezone.now() - timedelta(minutes=2))
    assert process_pending_events() == 0
    # ...and the reconciliation sweep still brings the order in.
    Order.objects.filter(pk=order_with_lines.pk).update(
        updated_at=timezone.now() - timedelta(minutes=2)
    )
    assert reconcile_orders() == 1
    assert profile_of(customer_user, channel_USD).orders_count == 1


def test_failed_erasure_is_retried_without_keeping_the_email(
    monkeypatch, api_client, shop_usd, staff_users_admin, channel_USD
):
    # A guest bought, then an account with that email was created while the plugin
    # was not listening (no customer_created): a guest profile under the email.
    guest_email = "Shopper@Example.com"
    place_order(api_client, shop_usd, email=guest_email, token=CHARGE)
    guest = profile_of(None, channel_USD, email="shopper@example.com")
    assert guest is not None
    user = User.objects.create(email="shopper@example.com")

    def failing_erase(*args, **kwargs):
        raise RuntimeError("lock timeout")

    monkeypatch.setattr(ingest, "erase_customer", failing_erase)
    ok(
        gql(staff_users_admin, CUSTOMER_DELETE, {"id": gid("User", user.pk)})[
            "customerDelete"
        ]
    )
    # Both erasure paths failed: the always-on User post_delete signal and the
    # plugin's customer_deleted hook.
    failures = HookFailure.objects.order_by("hook")
    assert [f.hook for f in failures] == ["customer_deleted", "user_post_delete"]
    for failure in failures:
        assert failure.user_id == user.pk
        assert failure.email_hash == email_hash(guest_email)
        assert "shopper" not in failure.error.lower()  # the email is not kept
    assert CustomerProfile.objects.filter(pk=guest.pk).exists()  # not erased yet
    assert not ErasureTombstone.objects.exists()

    # The retry erases from the hash alone.
    assert retry_hook_failures() == 2
    assert not CustomerProfile.objects.filter(pk=guest.pk).exists()
    assert ErasureTombstone.objects.filter(email_hash=email_hash(guest_email)).exists()


def test_failed_account_link_is_retried(
    monkeypatch, api_client, shop_usd, channel_USD, settings
):
    place_order(
        api_client, shop_usd, quantity=2, email="late@example.com", token=CHARGE
    )
    assert profile_of(None, channel_USD, email="late@example.com") is not None

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    with monkeypatch.context() as m:
        m.setattr(tasks.link_account_task, "delay", broker_down)
        user = register_account(
            api_client, "late@example.com", shop_usd.channel_slug, settings
        )
    failure = HookFailure.objects.get()
    assert (failure.hook, failure.user_id) == ("customer_created", user.pk)
    assert profile_of(user, channel_USD) is None

    assert retry_hook_failures() == 1
    assert profile_of(None, channel_USD, email="late@example.com") is None
    assert_figures(profile_of(user, channel_USD), orders_count=1, total_spent="30.00")
