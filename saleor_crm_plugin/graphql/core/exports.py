"""What the export mutations of every area share: the file format enum and the
answer (a signed download URL issued by ``core.exports``)."""

import graphene
from saleor.core.exceptions import PermissionDenied
from saleor.graphql.core.scalars import DateTime
from saleor.graphql.utils import get_user_or_app_from_context

from ...core import exports

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
    def issue_ticket(cls, info, kind: str, pk: int, format, bom, params=None):
        """Issue the export's URL; a requestor who may not see its columns gets
        Saleor's permission error. ``params``: a report's arguments, signed into
        the token."""
        try:
            ticket = exports.issue(
                kind,
                pk,
                format or exports.FORMAT_EMAIL,
                get_user_or_app_from_context(info.context),
                bom=bool(bom),
                params=params,
            )
        except exports.ExportNotAllowed as exc:
            raise PermissionDenied(permissions=list(exc.args[0])) from exc
        return cls(url=ticket.url, expires_at=ticket.expires_at, columns=ticket.columns)
