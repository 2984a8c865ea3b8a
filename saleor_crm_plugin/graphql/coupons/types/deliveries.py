"""One recipient's message of a coupon rule, and a rule's message templates."""

import graphene
from saleor.graphql.core.connection import CountableConnection
from saleor.graphql.core.scalars import DateTime
from saleor.graphql.core.types import ModelObjectType

from ....domain.messages import DEFAULTS, SHORT_DEFAULTS
from ....models import CouponDelivery
from ...core.utils import gid
from ..enums import CRMCouponDeliveryMethodEnum, CRMCouponDeliveryStatusEnum


class CRMCouponMessageTemplate(graphene.ObjectType):
    subject = graphene.String(required=True)
    text = graphene.String(required=True)
    html = graphene.String(required=True)
    short = graphene.String(required=True)
    is_default = graphene.Boolean(
        required=True, description="Every part is the default (nothing of its own)."
    )

    @staticmethod
    def of(own: dict | None, language: str):
        own = own or {}
        return CRMCouponMessageTemplate(
            subject=own.get("subject") or DEFAULTS[language]["subject"],
            text=own.get("text") or DEFAULTS[language]["text"],
            html=own.get("html")
            or ("" if own.get("text") else DEFAULTS[language]["html"]),
            short=own.get("short") or SHORT_DEFAULTS[language],
            is_default=not own,
        )


class CRMCouponMessageTemplates(graphene.ObjectType):
    ja = graphene.Field(CRMCouponMessageTemplate, required=True)
    en = graphene.Field(CRMCouponMessageTemplate, required=True)

    @staticmethod
    def of(templates: dict):
        templates = templates or {}
        return CRMCouponMessageTemplates(
            ja=CRMCouponMessageTemplate.of(templates.get("ja"), "ja"),
            en=CRMCouponMessageTemplate.of(templates.get("en"), "en"),
        )


class CRMCouponDelivery(ModelObjectType[CouponDelivery]):
    id = graphene.GlobalID(required=True)
    rule_id = graphene.ID(required=True, description="The coupon rule.")
    customer_id = graphene.ID(description="The Saleor User (null for a guest).")
    email = graphene.String(description="The customer's email.")
    code = graphene.String(description="The code the message carries.")
    method = CRMCouponDeliveryMethodEnum(required=True)
    status = CRMCouponDeliveryStatusEnum(required=True)
    reason = graphene.String(
        required=True,
        description=(
            "Why it failed (the error) or was skipped: no_consent, frequency_cap, "
            "open_codes_cap, no_email, no_phone_or_line_id."
        ),
    )
    attempts = graphene.Int(required=True)
    created_at = DateTime(required=True)
    updated_at = DateTime(required=True)
    sent_at = DateTime()

    class Meta:
        description = "One recipient's message of a coupon rule."
        interfaces = [graphene.relay.Node]
        model = CouponDelivery

    @staticmethod
    def resolve_rule_id(root: CouponDelivery, _info):
        return gid("CRMCouponRule", root.rule_id)

    @staticmethod
    def resolve_customer_id(root: CouponDelivery, _info):
        return gid("User", root.profile.user_id)

    @staticmethod
    def resolve_email(root: CouponDelivery, _info):
        profile = root.profile
        return profile.user.email if profile.user_id else profile.email

    @staticmethod
    def resolve_code(root: CouponDelivery, _info):
        return root.grant.code if root.grant_id else None


class CRMCouponDeliveryCountableConnection(CountableConnection):
    class Meta:
        node = CRMCouponDelivery
