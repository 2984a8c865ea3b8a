"""The CRM's GraphQL schema, served by the plugin (root fields prefixed ``crm``)."""

import graphene

from .loyalty.schema import LoyaltyMutations, LoyaltyQueries
from .profile.schema import ProfileMutations, ProfileQueries


class Query(ProfileQueries, LoyaltyQueries):
    pass


class Mutation(ProfileMutations, LoyaltyMutations):
    pass


schema = graphene.Schema(query=Query, mutation=Mutation)
