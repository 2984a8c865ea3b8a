"""What a coupon rule caused: treated vs held-out customers."""

import graphene
from saleor.graphql.core.types.money import Money

from ....coupons import issuing as coupons
from ...core.utils import money


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
