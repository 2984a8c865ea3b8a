"""The CRM's GraphQL schema, served by the plugin (root fields prefixed ``crm``)."""

import graphene

from .profile.schema import ProfileMutations, ProfileQueries


class Query(ProfileQueries):
    pass


class Mutation(ProfileMutations):
    pass


schema = graphene.Schema(query=Query, mutation=Mutation)
