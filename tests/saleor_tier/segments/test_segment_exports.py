"""CSV export of a segment's members through ``crmSegmentExport`` and the plugin's
signed download endpoint: columns per permission (names and addresses only with
MANAGE_USERS), refused callers, tampered / expired / revoked tokens, streaming
through a server-side cursor (WSGI and ASGI), CSV injection, the byte order
mark."""

import csv
import dataclasses
import io
import logging
from datetime import timedelta
from urllib.parse import urlparse

import pytest
from asgiref.sync import async_to_sync
from crm_helpers import crm_gql, crm_post, gid
from django.core import signing
from django.db import connection
from django.test import AsyncRequestFactory, Client
from django.utils import timezone
from freezegun import freeze_time
from saleor.account.models import Address, User
from saleor.graphql.tests.utils import assert_no_permission

from saleor_crm_plugin.core import exports
from saleor_crm_plugin.models import (
    CustomerProfile,
    LoyaltyProgram,
    Membership,
    RfmScore,
    Segment,
    SegmentMember,
    Tier,
)
from saleor_crm_plugin.segments import exports as exports_exports
from saleor_crm_plugin.segments.membership import materialize

EXPORT = """
mutation E($id: ID!, $format: CRMSegmentExportFormatEnum, $bom: Boolean) {
  crmSegmentExport(id: $id, format: $format, bom: $bom) {
    url expiresAt columns errors { field code message }
  }
}"""

FIGURES = [
    "channel",
    "currency",
    "orders_count",
    "paid_orders_count",
    "net_spent",
    "average_order_value",
    "first_order_at",
    "last_order_at",
    "rfm_group",
    "tier",
    "points",
]
ADDRESS = [
    "company_name",
    "street_address_1",
    "street_address_2",
    "postal_code",
    "city",
    "city_area",
    "country_area",
    "country",
]


@pytest.fixture
def segment(channel_USD):
    """A member with a name and a default address (shipping in JP, billing in PL),
    a member without any address, and a guest; and a customer outside."""
    ship = Address.objects.create(
        first_name="Hanako",
        last_name="Yamada",
        street_address_1="1-1 Chiyoda",
        city="Chiyoda-ku",
        postal_code="100-0001",
        country_area="Tokyo",
        country="JP",
    )
    bill = Address.objects.create(
        first_name="Anna",
        street_address_1="Tęczowa 7",
        city="Wrocław",
        postal_code="53-601",
        country="PL",
    )
    named = User.objects.create(
        email="hanako@example.com",
        first_name="花子",
        last_name="山田",
        default_shipping_address=ship,
        default_billing_address=bill,
    )
    bare = User.objects.create(email="bare@example.com")
    outside = User.objects.create(email="outside@example.com")
    for user, paid in ((named, 3), (bare, 1), (outside, 0)):
        profile = CustomerProfile.objects.create(
            channel=channel_USD,
            user=user,
            currency="USD",
            orders_count=paid,
            paid_orders_count=paid,
            net_spent_amount=paid * 10,
            last_order_at=timezone.now(),
        )
        if paid > 1:
            RfmScore.objects.create(
                profile=profile,
                channel=channel_USD,
                recency=5,
                frequency=4,
                monetary=4,
                group_name="loyal",
                computed_at=timezone.now(),
            )
    CustomerProfile.objects.create(
        channel=channel_USD,
        email="guest@example.com",
        currency="USD",
        orders_count=1,
        paid_orders_count=1,
        net_spent_amount=5,
    )
    program = LoyaltyProgram.objects.create(channel=channel_USD)
    gold = Tier.objects.create(program=program, name="Gold", rank=1)
    Membership.objects.create(
        program=program, user=named, tier=gold, mirrored_points=120
    )
    segment = Segment.objects.create(
        name="Buyers",
        channel=channel_USD,
        rule={"field": "paid_orders_count", "op": "gte", "value": 1},
    )
    materialize(segment)
    assert segment.members_count == 3
    return segment


def export(client, segment, **variables):
    data = crm_gql(client, EXPORT, {"id": gid("CRMSegment", segment.pk), **variables})
    payload = data["crmSegmentExport"]
    assert payload["errors"] == [], payload["errors"]
    return payload


def download(url, method="get"):
    """Open the URL as a browser would: no Authorization header."""
    return getattr(Client(), method)(urlparse(url).path)


def rows(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.DictReader(io.StringIO(body)))


def test_staff_with_manage_users_gets_names(segment, staff_users_admin, channel_USD):
    payload = export(staff_users_admin, segment)
    assert payload["columns"] == [
        "customer_id",
        "email",
        "first_name",
        "last_name",
        *FIGURES,
    ]
    response = download(payload["url"])
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert response["Cache-Control"] == "no-store"
    got = rows(response)
    assert [r["email"] for r in got] == [
        "hanako@example.com",
        "bare@example.com",
        "guest@example.com",
    ]
    named = got[0]
    assert named["customer_id"] == gid(
        "User", User.objects.get(email="hanako@example.com").pk
    )
    assert (named["first_name"], named["last_name"]) == ("花子", "山田")
    assert (named["channel"], named["currency"]) == (channel_USD.slug, "USD")
    assert (named["paid_orders_count"], named["net_spent"]) == ("3", "30.000")
    assert (named["rfm_group"], named["tier"], named["points"]) == (
        "loyal",
        "Gold",
        "120",
    )
    guest = got[2]
    assert guest["customer_id"] == "" and guest["tier"] == "" and guest["points"] == ""


def test_postal_list_has_addresses_and_only_addressed_members(
    segment, staff_users_admin
):
    payload = export(staff_users_admin, segment, format="POSTAL")
    assert payload["columns"] == [
        "customer_id",
        "email",
        "first_name",
        "last_name",
        *ADDRESS,
        *FIGURES,
    ]
    got = rows(download(payload["url"]))
    assert len(got) == 1  # the bare account and the guest have no address
    # the default shipping address (where parcels go) and the name on it
    assert {
        k: got[0][k]
        for k in (
            "first_name",
            "last_name",
            "street_address_1",
            "postal_code",
            "country_area",
            "country",
        )
    } == {
        "first_name": "Hanako",
        "last_name": "Yamada",
        "street_address_1": "1-1 Chiyoda",
        "postal_code": "100-0001",
        "country_area": "Tokyo",
        "country": "JP",
    }


def test_manage_discounts_gets_no_personal_columns(segment, staff_discounts_admin):
    payload = export(staff_discounts_admin, segment)
    assert payload["columns"] == ["customer_id", "email", *FIGURES]
    got = rows(download(payload["url"]))
    assert len(got) == 3 and set(got[0]) == {"customer_id", "email", *FIGURES}
    # a postal list is nothing but names and addresses
    assert_no_permission(
        crm_post(
            staff_discounts_admin,
            EXPORT,
            {"id": gid("CRMSegment", segment.pk), "format": "POSTAL"},
        )
    )


def test_everyone_else_is_refused(
    segment, api_client, user_api_client, staff_api_client, app_api_client
):
    variables = {"id": gid("CRMSegment", segment.pk)}
    for client in (api_client, user_api_client, staff_api_client, app_api_client):
        assert_no_permission(crm_post(client, EXPORT, variables))


def test_unknown_segment_is_a_typed_error(segment, staff_users_admin):
    data = crm_gql(staff_users_admin, EXPORT, {"id": gid("CRMSegment", 0)})[
        "crmSegmentExport"
    ]
    assert [(e["field"], e["code"]) for e in data["errors"]] == [("id", "NOT_FOUND")]
    assert data["url"] is None


def test_an_app_exports_for_itself_until_deactivated(
    segment, app_api_client, permission_manage_users
):
    app_api_client.app.permissions.add(permission_manage_users)
    payload = export(app_api_client, segment)
    assert "first_name" in payload["columns"]
    assert len(rows(download(payload["url"]))) == 3
    app_api_client.app.is_active = False
    app_api_client.app.save(update_fields=["is_active"])
    assert_forbidden(download(payload["url"]))


def assert_forbidden(response):
    assert response.status_code == 403
    assert response.content == b""
    assert "Content-Disposition" not in response


def test_tampered_forged_and_expired_tokens_get_403_and_nothing_else(
    segment, staff_discounts_admin, settings
):
    payload = export(staff_discounts_admin, segment)
    path = urlparse(payload["url"]).path
    token = path.rstrip("/").rsplit("/", 1)[1]
    data = signing.loads(token, salt=exports.SALT)
    assert data["p"] is False
    prefix = path[: -len(token) - 1]
    # the same payload asking for personal columns, signed without the key
    forged = signing.dumps({**data, "p": True}, salt=exports.SALT, key="not-the-key")
    head, _, tail = token.partition(":")
    flipped = ("A" if head[0] != "A" else "B") + head[1:] + ":" + tail
    for bad in (forged, flipped, token[:-1], "x", f"{token}x"):
        assert_forbidden(Client().get(f"{prefix}{bad}/"))
    # a token for another salt (another signed object of the same site)
    other = signing.dumps(data, salt="something.else")
    assert_forbidden(Client().get(f"{prefix}{other}/"))
    # only GET
    assert Client().post(path).status_code == 405
    # 15 minutes
    with freeze_time(timezone.now() + timedelta(minutes=14)):
        assert download(payload["url"]).status_code == 200
    with freeze_time(timezone.now() + timedelta(minutes=16)):
        assert_forbidden(download(payload["url"]))


def test_tokens_follow_the_holder_s_permissions_and_sessions(
    segment, staff_users_admin, permission_manage_users
):
    payload = export(staff_users_admin, segment)
    user = staff_users_admin.user
    # losing MANAGE_USERS: the personal columns of this token are no longer allowed
    user.user_permissions.remove(permission_manage_users)
    user = User.objects.get(pk=user.pk)
    assert_forbidden(download(payload["url"]))
    user.user_permissions.add(permission_manage_users)
    assert download(payload["url"]).status_code == 200
    # "log out everywhere" (a new jwt_token_key) ends the links too
    user.jwt_token_key = "rotated"
    user.save(update_fields=["jwt_token_key"])
    assert_forbidden(download(payload["url"]))


def test_refusals_log_neither_token_nor_path(segment, staff_users_admin, monkeypatch):
    payload = export(staff_users_admin, segment)
    token = urlparse(payload["url"]).path.rstrip("/").rsplit("/", 1)[1]
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record.getMessage())

    handler, logger = Keep(), logging.getLogger("django.request")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        assert_forbidden(download(payload["url"].replace(token, token[:-2])))
        assert (
            Client().get("/plugins/global/saleor-crm-plugin/nowhere/").status_code
            == 404
        )

        def broken(_pk):
            raise RuntimeError("database gone")

        monkeypatch.setitem(
            exports._KINDS,
            "segment",
            dataclasses.replace(exports_exports.SEGMENT, exists=broken),
        )
        failed = download(payload["url"])
        assert failed.status_code == 500 and failed.content == b""
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    assert records == ["Not Found: /plugins/global/saleor-crm-plugin/nowhere/"]
    assert not any(token[:20] in message for message in records)


def test_bom_and_csv_injection(segment, staff_users_admin):
    user = User.objects.get(email="hanako@example.com")
    Address.objects.filter(pk=user.default_shipping_address_id).update(
        first_name='=HYPERLINK("http://x")',
        last_name="@SUM(A1:A9)",
        street_address_1="+1 Evil Rd",
        city="-2+3",
        company_name="\tTab",
    )
    Tier.objects.filter(name="Gold").update(name="=Gold")
    payload = export(staff_users_admin, segment, format="POSTAL", bom=True)
    body = b"".join(download(payload["url"]).streaming_content)
    assert body.startswith(b"\xef\xbb\xbfcustomer_id,")
    row = next(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert row["first_name"] == '\'=HYPERLINK("http://x")'
    assert row["last_name"] == "'@SUM(A1:A9)"
    assert row["street_address_1"] == "'+1 Evil Rd"
    assert row["city"] == "'-2+3"
    assert row["company_name"] == "'\tTab"
    assert row["tier"] == "'=Gold"
    assert row["net_spent"] == "30.000"  # our own numbers are left alone
    plain = b"".join(
        download(export(staff_users_admin, segment)["url"]).streaming_content
    )
    assert plain.startswith(b"customer_id,")


@pytest.fixture
def big_segment(channel_USD):
    users = User.objects.bulk_create(
        [User(email=f"bulk{n}@example.com") for n in range(3000)]
    )
    profiles = CustomerProfile.objects.bulk_create(
        [
            CustomerProfile(
                channel=channel_USD, user=u, currency="USD", paid_orders_count=1
            )
            for u in users
        ]
    )
    segment = Segment.objects.create(
        name="Bulk",
        channel=channel_USD,
        kind="static",
        rule={"field": "paid_orders_count", "op": "gte", "value": 1},
    )
    SegmentMember.objects.bulk_create(
        [SegmentMember(segment=segment, profile=p) for p in profiles]
    )
    return segment


def _open_cursors():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_cursors WHERE name LIKE %s", ["_django_curs_%"]
        )
        return cursor.fetchone()[0]


def test_thousands_of_rows_stream_in_chunks_through_a_server_side_cursor(
    big_segment, staff_discounts_admin
):
    response = download(export(staff_discounts_admin, big_segment)["url"])
    chunks = iter(response.streaming_content)
    header = next(chunks)
    assert header == (",".join(["customer_id", "email", *FIGURES]) + "\r\n").encode()
    first = next(chunks)
    # rows arrive CHUNK at a time from a cursor held open on the server
    assert first.count(b"\r\n") == exports.CHUNK
    assert _open_cursors() == 1
    rest = list(chunks)
    assert [c.count(b"\r\n") for c in rest] == [3000 - exports.CHUNK]
    assert _open_cursors() == 0
    emails = [line.split(b",")[1] for line in (first + b"".join(rest)).splitlines()]
    assert emails == [f"bulk{n}@example.com".encode() for n in range(3000)]


def test_under_asgi_the_chunks_are_read_asynchronously(
    big_segment, staff_discounts_admin
):
    """Django buffers a synchronous iterator under ASGI; the endpoint hands it an
    asynchronous one that reads chunk by chunk in the request's thread."""
    url = export(staff_discounts_admin, big_segment)["url"]
    token = urlparse(url).path.rstrip("/").rsplit("/", 1)[1]
    request = AsyncRequestFactory().get(urlparse(url).path)
    response = exports.serve(request, token)
    assert response.is_async

    async def consume():
        return [chunk async for chunk in response]

    chunks = async_to_sync(consume)()
    assert [c.count(b"\r\n") for c in chunks] == [
        1,
        exports.CHUNK,
        3000 - exports.CHUNK,
    ]
    assert _open_cursors() == 0
