"""Member discounts through Saleor's own vouchers (Saleor layer).

* Each tier that gives a discount has one Saleor :class:`Voucher` (with a channel
  listing in the program's channel) — :func:`sync_tier_voucher`.
* Each member has one personal :class:`VoucherCode`; it belongs to the voucher of
  the member's effective tier and follows the member from tier to tier
  (:func:`on_tiers_changed`), so Saleor's per-code usage counts stay with it.
* :func:`apply_member_discount` runs from the plugin's ``checkout_created`` /
  ``checkout_updated`` hooks: it removes a member code from any checkout that is not
  its owner's, and attaches the signed-in member's code with Saleor's own
  ``add_voucher_to_checkout`` — so totals, taxes, ``OrderDiscount`` rows, voucher
  usage and refunds are Saleor's. A voucher the customer typed in is handled by the
  program's ``discount_policy``. It never fires checkout events and never raises:
  a failure is recorded and retried.

Saleor applies one voucher per checkout, so a tier gives either a discount on items
or free shipping (a shipping voucher), not both."""

from __future__ import annotations

import contextlib
import logging
import secrets

from django.db import connection, transaction
from django.db.models import IntegerField, Q, Subquery, Value
from django.utils import timezone

from ..core.failures import backoff
from ..core.tables import TABLES
from ..core.voucher_names import translate_voucher, voucher_name
from ..coupons.issuing import code_owner
from ..domain.coupons import CODE_PREFIX as COUPON_PREFIX
from ..domain.emails import normalize_email
from ..domain.tiers import effective_tier_sql
from ..models import HookFailure, LoyaltyProgram, Membership, PointsRedemption, Tier
from ..profiles.activity import checkout_activity_recorded
from .state import effective_tier

logger = logging.getLogger(__name__)


HOOK_NAME = "checkout_member_discount"


# A usage limit Saleor never reaches: with a limit set, Saleor counts every use of
# a code (``VoucherCode.used``), which is what the merchant's reports need.
USAGE_COUNTED = 2_147_483_647


CODE_PREFIX = "MBR-"


MANAGED_KEY = "saleor-crm-plugin.tier"


# Saleor 3.23 runs no plugin hook while it validates a promo code, so a code the
# plugin takes off a checkout cannot be refused with a mutation error: the reason
# is left in the checkout's public metadata under this key, for the storefront.
REFUSED_KEY = "crm.promoCodeRefused"


NOT_YOURS = "NOT_YOURS"


SIGN_IN_REQUIRED = "SIGN_IN_REQUIRED"


OTHER_CHANNEL = "OTHER_CHANNEL"


REPLACED_BY_MEMBER_DISCOUNT = "REPLACED_BY_MEMBER_DISCOUNT"


REFUSAL_MESSAGES = {
    NOT_YOURS: "This code belongs to another customer.",
    SIGN_IN_REQUIRED: "This code belongs to a customer account: sign in to use it.",
    OTHER_CHANNEL: "This member code is for another channel.",
    REPLACED_BY_MEMBER_DISCOUNT: (
        "Your member discount applies instead: an order takes one code."
    ),
}


_CHECKOUT_FIELDS = [
    "voucher_code",
    "discount_amount",
    "discount_name",
    "translated_discount_name",
    "price_expiration",
    "discount_expiration",
    "last_change",
]


def _voucher_shape(tier: Tier) -> tuple[str, str, object]:
    from saleor.discount import DiscountValueType, VoucherType

    if tier.discount_type == "none":
        return VoucherType.SHIPPING, DiscountValueType.PERCENTAGE, 100
    value_type = (
        DiscountValueType.PERCENTAGE
        if tier.discount_type == "percentage"
        else DiscountValueType.FIXED
    )
    if tier.category_ids or tier.collection_ids:
        return VoucherType.SPECIFIC_PRODUCT, value_type, tier.discount_value
    return VoucherType.ENTIRE_ORDER, value_type, tier.discount_value


def tier_names(tier: Tier) -> dict[str, str]:
    """The tier's customer-facing names (``domain.customer_names``)."""
    return {"ja": tier.customer_name_ja, "en": tier.customer_name_en}


def _fallback(tier: Tier) -> str:
    # without customer-facing names: the tier's name, as before
    return f"{tier.name} member discount"


def gives_discount(tier: Tier) -> bool:
    return tier.discount_type != "none" or tier.free_shipping


def sync_tier_voucher(tier: Tier) -> None:
    """Create or update the Saleor voucher that carries ``tier``'s member discount
    (or drop it when the tier gives none). Call inside the transaction that saved
    the tier."""
    from saleor.discount.models import Voucher, VoucherChannelListing

    if not gives_discount(tier):
        drop_tier_voucher(tier)
        return
    program = LoyaltyProgram.objects.select_related("channel").get(pk=tier.program_id)
    channel = program.channel
    voucher_type, value_type, value = _voucher_shape(tier)
    with transaction.atomic():
        voucher = (
            Voucher.objects.filter(pk=tier.voucher_id).first()
            if tier.voucher_id
            else None
        ) or Voucher(start_date=timezone.now())
        # customers see this name (and its translations) at checkout and on orders
        voucher.name = voucher_name(tier_names(tier), _fallback(tier), channel)
        voucher.type = voucher_type
        voucher.discount_value_type = value_type
        voucher.usage_limit = USAGE_COUNTED
        voucher.apply_once_per_order = False
        voucher.apply_once_per_customer = False
        voucher.single_use = False
        voucher.only_for_staff = False
        voucher.end_date = None
        voucher.store_value_in_private_metadata({MANAGED_KEY: str(tier.pk)})
        voucher.save()
        translate_voucher(voucher, tier_names(tier), _fallback(tier))
        voucher.categories.set(tier.category_ids)
        voucher.collections.set(tier.collection_ids)
        VoucherChannelListing.objects.update_or_create(
            voucher=voucher,
            channel=channel,
            defaults={
                "discount_value": value,
                "currency": channel.currency_code,
                "min_spent_amount": tier.min_spend,
            },
        )
        VoucherChannelListing.objects.filter(voucher=voucher).exclude(
            channel=channel
        ).delete()
        if tier.voucher_id != voucher.pk:
            Tier.objects.filter(pk=tier.pk).update(voucher=voucher)
        tier.voucher = voucher
    _after_commit_recheck_tier(tier.pk)


def drop_tier_voucher(tier: Tier) -> None:
    """Delete the tier's voucher. Members' codes on it go with it; they are
    recreated from ``Membership.voucher_code`` when a discount applies again."""
    from saleor.discount.models import Voucher

    if not tier.voucher_id:
        return
    voucher_id = tier.voucher_id
    with transaction.atomic():
        Tier.objects.filter(pk=tier.pk).update(voucher=None)
        tier.voucher = None
        Voucher.objects.filter(pk=voucher_id).delete()
    _after_commit_recheck_tier(tier.pk)


def _after_commit_recheck_tier(tier_id: int) -> None:
    ids = list(
        Membership.objects.filter(Q(tier_id=tier_id) | Q(override_tier_id=tier_id))
        .exclude(voucher_code="")
        .values_list("pk", flat=True)
    )
    if ids:
        transaction.on_commit(lambda: on_tiers_changed(ids))


_REPOINT_SQL = (
    """
UPDATE "{voucher_code}" vc
SET voucher_id = COALESCE(eff.voucher_id, vc.voucher_id),
    is_active = eff.voucher_id IS NOT NULL
FROM (
    SELECT m.voucher_code,
           CASE WHEN p.is_active THEN t.voucher_id END AS voucher_id
    FROM "{membership}" m
    JOIN "{program}" p ON p.id = m.program_id
    LEFT JOIN "{tier}" t ON t.id = """
    + effective_tier_sql("m")
    + """
    WHERE m.id = ANY(%(ids)s) AND m.voucher_code <> ''
) eff
WHERE vc.code = eff.voucher_code
  AND (vc.voucher_id IS DISTINCT FROM COALESCE(eff.voucher_id, vc.voucher_id)
       OR vc.is_active IS DISTINCT FROM (eff.voucher_id IS NOT NULL))
"""
)


def on_tiers_changed(membership_ids: list[int]) -> int:
    """Members' tiers (or overrides, or a tier's discount) changed: move their codes
    to the voucher of the tier that applies now — one set-based UPDATE — and re-check
    their open checkouts so the discount shown is the new one. Members with neither
    a code nor an open checkout (most, in a review) cost nothing beyond the first
    query. Returns the number of checkouts re-checked."""
    from django.db.models import Exists, OuterRef
    from saleor.checkout.models import Checkout

    if not membership_ids:
        return 0
    open_checkout = Checkout.objects.filter(
        user_id=OuterRef("user_id"), channel_id=OuterRef("program__channel_id")
    )
    members = list(
        Membership.objects.filter(pk__in=membership_ids)
        .filter(~Q(voucher_code="") | Exists(open_checkout))
        .values_list("pk", "user_id", "program__channel_id", "voucher_code")
    )
    if not members:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            _REPOINT_SQL.format(**TABLES),
            {"ids": [pk for pk, *_ in members], "now": timezone.now()},
        )
    users = {user_id for _, user_id, _, _ in members}
    channels = {channel_id for _, _, channel_id, _ in members}
    codes = {code for *_, code in members if code}
    query = Q(user_id__in=users, channel_id__in=channels) | Q(voucher_code__in=codes)
    checked = 0
    for checkout in Checkout.objects.filter(query).select_related("channel", "user"):
        apply_member_discount(checkout, recheck=True)
        checked += 1
    return checked


def on_tiers_changed_safely(membership_ids: list[int]) -> None:
    """:func:`on_tiers_changed` for ``on_commit``: the order's data is committed
    already, so a failure here is logged, never raised into the order task."""
    try:
        on_tiers_changed(membership_ids)
    except Exception:  # noqa: BLE001
        logger.exception("CRM: member codes not moved after a tier change")


_ISSUE_SQL = (
    """
WITH drawn AS (
    SELECT d.id, d.code FROM unnest(%(ids)s::bigint[], %(codes)s::text[]) AS d(id, code)
),
need AS (
    SELECT m.id, t.voucher_id, d.code
    FROM "{membership}" m
    JOIN drawn d ON d.id = m.id
    JOIN "{program}" p ON p.id = m.program_id
    JOIN "{tier}" t ON t.id = """
    + effective_tier_sql("m")
    + """
    WHERE m.voucher_code = '' AND p.is_active AND t.voucher_id IS NOT NULL
    FOR UPDATE OF m
),
codes AS (
    INSERT INTO "{voucher_code}" (id, code, used, is_active, voucher_id, created_at)
    SELECT gen_random_uuid(), n.code, 0, true, n.voucher_id, %(now)s
    FROM need n
    WHERE NOT EXISTS (SELECT 1 FROM "{gift_card}" gc WHERE gc.code = n.code)
    ON CONFLICT (code) DO NOTHING
    RETURNING code
),
given AS (
    UPDATE "{membership}" m SET voucher_code = n.code
    FROM need n JOIN codes c ON c.code = n.code
    WHERE m.id = n.id
    RETURNING m.id
)
SELECT (SELECT count(*) FROM need), (SELECT count(*) FROM given)
"""
)


# a drawn code that exists already is drawn again, up to this many rounds
_ISSUE_ROUNDS = 8


def _draw_code() -> str:
    """A member code: 40 random bits from the OS's CSPRNG."""
    return CODE_PREFIX + secrets.token_hex(5).upper()


def sync_member_codes(membership_ids: list[int], now=None) -> int:
    """The members' personal codes, in line with their tiers — in the caller's
    transaction (a tier move and its code commit together).

    A code moves to the voucher of the member's effective tier, or is switched off
    when that tier gives no discount; a member of a tier with a discount who has
    no code yet gets one, so ``crmMyLoyalty`` shows it at once. Set-based: one
    UPDATE, then one statement that locks the members without a code, inserts
    their Saleor ``VoucherCode`` rows and stores them on the memberships (another
    round only for a drawn code that exists already, as a voucher code or a gift
    card). Idempotent. Returns the number of codes created."""
    ids = list(dict.fromkeys(membership_ids))
    if not ids:
        return 0
    now = now or timezone.now()
    created = 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_REPOINT_SQL.format(**TABLES), {"ids": ids, "now": now})
        for _ in range(_ISSUE_ROUNDS):
            codes: set[str] = set()
            while len(codes) < len(ids):
                codes.add(_draw_code())
            cursor.execute(
                _ISSUE_SQL.format(**TABLES),
                {"ids": ids, "codes": list(codes), "now": now},
            )
            needed, given = cursor.fetchone()
            created += given
            if given == needed:
                return created
    logger.warning("CRM: member codes left for the checkout hook (codes taken)")
    return created


def _member_code(membership: Membership, voucher_id: int):
    """The member's VoucherCode, on ``voucher_id`` and active (created or moved if
    needed)."""
    from saleor.discount.models import VoucherCode

    if not membership.voucher_code:
        sync_member_codes([membership.pk])
        membership.voucher_code = (
            Membership.objects.filter(pk=membership.pk)
            .values_list("voucher_code", flat=True)
            .get()
        )
        if not membership.voucher_code:
            raise RuntimeError("no member code could be drawn")
    code, created = VoucherCode.objects.get_or_create(
        code=membership.voucher_code,
        defaults={"voucher_id": voucher_id, "is_active": True},
    )
    if not created and (code.voucher_id != voucher_id or not code.is_active):
        code.voucher_id, code.is_active = voucher_id, True
        code.save(update_fields=["voucher", "is_active"])
    return code


def apply_member_discount(
    checkout, *, recheck: bool = False, record_activity: bool = False
) -> None:
    """Bring a checkout's voucher in line with its customer's membership. Never
    raises; a failure is recorded for retry and the checkout is left as Saleor had
    it. ``record_activity`` (the checkout hooks): the customer's checkout activity
    is written by the same statement as the membership lookup
    (:func:`~saleor_crm_plugin.profiles.activity.checkout_activity_recorded`)."""
    try:
        # reads outside a transaction (the common case writes nothing); each
        # write below is atomic on its own
        _apply(checkout, recheck=recheck, record_activity=record_activity)
    except Exception as exc:  # noqa: BLE001 - a CRM failure must not break checkout
        logger.warning(
            "CRM: member discount not applied to a checkout (%s)", type(exc).__name__
        )
        try:
            checkout.refresh_from_db(fields=_CHECKOUT_FIELDS)
        except Exception:  # noqa: BLE001, S110
            pass
        _record_failure(checkout, exc)


def _record_failure(checkout, exc: Exception) -> None:

    try:
        HookFailure.objects.create(
            hook=HOOK_NAME,
            order_id=checkout.token,
            user_id=checkout.user_id,
            error=f"{type(exc).__name__}: {exc}"[:255],
            next_attempt_at=timezone.now() + backoff(1),
        )
    except Exception:  # noqa: BLE001
        logger.exception("CRM: could not record a checkout hook failure")


def _apply(checkout, *, recheck: bool, record_activity: bool = False) -> None:

    user_id, code = checkout.user_id, checkout.voucher_code
    if user_id is None and not code:
        return  # a guest checkout without a code: nothing to do, no query
    query = Q(pk__in=[])
    if user_id is not None:
        query |= Q(user_id=user_id, program__channel_id=checkout.channel_id)
    redeemer = Value(None, output_field=IntegerField())
    if code:
        query |= Q(voucher_code=code) & ~Q(voucher_code="")
        if not code.startswith(COUPON_PREFIX):
            # whose points redemption the code is, if it is one: an uncorrelated
            # sub-select, run once, that picks that membership by primary key
            redeemer = Subquery(
                PointsRedemption.objects.filter(voucher__codes__code=code).values(
                    "membership_id"
                )[:1]
            )
            query |= Q(pk=redeemer)
    with (
        checkout_activity_recorded(checkout)
        if record_activity
        else contextlib.nullcontext()
    ):
        rows = list(
            Membership.objects.filter(query)
            .annotate(crm_redeemer_id=redeemer)
            .select_related("program", "tier", "override_tier")[:3]
        )
    member = next(
        (
            m
            for m in rows
            if m.user_id == user_id and m.program.channel_id == checkout.channel_id
        ),
        None,
    )
    owner = next((m for m in rows if code and m.voucher_code == code), None)
    if owner is not None and owner is not member:
        # someone else's member code (or the member's code of another channel)
        _refuse(
            checkout,
            OTHER_CHANNEL
            if owner.user_id == user_id
            else _not_theirs(checkout, owner.user_id),
        )
        code = None
    elif owner is None and code and code.startswith(COUPON_PREFIX):
        holder = code_owner(code)
        if holder is not None and not _holds(checkout, *holder):
            # a personal coupon of another customer
            _refuse(checkout, _not_theirs(checkout, holder[0]))
            code = None
        elif holder is not None:
            return  # the customer's own coupon: kept, never replaced
    elif owner is None and code:
        redeemed_by = next((m.user_id for m in rows if m.pk == m.crm_redeemer_id), None)
        if redeemed_by is not None and redeemed_by != user_id:
            _refuse(checkout, _not_theirs(checkout, redeemed_by))
            code = None
        elif redeemed_by is not None:
            return  # the member's own points redemption: paid for, never replaced
    if member is None:
        return
    tier = effective_tier(member) if member.program.is_active else None
    voucher_id = tier.voucher_id if tier is not None else None
    attached = bool(code) and code == member.voucher_code
    if voucher_id is None:
        if attached:
            _remove_voucher(checkout)
        return
    if attached and not recheck:
        return  # the common case: already carries the member's code
    _attach(checkout, member, voucher_id, recheck=attached)


def _holds(checkout, user_id: int | None, email: str) -> bool:
    """Whether the checkout's customer is the coupon's: its account, or for a code
    issued to a guest profile, the same email."""
    if user_id is not None:
        return checkout.user_id == user_id
    return normalize_email(checkout.get_customer_email() or "") == email


def _not_theirs(checkout, owner_user_id: int | None) -> str:
    """Why a code of another customer is refused: a guest may be the account
    holder, not signed in."""
    if checkout.user_id is None and owner_user_id is not None:
        return SIGN_IN_REQUIRED
    return NOT_YOURS


def _remove_voucher(checkout) -> None:
    from saleor.checkout.utils import remove_voucher_from_checkout

    with transaction.atomic():
        remove_voucher_from_checkout(checkout)
        _expire_prices(checkout)


def _refuse(checkout, reason: str) -> None:
    """Take the code off the checkout and say why, in one transaction."""
    with transaction.atomic():
        _remove_voucher(checkout)
        note_refusal(checkout, reason)


_NOTE_SQL = """
INSERT INTO "{checkout_metadata}" (checkout_id, metadata, private_metadata)
VALUES (%(checkout)s, jsonb_build_object(%(key)s::text, %(value)s::text), '{{}}')
ON CONFLICT (checkout_id) DO UPDATE
SET metadata = "{checkout_metadata}".metadata || EXCLUDED.metadata
"""


def note_refusal(checkout, reason: str) -> None:
    """Leave the reason in the checkout's public metadata (``REFUSED_KEY``): a JSON
    string ``{"reason", "message", "at"}``. One statement that adds the key to
    whatever metadata the checkout has (nothing else is overwritten)."""
    import json

    value = json.dumps(
        {
            "reason": reason,
            "message": REFUSAL_MESSAGES[reason],
            "at": timezone.now().isoformat(),
        }
    )
    with connection.cursor() as cursor:
        cursor.execute(
            _NOTE_SQL.format(**TABLES),
            {"checkout": checkout.pk, "key": REFUSED_KEY, "value": value},
        )
    storage = checkout._state.fields_cache.get("metadata_storage")
    if storage is not None:  # keep a loaded copy in step
        storage.metadata[REFUSED_KEY] = value


def _expire_prices(checkout) -> None:
    now = timezone.now()
    checkout.price_expiration = now
    checkout.discount_expiration = now
    checkout.save(
        update_fields=["price_expiration", "discount_expiration", "last_change"]
    )


def _attach(checkout, member: Membership, voucher_id: int, *, recheck: bool) -> None:
    with transaction.atomic():
        _attach_in_transaction(checkout, member, voucher_id, recheck=recheck)


def _attach_in_transaction(checkout, member, voucher_id, *, recheck):
    from django.db.models import prefetch_related_objects
    from saleor.checkout.fetch import fetch_checkout_info, fetch_checkout_lines
    from saleor.checkout.utils import (
        add_voucher_to_checkout,
        get_voucher_discount_for_checkout,
        recalculate_checkout_discount,
    )
    from saleor.discount import VoucherType
    from saleor.discount.models import Voucher
    from saleor.discount.utils.voucher import NotApplicable
    from saleor.plugins.manager import get_plugins_manager

    code = _member_code(member, voucher_id)
    # Saleor's manager loads plugins lazily; the discount code never calls one
    manager = get_plugins_manager(allow_replica=False)
    lines, _ = fetch_checkout_lines(checkout)
    info = fetch_checkout_info(checkout, lines, manager)
    if recheck:
        # the member's code is on the checkout but its voucher may have changed
        recalculate_checkout_discount(manager, info, lines)
        _expire_prices(checkout)
        return
    voucher = Voucher.objects.get(pk=voucher_id)
    # what Saleor's discount code reads: listings always, the catalogue limits
    # only for a voucher limited to categories / collections
    related = ["channel_listings"]
    if voucher.type == VoucherType.SPECIFIC_PRODUCT:
        related += ["categories", "collections", "products", "variants"]
    prefetch_related_objects([voucher], *related)
    typed = info.voucher
    if typed is not None and member.program.discount_policy == "best_for_customer":
        address = info.shipping_address or info.billing_address

        def discount(v):
            try:
                return get_voucher_discount_for_checkout(
                    manager, v, info, lines, address
                )
            except NotApplicable:
                return None

        ours, theirs = discount(voucher), discount(typed)
        if ours is None or (theirs is not None and theirs.amount >= ours.amount):
            return  # the customer's own voucher is at least as good: keep it
    try:
        add_voucher_to_checkout(manager, info, lines, voucher, code)
    except NotApplicable:
        return  # e.g. below the tier's minimum spend: leave the checkout as it is
    _expire_prices(checkout)
    if typed is not None:
        note_refusal(checkout, REPLACED_BY_MEMBER_DISCOUNT)


def retry_checkout(failure: HookFailure) -> None:
    """Replay a failed checkout hook (``pipeline.tasks.retry_hook_failures``)."""
    from saleor.checkout.models import Checkout

    checkout = (
        Checkout.objects.select_related("channel", "user")
        .filter(token=failure.order_id)
        .first()
    )
    if checkout is not None:
        _apply(checkout, recheck=True)
