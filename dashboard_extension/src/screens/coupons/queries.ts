/** GraphQL documents of the coupon rule screens (the plugin's CRM endpoint). */

const MONEY = "amount currency";
const ERRORS = "errors { field code message }";
const TEMPLATE = "subject text html short isDefault";

export const RULE_FIELDS = `
  id name description channel status isRunning
  trigger { kind segmentId n days everyDays daysBefore tierId categoryIds hours minPoints productIds targetProductIds topK relation }
  discountType discountValue minSpend { ${MONEY} }
  productIds categoryIds collectionIds
  validityDays maxPerCustomer cooldownDays budgetCodes budgetAmount { ${MONEY} }
  controlShare reportWindowDays startsAt endsAt delivery
  customerNameJa customerNameEn
  messageTemplates { ja { ${TEMPLATE} } en { ${TEMPLATE} } }
  webhookUrl hasWebhookSecret transactional
  activatedAt issuedCount controlCount createdAt updatedAt
`;

export const RULES_QUERY = /* GraphQL */ `
  query CrmCouponRules($first: Int!, $after: String, $filter: CRMCouponRuleFilterInput) {
    crmCouponRules(first: $first, after: $after, filter: $filter,
                   sortBy: { field: CREATED_AT, direction: DESC }) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node {
        id name channel status isRunning trigger { kind }
        discountType discountValue minSpend { currency } issuedCount controlCount activatedAt
      } }
    }
  }
`;

export const RULE_QUERY = /* GraphQL */ `
  query CrmCouponRule($id: ID!) { crmCouponRule(id: $id) { ${RULE_FIELDS} } }
`;

/** The headline result of one rule, for the list (its report). */
export const REPORT_QUERY = /* GraphQL */ `
  query CrmCouponRuleReport($id: ID!) {
    crmCouponRuleReport(id: $id) {
      windowDays redeemed openWindows
      treated { customers converted conversion revenue { ${MONEY} } revenuePerCustomer { ${MONEY} } }
      control { customers converted conversion revenue { ${MONEY} } revenuePerCustomer { ${MONEY} } }
      conversionUplift { estimate low high }
      revenueUplift { estimate low high }
      incrementalRevenue { ${MONEY} }
      discountCost { ${MONEY} }
      attributedRevenue { ${MONEY} }
    }
  }
`;

const DRY_PART = `codes customers heldOut budgetLimited estimatedCost { ${MONEY} }
  sample { customerId email control estimatedCost { ${MONEY} } }`;

export const DRY_RUN_QUERY = /* GraphQL */ `
  query CrmCouponRuleDryRun($id: ID!) {
    crmCouponRuleDryRun(id: $id, sampleSize: 20) {
      onActivation { ${DRY_PART} explanation explanationCode explanationParams { trigger since startsAt } }
      replayedWindow { ${DRY_PART} from to }
    }
  }
`;

export const CREATE_MUTATION = /* GraphQL */ `
  mutation CrmCouponRuleCreate($input: CRMCouponRuleInput!) {
    crmCouponRuleCreate(input: $input) { rule { ${RULE_FIELDS} } ${ERRORS} }
  }
`;

export const UPDATE_MUTATION = /* GraphQL */ `
  mutation CrmCouponRuleUpdate($id: ID!, $input: CRMCouponRuleInput!) {
    crmCouponRuleUpdate(id: $id, input: $input) { rule { ${RULE_FIELDS} } ${ERRORS} }
  }
`;

export const ACTIVATE_MUTATION = /* GraphQL */ `
  mutation CrmCouponRuleActivate($id: ID!) {
    crmCouponRuleActivate(id: $id) {
      issued heldOut budgetExhausted rule { ${RULE_FIELDS} } ${ERRORS}
    }
  }
`;

export const PAUSE_MUTATION = /* GraphQL */ `
  mutation CrmCouponRulePause($id: ID!) {
    crmCouponRulePause(id: $id) { rule { ${RULE_FIELDS} } ${ERRORS} }
  }
`;

export const RUN_MUTATION = /* GraphQL */ `
  mutation CrmCouponRuleRun($id: ID!) {
    crmCouponRuleRun(id: $id) {
      issued heldOut budgetExhausted rule { ${RULE_FIELDS} } ${ERRORS}
    }
  }
`;

export const DELETE_MUTATION = /* GraphQL */ `
  mutation CrmCouponRuleDelete($id: ID!) {
    crmCouponRuleDelete(id: $id) { rule { id } ${ERRORS} }
  }
`;

export const EXPORT_MUTATION = /* GraphQL */ `
  mutation CrmCouponCodesExport($id: ID!, $format: CRMSegmentExportFormatEnum, $bom: Boolean) {
    crmCouponCodesExport(id: $id, format: $format, bom: $bom) {
      url expiresAt columns ${ERRORS}
    }
  }
`;

/** Pickers of the trigger form: segments and tiers of the rule's channel. */
export const SEGMENTS_QUERY = /* GraphQL */ `
  query CrmCouponSegments($channel: String) {
    crmSegments(first: 100, filter: { channelSlug: $channel }) {
      edges { node { id name channel membersCount } }
    }
  }
`;

export const TIERS_QUERY = /* GraphQL */ `
  query CrmCouponTiers($channel: String!) {
    crmLoyaltyProgram(channel: $channel) { id tiers { id name rank } }
  }
`;

/** Each recipient's message of a rule (email / LINE-SMS webhook), newest first. */
export const DELIVERIES_QUERY = /* GraphQL */ `
  query CrmCouponDeliveries($first: Int!, $after: String, $filter: CRMCouponDeliveryFilterInput) {
    crmCouponDeliveries(first: $first, after: $after, filter: $filter) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node {
        id customerId email code method status reason attempts createdAt updatedAt sentAt
      } }
    }
  }
`;

export const DELIVERIES_EXPORT_MUTATION = /* GraphQL */ `
  mutation CrmCouponDeliveriesExport($id: ID!, $bom: Boolean) {
    crmCouponDeliveriesExport(id: $id, bom: $bom) { url expiresAt columns ${ERRORS} }
  }
`;
