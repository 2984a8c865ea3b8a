import type { Money } from "../../../format";

export interface Tier {
  id: string;
  name: string;
  rank: number;
  metric: "SPEND" | "PAID_ORDERS" | "POINTS";
  threshold: string;
}

export interface Loyalty {
  program: { isActive: boolean; currency: string; timeZone: string; tiers: Tier[] };
  tier: Tier | null;
  earnedTier: Tier | null;
  override: { tier: Tier | null; reason: string; expiresAt: string | null } | null;
  tierSince: string | null;
  retainedUntil: string | null;
  nextTier: Tier | null;
  missingForNextTier: { metric: Tier["metric"]; amount: string; money: Money | null } | null;
  points: { available: number; pending: number; expiringSoon: number };
}

export interface Customer360Channel {
  channel: string;
  profile: {
    currency: string;
    ordersCount: number;
    paidOrdersCount: number;
    netSpent: Money;
    averageOrderValue: Money;
    firstOrderAt: string | null;
    lastOrderAt: string | null;
  };
  loyalty: Loyalty | null;
  rfm: { recency: number; frequency: number; monetary: number; group: string; computedAt: string | null } | null;
  segments: { id: string; name: string; kind: string }[];
  coupons: {
    status: "OPEN" | "USED" | "EXPIRED" | "HELD_OUT";
    ruleId: string;
    ruleName: string;
    grant: { id: string; code: string; grantedAt: string; expiresAt: string | null; redeemedAt: string | null; discount: Money | null };
  }[];
}

export interface Customer360Data {
  crmCustomer360: { customerId: string; email: string; channels: Customer360Channel[] } | null;
}

const TIER = "id name rank metric threshold";

export const CUSTOMER_360_QUERY = `query CrmCustomer360($customerId: ID!) {
  crmCustomer360(customerId: $customerId, lastOrders: 1) {
    customerId email
    channels {
      channel
      profile { currency ordersCount paidOrdersCount netSpent { amount currency } averageOrderValue { amount currency } firstOrderAt lastOrderAt }
      loyalty {
        program { isActive currency timeZone tiers { ${TIER} } }
        tier { ${TIER} } earnedTier { ${TIER} }
        override { tier { ${TIER} } reason expiresAt }
        tierSince retainedUntil
        nextTier { ${TIER} }
        missingForNextTier { metric amount money { amount currency } }
        points { available pending expiringSoon }
      }
      rfm { recency frequency monetary group computedAt }
      segments { id name kind }
      coupons { status ruleId ruleName grant { id code grantedAt expiresAt redeemedAt discount { amount currency } } }
    }
  }
}`;
