/** GraphQL documents of the loyalty screen. */
const ERRORS = "errors { field code message }";
const TIER = `id name customerNameJa customerNameEn rank metric threshold discountType discountValue minSpend
  categoryIds collectionIds freeShipping pointsMultiplier`;
const PROGRAM = `id channel currency isActive pointsPerUnit pointsBase rounding returnWindowDays
  pointsValidityDays pointValue minRedemptionPoints redemptionKind windowKind windowMonths
  timeZone reviewPeriodMonths discountPolicy expiryWarningDays tiers { ${TIER} }`;

export const PROGRAMS_QUERY = /* GraphQL */ `query CrmLoyaltyPrograms { crmLoyaltyPrograms { ${PROGRAM} } }`;

export const PREVIEW_QUERY = /* GraphQL */ `
  query CrmLoyaltyPreview($channel: String!, $input: CRMLoyaltyPreviewInput!) {
    crmLoyaltyPreview(channel: $channel, input: $input) {
      preview {
        tiers { name rank customers currentCustomers estimatedDiscount { amount currency } }
        customersWithoutTier customersWithoutTierNow estimatedDiscountTotal { amount currency } estimatedPoints
        ordersConsidered periodStart periodEnd
      }
      ${ERRORS}
    }
  }
`;

export const PROGRAM_CREATE = /* GraphQL */ `
  mutation CrmLoyaltyProgramCreate($channel: String!, $input: CRMLoyaltyProgramInput!) {
    crmLoyaltyProgramCreate(channel: $channel, input: $input) { program { ${PROGRAM} } ${ERRORS} }
  }
`;

export const PROGRAM_UPDATE = /* GraphQL */ `
  mutation CrmLoyaltyProgramUpdate($id: ID!, $input: CRMLoyaltyProgramInput!) {
    crmLoyaltyProgramUpdate(id: $id, input: $input) { program { ${PROGRAM} } ${ERRORS} }
  }
`;

export const TIER_CREATE = /* GraphQL */ `
  mutation CrmTierCreate($programId: ID!, $input: CRMTierInput!) {
    crmTierCreate(programId: $programId, input: $input) { tier { ${TIER} } ${ERRORS} }
  }
`;

export const TIER_UPDATE = /* GraphQL */ `
  mutation CrmTierUpdate($id: ID!, $input: CRMTierInput!) {
    crmTierUpdate(id: $id, input: $input) { tier { ${TIER} } ${ERRORS} }
  }
`;

export const TIER_DELETE = /* GraphQL */ `
  mutation CrmTierDelete($id: ID!) { crmTierDelete(id: $id) { tier { id } ${ERRORS} } }
`;
