"""The CSV delivery of a coupon rule: its issued codes, one row per code, through
the signed, streamed exports of :mod:`exports` — for email tools (``email``) and
postal direct-mail lists (``postal``: customers with a default address). Staff
and apps with MANAGE_DISCOUNTS may export; names and addresses only with
MANAGE_USERS. Hold-outs of the control group have no code and are not listed."""

from __future__ import annotations

from datetime import datetime

from saleor.permission.enums import DiscountPermissions

from ..core.exports import (
    FORMAT_EMAIL,
    FORMAT_POSTAL,
    Column,
    ExportKind,
    customer_columns,
    postal_join,
    register,
    user_global_id,
)
from ..core.tables import TABLES
from ..models import CouponRule

KEY = "coupon_codes"


def _columns(fmt: str, now: datetime) -> list[Column]:
    return [
        Column("code", "g.code"),
        *customer_columns(fmt),
        Column("language_code", "u.language_code"),
        Column("channel", "c.slug"),
        Column("rule", "r.name"),
        Column("discount_type", "r.discount_type"),
        Column("discount_value", "r.discount_value"),
        Column("min_spend", "r.min_spend"),
        Column("currency", "g.currency"),
        Column("issued_at", "g.granted_at"),
        Column("expires_at", "g.expires_at"),
        Column("redeemed_at", "g.redeemed_at"),
    ]


def _source(pk: int, fmt: str) -> tuple[str, list]:

    return (
        'FROM "{grant}" g JOIN "{coupon_rule}" r ON r.id = g.rule_id'
        ' JOIN "{profile}" p ON p.id = g.profile_id'
        ' JOIN "{channel}" c ON c.id = p.channel_id'
        ' LEFT JOIN "{user}" u ON u.id = p.user_id'.format(**TABLES)
        + postal_join(fmt)
        + " WHERE g.rule_id = %(pk)s AND NOT g.control ORDER BY g.id",
        {"pk": pk},
    )


def _exists(pk: int) -> bool:

    return CouponRule.objects.filter(pk=pk).exists()


def _filename(pk: int, fmt: str, now: datetime) -> str:
    return f"coupon-rule-{pk}-codes-{fmt}-{now:%Y%m%d-%H%M}.csv"


COUPON_CODES = register(
    ExportKind(
        key=KEY,
        permissions=(DiscountPermissions.MANAGE_DISCOUNTS,),
        formats=(FORMAT_EMAIL, FORMAT_POSTAL),
        columns=_columns,
        source=_source,
        exists=_exists,
        filename=_filename,
        personal_formats=frozenset({FORMAT_POSTAL}),
    )
)


# --- the recipients' message statuses --------------------------------------------------

DELIVERIES_KEY = "coupon_deliveries"


def _delivery_columns(fmt: str, now: datetime) -> list[Column]:
    return [
        Column("customer_id", "p.user_id", convert=user_global_id),
        Column("email", "COALESCE(NULLIF(u.email, ''), p.email)"),
        Column("code", "g.code"),
        Column("method", "d.method"),
        Column("status", "d.status"),
        Column("reason", "d.reason"),
        Column("attempts", "d.attempts"),
        Column("created_at", "d.created_at"),
        Column("updated_at", "d.updated_at"),
        Column("sent_at", "d.sent_at"),
    ]


def _delivery_source(pk: int, fmt: str) -> tuple[str, dict]:
    return (
        'FROM "{delivery}" d JOIN "{profile}" p ON p.id = d.profile_id'
        ' LEFT JOIN "{grant}" g ON g.id = d.grant_id'
        ' LEFT JOIN "{user}" u ON u.id = p.user_id'.format(**TABLES)
        + " WHERE d.rule_id = %(pk)s ORDER BY d.id",
        {"pk": pk},
    )


def _delivery_filename(pk: int, fmt: str, now: datetime) -> str:
    return f"coupon-rule-{pk}-deliveries-{now:%Y%m%d-%H%M}.csv"


COUPON_DELIVERIES = register(
    ExportKind(
        key=DELIVERIES_KEY,
        permissions=(DiscountPermissions.MANAGE_DISCOUNTS,),
        formats=(FORMAT_EMAIL,),
        columns=_delivery_columns,
        source=_delivery_source,
        exists=_exists,
        filename=_delivery_filename,
    )
)
