"""The CRM's GraphQL schema, served by the plugin (root fields prefixed ``crm``)."""

import graphene

from .analytics.schema import AnalyticsMutations, AnalyticsQueries
from .coupons.schema import CouponMutations, CouponQueries
from .loyalty.schema import LoyaltyMutations, LoyaltyQueries
from .profiles.schema import ProfileMutations, ProfileQueries
from .rfm.schema import RfmMutations, RfmQueries
from .segments.schema import SegmentMutations, SegmentQueries


class Query(
    ProfileQueries,
    LoyaltyQueries,
    SegmentQueries,
    RfmQueries,
    CouponQueries,
    AnalyticsQueries,
):
    pass


class Mutation(
    ProfileMutations,
    LoyaltyMutations,
    SegmentMutations,
    RfmMutations,
    CouponMutations,
    AnalyticsMutations,
):
    pass


schema = graphene.Schema(query=Query, mutation=Mutation)
