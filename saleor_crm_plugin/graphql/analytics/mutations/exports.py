"""crmAnalyticsExport: one analytics table as CSV through the signed exports."""

import graphene

from ....analytics import exports as analytics_exports
from ....domain import analytics as A
from ...core.exports import ExportTicketMixin
from ...core.mutations import CRMMutation, UsersMeta
from ..enums import CRMAnalyticsGrainEnum, CRMAnalyticsTableEnum
from ..inputs import CRMAnalyticsRangeInput
from ..resolvers import segment_pk


class CRMAnalyticsExport(ExportTicketMixin, CRMMutation):
    class Arguments:
        table = CRMAnalyticsTableEnum(required=True)
        channel = graphene.String(required=True, description="Slug of the channel.")
        range = CRMAnalyticsRangeInput(description="For KPIS, COHORTS and LTV.")
        grain = CRMAnalyticsGrainEnum(default_value=A.DAY)
        f2_days = graphene.Int(default_value=A.F2_DAYS_DEFAULT)
        segment_id = graphene.ID(description="For SEGMENT.")
        bom = graphene.Boolean(
            default_value=False, description="Start the file with a UTF-8 BOM."
        )

    class Meta(UsersMeta):
        description = (
            "A CSV of one analytics table (the same figures as the queries) through "
            "a signed URL valid for 15 minutes. Bad input: errors, no URL."
        )

    @classmethod
    def perform_mutation(
        cls,
        _root,
        info,
        /,
        *,
        table,
        channel,
        range=None,
        grain=A.DAY,
        f2_days=A.F2_DAYS_DEFAULT,
        segment_id=None,
        bom=False,
    ):
        params = {
            "table": table,
            "channel": channel,
            "grain": grain,
            "f2_days": f2_days,
        }
        # a refused argument (AnalyticsError, a CRMServiceError) is the typed
        # error of CRMBaseMutation, with its CRMErrorCode member
        if table in ("kpis", "cohorts", "ltv"):
            if range is None:
                raise A.AnalyticsError("range", A.INVALID, "Give the range.")
            params["gte"] = range["gte"].isoformat()
            params["lte"] = range["lte"].isoformat()
        if table == "segment":
            params["segment"] = segment_pk(segment_id)
        ch = analytics_exports.check(params)
        return cls.issue_ticket(info, "analytics", ch.id, table, bom, params=params)
