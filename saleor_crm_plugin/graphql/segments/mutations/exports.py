import graphene
from saleor.permission.enums import AccountPermissions, DiscountPermissions

from ....models import Segment
from ...core.exports import CRMSegmentExportFormatEnum, ExportTicketMixin
from ...core.mutations import CRMMutation, DiscountsMeta


class CRMSegmentExport(ExportTicketMixin, CRMMutation):
    class Arguments:
        id = graphene.ID(required=True, description="The segment.")
        format = CRMSegmentExportFormatEnum(description="EMAIL (default) or POSTAL.")
        bom = graphene.Boolean(
            default_value=False,
            description="Start the file with a UTF-8 byte order mark, so Excel "
            "opens it as UTF-8 (e.g. Japanese names).",
        )

    class Meta(DiscountsMeta):
        permissions = (
            AccountPermissions.MANAGE_USERS,
            DiscountPermissions.MANAGE_DISCOUNTS,
        )
        description = (
            "A CSV of the segment's members for an email tool or a postal mailing: "
            "customer ID, email, channel, order and spend figures, RFM group, tier, "
            "points; names and addresses only with MANAGE_USERS. Returns a signed "
            "URL valid for 15 minutes."
        )

    @classmethod
    def perform_mutation(cls, _root, info, /, *, id, format=None, bom=False):
        segment = cls.object_or_error(Segment, id, "CRMSegment")
        return cls.issue_ticket(info, "segment", segment.pk, format, bom)
