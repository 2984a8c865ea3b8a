import type { Money } from "../../format";

export interface Period {
  start: string;
  end: string;
  orders: number;
  revenue: Money;
  averageOrderValue: Money | null;
  newCustomers: number;
  activeCustomers: number;
  returningCustomers: number;
  repeatCustomers: number;
  repeatPurchaseRate: number | null;
  f2Eligible: number;
  f2Converted: number;
  f2Conversion: number | null;
  secondOrderCustomers: number;
  secondOrderMedianDays: number | null;
  secondOrderDays: { label: string; fromDays: number; toDays: number | null; customers: number }[];
}

export interface AnalyticsError {
  field: string | null;
  code: string;
  message: string | null;
}

export interface Cohort {
  month: string;
  size: number;
  retention: (number | null)[];
  ltv: { months: number; value: Money | null }[];
}

export interface Group {
  key: string;
  customers: number;
  revenue: Money;
}

export interface OverviewData {
  crmAnalyticsKpis: {
    kpis: { currency: string; timeZone: string; grain: string; f2Days: number; periods: Period[]; total: Period } | null;
    errors: AnalyticsError[];
  };
  crmAnalyticsCohorts: {
    cohorts: { currency: string; timeZone: string; cohorts: Cohort[] } | null;
    errors: AnalyticsError[];
  };
  crmAnalyticsDormant: {
    dormant: {
      buyers: number;
      dormantOneTime: number;
      dormantOneTimeShare: number | null;
      dormantFormerRegulars: number;
      dormantFormerRegularsShare: number | null;
      oneTimeAfterDays: number;
      regularsMinOrders: number;
      regularsAfterDays: number;
    } | null;
    errors: AnalyticsError[];
  };
  rfmBreakdown: { currency: string | null; groups: Group[] | null; errors: AnalyticsError[] };
  tierBreakdown: { currency: string | null; groups: Group[] | null; errors: AnalyticsError[] };
  crmRfmGroups: { group: string; customers: number }[];
}

const PERIOD = `start end orders revenue { amount currency } averageOrderValue { amount currency }
  newCustomers activeCustomers returningCustomers repeatCustomers repeatPurchaseRate
  f2Eligible f2Converted f2Conversion secondOrderCustomers secondOrderMedianDays`;

/** One round trip for the whole screen. */
export const OVERVIEW_QUERY = `query CrmOverview($channel: String!, $range: CRMAnalyticsRangeInput!, $grain: CRMAnalyticsGrainEnum!, $cohortRange: CRMAnalyticsRangeInput!) {
  crmAnalyticsKpis(channel: $channel, range: $range, grain: $grain) {
    kpis {
      currency timeZone grain f2Days
      periods { ${PERIOD} }
      total { ${PERIOD} secondOrderDays { label fromDays toDays customers } }
    }
    errors { field code message }
  }
  crmAnalyticsCohorts(channel: $channel, range: $cohortRange) {
    cohorts { currency timeZone cohorts { month size retention ltv { months value { amount currency } } } }
    errors { field code message }
  }
  crmAnalyticsDormant(channel: $channel) {
    dormant {
      buyers dormantOneTime dormantOneTimeShare dormantFormerRegulars dormantFormerRegularsShare
      oneTimeAfterDays regularsMinOrders regularsAfterDays
    }
    errors { field code message }
  }
  rfmBreakdown: crmAnalyticsBreakdown(channel: $channel, by: RFM_GROUP) {
    currency groups { key customers revenue { amount currency } } errors { field code message }
  }
  tierBreakdown: crmAnalyticsBreakdown(channel: $channel, by: TIER) {
    currency groups { key customers revenue { amount currency } } errors { field code message }
  }
  crmRfmGroups(channel: $channel) { group customers }
}`;

/** Headline KPIs of a period and the one before (home widget). */
export const HEADLINE_QUERY = `query CrmHeadline($channel: String!, $range: CRMAnalyticsRangeInput!, $previous: CRMAnalyticsRangeInput!) {
  current: crmAnalyticsKpis(channel: $channel, range: $range, grain: MONTH) {
    kpis { currency timeZone f2Days total { orders revenue { amount currency } activeCustomers newCustomers repeatPurchaseRate f2Conversion } }
    errors { field code message }
  }
  previous: crmAnalyticsKpis(channel: $channel, range: $previous, grain: MONTH) {
    kpis { total { orders revenue { amount currency } activeCustomers newCustomers repeatPurchaseRate f2Conversion } }
    errors { field code message }
  }
}`;

type HeadlineTotal = Pick<Period, "orders" | "revenue" | "activeCustomers" | "newCustomers" | "repeatPurchaseRate" | "f2Conversion">;

export interface HeadlineData {
  current: { kpis: { currency: string; timeZone: string; f2Days: number; total: HeadlineTotal } | null; errors: AnalyticsError[] };
  previous: { kpis: { total: HeadlineTotal } | null; errors: AnalyticsError[] };
}
