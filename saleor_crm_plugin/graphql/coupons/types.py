import django_filters
import graphene
from prices import Money as PricesMoney
from saleor.graphql.core.connection import CountableConnection, create_connection_slice
from saleor.graphql.core.filters import EnumFilter, FilterInputObjectType
from saleor.graphql.core.scalars import DateTime, Decimal
from saleor.graphql.core.types import ModelObjectType, SortInputObjectType
from saleor.graphql.core.types.money import Money

from ...coupons import issuing as coupons
from ...domain.coupons import DELIVERY, DISCOUNT_TYPES, STATUSES, TRIGGERS, is_running
from ...models import CouponGrant, CouponRule


def _enum(name, values, description):
    return graphene.Enum(
        name, [(v.upper(), v) for v in values], description=description
    )


CRMCouponTriggerEnum = _enum(
    "CRMCouponTriggerEnum", TRIGGERS, "What makes a coupon rule issue a code."
)
CRMCouponDiscountTypeEnum = _enum(
    "CRMCouponDiscountTypeEnum",
    DISCOUNT_TYPES,
    "The discount of a coupon rule's codes.",
)
CRMCouponRuleStatusEnum = _enum(
    "CRMCouponRuleStatusEnum",
    STATUSES,
    "A draft issues nothing; a paused rule stops "
    "issuing; an active one issues between its start "
    "and end.",
)
CRMCouponDeliveryEnum = _enum(
    "CRMCouponDeliveryEnum", DELIVERY, "How a rule's codes reach customers."
)


def gid(type_name, pk):
    return None if pk is None else graphene.Node.to_global_id(type_name, pk)


def money(amount, currency):
    return None if amount is None else PricesMoney(amount, currency)


class CRMCouponTrigger(graphene.ObjectType):
    kind = CRMCouponTriggerEnum(required=True)
    segment_id = graphene.ID(description="segment_entry / schedule: the segment.")
    n = graphene.Int(description="nth_order: which paid order.")
    days = graphene.Int(description="days_without_order / category_purchase.")
    every_days = graphene.Int(description="schedule: repeat every N days.")
    days_before = graphene.Int(description="birthday: days ahead of the birthday.")
    tier_id = graphene.ID(description="tier_upgrade: only upgrades to this tier.")
    category_ids = graphene.List(
        graphene.NonNull(graphene.ID),
        required=True,
        description="category_purchase: the categories.",
    )

    @staticmethod
    def of(rule: CouponRule):
        params = rule.trigger_params or {}
        return CRMCouponTrigger(
            kind=rule.trigger,
            segment_id=gid("CRMSegment", params.get("segment_id")),
            n=params.get("n"),
            days=params.get("days"),
            every_days=params.get("every_days"),
            days_before=params.get("days_before"),
            tier_id=gid("CRMTier", params.get("tier_id")),
            category_ids=[gid("Category", pk) for pk in params.get("category_ids", [])],
        )


class CRMCouponGrant(ModelObjectType[CouponGrant]):
    id = graphene.GlobalID(required=True)
    code = graphene.String(
        required=True, description="The personal code (empty for a hold-out)."
    )
    control = graphene.Boolean(
        required=True, description="Held out (control group): no code."
    )
    email = graphene.String(description="The customer's email.")
    customer_id = graphene.ID(description="The Saleor User (null for a guest).")
    trigger_key = graphene.String(
        required=True, description="What triggered it (e.g. enter:42)."
    )
    granted_at = DateTime(required=True)
    expires_at = DateTime()
    estimated_cost = graphene.Field(Money, required=True)
    delivered_at = DateTime()
    delivery_error = graphene.String(required=True)
    redeemed_at = DateTime()
    order_id = graphene.ID(description="The Saleor Order that used the code.")
    order_total = graphene.Field(Money)
    discount = graphene.Field(Money, description="What the code took off the order.")

    class Meta:
        description = "A code issued by a coupon rule, or a control-group hold-out."
        interfaces = [graphene.relay.Node]
        model = CouponGrant

    @staticmethod
    def resolve_email(root: CouponGrant, _info):
        return root.profile.user.email if root.profile.user_id else root.profile.email

    @staticmethod
    def resolve_customer_id(root: CouponGrant, _info):
        return gid("User", root.profile.user_id)

    @staticmethod
    def resolve_estimated_cost(root: CouponGrant, _info):
        return money(root.estimated_cost, root.currency)

    @staticmethod
    def resolve_order_id(root: CouponGrant, _info):
        return gid("Order", root.order_id)

    @staticmethod
    def resolve_order_total(root: CouponGrant, _info):
        return money(root.order_total, root.currency)

    @staticmethod
    def resolve_discount(root: CouponGrant, _info):
        return money(root.discount_amount, root.currency)


class CRMCouponGrantCountableConnection(CountableConnection):
    class Meta:
        node = CRMCouponGrant


class CRMCouponRule(ModelObjectType[CouponRule]):
    id = graphene.GlobalID(required=True)
    name = graphene.String(required=True)
    description = graphene.String(required=True)
    channel = graphene.String(required=True, description="Slug of the channel.")
    status = CRMCouponRuleStatusEnum(required=True)
    is_running = graphene.Boolean(
        required=True, description="Active and between start and end now."
    )
    trigger = graphene.Field(CRMCouponTrigger, required=True)
    discount_type = CRMCouponDiscountTypeEnum(required=True)
    discount_value = Decimal(
        required=True, description="Percent, or an amount of the currency."
    )
    min_spend = graphene.Field(Money, required=True)
    product_ids = graphene.List(graphene.NonNull(graphene.ID), required=True)
    category_ids = graphene.List(graphene.NonNull(graphene.ID), required=True)
    collection_ids = graphene.List(graphene.NonNull(graphene.ID), required=True)
    validity_days = graphene.Int(required=True)
    max_per_customer = graphene.Int(required=True)
    cooldown_days = graphene.Int(required=True)
    budget_codes = graphene.Int()
    budget_amount = graphene.Field(Money)
    control_share = graphene.Float(required=True)
    report_window_days = graphene.Int(required=True)
    starts_at = DateTime()
    ends_at = DateTime()
    delivery = graphene.List(graphene.NonNull(CRMCouponDeliveryEnum), required=True)
    activated_at = DateTime()
    issued_count = graphene.Int(required=True)
    control_count = graphene.Int(required=True)
    created_at = DateTime(required=True)
    updated_at = DateTime(required=True)
    grants = graphene.Field(
        CRMCouponGrantCountableConnection,
        first=graphene.Int(default_value=50),
        after=graphene.String(),
        control=graphene.Boolean(),
        redeemed=graphene.Boolean(),
        description="Codes and hold-outs, newest first.",
    )

    class Meta:
        description = "A coupon rule: trigger → reward (a Saleor voucher) under limits."
        interfaces = [graphene.relay.Node]
        model = CouponRule

    @staticmethod
    def resolve_channel(root, _info):
        return root.channel.slug

    @staticmethod
    def resolve_is_running(root, _info):
        from django.utils import timezone

        return is_running(root.status, root.starts_at, root.ends_at, timezone.now())

    @staticmethod
    def resolve_trigger(root, _info):
        return CRMCouponTrigger.of(root)

    @staticmethod
    def resolve_min_spend(root, _info):
        return money(root.min_spend, root.channel.currency_code)

    @staticmethod
    def resolve_budget_amount(root, _info):
        return money(root.budget_amount, root.channel.currency_code)

    @staticmethod
    def resolve_product_ids(root, _info):
        return [gid("Product", pk) for pk in root.product_ids]

    @staticmethod
    def resolve_category_ids(root, _info):
        return [gid("Category", pk) for pk in root.category_ids]

    @staticmethod
    def resolve_collection_ids(root, _info):
        return [gid("Collection", pk) for pk in root.collection_ids]

    @staticmethod
    def resolve_control_share(root, _info):
        return float(root.control_share)

    @staticmethod
    def resolve_grants(root, info, control=None, redeemed=None, **kwargs):
        kwargs.setdefault("first", 50)
        qs = CouponGrant.objects.select_related("profile__user").filter(rule=root)
        if control is not None:
            qs = qs.filter(control=control)
        if redeemed is not None:
            qs = qs.filter(redeemed_at__isnull=not redeemed)
        return create_connection_slice(
            qs, info, kwargs, CRMCouponGrantCountableConnection
        )


class CRMCouponRuleCountableConnection(CountableConnection):
    class Meta:
        node = CRMCouponRule


class CRMCouponRuleSortField(graphene.Enum):
    NAME = ["name", "pk"]
    CREATED_AT = ["created_at", "pk"]
    STARTS_AT = ["starts_at", "pk"]
    ISSUED = ["issued_count", "pk"]

    @property
    def description(self):
        return f"Sort coupon rules by {self.name.lower().replace('_', ' ')}."


class CRMCouponRuleSortingInput(SortInputObjectType):
    class Meta:
        sort_enum = CRMCouponRuleSortField
        type_name = "coupon rules"


class CouponRuleFilter(django_filters.FilterSet):
    status = EnumFilter(input_class=CRMCouponRuleStatusEnum, method="filter_status")
    trigger = EnumFilter(input_class=CRMCouponTriggerEnum, method="filter_trigger")
    channel_slug = django_filters.CharFilter(field_name="channel__slug")
    search = django_filters.CharFilter(field_name="name", lookup_expr="icontains")

    class Meta:
        model = CouponRule
        fields = ["status", "trigger", "channel_slug", "search"]

    def filter_status(self, qs, _name, value):
        return qs.filter(status=value)

    def filter_trigger(self, qs, _name, value):
        return qs.filter(trigger=value)


class CRMCouponRuleFilterInput(FilterInputObjectType):
    class Meta:
        filterset_class = CouponRuleFilter


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


class CRMCouponDryRunActivation(_DryRunFigures, graphene.ObjectType):
    explanation = graphene.String(
        required=True,
        description="Why these figures (e.g. order-driven triggers "
        "count only what happens after the switch-on).",
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


class CRMUplift(graphene.ObjectType):
    estimate = graphene.Float(required=True)
    low = graphene.Float(required=True, description="95 % interval, lower end.")
    high = graphene.Float(required=True, description="95 % interval, upper end.")


class CRMCouponArm(graphene.ObjectType):
    customers = graphene.Int(required=True)
    converted = graphene.Int(
        required=True, description="With a paid order within the window."
    )
    conversion = graphene.Float()
    revenue = graphene.Field(Money, required=True)
    revenue_per_customer = graphene.Field(Money)


class CRMCouponReport(graphene.ObjectType):
    window_days = graphene.Int(required=True)
    treated = graphene.Field(CRMCouponArm, required=True)
    control = graphene.Field(CRMCouponArm, required=True)
    redeemed = graphene.Int(required=True)
    discount_cost = graphene.Field(Money, required=True)
    attributed_revenue = graphene.Field(
        Money, required=True, description="Totals of the orders that used a code."
    )
    open_windows = graphene.Int(
        required=True, description="Grants whose window is still open."
    )
    conversion_uplift = graphene.Field(
        CRMUplift, description="Treated minus held-out conversion (share points)."
    )
    revenue_uplift = graphene.Field(
        CRMUplift, description="Treated minus held-out revenue per customer."
    )
    incremental_revenue = graphene.Field(
        Money, description="Revenue uplift per customer × treated customers."
    )

    @staticmethod
    def of(result: coupons.Report):
        cur = result.currency

        def arm(g):
            return CRMCouponArm(
                customers=g.customers,
                converted=g.converted,
                conversion=g.conversion,
                revenue=money(g.revenue, cur),
                revenue_per_customer=money(g.revenue_per_customer, cur),
            )

        def uplift(u):
            return (
                None
                if u is None
                else CRMUplift(estimate=u.estimate, low=u.low, high=u.high)
            )

        return CRMCouponReport(
            window_days=result.window_days,
            treated=arm(result.treated),
            control=arm(result.control),
            redeemed=result.redeemed,
            discount_cost=money(result.discount_cost, cur),
            attributed_revenue=money(result.attributed_revenue, cur),
            open_windows=result.open_windows,
            conversion_uplift=uplift(result.conversion_uplift),
            revenue_uplift=uplift(result.revenue_uplift),
            incremental_revenue=money(result.incremental_revenue, cur),
        )


class CRMMyCoupon(graphene.ObjectType):
    code = graphene.String(required=True)
    name = graphene.String(required=True, description="The rule's name.")
    channel = graphene.String(required=True)
    discount_type = CRMCouponDiscountTypeEnum(required=True)
    discount_value = Decimal(required=True)
    min_spend = graphene.Field(Money, required=True)
    expires_at = DateTime()
    redeemed_at = DateTime()
    is_usable = graphene.Boolean(required=True, description="Not used and not expired.")
