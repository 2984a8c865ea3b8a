"""Administering loyalty programs and tier ladders (Saleor layer): every change is
validated as a whole (the resulting ladder, the window, the benefits), written in
one transaction together with the Saleor voucher that carries a tier's member
discount, and refused with a :class:`loyalty.LoyaltyError` naming the field."""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from .domain.tiers import Metric, TierError, TierRule, Window, WindowKind, validate_ladder
from .loyalty import LoyaltyError
from .models import LoyaltyProgram, Membership, Tier
from .vouchers import drop_tier_voucher, on_tiers_changed_safely, sync_tier_voucher

PROGRAM_FIELDS = (
    "is_active", "points_per_unit", "rounding", "return_window_days",
    "points_validity_days", "point_value", "min_redemption_points",
    "redemption_kind", "window_kind", "window_months", "time_zone",
    "review_period_months", "discount_policy", "metadata_tier_key",
    "metadata_points_key", "expiry_warning_days",
)
TIER_FIELDS = (
    "name", "rank", "metric", "threshold", "discount_type", "discount_value",
    "min_spend", "category_ids", "collection_ids", "free_shipping",
    "points_multiplier",
)
# benefits that live on the Saleor voucher
VOUCHER_FIELDS = {"name", "discount_type", "discount_value", "min_spend",
                  "category_ids", "collection_ids", "free_shipping"}


def _choice(model, field: str, value) -> None:
    choices = {c for c, _ in model._meta.get_field(field).choices}
    if value not in choices:
        raise LoyaltyError(field, "INVALID", f"Choose one of: {', '.join(sorted(choices))}.")


def _positive(field: str, value, *, allow_zero=False) -> None:
    if value is None or value < 0 or (value == 0 and not allow_zero):
        raise LoyaltyError(field, "INVALID", "Enter a positive number.")


def validate_program(program: LoyaltyProgram) -> None:
    for field in ("rounding", "redemption_kind", "window_kind", "discount_policy"):
        _choice(LoyaltyProgram, field, getattr(program, field))
    _positive("points_per_unit", program.points_per_unit)
    _positive("point_value", program.point_value)
    for field in ("return_window_days", "min_redemption_points", "expiry_warning_days"):
        _positive(field, getattr(program, field), allow_zero=True)
    if program.return_window_days > 365:
        raise LoyaltyError("return_window_days", "INVALID", "At most 365 days.")
    if program.points_validity_days is not None and program.points_validity_days < 1:
        raise LoyaltyError("points_validity_days", "INVALID",
                           "Enter at least 1 day, or null for points that never expire.")
    if not 1 <= program.review_period_months <= 60:
        raise LoyaltyError("review_period_months", "INVALID",
                           "Enter a number of months from 1 to 60.")
    try:
        Window(WindowKind(program.window_kind), program.window_months, program.time_zone)
    except TierError as exc:
        raise LoyaltyError(exc.field, "INVALID", str(exc)) from exc
    keys = [k for k in (program.metadata_tier_key, program.metadata_points_key) if k]
    if len(set(keys)) != len(keys):
        raise LoyaltyError("metadata_points_key", "INVALID",
                           "The tier and points keys must differ.")


def create_program(channel, **values) -> LoyaltyProgram:
    if LoyaltyProgram.objects.filter(channel=channel).exists():
        raise LoyaltyError("channel", "UNIQUE", "This channel already has a program.")
    program = LoyaltyProgram(channel=channel, **_only(values, PROGRAM_FIELDS))
    validate_program(program)
    try:
        with transaction.atomic():
            program.save()
    except IntegrityError as exc:  # a concurrent create for the same channel
        raise LoyaltyError("channel", "UNIQUE",
                           "This channel already has a program.") from exc
    return program


def update_program(program: LoyaltyProgram, **values) -> LoyaltyProgram:
    for field, value in _only(values, PROGRAM_FIELDS).items():
        setattr(program, field, value)
    validate_program(program)
    program.updated_at = timezone.now()
    with transaction.atomic():
        program.save()
        if "is_active" in values:  # member codes switch on or off with the program
            ids = list(Membership.objects.filter(program=program)
                       .exclude(voucher_code="").values_list("pk", flat=True))
            if ids:
                transaction.on_commit(lambda: on_tiers_changed_safely(ids))
    return program


def delete_program(program: LoyaltyProgram) -> None:
    """Delete a program that has no members yet. A program with members holds
    their points and history: switch it off (``is_active``) instead."""
    members = program.members.count()
    if members:
        raise LoyaltyError(
            "id", "INVALID",
            f"The program has {members} members with their points and history; "
            "deactivate it instead (isActive: false).")
    with transaction.atomic():
        for tier in program.tiers.all():
            drop_tier_voucher(tier)
        program.delete()


def _only(values: dict, allowed) -> dict:
    return {k: v for k, v in values.items() if k in allowed}


def validate_tier(tier: Tier, others: list[Tier]) -> None:
    if not (tier.name or "").strip():
        raise LoyaltyError("name", "REQUIRED", "Give the tier a name.")
    if any(o.name.lower() == tier.name.strip().lower() for o in others):
        raise LoyaltyError("name", "UNIQUE", "Another tier of this program has that name.")
    _choice(Tier, "metric", tier.metric)
    _choice(Tier, "discount_type", tier.discount_type)
    if tier.discount_type == "percentage" and not 0 < tier.discount_value <= 100:
        raise LoyaltyError("discount_value", "INVALID",
                           "A percentage must be above 0 and at most 100.")
    if tier.discount_type == "fixed" and tier.discount_value <= 0:
        raise LoyaltyError("discount_value", "INVALID", "Enter an amount above 0.")
    if tier.discount_type == "none" and tier.discount_value:
        raise LoyaltyError("discount_value", "INVALID",
                           "A tier without a discount has no discount value.")
    if tier.min_spend is not None and tier.min_spend < 0:
        raise LoyaltyError("min_spend", "INVALID", "Enter an amount of 0 or more.")
    if tier.discount_type != "none" and tier.free_shipping:
        raise LoyaltyError(
            "free_shipping", "INVALID",
            "Saleor applies one voucher per checkout: a tier gives either a discount "
            "or free shipping.")
    if tier.discount_type == "none" and (tier.category_ids or tier.collection_ids):
        raise LoyaltyError("category_ids", "INVALID",
                           "Categories and collections limit a discount; set one first.")
    if tier.points_multiplier is None or tier.points_multiplier <= 0:
        raise LoyaltyError("points_multiplier", "INVALID", "Enter a multiplier above 0.")
    _exists("category_ids", tier.category_ids, "product.Category")
    _exists("collection_ids", tier.collection_ids, "product.Collection")
    rules = [TierRule(t.pk or 0, t.rank, Metric(t.metric), Decimal(t.threshold))
             for t in [*others, tier]]
    try:
        validate_ladder(rules)
    except TierError as exc:
        raise LoyaltyError(exc.field, "INVALID", str(exc)) from exc


def _exists(field: str, ids, model_label: str) -> None:
    from django.apps import apps

    if not ids:
        return
    model = apps.get_model(model_label)
    found = set(model.objects.filter(pk__in=ids).values_list("pk", flat=True))
    if missing := sorted(set(ids) - found):
        raise LoyaltyError(field, "NOT_FOUND", f"Not found: {missing}.")


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
    with transaction.atomic():
        LoyaltyProgram.objects.select_for_update().filter(pk=tier.program_id).first()
        for field, value in values.items():
            setattr(tier, field, value)
        tier.name = (tier.name or "").strip()
        validate_tier(tier, list(Tier.objects.filter(program_id=tier.program_id)
                                 .exclude(pk=tier.pk)))
        tier.save()
        if VOUCHER_FIELDS & set(values):
            sync_tier_voucher(tier)
    return tier


def delete_tier(tier: Tier) -> None:
    """Members on the tier keep their place in history (names are kept on each
    change); their current tier becomes none until the next order or review."""
    with transaction.atomic():
        ids = list(Membership.objects.filter(tier=tier).exclude(voucher_code="")
                   .values_list("pk", flat=True))
        drop_tier_voucher(tier)
        tier.delete()
    if ids:
        on_tiers_changed_safely(ids)
