import graphene
from django.db import transaction
from saleor.channel.models import Channel
from saleor.graphql.core.scalars import DateTime, Decimal

from ...core.validation import column_problem
from ...domain.errors import CRMErrorCode
from ...loyalty import (
    ledger as loyalty,
)
from ...loyalty import (
    programs,
    redemption,
)
from ...loyalty import (
    state as loyalty_state,
)
from ...loyalty import (
    tiers as loyalty_tiers,
)
from ...loyalty.preview import TierSpec, preview_program
from ...models import LoyaltyProgram, Membership, PointsEntry, PointsKind, Tier
from ..core.mutations import (
    CRMMutation,
    CustomerMeta,
    DiscountsMeta,
    UsersMeta,
    invalid,
)
from .types import (
    CRMDiscountPolicyEnum,
    CRMDiscountTypeEnum,
    CRMLoyaltyProgram,
    CRMPointsBalance,
    CRMPointsRedemption,
    CRMPreview,
    CRMRedemptionKindEnum,
    CRMRoundingEnum,
    CRMTier,
    CRMTierMetricEnum,
    CRMWindowKindEnum,
)


class LoyaltyMutation(CRMMutation):
    class Meta:
        abstract = True

    @classmethod
    def membership(cls, user_id: int, channel_slug: str, *, create: bool):
        program = (
            LoyaltyProgram.objects.select_related("channel")
            .filter(channel__slug=channel_slug)
            .first()
        )
        if program is None:
            raise invalid(
                "channel",
                CRMErrorCode.NOT_FOUND,
                "This channel has no loyalty program.",
            )
        if create:
            membership, _ = Membership.objects.get_or_create(
                program=program, user_id=user_id
            )
        else:
            membership = Membership.objects.filter(
                program=program, user_id=user_id
            ).first()
            if membership is None:
                raise invalid(
                    "points",
                    CRMErrorCode.INSUFFICIENT_POINTS,
                    "Not enough points available.",
                )
        membership.program = program
        return membership


def _clean(values: dict) -> dict:
    return {k: v for k, v in values.items() if v is not None}


class CRMLoyaltyProgramInput(graphene.InputObjectType):
    is_active = graphene.Boolean()
    points_per_unit = Decimal(description="Points per unit of the channel currency.")
    rounding = CRMRoundingEnum()
    return_window_days = graphene.Int()
    points_validity_days = graphene.Int(description="Days an award stays valid.")
    point_value = Decimal(description="Currency value of one point when redeemed.")
    min_redemption_points = graphene.Int()
    redemption_kind = CRMRedemptionKindEnum()
    window_kind = CRMWindowKindEnum()
    window_months = graphene.Int()
    time_zone = graphene.String(description="IANA time zone of the windows.")
    review_period_months = graphene.Int()
    discount_policy = CRMDiscountPolicyEnum()
    metadata_tier_key = graphene.String()
    metadata_points_key = graphene.String()
    expiry_warning_days = graphene.Int()


def _program_values(data):
    values = _clean(dict(data))
    for key in ("points_per_unit", "point_value"):
        if key in values:
            values[key] = loyalty.Decimal(str(values[key]))
    return values


class CRMLoyaltyProgramCreate(LoyaltyMutation):
    program = graphene.Field(CRMLoyaltyProgram)

    class Arguments:
        channel = graphene.String(required=True, description="Slug of the channel.")
        input = CRMLoyaltyProgramInput(required=True)

    class Meta(DiscountsMeta):
        description = "Create a channel's loyalty program."

    @classmethod
    def perform_mutation(cls, _root, _info, /, *, channel, input):
        channel_obj = Channel.objects.filter(slug=channel).first()
        if channel_obj is None:
            raise invalid("channel", CRMErrorCode.NOT_FOUND, "Channel not found.")
        program = programs.create_program(channel_obj, **_program_values(input))
        return cls(program=program)


class CRMLoyaltyProgramUpdate(LoyaltyMutation):
    program = graphene.Field(CRMLoyaltyProgram)

    class Arguments:
        id = graphene.ID(required=True)
        input = CRMLoyaltyProgramInput(required=True)

    class Meta(DiscountsMeta):
        description = "Change a loyalty program (unset fields stay as they are)."

    @classmethod
    def perform_mutation(cls, _root, _info, /, *, id, input):
        program = cls.object_or_error(LoyaltyProgram, id, "CRMLoyaltyProgram")
        values = _program_values(input)
        if "points_validity_days" in input and input["points_validity_days"] is None:
            values["points_validity_days"] = None  # explicit null: never expire
        programs.update_program(program, **values)
        return cls(program=program)


class CRMLoyaltyProgramDelete(LoyaltyMutation):
    program = graphene.Field(CRMLoyaltyProgram)

    class Arguments:
        id = graphene.ID(required=True)

    class Meta(DiscountsMeta):
        description = (
            "Delete a loyalty program without members, with its tiers and their Saleor "
            "vouchers (a program with members can only be deactivated)."
        )

    @classmethod
    def perform_mutation(cls, _root, _info, /, *, id):
        program = cls.object_or_error(LoyaltyProgram, id, "CRMLoyaltyProgram")
        pk = program.pk
        programs.delete_program(program)
        program.pk = pk
        return cls(program=program)


class CRMTierInput(graphene.InputObjectType):
    name = graphene.String()
    rank = graphene.Int(description="Position on the ladder; higher is better.")
    metric = CRMTierMetricEnum()
    threshold = Decimal()
    discount_type = CRMDiscountTypeEnum()
    discount_value = Decimal()
    min_spend = Decimal()
    categories = graphene.List(
        graphene.NonNull(graphene.ID),
        description="Limit the discount to these categories.",
    )
    collections = graphene.List(
        graphene.NonNull(graphene.ID),
        description="Limit the discount to these collections.",
    )
    free_shipping = graphene.Boolean()
    points_multiplier = Decimal()


def _tier_values(mutation, data) -> dict:
    values = _clean(dict(data))
    for key in ("threshold", "discount_value", "min_spend", "points_multiplier"):
        if key in values:
            values[key] = loyalty.Decimal(str(values[key]))
    for key, type_name, field in (
        ("categories", "Category", "category_ids"),
        ("collections", "Collection", "collection_ids"),
    ):
        if key in values:
            values[field] = [mutation.pk_of(g, type_name, key) for g in values.pop(key)]
    if "rank" in values and values["rank"] < 0:
        raise invalid("rank", CRMErrorCode.INVALID, "Enter a rank of 0 or more.")
    return values


class CRMTierCreate(LoyaltyMutation):
    tier = graphene.Field(CRMTier)

    class Arguments:
        program_id = graphene.ID(required=True)
        input = CRMTierInput(required=True)

    class Meta(DiscountsMeta):
        description = (
            "Add a tier to a ladder (its member discount becomes a Saleor voucher)."
        )

    @classmethod
    def perform_mutation(cls, _root, _info, /, *, program_id, input):
        program = cls.object_or_error(
            LoyaltyProgram, program_id, "CRMLoyaltyProgram", "program_id"
        )
        values = _tier_values(cls, input)
        for required in ("name", "rank"):
            if required not in values:
                raise invalid(
                    required, CRMErrorCode.REQUIRED, "This field is required."
                )
        tier = programs.create_tier(program, **values)
        return cls(tier=tier)


class CRMTierUpdate(LoyaltyMutation):
    tier = graphene.Field(CRMTier)

    class Arguments:
        id = graphene.ID(required=True)
        input = CRMTierInput(required=True)

    class Meta(DiscountsMeta):
        description = "Change a tier (unset fields stay as they are)."

    @classmethod
    def perform_mutation(cls, _root, _info, /, *, id, input):
        tier = cls.object_or_error(Tier, id, "CRMTier")
        values = _tier_values(cls, input)
        if "min_spend" in input and input["min_spend"] is None:
            values["min_spend"] = None  # explicit null: no minimum any more
        programs.update_tier(tier, **values)
        return cls(tier=tier)


class CRMTierDelete(LoyaltyMutation):
    tier = graphene.Field(CRMTier)

    class Arguments:
        id = graphene.ID(required=True)

    class Meta(DiscountsMeta):
        description = "Delete a tier and its Saleor voucher."

    @classmethod
    def perform_mutation(cls, _root, _info, /, *, id):
        tier = cls.object_or_error(Tier, id, "CRMTier")
        pk = tier.pk
        programs.delete_tier(tier)
        tier.pk = pk
        return cls(tier=tier)


def _reason_fits(model, reason: str, column: str = "reason") -> None:
    """A reason is kept whole: longer than its column is refused, not cut."""
    problem = column_problem(model, column, reason.strip())
    if problem:
        raise invalid("reason", CRMErrorCode.INVALID, problem)


class CRMPointsAdjust(LoyaltyMutation):
    points = graphene.Field(CRMPointsBalance)

    class Arguments:
        customer_id = graphene.ID(required=True)
        channel = graphene.String(required=True)
        points = graphene.Int(
            required=True, description="Positive adds, negative takes."
        )
        reason = graphene.String(required=True)
        idempotency_key = graphene.String(
            description="Optional: a retry with the same key applies nothing twice."
        )

    class Meta(UsersMeta):
        description = "Adjust a customer's points by hand, with a reason (recorded)."

    @classmethod
    def perform_mutation(
        cls,
        _root,
        info,
        /,
        *,
        customer_id,
        channel,
        points,
        reason,
        idempotency_key=None,
    ):
        user = cls.customer(customer_id)
        if idempotency_key is not None and not 1 <= len(idempotency_key) <= 40:
            raise invalid(
                "idempotency_key", CRMErrorCode.INVALID, "Use 1 to 40 characters."
            )
        operation = f"adjust:key:{idempotency_key}" if idempotency_key else None
        if not reason.strip():
            raise invalid("reason", CRMErrorCode.REQUIRED, "Give a reason.")
        _reason_fits(PointsEntry, reason)
        if points == 0:
            raise invalid("points", CRMErrorCode.INVALID, "Enter a non-zero number.")
        staff = info.context.user
        by = staff.pk if staff else None
        with transaction.atomic():
            membership = cls.membership(user.pk, channel, create=True)
            if points > 0:
                loyalty.grant_points(
                    membership, points, reason=reason, by=by, operation=operation
                )
            else:
                loyalty.spend_points(
                    membership.pk,
                    -points,
                    kind=PointsKind.ADJUST,
                    reason=reason.strip(),
                    by=by,
                    operation=operation,
                )
        b = loyalty.balances(membership.pk)
        return cls(
            points=CRMPointsBalance(
                available=b.available, pending=b.pending, expiring_soon=b.expiring_soon
            )
        )


class CRMTierOverrideSet(LoyaltyMutation):
    error_fields = {"tier": "tier_id"}

    tier = graphene.Field(CRMTier, description="The tier that applies now.")

    class Arguments:
        customer_id = graphene.ID(required=True)
        channel = graphene.String(required=True)
        tier_id = graphene.ID(description="Null clears the override.")
        reason = graphene.String(required=True)
        expires_at = DateTime(description="Null: until cleared.")

    class Meta(UsersMeta):
        description = "Set (or clear) a staff override of a customer's tier."

    @classmethod
    def perform_mutation(
        cls,
        _root,
        info,
        /,
        *,
        customer_id,
        channel,
        reason,
        tier_id=None,
        expires_at=None,
    ):
        user = cls.customer(customer_id)
        _reason_fits(Membership, reason, "override_reason")
        tier = (
            cls.object_or_error(Tier, tier_id, "CRMTier", "tier_id")
            if tier_id
            else None
        )
        staff = info.context.user
        with transaction.atomic():
            membership = cls.membership(user.pk, channel, create=True)
            loyalty_tiers.override_tier(
                membership,
                tier,
                reason=reason,
                expires_at=expires_at,
                by=staff.pk if staff else None,
            )
        membership.refresh_from_db()
        return cls(tier=loyalty_state.effective_tier(membership))


class CRMPointsRedeem(LoyaltyMutation):
    redemption = graphene.Field(CRMPointsRedemption)
    points = graphene.Field(CRMPointsBalance, description="The balance afterwards.")

    class Arguments:
        channel = graphene.String(required=True)
        points = graphene.Int(required=True)

    class Meta(CustomerMeta):
        description = (
            "Redeem the signed-in customer's points into a Saleor gift card or a "
            "single-use voucher code (the program decides)."
        )

    @classmethod
    def perform_mutation(cls, _root, info, /, *, channel, points):
        user = info.context.user
        membership = cls.membership(user.pk, channel, create=False)
        membership.user = user
        result = redemption.redeem_points(membership, points)
        b = loyalty.balances(membership.pk)
        return cls(
            redemption=result,
            points=CRMPointsBalance(
                available=b.available, pending=b.pending, expiring_soon=b.expiring_soon
            ),
        )


class CRMLoyaltyPreviewInput(graphene.InputObjectType):
    tiers = graphene.List(
        graphene.NonNull(CRMTierInput),
        description="A proposed ladder (omit: the current one).",
    )
    points_per_unit = Decimal(description="A proposed earn rate.")
    window_kind = CRMWindowKindEnum(description="A proposed qualification window.")
    window_months = graphene.Int()


class CRMLoyaltyPreview(LoyaltyMutation):
    preview = graphene.Field(CRMPreview)

    class Arguments:
        channel = graphene.String(required=True)
        input = CRMLoyaltyPreviewInput(required=True)

    class Meta(DiscountsMeta):
        description = (
            "Preview a ladder, earn rate or window before changing anything: customers "
            "per tier and the estimated member-discount cost and points over the last "
            "12 months of orders. Writes nothing."
        )

    @classmethod
    def perform_mutation(cls, _root, _info, /, *, channel, input):

        program = (
            LoyaltyProgram.objects.select_related("channel")
            .filter(channel__slug=channel)
            .first()
        )
        if program is None:
            raise invalid(
                "channel",
                CRMErrorCode.NOT_FOUND,
                "This channel has no loyalty program.",
            )
        specs = None
        if input.get("tiers") is not None:
            specs = []
            for data in input["tiers"]:
                values = _tier_values(cls, data)
                for required in ("name", "rank"):
                    if required not in values:
                        raise invalid(
                            required,
                            CRMErrorCode.REQUIRED,
                            "Each proposed tier needs a name and a rank.",
                        )
                specs.append(
                    TierSpec(
                        name=values["name"],
                        rank=values["rank"],
                        metric=values.get("metric", "spend"),
                        threshold=values.get("threshold", loyalty.Decimal(0)),
                        discount_type=values.get("discount_type", "none"),
                        discount_value=values.get("discount_value", loyalty.Decimal(0)),
                        min_spend=values.get("min_spend"),
                        points_multiplier=values.get(
                            "points_multiplier", loyalty.Decimal(1)
                        ),
                        category_ids=tuple(values.get("category_ids", ())),
                        collection_ids=tuple(values.get("collection_ids", ())),
                    )
                )
        rate = input.get("points_per_unit")
        result = preview_program(
            program,
            tiers=specs,
            points_per_unit=None if rate is None else loyalty.Decimal(str(rate)),
            window_kind=input.get("window_kind"),
            window_months=input.get("window_months"),
        )
        return cls(preview=result)
