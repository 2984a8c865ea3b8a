import graphene

from ...coupons.issuing import EXPLANATIONS
from ...domain.coupons import DELIVERY, DISCOUNT_TYPES, STATUSES, TRIGGERS


def _enum(name, values, description):
    return graphene.Enum(
        name, [(v.upper(), v) for v in values], description=description
    )


CRMCouponTriggerEnum = _enum(
    "CRMCouponTriggerEnum", TRIGGERS, "What makes a coupon rule issue a code."
)


CRMCouponDiscountTypeEnum = _enum(
    "CRMCouponDiscountTypeEnum",
    DISCOUNT_TYPES,
    "The discount of a coupon rule's codes.",
)


CRMCouponRuleStatusEnum = _enum(
    "CRMCouponRuleStatusEnum",
    STATUSES,
    "A draft issues nothing; a paused rule stops "
    "issuing; an active one issues between its start "
    "and end.",
)


CRMCouponDeliveryEnum = _enum(
    "CRMCouponDeliveryEnum", DELIVERY, "How a rule's codes reach customers."
)


CRMCouponDeliveryStatusEnum = _enum(
    "CRMCouponDeliveryStatusEnum",
    ("queued", "sent", "failed", "skipped"),
    "Where one recipient's message stands: queued, sent, failed (with the "
    "reason; retried until the attempts run out) or skipped (with the reason).",
)


CRMCouponDeliveryMethodEnum = _enum(
    "CRMCouponDeliveryMethodEnum",
    ("email", "message_webhook", "issue"),
    "How a message goes out: email, the rule's message webhook (LINE / SMS), or "
    "issue (no code was issued: the open-codes cap).",
)


CRMCouponDryRunExplanationCodeEnum = _enum(
    "CRMCouponDryRunExplanationCodeEnum",
    tuple(EXPLANATIONS),
    "Why a dry run's onActivation figures are what they are (the explanation as "
    "data, for clients that show it in their own language; its parameters are in "
    "explanationParams): RULE_ENDED, NOT_STARTED (startsAt), BUDGET_USED_UP, "
    "SCHEDULE_NOT_DUE, SCHEDULE_SEGMENT_MEMBERS, SCHEDULE_CHANNEL_CUSTOMERS, "
    "BIRTHDAYS_DUE_TODAY, NO_BACKLOG (trigger: order-driven triggers count only "
    "what happens after the switch-on) and COUNTS_SINCE_SWITCH_ON (trigger, "
    "since).",
)
