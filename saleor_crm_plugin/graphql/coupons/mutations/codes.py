import graphene

from ....coupons import exports as coupon_exports
from ...core.exports import CRMSegmentExportFormatEnum, ExportTicketMixin
from ...core.mutations import DiscountsMeta
from .base import CouponMutation


class CRMCouponCodesExport(ExportTicketMixin, CouponMutation):
    class Arguments:
        id = graphene.ID(required=True, description="The coupon rule.")
        format = CRMSegmentExportFormatEnum(description="EMAIL (default) or POSTAL.")
        bom = graphene.Boolean(
            default_value=False,
            description="Start with a UTF-8 byte order mark (Excel).",
        )

    class Meta(DiscountsMeta):
        description = (
            "The CSV delivery of a rule: its issued codes with customer ID, email, "
            "language, rule, discount and dates, for an email tool or a postal "
            "mailing; names and addresses only with MANAGE_USERS."
        )

    @classmethod
    def perform_mutation(cls, _root, info, /, *, id, format=None, bom=False):
        rule = cls.get_rule(id)
        return cls.issue_ticket(info, coupon_exports.KEY, rule.pk, format, bom)


class CRMCouponDeliveriesExport(ExportTicketMixin, CouponMutation):
    class Arguments:
        id = graphene.ID(required=True, description="The coupon rule.")
        bom = graphene.Boolean(
            default_value=False,
            description="Start with a UTF-8 byte order mark (Excel).",
        )

    class Meta(DiscountsMeta):
        description = (
            "Each recipient's message of a rule as CSV: customer ID, email, "
            "method, status, reason, attempts and dates."
        )

    @classmethod
    def perform_mutation(cls, _root, info, /, *, id, bom=False):
        rule = cls.get_rule(id)
        return cls.issue_ticket(info, coupon_exports.DELIVERIES_KEY, rule.pk, None, bom)
