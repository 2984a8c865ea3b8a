"""crm_backfill on odd data: guests, drafts, unconfirmed, zero totals, deleted
variants, two currencies; idempotent (twice = once) and resumable."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from saleor.order import OrderChargeStatus, OrderStatus

from saleor_crm_plugin.models import BackfillRun, CustomerOrder, CustomerProfile
from saleor_crm_plugin.profiles import backfill as backfill_module
from saleor_crm_plugin.profiles.backfill import BackfillOptions, run_backfill


def _paid(order, total):
    order.total_gross_amount = order.total_net_amount = Decimal(total)
    order.total_charged_amount = Decimal(total)
    order.charge_status = OrderChargeStatus.FULL
    order.save(
        update_fields=[
            "total_gross_amount",
            "total_net_amount",
            "total_charged_amount",
            "charge_status",
        ]
    )
    return order


@pytest.fixture
def history(order_generator, order_with_lines, customer_user, channel_PLN):
    """A small history with every odd case the backfill must survive."""
    orders = {
        "with_lines": _paid(order_with_lines, "30.00"),
        "second": _paid(order_generator(), "10.00"),
        "guest": _paid(
            order_generator(user=None, user_email="Guest@Example.com "), "7.00"
        ),
        "draft": order_generator(status=OrderStatus.DRAFT),
        "unconfirmed": order_generator(status=OrderStatus.UNCONFIRMED),
        "no_customer": order_generator(user=None, user_email=""),
        "zero_total": _paid(order_generator(), "0.00"),
        "cancelled": _paid(order_generator(status=OrderStatus.CANCELED), "99.00"),
        "pln": _paid(
            order_generator(channel=channel_PLN, currency=channel_PLN.currency_code),
            "50.00",
        ),
    }
    # A line whose variant was deleted since the order was placed.
    line = order_with_lines.lines.first()
    line.variant.delete()
    return orders


def _snapshot():
    return sorted(
        CustomerProfile.objects.values_list(
            "channel_id",
            "user_id",
            "email",
            "orders_count",
            "paid_orders_count",
            "cancelled_orders_count",
            "total_spent_amount",
            "net_spent_amount",
            "first_order_at",
            "last_order_at",
        ),
        key=repr,
    )


def test_backfill_imports_history_and_counts_skips(history, customer_user, channel_USD):
    out = StringIO()
    call_command("crm_backfill", "--no-progress", stdout=out)

    usd = CustomerProfile.objects.get(user=customer_user, channel=channel_USD)
    # with_lines + second + zero_total; cancelled counted apart
    assert usd.orders_count == 3
    assert usd.cancelled_orders_count == 1
    assert usd.paid_orders_count == 3
    assert usd.total_spent_amount == Decimal("40.000")
    assert usd.average_order_value_amount == Decimal("13.333")
    pln = CustomerProfile.objects.get(user=customer_user, channel__slug="c-pln")
    assert (pln.currency, pln.total_spent_amount) == ("PLN", Decimal("50.000"))
    guest = CustomerProfile.objects.get(user=None, email="guest@example.com")
    assert guest.total_spent_amount == Decimal("7.000")

    for skipped in ("draft", "unconfirmed", "no_customer"):
        assert not CustomerOrder.objects.filter(order_id=history[skipped].pk).exists()
    # The deleted variant's line is skipped; the others still count as bought.
    with_lines = CustomerOrder.objects.get(order_id=history["with_lines"].pk)
    assert with_lines.product_ids  # lines with live variants remain

    text = out.getvalue()
    assert "skipped: draft" in text and "orders in PLN" in text
    # the time of each phase this run went through
    for phase in ("orders", "accounts", "profiles"):
        assert f"seconds: {phase}" in text
    run = BackfillRun.objects.get()
    assert run.phase == BackfillRun.PHASE_DONE
    assert run.stats["skipped_draft"] == 1
    assert run.stats["skipped_unconfirmed"] == 1
    assert run.stats["skipped_no_customer"] == 1
    assert run.stats["imported"] == 6
    assert run.stats["guest_orders"] == 1
    assert run.stats["zero_total_orders"] == 1


def test_backfill_twice_equals_once(history):
    call_command("crm_backfill", "--no-progress", stdout=StringIO())
    first = _snapshot()
    call_command("crm_backfill", "--no-progress", stdout=StringIO())
    assert _snapshot() == first
    assert CustomerOrder.objects.count() == 6


def test_interrupted_backfill_resumes_to_the_same_result(history, monkeypatch):
    call_command("crm_backfill", "--no-progress", stdout=StringIO())
    expected = _snapshot()
    CustomerProfile.objects.all().delete()
    BackfillRun.objects.all().delete()

    real_sync = backfill_module.import_orders
    calls = {"n": 0}

    def failing_sync(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("worker killed")
        return real_sync(*args, **kwargs)

    monkeypatch.setattr(backfill_module, "import_orders", failing_sync)
    with pytest.raises(RuntimeError):
        run_backfill(BackfillOptions(batch_size=2))
    run = BackfillRun.objects.get()
    assert run.phase == BackfillRun.PHASE_ORDERS
    assert run.cursor_order_id is not None  # two chunks committed before the crash

    monkeypatch.setattr(backfill_module, "import_orders", real_sync)
    stats = run_backfill(BackfillOptions(batch_size=2))
    assert _snapshot() == expected
    assert stats["imported"] == 6


def test_backfill_channel_and_since_filters(history, customer_user, channel_PLN):
    call_command(
        "crm_backfill",
        "--no-progress",
        "--channel",
        channel_PLN.slug,
        stdout=StringIO(),
    )
    assert list(CustomerProfile.objects.values_list("channel__slug", flat=True)) == [
        channel_PLN.slug
    ]
    CustomerProfile.objects.all().delete()
    call_command(
        "crm_backfill", "--no-progress", "--since", "2999-01-01", stdout=StringIO()
    )
    assert not CustomerProfile.objects.exists()


def test_backfill_rejects_unknown_channel_and_bad_batch(history):
    with pytest.raises(CommandError, match="Unknown channel"):
        call_command("crm_backfill", "--no-progress", "--channel", "nope")
    with pytest.raises(CommandError, match="batch-size"):
        call_command("crm_backfill", "--no-progress", "--batch-size", "0")
    assert not CustomerProfile.objects.exists()


def test_profile_ranges_hold_as_many_profiles_as_a_step_whatever_the_id_gaps(
    channel_USD, monkeypatch
):
    """Profile ids have gaps (an insert that found its row spent a sequence value):
    the recompute phase walks ranges of 4 × batch profiles (at least 1,000), not
    of 4 × batch ids, so sparse ids cost no extra ranges."""
    step, n, gap = 1000, 2500, 7
    CustomerProfile.objects.bulk_create(
        CustomerProfile(
            id=1_000_000 + i * gap,
            channel=channel_USD,
            email=f"range-{i}@example.com",
            currency=channel_USD.currency_code,
        )
        for i in range(n)
    )
    ranges = []

    def recorded(lo, hi):
        ranges.append(CustomerProfile.objects.filter(id__gte=lo, id__lt=hi).count())
        return 0

    monkeypatch.setattr(backfill_module, "recompute_profile_range", recorded)
    run_backfill(BackfillOptions(batch_size=step // 4))

    # 1,000 + 1,000 + 500: every profile once, in three ranges (the id span,
    # 17,500, would have made 18 ranges of ~143 profiles)
    assert ranges == [step, step, n - 2 * step]
    assert BackfillRun.objects.get().phase == BackfillRun.PHASE_DONE
