"""A coupon rule's dry run (writes nothing)."""

import graphene
from saleor.graphql.core.scalars import DateTime
from saleor.graphql.core.types.money import Money

from ....coupons import issuing as coupons
from ...core.utils import gid, money
from ..enums import CRMCouponDryRunExplanationCodeEnum, CRMCouponTriggerEnum


class CRMCouponDryRunRow(graphene.ObjectType):
    customer_id = graphene.ID()
    email = graphene.String(required=True)
    control = graphene.Boolean(required=True, description="Would be held out.")
    estimated_cost = graphene.Field(Money, required=True)


def _sample(rows, currency):
    return [
        CRMCouponDryRunRow(
            customer_id=gid("User", row["user_id"]),
            email=row["email"],
            control=row["control"],
            estimated_cost=money(row["estimated_cost"], currency),
        )
        for row in rows
    ]


class _DryRunFigures:
    codes = graphene.Int(required=True, description="Codes that would be issued.")
    customers = graphene.Int(
        required=True,
        description="Customers the trigger and the limits admit, before the budget "
        "(codes + held out, unless the budget leaves some out).",
    )
    held_out = graphene.Int(
        required=True,
        description="Customers that would be held out (control "
        "group; a fresh random draw).",
    )
    estimated_cost = graphene.Field(
        Money,
        required=True,
        description="Of those codes, if every code were used once on the customer's "
        "usual order.",
    )
    budget_limited = graphene.Boolean(
        required=True, description="The budget leaves some out."
    )
    sample = graphene.List(graphene.NonNull(CRMCouponDryRunRow), required=True)

    @staticmethod
    def figures(part: coupons.DryRunPart, currency: str) -> dict:
        return {
            "codes": part.codes,
            "customers": part.customers,
            "held_out": part.held_out,
            "estimated_cost": money(part.estimated_cost, currency),
            "budget_limited": part.budget_limited,
            "sample": _sample(part.sample, currency),
        }


class CRMCouponDryRunExplanationParams(graphene.ObjectType):
    trigger = CRMCouponTriggerEnum(
        description="The rule's trigger (NO_BACKLOG, COUNTS_SINCE_SWITCH_ON)."
    )
    since = DateTime(description="The rule's switch-on (COUNTS_SINCE_SWITCH_ON).")
    starts_at = DateTime(description="The rule's start (NOT_STARTED).")

    class Meta:
        description = (
            "The parameters of a dry run's explanation code; those the code does "
            "not use are null."
        )


class CRMCouponDryRunActivation(_DryRunFigures, graphene.ObjectType):
    explanation = graphene.String(
        required=True,
        description="Why these figures (e.g. order-driven triggers "
        "count only what happens after the switch-on), in English; "
        "explanationCode and explanationParams say the same as data.",
    )
    explanation_code = CRMCouponDryRunExplanationCodeEnum(
        required=True, description="Why these figures, as a code to translate."
    )
    explanation_params = graphene.Field(
        CRMCouponDryRunExplanationParams,
        required=True,
        description="The parameters of explanationCode.",
    )

    class Meta:
        description = (
            "What switching the rule on now issues — exactly what "
            "crmCouponRuleActivate then issues. For a rule that is on "
            "already: what a run now issues."
        )


class CRMCouponDryRunReplay(_DryRunFigures, graphene.ObjectType):
    window_from = DateTime(
        name="from", required=True, description="Start of the replayed window."
    )
    window_to = DateTime(
        name="to", required=True, description="End of the replayed window (now)."
    )

    class Meta:
        description = (
            "What the rule would have issued over the replayed window had "
            "it been on: the last 30 days for order-driven triggers, the "
            "7-day catch-up for days-without-order and category "
            "purchases, the last 3 days of birthdays, the run due now "
            "for a schedule."
        )


_LEGACY = (
    "Use onActivation (what switching on issues) or replayedWindow (what the "
    "rule would have issued over the replayed window). This field is the "
    "replayed window for a rule that is not on, and onActivation for one "
    "that is."
)


class CRMCouponDryRun(graphene.ObjectType):
    on_activation = graphene.Field(CRMCouponDryRunActivation, required=True)
    replayed_window = graphene.Field(CRMCouponDryRunReplay, required=True)
    eligible = graphene.Int(
        required=True,
        deprecation_reason=_LEGACY,
        description="Customers the trigger and limits admit.",
    )
    treated = graphene.Int(
        required=True, description="Would receive a code.", deprecation_reason=_LEGACY
    )
    held_out = graphene.Int(
        required=True, description="Would be held out.", deprecation_reason=_LEGACY
    )
    estimated_cost = graphene.Field(
        Money,
        required=True,
        deprecation_reason=_LEGACY,
        description="If every code were used once on the customer's usual order.",
    )
    budget_limited = graphene.Boolean(
        required=True,
        deprecation_reason=_LEGACY,
        description="The budget leaves some out.",
    )
    sample = graphene.List(
        graphene.NonNull(CRMCouponDryRunRow), required=True, deprecation_reason=_LEGACY
    )

    class Meta:
        description = (
            "A coupon rule's dry run (writes nothing), in two plainly "
            "separate answers: onActivation and replayedWindow."
        )

    @staticmethod
    def of(result: coupons.DryRun):
        cur = result.currency
        return CRMCouponDryRun(
            on_activation=CRMCouponDryRunActivation(
                explanation=result.on_activation.explanation,
                explanation_code=result.on_activation.explanation_code,
                explanation_params=CRMCouponDryRunExplanationParams(
                    trigger=result.on_activation.explanation_params.get("trigger"),
                    since=result.on_activation.explanation_params.get("since"),
                    starts_at=result.on_activation.explanation_params.get("starts_at"),
                ),
                **_DryRunFigures.figures(result.on_activation, cur),
            ),
            replayed_window=CRMCouponDryRunReplay(
                window_from=result.window_from,
                window_to=result.window_to,
                **_DryRunFigures.figures(result.replayed_window, cur),
            ),
            eligible=result.eligible,
            treated=result.treated,
            held_out=result.held_out,
            estimated_cost=money(result.estimated_cost, cur),
            budget_limited=result.budget_limited,
            sample=_sample(result.sample, cur),
        )
