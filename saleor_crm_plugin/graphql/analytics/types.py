"""Types of the analytics queries: item analytics (repurchase intervals,
co-purchases, a customer's due dates), the KPIs — each KPI's definition is its
description (the same text as ``domain/analytics.py``) — and the customer 360."""

import graphene
from prices import Money as PricesMoney
from saleor.graphql.core.connection import CountableConnection
from saleor.graphql.core.scalars import DateTime
from saleor.graphql.core.types import ModelObjectType
from saleor.graphql.core.types.common import Error
from saleor.graphql.core.types.money import Money

from ...domain import analytics as A
from ...models import CoPurchase, RepurchaseInterval, RfmScore
from ..coupons.types import CRMCouponGrant
from ..loyalty.resolvers import loyalty_state
from ..loyalty.types import CRMLoyaltyState
from ..profiles.types import CRMCustomerProfile
from ..segments.types import CRMSegment, CRMSegmentEvent
from .enums import (
    KIND_NAMES,
    CRMAnalyticsErrorCode,
    CRMAnalyticsGrainEnum,
    CRMCoPurchaseRelationEnum,
    CRMItemKindEnum,
    item_gid,
)
from .inputs import Date


class CRMRepurchaseInterval(ModelObjectType[RepurchaseInterval]):
    id = graphene.GlobalID(required=True)
    channel = graphene.String(required=True, description="Slug of the channel.")
    kind = CRMItemKindEnum(required=True)
    item = graphene.ID(required=True, description="The Product or Category.")
    customers = graphene.Int(required=True, description="Customers who bought it.")
    repeat_customers = graphene.Int(
        required=True, description="Customers who bought it more than once."
    )
    intervals = graphene.Int(
        required=True,
        description="Intervals measured: purchases after a "
        "customer's first, over every customer.",
    )
    lower_quartile_days = graphene.Float(required=True)
    median_days = graphene.Float(
        required=True,
        description="Median of the days between consecutive "
        "purchases of it by the same customer.",
    )
    upper_quartile_days = graphene.Float(required=True)
    computed_at = DateTime(required=True, description="The refresh that wrote it.")

    class Meta:
        description = "How long a channel's customers take to buy an item again."
        interfaces = [graphene.relay.Node]
        model = RepurchaseInterval

    @staticmethod
    def resolve_channel(root, _info):
        return root.channel.slug

    @staticmethod
    def resolve_kind(root, _info):
        return KIND_NAMES[root.kind]

    @staticmethod
    def resolve_item(root, _info):
        return item_gid(root.kind, root.item_id)

    @staticmethod
    def resolve_lower_quartile_days(root, _info):
        return root.q1_days

    @staticmethod
    def resolve_upper_quartile_days(root, _info):
        return root.q3_days


class CRMRepurchaseIntervalCountableConnection(CountableConnection):
    class Meta:
        node = CRMRepurchaseInterval


class CRMCoPurchase(ModelObjectType[CoPurchase]):
    id = graphene.GlobalID(required=True)
    channel = graphene.String(required=True)
    kind = CRMItemKindEnum(required=True)
    relation = CRMCoPurchaseRelationEnum(required=True)
    item = graphene.ID(required=True, description="X: the item bought first / with.")
    other = graphene.ID(required=True, description="Y: what was bought with or after.")
    rank = graphene.Int(required=True, description="1 = X's strongest co-purchase.")
    orders = graphene.Int(
        required=True,
        description="n_XY: orders holding X with (TOGETHER) or followed by (AFTER) Y.",
    )
    item_orders = graphene.Int(required=True, description="n_X: orders holding X.")
    other_orders = graphene.Int(
        required=True,
        description="n_Y: orders holding Y "
        "(TOGETHER) or next orders holding Y (AFTER).",
    )
    total_orders = graphene.Int(
        required=True,
        description="N: the channel's orders holding an item of the kind.",
    )
    support = graphene.Float(required=True, description="n_XY / N.")
    confidence = graphene.Float(required=True, description="n_XY / n_X.")
    lift = graphene.Float(required=True, description="confidence / (n_Y / N).")
    window_days = graphene.Int(description="AFTER: the next order's window.")
    computed_at = DateTime(required=True)

    class Meta:
        description = "One of an item's top co-purchases in a channel."
        interfaces = [graphene.relay.Node]
        model = CoPurchase

    @staticmethod
    def resolve_channel(root, _info):
        return root.channel.slug

    @staticmethod
    def resolve_kind(root, _info):
        return KIND_NAMES[root.kind]

    @staticmethod
    def resolve_item(root, _info):
        return item_gid(root.kind, root.item_id)

    @staticmethod
    def resolve_other(root, _info):
        return item_gid(root.kind, root.other_id)


class CRMCoPurchaseCountableConnection(CountableConnection):
    class Meta:
        node = CRMCoPurchase


class CRMRepurchaseDue(graphene.ObjectType):
    kind = CRMItemKindEnum(required=True)
    item = graphene.ID(required=True)
    purchases = graphene.Int(required=True)
    last_purchased_at = DateTime(required=True)
    own_interval_days = graphene.Float(
        description="The customer's own median interval (from 3 purchases on)."
    )
    item_median_days = graphene.Float(description="The item's median in the channel.")
    due_at = DateTime(
        required=True,
        description="Last purchase + the customer's own "
        "interval, else + the item's median.",
    )


class CRMRepurchaseDueCountableConnection(CountableConnection):
    class Meta:
        node = CRMRepurchaseDue


class CRMAnalyticsError(Error):
    code = CRMAnalyticsErrorCode(required=True, description="The error code.")

    class Meta:
        description = "Bad input of an analytics query; nothing is read or written."


def _rate(value):
    return float(value) if value is not None else None


def _money(attr):
    def resolve(root, info):
        value = getattr(root, attr)
        if value is None:
            return None
        return PricesMoney(value, root.currency)

    return resolve


class CRMAnalyticsBin(graphene.ObjectType):
    label = graphene.String(required=True)
    from_days = graphene.Int(required=True)
    to_days = graphene.Int(description="Null: no upper bound.")
    customers = graphene.Int(required=True)


class CRMAnalyticsPeriod(graphene.ObjectType):
    start = Date(required=True, description="First day of the period.")
    end = Date(required=True, description="Last day of the period (included).")
    orders = graphene.Int(
        required=True,
        description=("Orders placed in the period that are not cancelled."),
    )
    other_currency_orders = graphene.Int(
        required=True,
        description=(
            "Of them, orders in another currency than the channel's: counted, never "
            "added to the money figures."
        ),
    )
    paid_orders = graphene.Int(
        required=True,
        description=(
            "Paid orders placed in the period (channel currency, not cancelled) that "
            "are not fully refunded."
        ),
    )
    revenue = graphene.Field(
        Money,
        required=True,
        description=(
            "Net of refunds: for each paid order placed in the period, its total minus "
            "what was refunded of it (at most its total). A later refund corrects the "
            "day the order was placed."
        ),
    )
    average_order_value = graphene.Field(
        Money, description=("revenue / paidOrders; null without paid orders.")
    )
    new_customers = graphene.Int(
        required=True,
        description=(
            "Customers (CRM profiles: an account per channel, a guest per email) whose "
            "first order was placed in the period."
        ),
    )
    active_customers = graphene.Int(
        required=True, description=("Customers with at least one order in the period.")
    )
    returning_customers = graphene.Int(
        required=True,
        description=(
            "activeCustomers - newCustomers: active, and bought before the period."
        ),
    )
    repeat_customers = graphene.Int(
        required=True,
        description=(
            "Active customers who had placed at least two orders by the period's end."
        ),
    )
    repeat_purchase_rate = graphene.Float(
        description=(
            "repeatCustomers / activeCustomers (0..1); null without active customers."
        )
    )
    f2_eligible = graphene.Int(
        required=True,
        description=(
            "First-time buyers of the period whose N-day window has ended (first order "
            "day + N <= today)."
        ),
    )
    f2_converted = graphene.Int(
        required=True,
        description=(
            "Of them, those whose second order was placed within N days (second order "
            "day - first order day <= N; the same day counts)."
        ),
    )
    f2_conversion = graphene.Float(
        description=(
            "F2 conversion: f2Converted / f2Eligible (0..1); null while no first-time "
            "buyer of the period has had N days."
        )
    )
    second_order_customers = graphene.Int(
        required=True,
        description=("First-time buyers of the period who have placed a second order."),
    )
    second_order_median_days = graphene.Int(
        description=(
            "Median days from the first to the second order day of them (the lower "
            "median); null without any."
        )
    )
    second_order_days = graphene.NonNull(
        graphene.List(graphene.NonNull(CRMAnalyticsBin)),
        description="Distribution of those days.",
    )

    @staticmethod
    def resolve_revenue(root, _info):
        return PricesMoney(root.revenue, root.currency)

    @staticmethod
    def resolve_average_order_value(root, _info):
        aov = root.aov
        return PricesMoney(aov, root.currency) if aov is not None else None

    @staticmethod
    def resolve_repeat_purchase_rate(root, _info):
        return _rate(root.repeat_rate)

    @staticmethod
    def resolve_f2_conversion(root, _info):
        return _rate(root.f2_rate)

    @staticmethod
    def resolve_second_order_days(root, _info):
        return [
            CRMAnalyticsBin(label=label, from_days=lo, to_days=hi, customers=n)
            for (label, lo, hi), n in zip(
                A.SECOND_ORDER_BINS, root.second_order_bins, strict=True
            )
        ]


class CRMAnalyticsKpis(graphene.ObjectType):
    channel = graphene.String(required=True)
    currency = graphene.String(required=True)
    time_zone = graphene.String(
        required=True,
        description=(
            "The zone the channel's days are counted in (set by crm_rebuild_rollups; "
            "UTC by default)."
        ),
    )
    grain = CRMAnalyticsGrainEnum(required=True)
    f2_days = graphene.Int(required=True)
    periods = graphene.NonNull(graphene.List(graphene.NonNull(CRMAnalyticsPeriod)))
    total = graphene.Field(
        CRMAnalyticsPeriod,
        required=True,
        description=("The same figures for the whole range (customers counted once)."),
    )


class CRMAnalyticsKpisPayload(graphene.ObjectType):
    kpis = graphene.Field(CRMAnalyticsKpis)
    errors = graphene.NonNull(graphene.List(graphene.NonNull(CRMAnalyticsError)))


class CRMAnalyticsLtv(graphene.ObjectType):
    months = graphene.Int(required=True)
    value = graphene.Field(
        Money,
        description=(
            "Net revenue per customer of the cohort over its first `months` months "
            "(acquisition month included); null until the last of them has ended."
        ),
    )


class CRMAnalyticsCohort(graphene.ObjectType):
    month = Date(required=True, description="Acquisition month (its first day).")
    size = graphene.Int(
        required=True,
        description=("Customers whose first order was placed in the month."),
    )
    active_customers = graphene.NonNull(
        graphene.List(graphene.Int),
        description=(
            "Per month since acquisition (0..35): customers of the cohort who placed an "
            "order in that month; null for months still to come."
        ),
    )
    retention = graphene.NonNull(
        graphene.List(graphene.Float),
        description=(
            "activeCustomers / size per month since acquisition (month 0 is 1)."
        ),
    )
    revenue = graphene.NonNull(
        graphene.List(Money),
        description=("Net revenue of the cohort per month since acquisition."),
    )
    ltv = graphene.NonNull(
        graphene.List(graphene.NonNull(CRMAnalyticsLtv)),
        description="LTV at 3, 6, 12 and 24 months.",
    )

    @staticmethod
    def resolve_retention(root, _info):
        return [_rate(v) for v in root.retention]

    @staticmethod
    def resolve_active_customers(root, _info):
        return root.active

    @staticmethod
    def resolve_revenue(root, _info):
        return [
            PricesMoney(v, root.currency) if v is not None else None
            for v in root.revenue
        ]

    @staticmethod
    def resolve_ltv(root, _info):
        return [
            CRMAnalyticsLtv(
                months=k, value=PricesMoney(v, root.currency) if v is not None else None
            )
            for k, v in root.ltv.items()
        ]


class CRMAnalyticsCohorts(graphene.ObjectType):
    channel = graphene.String(required=True)
    currency = graphene.String(required=True)
    time_zone = graphene.String(required=True)
    cohorts = graphene.NonNull(graphene.List(graphene.NonNull(CRMAnalyticsCohort)))


class CRMAnalyticsCohortsPayload(graphene.ObjectType):
    cohorts = graphene.Field(CRMAnalyticsCohorts)
    errors = graphene.NonNull(graphene.List(graphene.NonNull(CRMAnalyticsError)))


class CRMAnalyticsDormant(graphene.ObjectType):
    buyers = graphene.Int(
        required=True,
        description=(
            "Customers with at least one paid order (paidOrdersCount >= 1), now."
        ),
    )
    dormant_one_time = graphene.Int(
        required=True,
        description=(
            "Of them, one paid order and none for oneTimeAfterDays days (the playbook "
            "segment dormant_one_time)."
        ),
    )
    dormant_one_time_share = graphene.Float(description="dormantOneTime / buyers.")
    dormant_former_regulars = graphene.Int(
        required=True,
        description=(
            "Of them, at least regularsMinOrders paid orders and none for "
            "regularsAfterDays days (the playbook segment dormant_former_regulars)."
        ),
    )
    dormant_former_regulars_share = graphene.Float(
        description="dormantFormerRegulars / buyers."
    )
    one_time_after_days = graphene.Int(required=True)
    regulars_min_orders = graphene.Int(required=True)
    regulars_after_days = graphene.Int(
        required=True,
        description=(
            "Thresholds: those of the channel's own dormant playbook segments, else "
            "the presets' defaults."
        ),
    )

    @staticmethod
    def resolve_dormant_one_time(root, _info):
        return root.one_time

    @staticmethod
    def resolve_dormant_former_regulars(root, _info):
        return root.former_regulars

    @staticmethod
    def resolve_dormant_one_time_share(root, _info):
        return _rate(root.one_time_share)

    @staticmethod
    def resolve_dormant_former_regulars_share(root, _info):
        return _rate(root.former_regulars_share)


class CRMAnalyticsDormantPayload(graphene.ObjectType):
    dormant = graphene.Field(CRMAnalyticsDormant)
    errors = graphene.NonNull(graphene.List(graphene.NonNull(CRMAnalyticsError)))


class CRMAnalyticsGroup(graphene.ObjectType):
    key = graphene.String(
        required=True,
        description=("The RFM group, the tier's name or the segment's name."),
    )
    customers = graphene.Int(
        required=True, description=("Customers in it now (profiles of the channel).")
    )
    revenue = graphene.Field(
        Money,
        required=True,
        description=(
            "Their net spend in the channel (lifetime, net of refunds, channel "
            "currency), as their profiles hold it."
        ),
    )

    @staticmethod
    def resolve_revenue(root, _info):
        return PricesMoney(root.revenue, root.currency)


class CRMAnalyticsBreakdownPayload(graphene.ObjectType):
    currency = graphene.String()
    groups = graphene.List(graphene.NonNull(CRMAnalyticsGroup))
    errors = graphene.NonNull(graphene.List(graphene.NonNull(CRMAnalyticsError)))


# --- customer 360 ---------------------------------------------------------------------

CRMCouponGrantStatusEnum = graphene.Enum(
    "CRMCouponGrantStatusEnum",
    [
        ("OPEN", "open"),
        ("USED", "used"),
        ("EXPIRED", "expired"),
        ("HELD_OUT", "held_out"),
    ],
    description="USED: an order used the code; EXPIRED: past its end and unused; "
    "OPEN: usable; HELD_OUT: a control-group hold-out (no code).",
)


class CRMCustomerCoupon(graphene.ObjectType):
    grant = graphene.Field(CRMCouponGrant, required=True)
    status = CRMCouponGrantStatusEnum(required=True)
    rule_id = graphene.ID(required=True, description="The coupon rule (CRMCouponRule).")
    rule_name = graphene.String(required=True)

    @staticmethod
    def resolve_grant(root, _info):
        return root

    @staticmethod
    def resolve_status(root, _info):
        return root.crm_status

    @staticmethod
    def resolve_rule_id(root, _info):
        return graphene.Node.to_global_id("CRMCouponRule", root.rule_id)

    @staticmethod
    def resolve_rule_name(root, _info):
        return root.rule.name


class CRMCustomer360Rfm(graphene.ObjectType):
    recency = graphene.Int(required=True)
    frequency = graphene.Int(required=True)
    monetary = graphene.Int(required=True)
    group = graphene.String(required=True)
    computed_at = DateTime()


class CRMCustomer360Channel(graphene.ObjectType):
    channel = graphene.String(required=True, description="Slug of the channel.")
    profile = graphene.Field(CRMCustomerProfile, required=True)
    loyalty = graphene.Field(
        CRMLoyaltyState,
        description=(
            "Tier, progress to the next, points available / pending / expiring; null "
            "when the channel has no loyalty program."
        ),
    )
    rfm = graphene.Field(CRMCustomer360Rfm, description="Null while unscored.")
    segments = graphene.NonNull(
        graphene.List(graphene.NonNull(CRMSegment)),
        description="Segments the customer is in now.",
    )
    coupons = graphene.NonNull(
        graphene.List(graphene.NonNull(CRMCustomerCoupon)),
        description="Codes issued to the customer, newest first (up to 50).",
    )
    segment_events = graphene.NonNull(
        graphene.List(graphene.NonNull(CRMSegmentEvent)),
        description="Recent segment entries and exits, newest first.",
    )
    last_order_ids = graphene.NonNull(
        graphene.List(graphene.NonNull(graphene.ID)),
        description="Saleor Order IDs, newest first.",
    )

    @staticmethod
    def resolve_channel(root, _info):
        return root.profile.channel.slug

    @staticmethod
    def resolve_loyalty(root, _info):
        if root.program_id is None:  # known from the profiles' statement
            return None
        return loyalty_state(root.profile.user_id, root.profile.channel.slug)

    @staticmethod
    def resolve_rfm(root, _info):
        try:
            s = root.profile.rfm_score
        except RfmScore.DoesNotExist:
            return None
        return CRMCustomer360Rfm(
            recency=s.recency,
            frequency=s.frequency,
            monetary=s.monetary,
            group=s.group_name,
            computed_at=s.computed_at,
        )

    @staticmethod
    def resolve_coupons(root, _info):
        return root.grants

    @staticmethod
    def resolve_segment_events(root, _info):
        return root.events

    @staticmethod
    def resolve_last_order_ids(root, _info):
        return [graphene.Node.to_global_id("Order", pk) for pk in root.order_ids]


class CRMCustomer360(graphene.ObjectType):
    customer_id = graphene.ID(required=True)
    email = graphene.String(required=True)
    channels = graphene.NonNull(
        graphene.List(graphene.NonNull(CRMCustomer360Channel)),
        description="One entry per channel with a profile.",
    )
