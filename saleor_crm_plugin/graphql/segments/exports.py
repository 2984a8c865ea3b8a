import graphene
from saleor.core.exceptions import PermissionDenied
from saleor.graphql.core.scalars import DateTime
from saleor.graphql.utils import get_user_or_app_from_context
from saleor.permission.enums import AccountPermissions, DiscountPermissions

from ...core import exports
from ...models import Segment
from ..core.mutations import CRMMutation, DiscountsMeta

CRMSegmentExportFormatEnum = graphene.Enum(
    "CRMSegmentExportFormatEnum",
    [("EMAIL", exports.FORMAT_EMAIL), ("POSTAL", exports.FORMAT_POSTAL)],
    description=(
        "EMAIL: every member with their email (names with MANAGE_USERS); POSTAL: "
        "members with a default address, names and address (needs MANAGE_USERS)."
    ),
)


class ExportTicketMixin:
    """The answer of an export mutation: a signed download URL for the requestor."""

    url = graphene.String(
        description=(
            "Signed download URL of the CSV (GET, no Authorization header needed); "
            "valid 15 minutes, for the requesting user or app only."
        )
    )
    expires_at = DateTime(description="When the URL stops working.")
    columns = graphene.List(
        graphene.NonNull(graphene.String), description="The file's columns, in order."
    )

    @classmethod
    def issue_ticket(cls, info, kind: str, pk: int, format, bom):
        """Issue the export's URL; a requestor who may not see its columns gets
        Saleor's permission error."""
        try:
            ticket = exports.issue(
                kind,
                pk,
                format or exports.FORMAT_EMAIL,
                get_user_or_app_from_context(info.context),
                bom=bool(bom),
            )
        except exports.ExportNotAllowed as exc:
            raise PermissionDenied(permissions=list(exc.args[0])) from exc
        return cls(url=ticket.url, expires_at=ticket.expires_at, columns=ticket.columns)


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
