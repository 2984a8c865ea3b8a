"""The CSV export of a segment's members (email and postal formats), registered
with the signed-export engine of :mod:`saleor_crm_plugin.core.exports`."""

from __future__ import annotations

from datetime import datetime

from saleor.permission.enums import AccountPermissions, DiscountPermissions

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
from ..domain.segments import value_sql
from ..models import Segment
from .membership import FROM


def _segment_columns(fmt: str, now: datetime) -> list[Column]:

    def field(name):
        sql, params = value_sql(name, now, TABLES)
        return Column(name, sql, params=params)

    return [
        *customer_columns(fmt),
        Column("channel", "c.slug"),
        Column("currency", "p.currency"),
        Column("orders_count", "p.orders_count"),
        Column("paid_orders_count", "p.paid_orders_count"),
        Column("net_spent", "p.net_spent_amount"),
        Column("average_order_value", "p.average_order_value_amount"),
        Column("first_order_at", "p.first_order_at"),
        Column("last_order_at", "p.last_order_at"),
        field("rfm_group"),
        field("tier"),
        field("points"),
    ]


def _segment_source(pk: int, fmt: str) -> tuple[str, list]:

    return (
        f'{FROM.format(**TABLES)} JOIN "{TABLES["segment_member"]}" sm'
        f" ON sm.profile_id = p.id{postal_join(fmt)}"
        " WHERE sm.segment_id = %(pk)s"
        " ORDER BY sm.profile_id",
        {"pk": pk},
    )


def _segment_exists(pk: int) -> bool:

    return Segment.objects.filter(pk=pk).exists()


def _segment_filename(pk: int, fmt: str, now: datetime) -> str:
    return f"segment-{pk}-{fmt}-{now:%Y%m%d-%H%M}.csv"


SEGMENT = register(
    ExportKind(
        key="segment",
        permissions=(
            AccountPermissions.MANAGE_USERS,
            DiscountPermissions.MANAGE_DISCOUNTS,
        ),
        formats=(FORMAT_EMAIL, FORMAT_POSTAL),
        columns=_segment_columns,
        source=_segment_source,
        exists=_segment_exists,
        filename=_segment_filename,
        personal_formats=frozenset({FORMAT_POSTAL}),
    )
)
