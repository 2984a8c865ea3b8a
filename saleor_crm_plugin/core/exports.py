"""CSV exports for email tools and postal direct-mail lists, streamed through the
plugin's own endpoint behind a short-lived signed URL.

A GraphQL mutation (e.g. ``crmSegmentExport``) checks the caller's permissions and
returns a URL ``/plugins/global/saleor-crm-plugin/export/<token>/``. The token is
signed with Django's ``SECRET_KEY`` (``django.core.signing``, salted, timestamped),
valid for 15 minutes and bound to

* the requesting staff user (and the version of their sessions: Saleor's
  ``jwt_token_key`` changes on "log out everywhere" / a password change) or app,
* the export kind, object and format, and whether personal columns are allowed.

Opening the URL needs no ``Authorization`` header (a browser download), so the
endpoint checks again that the user or app is still active and still has the
permissions the columns need; an expired, forged or tampered token — or one whose
holder lost a permission — gets ``403`` with an empty body and nothing else.

The rows are read from Saleor's replica database (as Saleor's own CSV exports do;
without a replica that is the main database) through a server-side cursor in
chunks of :data:`CHUNK` rows, and streamed: memory stays bounded whatever the
number of rows. Under ASGI (uvicorn) the chunks are fetched through
``sync_to_async`` so Django does not buffer the whole file.

Personal columns (names, addresses) need ``MANAGE_USERS``; a kind lists which
permissions may export it at all. Text cells beginning with ``= + - @``, a tab or
a carriage return are prefixed with ``'`` so spreadsheets never run them as
formulas (CSV injection). Emails and tokens are never logged.

Kinds register themselves with :func:`register` (see ``SEGMENT`` below): a column
list per format (SQL expressions over the kind's ``FROM``) and a source giving the
``FROM ... WHERE ... ORDER BY`` of one object."""

from __future__ import annotations

import csv
import hashlib
import io
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from importlib import import_module
from typing import Any

import graphene
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core import signing
from django.core.handlers.asgi import ASGIRequest
from django.db import connections
from django.http import (
    HttpResponse,
    HttpResponseForbidden,
    HttpResponseNotAllowed,
    HttpResponseNotFound,
    HttpResponseServerError,
    StreamingHttpResponse,
)
from django.urls import reverse
from django.utils import timezone
from saleor.permission.enums import AccountPermissions
from saleor.permission.utils import has_one_of_permissions, permission_required

from .config import PLUGIN_ID
from .tables import TABLES

logger = logging.getLogger(__name__)


SALT = "saleor_crm_plugin.exports"


TOKEN_MAX_AGE = timedelta(minutes=15)


CHUNK = 2000


BOM = "\ufeff"


PERSONAL_PERMISSION = AccountPermissions.MANAGE_USERS


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    name: str
    sql: str  # an expression over the kind's FROM (never from input)
    personal: bool = False  # names, addresses: only with MANAGE_USERS
    # named parameters of ``sql`` (``%(name)s``), prefixed by the column so the
    # columns and the source compose into one statement
    params: Mapping[str, Any] = field(default_factory=dict)
    convert: Callable[[Any], Any] | None = None  # the value as written


@dataclass(frozen=True)
class ExportKind:
    key: str
    # any one of them may export; personal columns also need MANAGE_USERS
    permissions: tuple
    formats: tuple[str, ...]
    # (format, now) -> the columns, in file order
    columns: Callable[[str, datetime], Sequence[Column]]
    # (object pk, format) -> ("FROM ... WHERE ... ORDER BY ...", named params)
    source: Callable[[int, str], tuple[str, Mapping[str, Any]]]
    exists: Callable[[int], bool]
    filename: Callable[[int, str, datetime], str]
    # formats that are nothing without personal columns (a postal list)
    personal_formats: frozenset[str] = field(default_factory=frozenset)
    # a kind computed in Python (bounded: a report, not a list of customers):
    # (object pk, format, the token's signed parameters) -> rows; ``source``
    # is not used then
    rows: Callable[[int, str, dict], Iterator[Sequence]] | None = None


_KINDS: dict[str, ExportKind] = {}


# modules that register kinds of their own, imported before a token is issued or
# served (so a download never depends on what happened to be imported before)
KIND_MODULES: tuple[str, ...] = (
    "saleor_crm_plugin.segments.exports",
    "saleor_crm_plugin.coupons.exports",
    "saleor_crm_plugin.analytics.exports",
)


def register(kind: ExportKind) -> ExportKind:
    _KINDS[kind.key] = kind
    return kind


def get_kind(key: str) -> ExportKind | None:
    for module in KIND_MODULES:
        import_module(module)
    return _KINDS.get(key)


class ExportNotAllowed(Exception):
    """The requestor may not export this kind (or these columns)."""


@dataclass(frozen=True)
class Ticket:
    url: str
    expires_at: datetime
    columns: list[str]


def allowed_columns(
    kind: ExportKind, fmt: str, personal: bool, now: datetime
) -> list[Column]:
    return [c for c in kind.columns(fmt, now) if personal or not c.personal]


def may_see_personal(requestor) -> bool:
    return permission_required(requestor, (PERSONAL_PERMISSION,))


def issue(
    kind_key: str,
    pk: int,
    fmt: str,
    requestor,
    *,
    bom: bool = False,
    now: datetime | None = None,
    params: dict | None = None,
) -> Ticket:
    """A signed download URL for one export, for this requestor (a staff ``User``
    or an ``App``). Raises :class:`ExportNotAllowed`."""
    kind = get_kind(kind_key)
    if kind is None or fmt not in kind.formats:
        raise ValueError(f"unknown export {kind_key!r} / {fmt!r}")
    if requestor is None or not has_one_of_permissions(requestor, kind.permissions):
        raise ExportNotAllowed(kind.permissions)
    personal = may_see_personal(requestor)
    if fmt in kind.personal_formats and not personal:
        raise ExportNotAllowed((PERSONAL_PERMISSION,))
    now = now or timezone.now()
    payload = {
        "k": kind.key,
        "o": pk,
        "f": fmt,
        "p": personal,
        "b": bool(bom),
        **_bind(requestor),
    }
    if params is not None:  # signed with the rest: a report's arguments
        payload["q"] = params
    token = signing.dumps(payload, salt=SALT, compress=True)
    path = reverse("plugins-global", kwargs={"plugin_id": PLUGIN_ID})
    from saleor.core.utils import build_absolute_uri

    return Ticket(
        url=build_absolute_uri(f"{path}export/{token}/"),
        expires_at=now + TOKEN_MAX_AGE,
        columns=[c.name for c in allowed_columns(kind, fmt, personal, now)],
    )


def _bind(requestor) -> dict:
    from saleor.account.models import User

    if isinstance(requestor, User):
        return {"u": requestor.pk, "v": _session_version(requestor)}
    return {"a": requestor.pk}


def _session_version(user) -> str:
    # a digest, not the key: the payload is signed, not encrypted
    return hashlib.sha256(f"{SALT}:{user.jwt_token_key}".encode()).hexdigest()[:16]


def _requestor(payload: dict):
    from saleor.account.models import User
    from saleor.app.models import App

    if isinstance(payload.get("u"), int):
        user = User.objects.filter(
            pk=payload["u"], is_active=True, is_staff=True
        ).first()
        if user is None or _session_version(user) != payload.get("v"):
            return None
        return user
    if isinstance(payload.get("a"), int):
        return App.objects.filter(pk=payload["a"], is_active=True).first()
    return None


def _forbidden() -> HttpResponse:
    response = HttpResponseForbidden()
    # Django logs 4xx responses with the path, and the path holds the token
    response._has_been_logged = True
    return response


def serve(request, token: str) -> HttpResponse:
    """The plugin endpoint ``export/<token>/``."""
    try:
        return _serve(request, token)
    except Exception as exc:  # noqa: BLE001 - Django would log the path (the token)
        logger.error("CRM: export failed (%s)", type(exc).__name__)
        response = HttpResponseServerError()
        response._has_been_logged = True
        return response


def _serve(request, token: str) -> HttpResponse:
    if request.method != "GET":
        response = HttpResponseNotAllowed(["GET"])
        response._has_been_logged = True
        return response
    try:
        payload = signing.loads(token, salt=SALT, max_age=TOKEN_MAX_AGE.total_seconds())
    except signing.BadSignature:  # also SignatureExpired
        return _forbidden()
    kind = get_kind(payload.get("k")) if isinstance(payload, dict) else None
    if (
        kind is None
        or payload.get("f") not in kind.formats
        or not isinstance(payload.get("o"), int)
    ):
        return _forbidden()
    requestor = _requestor(payload)
    personal = payload.get("p") is True
    if requestor is None or not has_one_of_permissions(requestor, kind.permissions):
        return _forbidden()
    if personal and not may_see_personal(requestor):
        return _forbidden()
    pk, fmt, now = payload["o"], payload["f"], timezone.now()
    if not kind.exists(pk):
        response = HttpResponseNotFound()
        response._has_been_logged = True
        return response
    columns = allowed_columns(kind, fmt, personal, now)
    if kind.rows is not None:
        q = payload.get("q")
        chunks = rows_chunks(
            kind.rows(pk, fmt, q if isinstance(q, dict) else {}),
            columns,
            bom=payload.get("b") is True,
        )
    else:
        source, source_params = kind.source(pk, fmt)
        sql = f"SELECT {', '.join(c.sql for c in columns)} {source}"
        params = {k: v for c in columns for k, v in c.params.items()}
        params.update(source_params)
        chunks = csv_chunks(sql, params, columns, bom=payload.get("b") is True)
    if isinstance(request, ASGIRequest):
        content = _async_chunks(chunks)
    else:
        content = chunks
    response = StreamingHttpResponse(content, content_type="text/csv; charset=utf-8")
    name = kind.filename(pk, fmt, now)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Referrer-Policy"] = "no-referrer"
    return response


def cell(value) -> Any:
    """One value as written: text that a spreadsheet would run as a formula is
    prefixed with ``'``; numbers and moments are ours and written as they are."""
    if value is None:
        return ""
    if isinstance(value, str):
        return "'" + value if value.startswith(_FORMULA_START) else value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return value


def csv_chunks(
    sql: str,
    params: Mapping[str, Any],
    columns: Sequence[Column],
    *,
    bom: bool = False,
    chunk: int = CHUNK,
) -> Iterator[bytes]:
    """The file as UTF-8 chunks: the header, then ``chunk`` rows at a time read
    through a server-side cursor."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> bytes:
        data = buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
        return data

    if bom:
        buffer.write(BOM)
    writer.writerow([c.name for c in columns])
    yield flush()
    converters = [c.convert for c in columns]
    connection = connections[settings.DATABASE_CONNECTION_REPLICA_NAME]
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(chunk):
            writer.writerows(
                [
                    cell(convert(value) if convert else value)
                    for value, convert in zip(row, converters, strict=True)
                ]
                for row in rows
            )
            yield flush()


def rows_chunks(
    rows, columns: Sequence[Column], *, bom: bool = False, chunk: int = CHUNK
) -> Iterator[bytes]:
    """The same file from rows computed in Python (a :attr:`ExportKind.rows`)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if bom:
        buffer.write(BOM)
    writer.writerow([c.name for c in columns])
    for n, row in enumerate(rows, 1):
        writer.writerow([cell(v) for v in row])
        if n % chunk == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


async def _async_chunks(chunks: Iterator[bytes]):
    # each chunk is read in the request's thread-sensitive worker: the same thread
    # and database connection throughout, without buffering the whole file
    sentinel = object()
    try:
        while (data := await sync_to_async(next)(chunks, sentinel)) is not sentinel:
            yield data
    finally:
        await sync_to_async(chunks.close)()


FORMAT_EMAIL, FORMAT_POSTAL = "email", "postal"


def user_global_id(pk):
    return graphene.Node.to_global_id("User", pk) if pk is not None else ""


def customer_columns(fmt: str) -> list[Column]:
    """The customer's ID, email and names — and for a postal list the mailing
    address — over the aliases ``p`` (profile), ``u`` (account) and ``a`` (the
    address joined by :func:`postal_join`). Names and addresses are personal."""
    postal = fmt == FORMAT_POSTAL
    # on a postal list, the name on the mailing address, else the account's
    names = [
        Column(
            name,
            f"COALESCE(NULLIF(a.{name}, ''), u.{name})" if postal else f"u.{name}",
            personal=True,
        )
        for name in ("first_name", "last_name")
    ]
    address = (
        [
            Column(name, f"a.{name}", personal=True)
            for name in (
                "company_name",
                "street_address_1",
                "street_address_2",
                "postal_code",
                "city",
                "city_area",
                "country_area",
                "country",
            )
        ]
        if postal
        else []
    )
    return [
        Column("customer_id", "p.user_id", convert=user_global_id),
        Column("email", "COALESCE(NULLIF(u.email, ''), p.email)"),
        *names,
        *address,
    ]


def postal_join(fmt: str) -> str:
    """For a postal list, the join of the account's mailing address ``a``: where
    parcels go, else the billing address; customers without either (guests,
    accounts without an address) are not on the list."""
    if fmt != FORMAT_POSTAL:
        return ""
    return (
        f' JOIN "{TABLES["address"]}" a ON a.id = '
        "COALESCE(u.default_shipping_address_id, u.default_billing_address_id)"
    )
