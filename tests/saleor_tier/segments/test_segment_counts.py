"""What a segment's counts say, at every commit, with no refresh in between: the
stored ``membersCount`` after a customer is erased through Saleor (or moves in or
out, or a member row goes any other way), the scope size a live count reports
(kept per channel by the database, not counted), the single statement a live
count runs (in one round trip) — and who the members are (email, names) for staff
with MANAGE_USERS, in one query per page."""

from datetime import timedelta

import pytest
from crm_helpers import CUSTOMER_DELETE, crm_gql, gid, gql, ok
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from saleor.account.models import User

from saleor_crm_plugin.domain.segments import normalize
from saleor_crm_plugin.models import CustomerProfile, Segment, SegmentMember
from saleor_crm_plugin.profiles.erasure import erase_customer
from saleor_crm_plugin.segments import membership as segments

PAID = {"field": "paid_orders_count", "op": "gte", "value": 1}

CREATE = """
mutation C($input: CRMSegmentInput!) {
  crmSegmentCreate(input: $input) {
    segment { id membersCount } errors { field code message }
  }
}"""
COUNTS = """
query S($id: ID!) {
  crmSegment(id: $id) {
    membersCount members(first: 100) { totalCount edges { node { customerId } } }
  }
}"""
SEGMENT = """
query S($id: ID!) {
  crmSegment(id: $id) {
    membersCount
    members(first: 100) {
      totalCount
      edges { node { id customerId email firstName lastName channel } }
    }
  }
}"""
PREVIEW = """
mutation P($rule: JSON, $channel: String) {
  crmSegmentPreview(rule: $rule, channel: $channel) {
    result { count total } errors { field code message }
  }
}"""
EVENTS = """
query E($segment: ID!) {
  crmSegmentEvents(first: 100, filter: {segment: $segment}) {
    edges { node { kind customerId email firstName lastName } }
  }
}"""


def account(channel, n, *, paid=1, first_name="", last_name=""):
    user = User.objects.create(
        email=f"count{n}@example.com",
        first_name=first_name,
        last_name=last_name,
        is_active=True,
    )
    last = timezone.now() - timedelta(days=10)
    return CustomerProfile.objects.create(
        channel=channel,
        user=user,
        email=user.email,
        currency="USD",
        orders_count=paid,
        paid_orders_count=paid,
        last_order_at=last,
        last_paid_at=last,
        first_paid_at=last,
    )


def guest(channel, n, *, paid=1):
    last = timezone.now() - timedelta(days=10)
    return CustomerProfile.objects.create(
        channel=channel,
        user=None,
        email=f"guest{n}@example.com",
        currency="USD",
        orders_count=paid,
        paid_orders_count=paid,
        last_order_at=last,
        last_paid_at=last,
        first_paid_at=last,
    )


def create(staff, channel, name="Paid", kind="DYNAMIC", rule=PAID) -> str:
    data = crm_gql(
        staff,
        CREATE,
        {"input": {"name": name, "channel": channel.slug, "kind": kind, "rule": rule}},
    )["crmSegmentCreate"]
    assert data["errors"] == []
    return data["segment"]["id"]


def counts(staff, segment_id, channel, rule=PAID) -> tuple[int, int, int]:
    """(membersCount, members listed, the live count of the rule)."""
    data = crm_gql(staff, COUNTS, {"id": segment_id})["crmSegment"]
    live = crm_gql(staff, PREVIEW, {"rule": rule, "channel": channel.slug})[
        "crmSegmentPreview"
    ]["result"]["count"]
    return data["membersCount"], data["members"]["totalCount"], live


# --- item 3: the stored count at every commit -------------------------------------


@pytest.mark.parametrize("kind", ["DYNAMIC", "STATIC"])
def test_members_count_right_after_customer_delete_through_saleor(
    staff_users_admin, channel_USD, kind
):
    profiles = [account(channel_USD, n) for n in range(4)] + [guest(channel_USD, 9)]
    segment_id = create(staff_users_admin, channel_USD, kind=kind)
    assert counts(staff_users_admin, segment_id, channel_USD) == (5, 5, 5)

    # Saleor's own customerDelete: the user goes, and with it (cascade and the
    # plugin's erasure) the profile and its segment membership — no refresh
    ok(
        gql(
            staff_users_admin, CUSTOMER_DELETE, {"id": gid("User", profiles[0].user_id)}
        )["customerDelete"]
    )
    assert not CustomerProfile.objects.filter(pk=profiles[0].pk).exists()
    assert counts(staff_users_admin, segment_id, channel_USD) == (4, 4, 4)
    assert Segment.objects.get().members_count == SegmentMember.objects.count() == 4


def test_members_count_right_after_the_erasure_the_hooks_run(
    staff_users_admin, channel_USD, channel_PLN
):
    """The plugin's erasure (what its deletion hooks call) removes an account's
    profiles in every channel and the guest profile under the same email: every
    segment's count follows, the all-channel one included."""
    member = account(channel_USD, 1)
    CustomerProfile.objects.create(
        channel=channel_PLN,
        user=member.user,
        email=member.email,
        currency="PLN",
        orders_count=1,
        paid_orders_count=1,
    )
    guest_twin = CustomerProfile.objects.create(
        channel=channel_USD,
        user=None,
        email=member.email,
        currency="USD",
        orders_count=1,
        paid_orders_count=1,
    )
    others = [account(channel_USD, n) for n in (2, 3)]
    usd = create(staff_users_admin, channel_USD, name="USD")
    everywhere = crm_gql(
        staff_users_admin, CREATE, {"input": {"name": "All", "rule": PAID}}
    )["crmSegmentCreate"]["segment"]["id"]
    assert (
        crm_gql(staff_users_admin, COUNTS, {"id": everywhere})["crmSegment"][
            "membersCount"
        ]
        == 5
    )

    assert erase_customer(member.user_id, member.email) == 3
    assert not CustomerProfile.objects.filter(pk=guest_twin.pk).exists()
    assert counts(staff_users_admin, usd, channel_USD) == (2, 2, 2)
    data = crm_gql(staff_users_admin, COUNTS, {"id": everywhere})["crmSegment"]
    assert data["membersCount"] == data["members"]["totalCount"] == 2
    assert {e["node"]["customerId"] for e in data["members"]["edges"]} == {
        gid("User", p.user_id) for p in others
    }


def test_members_count_follows_every_other_write_to_the_members(
    staff_users_admin, channel_USD
):
    """Entries and exits of a per-customer refresh, a member row removed or added
    by any other statement: the stored count equals the rows at each step."""
    profiles = [account(channel_USD, n, paid=n % 2) for n in range(6)]
    segment_id = create(staff_users_admin, channel_USD)
    segment = Segment.objects.get()

    def stored():
        return Segment.objects.get(pk=segment.pk).members_count

    assert stored() == SegmentMember.objects.filter(segment=segment).count() == 3
    # an order makes one customer enter and another leave: refreshed for just them
    CustomerProfile.objects.filter(pk=profiles[0].pk).update(paid_orders_count=1)
    CustomerProfile.objects.filter(pk=profiles[1].pk).update(paid_orders_count=0)
    result = segments.materialize(segment, profile_ids=[profiles[0].pk, profiles[1].pk])
    assert (result["entered"], result["exited"], result["members"]) == (1, 1, 3)
    assert stored() == 3
    CustomerProfile.objects.filter(pk=profiles[3].pk).update(paid_orders_count=0)
    assert segments.materialize(segment, profile_ids=[profiles[3].pk])["members"] == 2
    assert stored() == SegmentMember.objects.filter(segment=segment).count() == 2
    # rows written by anything else
    SegmentMember.objects.filter(profile=profiles[0]).delete()
    assert stored() == 1
    SegmentMember.objects.bulk_create(
        [
            SegmentMember(segment=segment, profile=profiles[4]),
            SegmentMember(segment=segment, profile=profiles[0]),
        ]
    )
    assert stored() == SegmentMember.objects.filter(segment=segment).count() == 3
    CustomerProfile.objects.filter(pk=profiles[4].pk).delete()
    assert counts(staff_users_admin, segment_id, channel_USD)[:2] == (2, 2)


# --- item 8: the scope without a scan, one statement ------------------------------


def test_scope_size_is_kept_per_channel_by_every_write(channel_USD, channel_PLN):
    def actual(channel):
        return CustomerProfile.objects.filter(channel=channel).count()

    assert segments.scope_size(channel_USD.pk) == 0
    account(channel_USD, 1)
    guest(channel_USD, 2)
    CustomerProfile.objects.bulk_create(
        [
            CustomerProfile(
                channel=channel_PLN, email=f"bulk{n}@example.com", currency="PLN"
            )
            for n in range(3)
        ]
    )
    with connection.cursor() as cursor:  # raw SQL too (the order sync's upsert)
        cursor.execute(
            f'INSERT INTO "{CustomerProfile._meta.db_table}" (channel_id, email,'
            " currency, orders_count, cancelled_orders_count, paid_orders_count,"
            " other_currency_orders_count, total_spent_amount,"
            " total_refunded_amount, net_spent_amount, average_order_value_amount,"
            " created_at, updated_at)"
            " SELECT %s, 'raw' || g || '@example.com', 'USD', 0, 0, 0, 0, 0, 0, 0,"
            " 0, now(), now() FROM generate_series(1, 4) g",
            [channel_USD.pk],
        )
    assert segments.scope_size(channel_USD.pk) == actual(channel_USD) == 6
    assert segments.scope_size(channel_PLN.pk) == actual(channel_PLN) == 3
    assert segments.scope_size() == CustomerProfile.objects.count() == 9
    CustomerProfile.objects.filter(email__startswith="raw").delete()
    CustomerProfile.objects.filter(channel=channel_PLN).first().delete()
    # a profile moved to another channel (nothing does this today) is counted there
    CustomerProfile.objects.filter(email="guest2@example.com").update(
        channel=channel_PLN
    )
    assert segments.scope_size(channel_USD.pk) == actual(channel_USD) == 1
    assert segments.scope_size(channel_PLN.pk) == actual(channel_PLN) == 3
    # the count reports it as its total
    assert segments.count(normalize(PAID), channel_USD.pk) == (1, 1)


def _profile_statements(queries) -> list[str]:
    table = CustomerProfile._meta.db_table
    return [q["sql"] for q in queries if f'"{table}"' in q["sql"]]


@pytest.mark.parametrize(
    ("rule", "joins_user", "joins_channel"),
    [
        (
            {
                "and": [
                    {"field": "orders_count", "op": "gte", "value": 2},
                    {"field": "last_order_at", "op": "less_than_days_ago", "value": 90},
                ]
            },
            False,
            False,
        ),
        (
            {"field": "date_joined", "op": "less_than_days_ago", "value": 30},
            True,
            False,
        ),
        ({"field": "country", "op": "eq", "value": "US"}, True, False),
        ({"field": "channel", "op": "in", "value": ["main"]}, False, True),
        ({"field": "metadata", "op": "exists", "key": "vip"}, False, False),
    ],
)
def test_a_live_count_is_one_statement_joining_only_what_the_rule_reads(
    channel_USD, rule, joins_user, joins_channel
):
    account(channel_USD, 1)
    guest(channel_USD, 2)
    with CaptureQueriesContext(connection) as ctx:
        matched, total = segments.count(normalize(rule), channel_USD.pk)
    assert total == 2
    statements = _profile_statements(ctx.captured_queries)
    assert len(statements) == 1, statements
    outer = statements[0].split(" WHERE ", 1)[0]
    assert ('LEFT JOIN "account_user" u' in outer) is joins_user
    assert ('JOIN "channel_channel" c' in outer) is joins_channel


@pytest.mark.django_db(transaction=True)
def test_a_live_count_is_one_round_trip_whose_settings_end_with_it(channel_USD):
    """Outside a transaction (as in a request), the count's settings and statement
    travel in one message — no BEGIN / COMMIT round trips — and the settings
    (no JIT, work_mem, one parallel worker for a purchase condition) hold for that
    message only."""
    account(channel_USD, 1)
    guest(channel_USD, 2)

    def settings():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('jit'), current_setting("
                "'work_mem'), current_setting("
                "'max_parallel_workers_per_gather')"
            )
            return cursor.fetchone()

    session = {"jit": "on", "work_mem": "4MB", "max_parallel_workers_per_gather": "2"}
    with connection.cursor() as cursor:
        for name, value in session.items():
            cursor.execute(f"SET {name} = '{value}'")
    try:
        assert settings() == tuple(session.values())
        assert not connection.in_atomic_block
        for rule, expected in ((PAID, 2), ({"bought": {"categories": [1]}}, 0)):
            with CaptureQueriesContext(connection) as ctx:
                assert segments.count(normalize(rule), channel_USD.pk) == (expected, 2)
            [message] = [q["sql"] for q in ctx.captured_queries]  # nothing else
            assert message.startswith("SELECT set_config('jit', 'off', true)")
            assert ("max_parallel_workers_per_gather" in message) is (rule is not PAID)
            assert settings() == tuple(session.values())
    finally:
        with connection.cursor() as cursor:
            for name in session:
                cursor.execute(f"RESET {name}")


# --- item 7: who the members are --------------------------------------------------


def test_members_and_events_show_email_and_names_in_one_query_per_page(
    staff_users_admin, channel_USD, django_assert_max_num_queries
):
    account(channel_USD, 1, first_name="Ada", last_name="Lovelace")
    guest(channel_USD, 2)
    segment_id = create(staff_users_admin, channel_USD)
    data = crm_gql(staff_users_admin, SEGMENT, {"id": segment_id})["crmSegment"]
    nodes = sorted(
        (e["node"] for e in data["members"]["edges"]), key=lambda node: node["email"]
    )
    assert [
        (n["email"], n["firstName"], n["lastName"], n["customerId"] is None)
        for n in nodes
    ] == [
        ("count1@example.com", "Ada", "Lovelace", False),
        ("guest2@example.com", None, None, True),
    ]
    # members keep their profile IDs
    assert {n["id"] for n in nodes} == {
        gid("CRMCustomerProfile", p.pk) for p in CustomerProfile.objects.all()
    }
    events = crm_gql(staff_users_admin, EVENTS, {"segment": segment_id})[
        "crmSegmentEvents"
    ]["edges"]
    assert sorted(
        (e["node"]["email"], e["node"]["firstName"], e["node"]["lastName"])
        for e in events
    ) == [("count1@example.com", "Ada", "Lovelace"), ("guest2@example.com", None, None)]

    # the account's current email and name, whatever the profile stored
    User.objects.filter(email="count1@example.com").update(
        email="renamed@example.com", first_name="Augusta"
    )
    data = crm_gql(staff_users_admin, SEGMENT, {"id": segment_id})["crmSegment"]
    assert "renamed@example.com" in {
        e["node"]["email"] for e in data["members"]["edges"]
    }

    # no query per member: a page of 2 and a page of 12 cost the same
    with CaptureQueriesContext(connection) as small:
        crm_gql(staff_users_admin, SEGMENT, {"id": segment_id})
        crm_gql(staff_users_admin, EVENTS, {"segment": segment_id})
    for n in range(3, 13):
        (account if n % 2 else guest)(channel_USD, n)
    segments.materialize(Segment.objects.get())
    with CaptureQueriesContext(connection) as large:
        data = crm_gql(staff_users_admin, SEGMENT, {"id": segment_id})
        crm_gql(staff_users_admin, EVENTS, {"segment": segment_id})
    assert data["crmSegment"]["members"]["totalCount"] == 12
    assert len(large.captured_queries) == len(small.captured_queries)


def test_member_names_and_emails_need_manage_users(
    staff_api_client, permission_manage_users, channel_USD
):
    """The segment API is MANAGE_USERS throughout; the identity fields check it
    themselves too (Saleor's field permission check, run here on the schema's
    own resolvers), so no other way to a member or an event could show them."""
    from types import SimpleNamespace

    from graphql.execution.base import ResolveInfo
    from saleor.core.exceptions import PermissionDenied

    from saleor_crm_plugin.graphql.schema import schema

    def info(user, name):
        return ResolveInfo(
            name,
            [],
            None,
            None,
            schema,
            {},
            None,
            None,
            {},
            SimpleNamespace(user=user, app=None),
            [],
        )

    profile = guest(channel_USD, 1)
    staff = staff_api_client.user
    for type_name in ("CRMSegmentMember", "CRMSegmentEvent"):
        fields = schema.get_type(type_name).fields
        for name in ("email", "firstName", "lastName"):
            with pytest.raises(PermissionDenied):
                fields[name].resolver(profile, info(staff, name))
    staff.user_permissions.add(permission_manage_users)
    staff = User.objects.get(pk=staff.pk)  # permissions are cached per instance
    fields = schema.get_type("CRMSegmentMember").fields
    assert fields["email"].resolver(profile, info(staff, "email")) == (
        "guest1@example.com"
    )
    assert fields["firstName"].resolver(profile, info(staff, "firstName")) is None
