from .deliveries import (
    CRMCouponDelivery,
    CRMCouponDeliveryCountableConnection,
    CRMCouponMessageTemplate,
    CRMCouponMessageTemplates,
)
from .dry_run import (
    CRMCouponDryRun,
    CRMCouponDryRunActivation,
    CRMCouponDryRunReplay,
    CRMCouponDryRunRow,
)
from .my_coupons import CRMMyCoupon
from .reports import CRMCouponArm, CRMCouponReport, CRMUplift
from .rules import (
    CRMCouponGrant,
    CRMCouponGrantCountableConnection,
    CRMCouponRule,
    CRMCouponRuleCountableConnection,
    CRMCouponTrigger,
)
from .triggers import CRMCouponTriggerDefinition

__all__ = [
    "CRMCouponArm",
    "CRMCouponDelivery",
    "CRMCouponDeliveryCountableConnection",
    "CRMCouponDryRun",
    "CRMCouponDryRunActivation",
    "CRMCouponDryRunReplay",
    "CRMCouponDryRunRow",
    "CRMCouponGrant",
    "CRMCouponGrantCountableConnection",
    "CRMCouponMessageTemplate",
    "CRMCouponMessageTemplates",
    "CRMCouponReport",
    "CRMCouponRule",
    "CRMCouponRuleCountableConnection",
    "CRMCouponTrigger",
    "CRMCouponTriggerDefinition",
    "CRMMyCoupon",
    "CRMUplift",
]
