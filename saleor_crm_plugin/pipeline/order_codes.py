"""What an order says about its voucher code (Saleor layer).

The plugin puts all members of a tier — and all recipients of a coupon rule on a
day — on one Saleor voucher with a personal code each. Saleor 3.23, when it turns
a checkout into an order (``checkout.complete_checkout._create_line_for_order``),
writes the reason of each line of an entire-order voucher as ``"Entire order
voucher code: " + Voucher.code`` — and ``Voucher.code`` is *one* code of the
voucher (its oldest), not the order's own ``voucher_code``. Everything Saleor
derives from those lines would then name another customer's code: the order and
its lines in the API and the Dashboard, the ``ORDER_CREATED`` / ``ORDER_*`` webhook
payloads, the order-confirmation notification.

:func:`correct_order` rewrites that text to the order's own code, with one
set-based UPDATE of the order's lines (and the copies of those lines Saleor
keeps loaded on the order). It runs from a ``post_save`` receiver on
Saleor's ``Order`` (see ``apps.py``) at the order's final save in checkout
completion — inside Saleor's transaction, after the lines are written and before
the commit — so no reader and no payload ever sees the wrong code: Saleor builds
every order payload after that commit (``order_created`` and the confirmation run
``on_commit``). It is idempotent and costs no query for an order whose code is
not a CRM code. Everything else Saleor stores for such an order names the right
code already (``Order.voucher_code``, ``OrderDiscount.voucher_code``, the line
discounts of a specific-product voucher, which Saleor takes from the checkout).

It also drops the plugin's refused-code note (``vouchers.REFUSED_KEY``) that
Saleor copies from the checkout's metadata into the order's."""

from __future__ import annotations

from django.db import connection, transaction

from ..core.failures import record_failure
from ..core.tables import TABLES
from ..domain.coupons import CODE_PREFIX as COUPON_PREFIX
from ..loyalty.member_discount import REFUSED_KEY

HOOK_NAME = "checkout_order_codes"


MEMBER_PREFIX = "MBR-"  # vouchers.CODE_PREFIX (not imported: no Saleor at import)


CRM_PREFIXES = (MEMBER_PREFIX, COUPON_PREFIX)


# the text Saleor 3.23 writes (checkout.complete_checkout._get_unit_discount_reason)
ENTIRE_ORDER_REASON = "Entire order voucher code: "


# Saleor joins several reasons of a line with this
REASON_SEPARATOR = " & "


_CORRECT_SQL = """
UPDATE "{order_line}" l SET unit_discount_reason = x.reason
FROM (
    SELECT s.id,
           %(prefix)s || %(code)s
           || CASE WHEN strpos(s.rest, %(sep)s) > 0
                   THEN substr(s.rest, strpos(s.rest, %(sep)s)) ELSE '' END AS reason
    FROM (
        SELECT id, substr(unit_discount_reason, %(start)s) AS rest
        FROM "{order_line}"
        WHERE order_id = %(order)s AND starts_with(unit_discount_reason, %(prefix)s)
    ) s
) x
WHERE l.id = x.id AND l.unit_discount_reason IS DISTINCT FROM x.reason
"""


def names_crm_code(order) -> bool:
    code = order.voucher_code
    return bool(code) and code.startswith(CRM_PREFIXES)


def correct_order(order) -> int:
    """Make the order's lines name the order's own code where Saleor named another
    code of the voucher. One UPDATE (none for an order without a CRM code);
    idempotent. Returns the number of lines corrected."""
    if not names_crm_code(order):
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            _CORRECT_SQL.format(**TABLES),
            {
                "order": order.pk,
                "code": order.voucher_code,
                "prefix": ENTIRE_ORDER_REASON,
                "start": len(ENTIRE_ORDER_REASON) + 1,
                "sep": REASON_SEPARATOR,
            },
        )
        return cursor.rowcount


def corrected_reason(reason: str | None, code: str) -> str | None:
    """The line reason naming ``code`` (what the UPDATE writes, in Python)."""
    if not reason or not reason.startswith(ENTIRE_ORDER_REASON):
        return reason
    rest = reason[len(ENTIRE_ORDER_REASON) :]
    cut = rest.find(REASON_SEPARATOR)
    return ENTIRE_ORDER_REASON + code + (rest[cut:] if cut >= 0 else "")


def _correct_loaded_lines(order) -> None:
    """Saleor keeps the lines it loaded into the new order (its search-vector step
    prefetches them) and builds the legacy ``ORDER_CREATED`` webhook payload from
    them: correct those copies too (no query)."""
    cache = getattr(order, "_prefetched_objects_cache", None) or {}
    lines = cache.get("lines")
    if lines is None or lines._result_cache is None:
        return
    for line in lines._result_cache:
        line.unit_discount_reason = corrected_reason(
            line.unit_discount_reason, order.voucher_code
        )


def _drop_refused_note(order) -> None:
    """The checkout's refused-code note is about the checkout: it does not belong
    on the order (Saleor copies a checkout's metadata into its order)."""

    if REFUSED_KEY not in (order.metadata or {}):
        return
    order.delete_value_from_metadata(REFUSED_KEY)
    type(order).objects.filter(pk=order.pk).update(metadata=order.metadata)


def on_order_saved(
    sender, instance, created, update_fields=None, raw=False, **kwargs
) -> None:
    """``post_save`` of Saleor's ``Order``: checkout completion ends with a full
    save of the new order, after its lines (both of Saleor's completion paths).
    Costs nothing for any other save. Never raises: inside Saleor's transaction
    the work runs in a savepoint; a failure is logged and stored for retry."""
    from saleor.order import OrderOrigin

    if created or raw or update_fields is not None:
        return
    if instance.origin != OrderOrigin.CHECKOUT:
        return
    has_note = bool(instance.metadata) and _has_refused_note(instance)
    if not (names_crm_code(instance) or has_note):
        return
    try:
        with transaction.atomic():
            if correct_order(instance):
                _correct_loaded_lines(instance)
            if has_note:
                _drop_refused_note(instance)
    except Exception as exc:  # noqa: BLE001 - never break Saleor's order
        record_failure(HOOK_NAME, exc, order_id=instance.pk)


def _has_refused_note(order) -> bool:

    return REFUSED_KEY in order.metadata


def retry(order_id) -> None:
    """Replay a failed correction (``pipeline.tasks.retry_hook_failures``)."""
    from saleor.order.models import Order

    order = Order.objects.filter(pk=order_id).first()
    if order is not None:
        with transaction.atomic():
            correct_order(order)
            if _has_refused_note(order):
                _drop_refused_note(order)
