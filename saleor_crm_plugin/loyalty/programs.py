"""Administering loyalty programs and tier ladders (Saleor layer): every change is
validated as a whole (the resulting ladder, the window, the benefits), written in
one transaction together with the Saleor voucher that carries a tier's member
discount, and refused with a :class:`loyalty.LoyaltyError` naming the field."""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from ..core.validation import decimal_places
from ..coupons.rules import refuse_if_used
from ..domain.customer_names import clean_names
from ..domain.errors import CRMErrorCode
from ..domain.tiers import (
    Metric,
    TierError,
    TierRule,
    Window,
    WindowKind,
    validate_ladder,
)
from ..models import LoyaltyProgram, Membership, Tier
from .errors import LoyaltyError
from .member_discount import (
    drop_tier_voucher,
    on_tiers_changed_safely,
    sync_tier_voucher,
)

PROGRAM_FIELDS = (
    "is_active",
    "points_per_unit",
    "rounding",
    "return_window_days",
    "points_validity_days",
    "point_value",
    "min_redemption_points",
    "redemption_kind",
    "window_kind",
    "window_months",
    "time_zone",
    "review_period_months",
    "discount_policy",
    "metadata_tier_key",
    "metadata_points_key",
    "expiry_warning_days",
    "points_base",
)


TIER_FIELDS = (
    "name",
    "rank",
    "metric",
    "threshold",
    "discount_type",
    "discount_value",
    "min_spend",
    "category_ids",
    "collection_ids",
    "free_shipping",
    "points_multiplier",
    "customer_name_ja",
    "customer_name_en",
)


# benefits that live on the Saleor voucher
VOUCHER_FIELDS = {
    "name",
    "discount_type",
    "discount_value",
    "min_spend",
    "category_ids",
    "collection_ids",
    "free_shipping",
    "customer_name_ja",
    "customer_name_en",
}


def _choice(model, field: str, value) -> None:
    choices = {c for c, _ in model._meta.get_field(field).choices}
    if value not in choices:
        raise LoyaltyError(
            field, f"Choose one of: {', '.join(sorted(choices))}.", CRMErrorCode.INVALID
        )


def _positive(field: str, value, *, allow_zero=False) -> None:
    if value is None or value < 0 or (value == 0 and not allow_zero):
        raise LoyaltyError(field, "Enter a positive number.", CRMErrorCode.INVALID)
    if value > MAX_INT:
        raise LoyaltyError(field, f"Enter at most {MAX_INT}.", CRMErrorCode.INVALID)


MAX_INT = 2**31 - 1  # PostgreSQL integer


def _fits(model, field: str, value) -> None:
    """A decimal must fit its column as typed: too many decimal places would be
    rounded on save (0.00001 points per unit would become 0), too many digits
    would fail in the database."""
    if value is None:
        return
    column = model._meta.get_field(field)
    value = Decimal(value)
    if not value.is_finite():
        raise LoyaltyError(field, "Enter a number.", CRMErrorCode.INVALID)
    places = decimal_places(value)  # exact: normalize() would round to 28 digits
    if places > column.decimal_places:
        raise LoyaltyError(
            field,
            f"Use at most {column.decimal_places} decimal places.",
            CRMErrorCode.INVALID,
        )
    if abs(value) >= Decimal(10) ** (column.max_digits - column.decimal_places):
        raise LoyaltyError(field, "The number is too large.", CRMErrorCode.INVALID)


def metadata_keys(program: LoyaltyProgram) -> tuple[str, str]:
    """The Saleor ``User.metadata`` keys the program mirrors into (a blank key
    means the default ``crm.<channel>.tier`` / ``crm.<channel>.points``)."""
    slug = program.channel.slug
    return (
        program.metadata_tier_key or f"crm.{slug}.tier",
        program.metadata_points_key or f"crm.{slug}.points",
    )


def _validate_metadata_keys(program: LoyaltyProgram) -> None:
    for field in ("metadata_tier_key", "metadata_points_key"):
        key = getattr(program, field)
        if len(key) > 128:
            raise LoyaltyError(
                field, "Use at most 128 characters.", CRMErrorCode.INVALID
            )
        if key != key.strip() or any(not c.isprintable() for c in key):
            raise LoyaltyError(
                field,
                "No leading or trailing spaces or control characters.",
                CRMErrorCode.INVALID,
            )
    tier_key, points_key = metadata_keys(program)
    if tier_key == points_key:
        raise LoyaltyError(
            "metadata_points_key",
            "The tier and points keys must differ.",
            CRMErrorCode.INVALID,
        )
    # another channel's program writing the same key would overwrite this one's
    for other in (
        LoyaltyProgram.objects.select_related("channel")
        .exclude(pk=program.pk)
        .exclude(channel_id=program.channel_id)
    ):
        taken = set(metadata_keys(other))
        for field, key in (
            ("metadata_tier_key", tier_key),
            ("metadata_points_key", points_key),
        ):
            if key in taken:
                raise LoyaltyError(
                    field,
                    f"The program of channel {other.channel.slug} already mirrors "
                    f"into the metadata key {key!r}.",
                    CRMErrorCode.UNIQUE,
                )


def validate_program(program: LoyaltyProgram) -> None:
    for field in (
        "rounding",
        "redemption_kind",
        "window_kind",
        "discount_policy",
        "points_base",
    ):
        _choice(LoyaltyProgram, field, getattr(program, field))
    for field in ("points_per_unit", "point_value"):
        _fits(LoyaltyProgram, field, getattr(program, field))
        _positive(field, getattr(program, field))
    for field in (
        "return_window_days",
        "min_redemption_points",
        "expiry_warning_days",
        "window_months",
    ):
        _positive(field, getattr(program, field), allow_zero=True)
    if program.return_window_days > 365:
        raise LoyaltyError(
            "return_window_days", "At most 365 days.", CRMErrorCode.INVALID
        )
    if program.points_validity_days is not None and not (
        1 <= program.points_validity_days <= 36_500
    ):
        raise LoyaltyError(
            "points_validity_days",
            "Enter 1 to 36500 days, or null for points that never expire.",
            CRMErrorCode.INVALID,
        )
    if program.expiry_warning_days > 3650:
        raise LoyaltyError(
            "expiry_warning_days", "At most 3650 days.", CRMErrorCode.INVALID
        )
    if not 1 <= program.review_period_months <= 60:
        raise LoyaltyError(
            "review_period_months",
            "Enter a number of months from 1 to 60.",
            CRMErrorCode.INVALID,
        )
    if len(program.time_zone or "") > 64:
        raise LoyaltyError(
            "time_zone", "Enter an IANA time zone.", CRMErrorCode.INVALID
        )
    try:
        Window(
            WindowKind(program.window_kind), program.window_months, program.time_zone
        )
    except TierError as exc:
        raise LoyaltyError(exc.field, str(exc), exc.code) from exc
    _validate_metadata_keys(program)


def create_program(channel, **values) -> LoyaltyProgram:
    if LoyaltyProgram.objects.filter(channel=channel).exists():
        raise LoyaltyError(
            "channel", "This channel already has a program.", CRMErrorCode.UNIQUE
        )
    # a new program earns on the products subtotal after discounts unless told
    values = {"points_base": "subtotal", **_only(values, PROGRAM_FIELDS)}
    program = LoyaltyProgram(channel=channel, **values)
    validate_program(program)
    try:
        with transaction.atomic():
            program.save()
    except IntegrityError as exc:  # a concurrent create for the same channel
        raise LoyaltyError(
            "channel", "This channel already has a program.", CRMErrorCode.UNIQUE
        ) from exc
    return program


class _Changed:
    """Set attributes on a model instance; put them back if the block fails, so
    a refused change leaves the caller's object as it was."""

    def __init__(self, obj, values: dict):
        self.obj, self.values = obj, values

    def __enter__(self):
        self.before = {f: getattr(self.obj, f) for f in self.values}
        for field, value in self.values.items():
            setattr(self.obj, field, value)
        return self.obj

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            for field, value in self.before.items():
                setattr(self.obj, field, value)
        return False


def update_program(program: LoyaltyProgram, **values) -> LoyaltyProgram:
    with _Changed(program, _only(values, PROGRAM_FIELDS)):
        validate_program(program)
    program.updated_at = timezone.now()
    with transaction.atomic():
        program.save()
        if "is_active" in values:  # member codes switch on or off with the program
            ids = list(
                Membership.objects.filter(program=program)
                .exclude(voucher_code="")
                .values_list("pk", flat=True)
            )
            if ids:
                transaction.on_commit(lambda: on_tiers_changed_safely(ids))
    return program


def delete_program(program: LoyaltyProgram) -> None:
    """Delete a program that has no members yet. A program with members holds
    their points and history: switch it off (``is_active``) instead."""
    members = program.members.count()
    if members:
        raise LoyaltyError(
            "id",
            f"The program has {members} members with their points and history; "
            "deactivate it instead (isActive: false).",
            CRMErrorCode.INVALID,
        )
    refuse_if_used("program", tier_ids=list(program.tiers.values_list("pk", flat=True)))
    with transaction.atomic():
        for tier in program.tiers.all():
            drop_tier_voucher(tier)
        program.delete()


def _only(values: dict, allowed) -> dict:
    return {k: v for k, v in values.items() if k in allowed}


def validate_tier(tier: Tier, others: list[Tier]) -> None:
    if not (tier.name or "").strip():
        raise LoyaltyError("name", "Give the tier a name.", CRMErrorCode.REQUIRED)
    if len(tier.name) > 64:
        raise LoyaltyError("name", "Use at most 64 characters.", CRMErrorCode.INVALID)
    names = clean_names(
        {"ja": tier.customer_name_ja, "en": tier.customer_name_en},
        "customer_name",
        LoyaltyError,
    )
    tier.customer_name_ja, tier.customer_name_en = names["ja"], names["en"]
    if tier.rank is None:
        raise LoyaltyError("rank", "Give the tier a rank.", CRMErrorCode.REQUIRED)
    _positive("rank", tier.rank, allow_zero=True)
    for field in ("threshold", "discount_value", "points_multiplier"):
        if getattr(tier, field) is None:
            raise LoyaltyError(
                field, "This field cannot be null.", CRMErrorCode.REQUIRED
            )
    for field in ("threshold", "discount_value", "min_spend", "points_multiplier"):
        _fits(Tier, field, getattr(tier, field))
    if any(o.name.lower() == tier.name.strip().lower() for o in others):
        raise LoyaltyError(
            "name", "Another tier of this program has that name.", CRMErrorCode.UNIQUE
        )
    _choice(Tier, "metric", tier.metric)
    if tier.metric != "spend" and Decimal(tier.threshold) % 1:
        raise LoyaltyError(
            "threshold",
            "Orders and points are counted: enter a whole number.",
            CRMErrorCode.INVALID,
        )
    _choice(Tier, "discount_type", tier.discount_type)
    if tier.discount_type == "percentage" and not 0 < tier.discount_value <= 100:
        raise LoyaltyError(
            "discount_value",
            "A percentage must be above 0 and at most 100.",
            CRMErrorCode.INVALID,
        )
    if tier.discount_type == "fixed" and tier.discount_value <= 0:
        raise LoyaltyError(
            "discount_value", "Enter an amount above 0.", CRMErrorCode.INVALID
        )
    if tier.discount_type == "none" and tier.discount_value:
        raise LoyaltyError(
            "discount_value",
            "A tier without a discount has no discount value.",
            CRMErrorCode.INVALID,
        )
    if tier.min_spend is not None and tier.min_spend < 0:
        raise LoyaltyError(
            "min_spend", "Enter an amount of 0 or more.", CRMErrorCode.INVALID
        )
    if tier.discount_type != "none" and tier.free_shipping:
        raise LoyaltyError(
            "free_shipping",
            "Saleor applies one voucher per checkout: a tier gives either a discount "
            "or free shipping.",
            CRMErrorCode.INVALID,
        )
    if tier.discount_type == "none" and (tier.category_ids or tier.collection_ids):
        raise LoyaltyError(
            "category_ids",
            "Categories and collections limit a discount; set one first.",
            CRMErrorCode.INVALID,
        )
    if tier.points_multiplier is None or tier.points_multiplier <= 0:
        raise LoyaltyError(
            "points_multiplier", "Enter a multiplier above 0.", CRMErrorCode.INVALID
        )
    _exists("category_ids", tier.category_ids, "product.Category")
    _exists("collection_ids", tier.collection_ids, "product.Collection")
    rules = [
        TierRule(t.pk or 0, t.rank, Metric(t.metric), Decimal(t.threshold))
        for t in [*others, tier]
    ]
    try:
        validate_ladder(rules)
    except TierError as exc:
        raise LoyaltyError(exc.field, str(exc), exc.code) from exc


def _exists(field: str, ids, model_label: str) -> None:
    from django.apps import apps

    if not ids:
        return
    model = apps.get_model(model_label)
    found = set(model.objects.filter(pk__in=ids).values_list("pk", flat=True))
    if missing := sorted(set(ids) - found):
        raise LoyaltyError(field, f"Not found: {missing}.", CRMErrorCode.NOT_FOUND)


def create_tier(program: LoyaltyProgram, **values) -> Tier:
    tier = Tier(program=program, **_only(values, TIER_FIELDS))
    tier.name = (tier.name or "").strip()
    with transaction.atomic():
        # lock the program: two concurrent edits of one ladder are validated in turn
        LoyaltyProgram.objects.select_for_update().filter(pk=program.pk).first()
        validate_tier(tier, list(program.tiers.all()))
        tier.save()
        sync_tier_voucher(tier)
    return tier


def update_tier(tier: Tier, **values) -> Tier:
    values = _only(values, TIER_FIELDS)
    if "name" in values:
        values["name"] = (values["name"] or "").strip()
    with (
        _Changed(tier, {**values, "voucher_id": tier.voucher_id}),
        transaction.atomic(),
    ):
        LoyaltyProgram.objects.select_for_update().filter(pk=tier.program_id).first()
        validate_tier(
            tier,
            list(Tier.objects.filter(program_id=tier.program_id).exclude(pk=tier.pk)),
        )
        tier.save()
        if VOUCHER_FIELDS & set(values):
            sync_tier_voucher(tier)
    return tier


def delete_tier(tier: Tier) -> None:
    """Members on the tier keep their place in history (names are kept on each
    change); their current tier becomes none until the next order or review.
    A tier a coupon rule's trigger names is refused (``IN_USE``)."""
    refuse_if_used("tier", tier_ids=[tier.pk])
    with transaction.atomic():
        ids = list(
            Membership.objects.filter(tier=tier)
            .exclude(voucher_code="")
            .values_list("pk", flat=True)
        )
        drop_tier_voucher(tier)
        tier.delete()
        if ids:  # their codes move (or go) once the deletion is committed
            transaction.on_commit(lambda: on_tiers_changed_safely(ids))
