import graphene

from ....segments import rfm
from ...core.mutations import CRMMutation, UsersMeta
from ...core.resolvers import channel_or_error
from ..inputs import CRMRfmSettingsInput
from ..types import CRMRfmSettings, settings_type


class CRMRfmSettingsUpdate(CRMMutation):
    settings = graphene.Field(CRMRfmSettings)

    class Arguments:
        channel = graphene.String(required=True)
        input = CRMRfmSettingsInput(required=True)

    class Meta(UsersMeta):
        description = "Choose quantile scores or the merchant's boundaries."

    @classmethod
    def perform_mutation(cls, _root, _info, /, *, channel, input):
        settings = rfm.save_settings(
            channel_or_error(channel),
            input["method"],
            recency_days=input.get("recency_days"),
            frequency=input.get("frequency"),
            monetary=input.get("monetary"),
        )
        return cls(settings=settings_type(settings))
