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
