"""Query costs of the CRM schema, in Saleor's own units and format
(``saleor.graphql.query_cost_map``): Saleor's cost validator adds them up for a
request and refuses it above ``GRAPHQL_QUERY_MAX_COMPLEXITY`` (50,000 by default),
exactly as it refuses its own expensive queries (see ``view.py``).

Saleor prices one object (or one row of a page) at 1 and a connection by its page
size (``multipliers: ["first", "last"]``). The CRM's heavy fields are priced by
their work in the same currency: a statement over every customer (or order) of a
channel is worth many pages of objects, so a request holds only a few of them:

* ``CHANNEL_SCAN`` — one pass over a channel's customers or scores (a live
  segment count, RFM group counts, a rule's report over its grants);
* a coupon rule's dry run makes two trigger selections and two counts;
* the loyalty preview replays 12 months of a channel's orders per tier;
* the RFM recompute and a segment refresh rewrite a channel's scores/members;
* issuing codes (run, activation) writes up to every customer of a channel.

Every root field and every paginated field of the CRM schema has an entry here
(a test fails for a field added without one).
"""

LOOKUP = {"complexity": 1}
PAGE = {"complexity": 1, "multipliers": ["first", "last"]}

CHANNEL_SCAN = 10_000
CUSTOMER_FACTS = 10  # one customer's orders / loyalty figures
EXPORT_TICKET = 1_000  # a signed URL streaming a whole segment / rule as CSV

# analytics: a KPI series reads rollup rows (one per channel and day, plus the
# range's gap and first-order rows), never the orders; the snapshots read the
# channel's profiles; the customer 360 is one customer's figures in each channel
ROLLUP_READ = 1_000
CUSTOMER_360 = 5 * CUSTOMER_FACTS

CRM_COST_MAP = {
    "Query": {
        # analytics
        "crmAnalyticsKpis": {"complexity": ROLLUP_READ},
        "crmAnalyticsCohorts": {"complexity": ROLLUP_READ},
        "crmAnalyticsDormant": {"complexity": CHANNEL_SCAN},
        "crmAnalyticsBreakdown": {"complexity": CHANNEL_SCAN},
        "crmCustomer360": {"complexity": CUSTOMER_360},
        # coupon rules
        "crmCouponRules": PAGE,
        "crmCouponDeliveries": PAGE,
        "crmCouponRule": LOOKUP,
        "crmCouponRuleDryRun": {"complexity": 2 * CHANNEL_SCAN},
        "crmCouponRuleReport": {"complexity": CHANNEL_SCAN},
        "crmMyCoupons": LOOKUP,
        "crmCouponTriggers": LOOKUP,
        # RFM
        "crmRfmGroups": {"complexity": CHANNEL_SCAN // 2},
        "crmRfmMovements": {"complexity": 1, "multipliers": ["last"]},
        "crmRfmSettings": LOOKUP,
        # segments
        "crmSegments": PAGE,
        "crmSegment": LOOKUP,
        "crmSegmentEvents": PAGE,
        "crmSegmentPresets": LOOKUP,
        "crmSegmentFields": LOOKUP,
        "crmSegmentConditions": LOOKUP,
        "crmSegmentPreview": {"complexity": CHANNEL_SCAN},
        # loyalty
        "crmMyLoyalty": {"complexity": CUSTOMER_FACTS},
        "crmCustomerLoyalty": {"complexity": CUSTOMER_FACTS},
        "crmLoyaltyPrograms": LOOKUP,
        "crmLoyaltyProgram": LOOKUP,
        "crmLoyaltyPreview": {"complexity": 2 * CHANNEL_SCAN},
        # profiles
        "crmCustomerProfile": LOOKUP,
        "crmCustomerProfiles": LOOKUP,
        "crmMyProfile": LOOKUP,
        # item analytics (small precomputed tables; a customer's due dates read
        # their own orders)
        "crmRepurchaseIntervals": PAGE,
        "crmCoPurchases": PAGE,
        "crmCustomerRepurchaseDue": {
            "complexity": CUSTOMER_FACTS,
            "multipliers": ["first", "last"],
        },
    },
    "Mutation": {
        "crmAnalyticsExport": {"complexity": EXPORT_TICKET},
        "crmCouponRuleCreate": LOOKUP,
        "crmCouponRuleUpdate": LOOKUP,
        "crmCouponRuleDelete": LOOKUP,
        "crmCouponRuleActivate": {"complexity": CHANNEL_SCAN},
        "crmCouponRulePause": LOOKUP,
        "crmCouponRuleRun": {"complexity": CHANNEL_SCAN},
        "crmCouponCodesExport": {"complexity": EXPORT_TICKET},
        "crmCouponDeliveriesExport": {"complexity": EXPORT_TICKET},
        "crmRfmSettingsUpdate": LOOKUP,
        "crmRfmRecompute": {"complexity": 2 * CHANNEL_SCAN},
        "crmSegmentCreate": LOOKUP,
        "crmSegmentUpdate": LOOKUP,
        "crmSegmentDelete": LOOKUP,
        "crmSegmentRefresh": {"complexity": CHANNEL_SCAN},
        "crmSegmentPreview": {"complexity": CHANNEL_SCAN},
        "crmSegmentExport": {"complexity": EXPORT_TICKET},
        # up to MAX_LIST customers' profiles, one statement
        "crmSegmentMembersAdd": {"complexity": CUSTOMER_FACTS},
        "crmSegmentMembersRemove": {"complexity": CUSTOMER_FACTS},
        "crmLoyaltyProgramCreate": LOOKUP,
        "crmLoyaltyProgramUpdate": LOOKUP,
        "crmLoyaltyProgramDelete": LOOKUP,
        "crmTierCreate": LOOKUP,
        "crmTierUpdate": LOOKUP,
        "crmTierDelete": LOOKUP,
        "crmPointsAdjust": LOOKUP,
        "crmTierOverride": LOOKUP,
        "crmPointsRedeem": LOOKUP,
        "crmLoyaltyPreview": {"complexity": 2 * CHANNEL_SCAN},
        "crmCustomerResync": {"complexity": CUSTOMER_FACTS},
    },
    # paginated fields inside CRM types
    "CRMCouponRule": {"grants": PAGE},
    "CRMSegment": {"members": PAGE},
    "CRMLoyaltyState": {"ledger": PAGE},
}
