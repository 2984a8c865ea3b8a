"""Helpers of the Saleor tier's analytics tests: the profile recompute with
the KPI rollups' upkeep (as the pipeline runs them), and for item analytics CRM
order histories written straight to the CRM's tables (their triggers write the
purchase facts), the reference's view of them, and the rule compiler run on
PostgreSQL."""

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.db import connection
from hypothesis import strategies as st
from saleor.graphql.tests.utils import get_graphql_content_from_response

from saleor_crm_plugin.analytics.rollups import refresh_profiles
from saleor_crm_plugin.core.tables import TABLES
from saleor_crm_plugin.domain.items import ITEM_KINDS, Fact
from saleor_crm_plugin.domain.segments import compile_sql
from saleor_crm_plugin.models import CustomerOrder, CustomerProfile
from saleor_crm_plugin.profiles.sync import recompute_profiles as recompute_figures

# order times are whole minutes from T0; NOW is not, so no due date (a multiple
# of 15 seconds from an order) falls exactly on a window's edge
T0 = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
NOW = T0 + timedelta(seconds=7.5)


def load(channels, histories):
    """Profiles (guests) and their CRM order rows; the rows' triggers write the
    purchase facts. ``histories``: [(channel index, [(minutes before T0,
    products, categories, cancelled), ...])]. Returns [(profile pk, person)]:
    the reference's view of each customer."""
    people, rows = [], []
    for n, (ch, orders) in enumerate(histories):
        channel = channels[ch]
        profile = CustomerProfile.objects.create(
            channel=channel,
            email=f"rp{n}-{uuid.uuid4().hex[:6]}@example.com",
            currency="USD",
        )
        mine = []
        for minutes, products, categories, cancelled in orders:
            o = {
                "order_id": uuid.uuid4(),
                "placed_at": T0 - timedelta(minutes=minutes),
                "product_ids": list(products),
                "category_ids": list(categories),
                "collection_ids": [],
                "cancelled": cancelled,
            }
            mine.append(o)
            rows.append(
                CustomerOrder(
                    order_id=o["order_id"],
                    profile=profile,
                    channel_id=channel.pk,
                    currency="USD",
                    total_amount=Decimal(10),
                    status="fulfilled",
                    placed_at=o["placed_at"],
                    cancelled=cancelled,
                    product_ids=o["product_ids"],
                    category_ids=o["category_ids"],
                )
            )
        people.append((profile.pk, {"channel": channel.pk, "orders": mine}))
    CustomerOrder.objects.bulk_create(rows)
    return people


def facts_of(people) -> list[Fact]:
    out = []
    for pk, person in people:
        for o in person["orders"]:
            if o["cancelled"]:
                continue
            for kind, column in (
                ("products", "product_ids"),
                ("categories", "category_ids"),
            ):
                for item in set(o[column]):
                    out.append(
                        Fact(
                            person["channel"],
                            pk,
                            ITEM_KINDS[kind],
                            item,
                            str(o["order_id"]),
                            o["placed_at"],
                        )
                    )
    return out


def ids_by_sql(rule, per_profile=False):
    sql, params = compile_sql(rule, NOW, TABLES, per_profile=per_profile)
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT p.id FROM "{CustomerProfile._meta.db_table}" p WHERE {sql}', params
        )
        return {row[0] for row in cursor.fetchall()}


DAY = 1440
# a random history: 1-6 customers, each 0-6 orders of products 1-4 and
# categories 1-3, over 400 days, one in eight cancelled
order_st = st.tuples(
    st.integers(0, 400 * DAY),
    st.lists(st.integers(1, 4), max_size=3),
    st.lists(st.integers(1, 3), max_size=2),
    st.sampled_from([False] * 7 + [True]),
)
history_st = st.lists(
    st.tuples(st.integers(0, 1), st.lists(order_st, max_size=6)), min_size=1, max_size=6
)


def errors_of(response):
    content = get_graphql_content_from_response(response)
    return content.get("errors") or [], content.get("data")


def recompute_profiles(profile_ids) -> int:
    """The profiles' figures from their orders, then their KPI rollups — the two
    statements the pipeline runs (``pipeline.apply.sync_and_roll_up``) after it
    has written order rows. Returns how many profiles were deleted."""
    deleted = recompute_figures(profile_ids)
    refresh_profiles(profile_ids)
    return deleted
