import graphene

from ....segments import rfm
from ...core.mutations import CRMMutation, UsersMeta
from ...core.resolvers import channel_or_error


class CRMRfmRecompute(CRMMutation):
    scored = graphene.Int(description="Customers scored.")
    changed = graphene.Int(description="Customers whose scores or group changed.")

    class Arguments:
        channel = graphene.String(required=True)

    class Meta(UsersMeta):
        description = "Recompute a channel's RFM scores now (normally daily)."

    @classmethod
    def perform_mutation(cls, _root, _info, /, *, channel):
        result = rfm.recompute(channel_or_error(channel).pk)
        return cls(scored=result["scored"], changed=result["changed"])
