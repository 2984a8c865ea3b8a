"""Purchase facts (``PurchaseFact``) are kept by the database triggers of migration
0013: after every kind of write to the CRM order rows — an order placed and
cancelled through Saleor's API, ORM saves, queryset updates, a bulk insert, the
order sync's upsert, a profile moving, deletes, a profile's erasure cascade and a
truncate —
the facts are exactly those derived from the order rows, and a re-sync that
changes nothing leaves them untouched."""

# Fixtures are imported from crm_helpers and requested by name.
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from crm_helpers import AUTHORIZE_ONLY, cancel, corder, place_order, profile_of
from django.db import connection

from saleor_crm_plugin.domain.segments import normalize
from saleor_crm_plugin.models import CustomerOrder, CustomerProfile, PurchaseFact
from saleor_crm_plugin.segments import membership as segments

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
KINDS = (
    (PurchaseFact.KIND_PRODUCT, "product_ids"),
    (PurchaseFact.KIND_CATEGORY, "category_ids"),
    (PurchaseFact.KIND_COLLECTION, "collection_ids"),
)


def expected_facts() -> set[tuple]:
    """The facts as the order rows define them, derived in Python."""
    out = set()
    for o in CustomerOrder.objects.filter(cancelled=False):
        for kind, column in KINDS:
            for item in getattr(o, column):
                out.add((o.order_id, kind, item, o.profile_id, o.placed_at))
    return out


def stored_facts() -> set[tuple]:
    rows = PurchaseFact.objects.values_list(
        "order_id", "kind", "item_id", "profile_id", "placed_at"
    )
    return set(rows)


def assert_facts_match():
    stored = stored_facts()
    assert stored == expected_facts()
    return stored


def _profile(channel, email):
    return CustomerProfile.objects.create(
        channel=channel, email=email, currency=channel.currency_code
    )


def _order(
    profile, *, days=10, cancelled=False, products=(), categories=(), collections=()
):
    return CustomerOrder.objects.create(
        order_id=uuid.uuid4(),
        profile=profile,
        channel_id=profile.channel_id,
        currency="USD",
        total_amount=Decimal(10),
        status="fulfilled",
        placed_at=NOW - timedelta(days=days),
        cancelled=cancelled,
        product_ids=list(products),
        category_ids=list(categories),
        collection_ids=list(collections),
    )


def test_an_order_through_saleor_gets_its_facts_and_loses_them_when_cancelled(
    user_api_client, customer_user, shop_usd, staff_orders, product, channel_USD
):
    order = place_order(user_api_client, shop_usd, token=AUTHORIZE_ONLY)
    row = corder(order)
    assert row is not None and row.product_ids == [product.pk]
    facts = assert_facts_match()
    assert {(kind, item) for _, kind, item, _, _ in facts} >= {
        (PurchaseFact.KIND_PRODUCT, product.pk),
        (PurchaseFact.KIND_CATEGORY, product.category_id),
    }
    profile = profile_of(customer_user, channel_USD)
    rule = normalize({"bought": {"products": [product.pk]}})
    assert segments.count(rule, channel_USD.pk) == (1, 1)

    cancel(staff_orders, order)
    assert corder(order).cancelled
    assert not PurchaseFact.objects.filter(order_id=order.pk).exists()
    assert_facts_match()
    assert segments.count(rule, channel_USD.pk) == (0, 1)
    assert profile_of(customer_user, channel_USD).pk == profile.pk


def test_facts_follow_every_write_to_the_order_rows(channel_USD):
    ann, bob = (
        _profile(channel_USD, "ann@example.com"),
        _profile(channel_USD, "bob@example.com"),
    )
    first = _order(ann, products=[1, 2], categories=[7], collections=[3])
    _order(ann, cancelled=True, products=[5], categories=[7])
    third = _order(bob, days=400, products=[2, 2], categories=[8])  # an item twice
    assert len(assert_facts_match()) == 4 + 2

    # one row saved through the ORM: items and date change
    first.category_ids, first.placed_at = [8, 9], NOW - timedelta(days=1)
    first.save()
    assert_facts_match()
    # one raw statement over several rows: cancel one, un-cancel another
    with connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE "{CustomerOrder._meta.db_table}"'
            " SET cancelled = NOT cancelled WHERE profile_id = %s",
            [ann.pk],
        )
    assert_facts_match()
    assert not PurchaseFact.objects.filter(order_id=first.order_id).exists()
    # a queryset update: the orders move to another profile (a guest's orders
    # joining an account)
    CustomerOrder.objects.filter(profile=ann).update(profile=bob)
    assert_facts_match()
    assert not PurchaseFact.objects.filter(profile_id=ann.pk).exists()
    # a bulk insert
    CustomerOrder.objects.bulk_create(
        [
            CustomerOrder(
                order_id=uuid.uuid4(),
                profile=ann,
                channel_id=channel_USD.pk,
                currency="USD",
                total_amount=Decimal(1),
                status="fulfilled",
                placed_at=NOW,
                product_ids=[n],
                category_ids=[n % 3],
            )
            for n in range(50)
        ]
    )
    assert len(assert_facts_match()) > 100
    # deletes: one row, then a profile with its orders (an erasure's cascade)
    third.delete()
    assert_facts_match()
    ann.delete()
    assert not PurchaseFact.objects.filter(profile_id=ann.pk).exists()
    assert_facts_match()
    assert PurchaseFact.objects.exists()
    # emptying the order table (as a re-import from scratch does) empties them
    with connection.cursor() as cursor:
        # (the test's transaction holds deferred foreign-key checks; TRUNCATE
        # wants them done)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f'TRUNCATE "{CustomerOrder._meta.db_table}"')
    assert not PurchaseFact.objects.exists()


def test_truncating_orders_and_facts_in_one_statement(channel_USD):
    """Django's flush (``manage.py flush``, transactional tests) truncates every
    table in one statement: the order table's truncate trigger must not fail on
    the fact table being truncated by that same statement."""
    ann = _profile(channel_USD, "ann@example.com")
    _order(ann, products=[1], categories=[7])
    assert PurchaseFact.objects.exists()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            f'TRUNCATE "{CustomerOrder._meta.db_table}",'
            f' "{PurchaseFact._meta.db_table}"'
        )
    assert not PurchaseFact.objects.exists()
    # and the facts follow the order rows again afterwards
    _order(ann, products=[2], categories=[8])
    assert_facts_match()


def test_a_resync_that_changes_nothing_leaves_the_facts_untouched(channel_USD):
    ann = _profile(channel_USD, "ann@example.com")
    order = _order(ann, products=[1], categories=[7, 8])
    table = PurchaseFact._meta.db_table

    def versions():
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT ctid, xmin::text FROM "{table}" ORDER BY ctid')
            return cursor.fetchall()

    before = versions()
    # what the order sync does on a repeated hook: rewrite every column
    CustomerOrder.objects.filter(order_id=order.order_id).update(
        synced_at=NOW, status="fulfilled", product_ids=[1], category_ids=[7, 8]
    )
    assert versions() == before
    # a real change replaces the order's facts
    CustomerOrder.objects.filter(order_id=order.order_id).update(category_ids=[7])
    assert versions() != before
    assert_facts_match()


@pytest.mark.parametrize(
    ("items", "min_times", "expected"),
    [
        # orders of category 7 or 8: ann 2 (one order holds both), bob 1
        ([7, 8], 2, {"ann"}),
        ([7], 2, set()),
        ([7, 8], 1, {"ann", "bob"}),
    ],
)
def test_an_order_holding_several_of_the_items_counts_once(
    channel_USD, items, min_times, expected
):
    ann, bob = (
        _profile(channel_USD, "ann@example.com"),
        _profile(channel_USD, "bob@example.com"),
    )
    _order(ann, categories=[7, 8])
    _order(ann, categories=[8])
    _order(ann, categories=[7], cancelled=True)
    _order(bob, categories=[7])
    rule = normalize({"bought": {"categories": items, "min_times": min_times}})
    members, _ = segments.count(rule, channel_USD.pk)
    names = {"ann": ann.pk, "bob": bob.pk}
    assert members == len(expected)
    condition, params = segments._condition(rule, channel_USD.pk, NOW)
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT p.id FROM "{CustomerProfile._meta.db_table}" p WHERE {condition}',
            params,
        )
        assert {row[0] for row in cursor.fetchall()} == {names[n] for n in expected}


def test_a_purchase_count_lowers_parallel_workers_and_never_raises_them(channel_USD):
    """The live count of a rule with a purchase condition asks for at most one
    parallel worker (see ``segments.ONE_WORKER``); a server that allows none
    keeps none; a rule without one leaves the setting alone."""

    def workers():
        with connection.cursor() as cursor:
            cursor.execute("SHOW max_parallel_workers_per_gather")
            return cursor.fetchone()[0]

    bought = normalize({"bought": {"categories": [1], "min_times": 2}})
    spent = normalize({"field": "total_spent", "op": "gte", "value": 1})
    # inside the test's transaction, count()'s SET LOCAL outlives its savepoint
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 4")
    segments.count(spent, channel_USD.pk)
    assert workers() == "4"
    segments.count(bought, channel_USD.pk)
    assert workers() == "1"
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
    segments.count(bought, channel_USD.pk)
    assert workers() == "0"
