import graphene
from saleor.graphql.core.fields import PermissionsField
from saleor.permission.enums import AccountPermissions

from .mutations.scores import CRMRfmRecompute
from .mutations.settings import CRMRfmSettingsUpdate
from .resolvers import resolve_groups, resolve_movements, resolve_settings
from .types import CRMRfmGroupCount, CRMRfmPeriod, CRMRfmSettings


class RfmQueries(graphene.ObjectType):
    crm_rfm_groups = PermissionsField(
        graphene.NonNull(graphene.List(graphene.NonNull(CRMRfmGroupCount))),
        channel=graphene.Argument(graphene.String, required=True),
        description="Customers per RFM group in a channel (every group listed).",
        permissions=[AccountPermissions.MANAGE_USERS],
    )
    crm_rfm_movements = PermissionsField(
        graphene.NonNull(graphene.List(graphene.NonNull(CRMRfmPeriod))),
        channel=graphene.Argument(graphene.String, required=True),
        last=graphene.Argument(graphene.Int, default_value=12),
        description="How customers moved between groups at each recompute, newest "
        "first.",
        permissions=[AccountPermissions.MANAGE_USERS],
    )
    crm_rfm_settings = PermissionsField(
        graphene.NonNull(CRMRfmSettings),
        channel=graphene.Argument(graphene.String, required=True),
        description="A channel's RFM scoring settings: the method and, for "
        "THRESHOLDS, the boundaries (QUANTILES with no boundaries and a null "
        "updatedAt when never saved). An unknown channel is a NOT_FOUND error "
        "(extensions.code) on the channel field.",
        permissions=[AccountPermissions.MANAGE_USERS],
    )

    @staticmethod
    def resolve_crm_rfm_settings(_root, _info, *, channel):
        return resolve_settings(channel)

    @staticmethod
    def resolve_crm_rfm_groups(_root, _info, *, channel):
        return resolve_groups(channel)

    @staticmethod
    def resolve_crm_rfm_movements(_root, _info, *, channel, last=12):
        return resolve_movements(channel, last)


class RfmMutations(graphene.ObjectType):
    crm_rfm_settings_update = CRMRfmSettingsUpdate.Field()
    crm_rfm_recompute = CRMRfmRecompute.Field()
