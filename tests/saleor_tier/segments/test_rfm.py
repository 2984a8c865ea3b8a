"""RFM on PostgreSQL: quantile scores (ties share a score), merchant thresholds,
the SQL group table equals the Python one for all 125 score combinations, stored
scores and groups in the narrow RfmScore table (written only where changed,
idempotent, removed with the profile), movement per period, unscoring, and the
GraphQL API."""

from datetime import timedelta
from decimal import Decimal
from itertools import product

import pytest
from crm_helpers import crm_gql, crm_post
from django.db import connection
from django.db.models import F
from django.utils import timezone
from saleor.account.models import User
from saleor.graphql.tests.utils import assert_no_permission

from saleor_crm_plugin.domain.rfm import RfmError, group_case_sql, group_of
from saleor_crm_plugin.models import CustomerProfile, RfmMovement, RfmScore
from saleor_crm_plugin.profiles.erasure import erase_customer
from saleor_crm_plugin.segments import rfm


def test_sql_groups_equal_python_groups_for_every_combination(db):
    triples = list(product(range(1, 6), repeat=3))
    values = ", ".join(f"({r}, {f}, {m})" for r, f, m in triples)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT r, f, m, {group_case_sql('r', 'f', 'm')} "
            f"FROM (VALUES {values}) AS t(r, f, m)"
        )
        rows = cursor.fetchall()
    assert {(r, f, m): g for r, f, m, g in rows} == {t: group_of(*t) for t in triples}


def make(channel, n, *, days, orders, spent):
    user = User.objects.create(email=f"rfm{n}@example.com")
    return CustomerProfile.objects.create(
        channel=channel,
        user=user,
        email=user.email,
        currency="USD",
        orders_count=orders,
        paid_orders_count=orders,
        last_paid_at=timezone.now() - timedelta(days=days) if orders else None,
        net_spent_amount=Decimal(spent),
    )


@pytest.fixture
def five(channel_USD):
    # days since last order 50..10, orders 1..5, spend 100..500: ranks line up
    return [
        make(channel_USD, i, days=50 - 10 * i, orders=i + 1, spent=100 * (i + 1))
        for i in range(5)
    ]


def scores(profiles):
    """(recency, frequency, monetary, group) from the narrow table; unscored:
    (None, None, None, "")."""
    rows = {
        row[0]: row[1:]
        for row in RfmScore.objects.filter(
            profile__in=[p.pk for p in profiles]
        ).values_list("profile_id", "recency", "frequency", "monetary", "group_name")
    }
    return [rows.get(p.pk, (None, None, None, "")) for p in profiles]


def test_quantile_scores_and_groups(five, channel_USD):
    now = timezone.now()
    result = rfm.recompute(channel_USD.pk, now)
    assert (result["scored"], result["changed"]) == (5, 5)
    assert scores(five) == [
        (1, 1, 1, "lost"),
        (2, 2, 2, "hibernating"),
        (3, 3, 3, "loyal"),
        (4, 4, 4, "champions"),
        (5, 5, 5, "champions"),
    ]
    moves = dict(
        RfmMovement.objects.filter(computed_at=now).values_list("to_group", "customers")
    )
    assert moves == {"lost": 1, "hibernating": 1, "loyal": 1, "champions": 2}
    assert set(RfmMovement.objects.values_list("from_group", flat=True)) == {""}


def test_ties_share_a_score(channel_USD):
    same = [make(channel_USD, i, days=10, orders=2, spent=50) for i in range(3)]
    moment = timezone.now() - timedelta(days=10)
    CustomerProfile.objects.filter(pk__in=[p.pk for p in same]).update(
        last_paid_at=moment
    )
    rfm.recompute(channel_USD.pk)
    assert len(set(scores(same))) == 1


def test_thresholds_movement_and_unscoring(five, channel_USD):
    rfm.save_settings(
        channel_USD,
        "thresholds",
        recency_days=[15, 25, 35, 45],
        frequency=[2, 3, 4, 5],
        monetary=[150, 250, 350, 450],
    )
    first = timezone.now()
    rfm.recompute(channel_USD.pk, first)
    # days 50 -> passes all four boundaries -> recency 1; 10 days -> 5
    assert [s[0] for s in scores(five)] == [1, 2, 3, 4, 5]
    assert [s[1] for s in scores(five)] == [1, 2, 3, 4, 5]
    # a month later nobody ordered: everyone's recency drops; one customer refunded
    CustomerProfile.objects.filter(pk=five[0].pk).update(paid_orders_count=0)
    later = first + timedelta(days=30)
    result = rfm.recompute(channel_USD.pk, later)
    assert result["cleared"] == 1
    assert scores([five[0]]) == [(None, None, None, "")]
    assert [s[0] for s in scores(five[1:])] == [1, 1, 1, 2]
    moved = RfmMovement.objects.filter(computed_at=later).exclude(
        from_group=F("to_group")
    )
    assert moved.exists()  # the period's movement is recorded
    # the same period again writes nothing
    assert rfm.recompute(channel_USD.pk, later)["skipped"] is True


def test_scores_table_rows_written_once_and_idempotent(five, channel_USD):
    first = timezone.now()
    assert rfm.recompute(channel_USD.pk, first)["changed"] == 5
    rows = list(
        RfmScore.objects.order_by("pk").values_list(
            "profile_id", "channel_id", "group_name", "computed_at"
        )
    )
    assert [r[0] for r in rows] == sorted(p.pk for p in five)
    assert {r[1] for r in rows} == {channel_USD.pk}
    assert {r[3] for r in rows} == {first}
    # nothing changed (quantiles keep their ranks): no score row is written, the
    # period's movement says everyone stayed
    later = first + timedelta(days=1)
    result = rfm.recompute(channel_USD.pk, later)
    assert (result["scored"], result["changed"], result["cleared"]) == (5, 0, 0)
    assert (
        list(
            RfmScore.objects.order_by("pk").values_list(
                "profile_id", "channel_id", "group_name", "computed_at"
            )
        )
        == rows
    )
    stayed = RfmMovement.objects.filter(computed_at=later)
    assert all(m.from_group == m.to_group for m in stayed)
    assert sum(m.customers for m in stayed) == 5
    # the same period twice is skipped and records nothing
    assert rfm.recompute(channel_USD.pk, later)["skipped"] is True
    assert RfmMovement.objects.filter(computed_at=later).count() == stayed.count()


def test_movement_counts_each_move_once(five, channel_USD):
    first = timezone.now()
    rfm.recompute(channel_USD.pk, first)
    # the least recent customer buys a lot now: lost -> champions; the others
    # shift down a rank each
    CustomerProfile.objects.filter(pk=five[0].pk).update(
        last_paid_at=first, paid_orders_count=10, net_spent_amount=Decimal(900)
    )
    later = first + timedelta(days=1)
    result = rfm.recompute(channel_USD.pk, later)
    moves = {
        (m.from_group, m.to_group): m.customers
        for m in RfmMovement.objects.filter(computed_at=later)
    }
    assert sum(moves.values()) == 5
    assert moves[("lost", "champions")] == 1
    changed = sum(n for (a, b), n in moves.items() if a != b)
    assert result["changed"] >= changed  # a score can change within a group
    assert scores([five[0]])[0] == (5, 5, 5, "champions")
    assert RfmScore.objects.get(pk=five[0].pk).computed_at == later


def test_erasing_the_customer_deletes_the_score_row(five, channel_USD):
    rfm.recompute(channel_USD.pk)
    gone = five[2]
    erase_customer(gone.user_id, gone.user.email)
    assert not RfmScore.objects.filter(pk=gone.pk).exists()
    assert RfmScore.objects.count() == 4


def test_raw_profile_delete_cascades_to_the_score_row(five, channel_USD):
    # ``sql.py`` deletes profiles left without orders with raw SQL: the database
    # constraint (ON DELETE CASCADE) takes the score row along
    rfm.recompute(channel_USD.pk)
    with connection.cursor() as cursor:
        cursor.execute(
            f'DELETE FROM "{CustomerProfile._meta.db_table}" WHERE id = %s',
            [five[1].pk],
        )
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    assert not RfmScore.objects.filter(pk=five[1].pk).exists()


def test_settings_are_validated(channel_USD):
    with pytest.raises(RfmError):
        rfm.save_settings(
            channel_USD,
            "thresholds",
            recency_days=[1, 2, 3],
            frequency=[1, 2, 3, 4],
            monetary=[1, 2, 3, 4],
        )
    with pytest.raises(RfmError):
        rfm.save_settings(channel_USD, "magic")


GROUPS = """
query G($channel: String!) {
  crmRfmGroups(channel: $channel) { group customers }
  crmRfmMovements(channel: $channel) { computedAt moves { fromGroup toGroup customers } }
}"""
RECOMPUTE = """
mutation R($channel: String!) {
  crmRfmRecompute(channel: $channel) { scored errors { field code message } }
}"""
SETTINGS = """
mutation S($channel: String!, $input: CRMRfmSettingsInput!) {
  crmRfmSettingsUpdate(channel: $channel, input: $input) {
    settings { method recencyDays } errors { field code message }
  }
}"""


def test_graphql(five, staff_users_admin, user_api_client, channel_USD):
    channel = {"channel": channel_USD.slug}
    assert (
        crm_gql(staff_users_admin, RECOMPUTE, channel)["crmRfmRecompute"]["scored"] == 5
    )
    data = crm_gql(staff_users_admin, GROUPS, channel)
    assert len(data["crmRfmGroups"]) == 10  # every group listed, empty ones as 0
    assert {
        g["group"]: g["customers"] for g in data["crmRfmGroups"] if g["customers"]
    } == {"lost": 1, "hibernating": 1, "loyal": 1, "champions": 2}
    assert len(data["crmRfmMovements"]) == 1
    bad = crm_gql(
        staff_users_admin,
        SETTINGS,
        {**channel, "input": {"method": "THRESHOLDS", "recencyDays": [3, 2, 1, 0]}},
    )["crmRfmSettingsUpdate"]
    assert [e["field"] for e in bad["errors"]] == ["recencyDays"]
    ok = crm_gql(
        staff_users_admin,
        SETTINGS,
        {
            **channel,
            "input": {
                "method": "THRESHOLDS",
                "recencyDays": [15, 25, 35, 45],
                "frequency": [2, 3, 4, 5],
                "monetary": [150, 250, 350, 450],
            },
        },
    )["crmRfmSettingsUpdate"]
    assert ok["settings"]["method"] == "THRESHOLDS"
    for query, variables in ((GROUPS, channel), (RECOMPUTE, channel)):
        assert_no_permission(crm_post(user_api_client, query, variables))


READ_SETTINGS = """
query S($channel: String!) {
  crmRfmSettings(channel: $channel) {
    method recencyDays frequency monetary updatedAt
  }
}"""
THRESHOLDS = {
    "method": "THRESHOLDS",
    "recencyDays": [15, 25, 35, 45],
    "frequency": [2, 3, 4, 5],
    "monetary": ["150.5", 250, 350, 450],
}


def test_settings_query_defaults_round_trip_and_back(
    staff_users_admin, channel_USD, channel_PLN
):
    channel = {"channel": channel_USD.slug}
    # never saved: the default method, no boundaries, no date
    assert crm_gql(staff_users_admin, READ_SETTINGS, channel)["crmRfmSettings"] == {
        "method": "QUANTILES",
        "recencyDays": [],
        "frequency": [],
        "monetary": [],
        "updatedAt": None,
    }
    saved = crm_gql(staff_users_admin, SETTINGS, {**channel, "input": THRESHOLDS})
    assert saved["crmRfmSettingsUpdate"]["errors"] == []
    read = crm_gql(staff_users_admin, READ_SETTINGS, channel)["crmRfmSettings"]
    assert read["method"] == "THRESHOLDS"
    assert [Decimal(str(v)) for v in read["recencyDays"]] == [15, 25, 35, 45]
    assert [Decimal(str(v)) for v in read["frequency"]] == [2, 3, 4, 5]
    assert [Decimal(str(v)) for v in read["monetary"]] == [
        Decimal("150.5"),
        250,
        350,
        450,
    ]
    assert read["updatedAt"] is not None
    # per channel: the other channel still has the defaults
    other = crm_gql(staff_users_admin, READ_SETTINGS, {"channel": channel_PLN.slug})
    assert other["crmRfmSettings"]["method"] == "QUANTILES"
    # back to quantiles: the boundaries are dropped
    crm_gql(staff_users_admin, SETTINGS, {**channel, "input": {"method": "QUANTILES"}})
    read = crm_gql(staff_users_admin, READ_SETTINGS, channel)["crmRfmSettings"]
    assert (read["method"], read["recencyDays"], read["monetary"]) == (
        "QUANTILES",
        [],
        [],
    )
    # a refused update changes nothing
    bad = crm_gql(
        staff_users_admin,
        SETTINGS,
        {**channel, "input": {**THRESHOLDS, "frequency": [5, 4, 3, 2]}},
    )["crmRfmSettingsUpdate"]
    assert [e["field"] for e in bad["errors"]] == ["frequency"]
    assert (
        crm_gql(staff_users_admin, READ_SETTINGS, channel)["crmRfmSettings"]["method"]
        == "QUANTILES"
    )


def test_settings_query_unknown_channel_is_a_typed_error(staff_users_admin):
    content = crm_post(
        staff_users_admin, READ_SETTINGS, {"channel": "no-such-channel"}
    ).json()
    assert content["data"] is None
    (error,) = content["errors"]
    assert error["extensions"]["field"] == "channel"
    assert error["extensions"]["code"] == "NOT_FOUND"


def test_settings_query_needs_manage_users(
    staff_api_client, user_api_client, channel_USD, permission_manage_discounts
):
    staff_api_client.user.user_permissions.add(permission_manage_discounts)
    for client in (staff_api_client, user_api_client):
        assert_no_permission(
            crm_post(client, READ_SETTINGS, {"channel": channel_USD.slug})
        )
