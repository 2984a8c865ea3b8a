import graphene
from saleor.graphql.core.types.common import Error

from ...domain.errors import CRMErrorCode

CRMErrorCodeEnum = graphene.Enum.from_enum(CRMErrorCode)


class CRMError(Error):
    code = CRMErrorCodeEnum(description="The error code.", required=True)

    class Meta:
        description = "Represents an error in a CRM mutation."
