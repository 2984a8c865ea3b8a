"""What the checkout hooks cost in SQL statements, called the way Saleor calls them:
through the plugins manager, after Saleor's commit (``call_event`` defers them to
``on_commit``), so outside any transaction — these tests run without the usual
test transaction for that (``transaction=True``)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from saleor.plugins.manager import get_plugins_manager

from saleor_crm_plugin.loyalty import member_discount as vouchers
from saleor_crm_plugin.models import (
    CustomerProfile,
    HookFailure,
    LoyaltyProgram,
    Membership,
    Tier,
)


@pytest.fixture
def manager(checkout_with_item):
    manager = get_plugins_manager(allow_replica=False)
    # the plugins of the checkout's channel loaded: Saleor's cost, not the CRM's
    manager.get_plugins(channel_slug=checkout_with_item.channel.slug)
    return manager


@pytest.fixture
def profile(customer_user, channel_USD):
    return CustomerProfile.objects.create(
        user=customer_user,
        channel=channel_USD,
        email=customer_user.email,
        currency=channel_USD.currency_code,
    )


def statements(action) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        action()
    return [q["sql"] for q in ctx.captured_queries]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("hook", ["checkout_created", "checkout_updated"])
def test_signed_in_non_member_checkout_costs_one_statement_and_records_activity(
    hook, manager, checkout_with_item, customer_user, profile
):
    checkout_with_item.user = customer_user
    checkout_with_item.save(update_fields=["user"])

    sqls = statements(lambda: getattr(manager, hook)(checkout_with_item))

    assert len(sqls) == 1, sqls
    assert "SAVEPOINT" not in sqls[0]
    profile.refresh_from_db()
    assert profile.last_checkout_at is not None


@pytest.mark.django_db(transaction=True)
def test_activity_is_written_at_most_once_a_minute_in_the_same_one_statement(
    manager, checkout_with_item, customer_user, profile
):
    checkout_with_item.user = customer_user
    checkout_with_item.save(update_fields=["user"])
    manager.checkout_created(checkout_with_item)
    profile.refresh_from_db()
    first = profile.last_checkout_at

    assert len(statements(lambda: manager.checkout_updated(checkout_with_item))) == 1
    profile.refresh_from_db()
    assert profile.last_checkout_at == first

    CustomerProfile.objects.filter(pk=profile.pk).update(
        last_checkout_at=first - timedelta(minutes=2)
    )
    assert len(statements(lambda: manager.checkout_updated(checkout_with_item))) == 1
    profile.refresh_from_db()
    assert profile.last_checkout_at > first


@pytest.mark.django_db(transaction=True)
def test_guest_checkout_without_a_code_costs_nothing(manager, checkout_with_item):
    assert checkout_with_item.user_id is None and not checkout_with_item.voucher_code

    assert statements(lambda: manager.checkout_updated(checkout_with_item)) == []


@pytest.mark.django_db(transaction=True)
def test_member_with_the_code_attached_costs_one_statement(
    manager, checkout_with_item, customer_user, channel_USD, profile
):
    program = LoyaltyProgram.objects.create(channel=channel_USD)
    tier = Tier.objects.create(
        program=program,
        name="Gold",
        rank=1,
        threshold=0,
        discount_type="percentage",
        discount_value=Decimal(10),
    )
    vouchers.sync_tier_voucher(tier)
    Membership.objects.create(program=program, user=customer_user, tier=tier)
    checkout_with_item.user = customer_user
    checkout_with_item.save(update_fields=["user"])
    manager.checkout_created(checkout_with_item)  # attaches the member's code
    checkout_with_item.refresh_from_db()
    assert checkout_with_item.voucher_code.startswith(vouchers.CODE_PREFIX)
    checkout_with_item.channel  # noqa: B018 - as Saleor's callers have it loaded

    sqls = statements(lambda: manager.checkout_updated(checkout_with_item))

    assert len(sqls) == 1, sqls


def test_a_failing_activity_write_never_breaks_the_checkout_hook_nor_the_transaction(
    manager, checkout_with_item, customer_user, profile, monkeypatch
):
    """Called inside a transaction (here: the test's), a failing statement is rolled
    back to its savepoint: the transaction goes on, the failure is recorded."""
    from saleor_crm_plugin.profiles import activity as ingest_activity

    checkout_with_item.user = customer_user
    checkout_with_item.save(update_fields=["user"])
    failing = ingest_activity._TOUCH_CTE.replace(
        "RETURNING 1", "AND 1 / 0 = 1 RETURNING 1"
    )
    monkeypatch.setattr(ingest_activity, "_TOUCH_CTE", failing)

    manager.checkout_updated(checkout_with_item)  # does not raise

    profile.refresh_from_db()  # the transaction is still usable
    assert profile.last_checkout_at is None
    assert HookFailure.objects.filter(hook=vouchers.HOOK_NAME).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("signed_in", [True, False])
def test_a_typed_in_voucher_costs_the_same_one_statement(
    signed_in, manager, checkout_with_item, customer_user, voucher, profile
):
    """Whether the code is someone's points redemption is asked in the membership
    lookup itself."""
    checkout_with_item.user = customer_user if signed_in else None
    checkout_with_item.voucher_code = voucher.codes.first().code
    checkout_with_item.save(update_fields=["user", "voucher_code"])

    sqls = statements(lambda: manager.checkout_updated(checkout_with_item))

    assert len(sqls) == 1, sqls
    checkout_with_item.refresh_from_db()
    assert checkout_with_item.voucher_code == voucher.codes.first().code


def test_erasing_a_customer_without_crm_data_costs_two_statements(customer_user):
    """The erasure runs inside Saleor's delete transaction (a ``post_delete``
    signal), on every customer or staff deletion: the tombstone and the lookup of
    profiles to delete."""
    from saleor_crm_plugin.domain.emails import email_hash
    from saleor_crm_plugin.models import ErasureTombstone
    from saleor_crm_plugin.profiles import erasure as ingest_erasure

    sqls = statements(
        lambda: ingest_erasure.erase_customer(customer_user.pk, customer_user.email)
    )

    assert len(sqls) == 2, sqls
    tombstone = ErasureTombstone.objects.get(email_hash=email_hash(customer_user.email))
    first = tombstone.erased_at
    ingest_erasure.erase_customer(customer_user.pk, customer_user.email)  # idempotent
    tombstone.refresh_from_db()
    assert tombstone.erased_at >= first
    assert ErasureTombstone.objects.count() == 1
