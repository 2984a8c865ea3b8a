/**
 * The segment rule catalogue: which fields a rule can test, with which operators
 * and values, and which purchase conditions exist. The builder is driven by it, so a
 * field the API adds later appears without a frontend change.
 *
 * This is the one module that knows the API's shape of the catalogue
 * (`crmSegmentFields`); everything else uses the internal {@link Catalogue} type.
 */
import { useMemo } from "react";

import { useCrmQuery } from "../../api/hooks";

/** How a field's value is entered and sent. */
export type ValueType = "int" | "decimal" | "datetime" | "text" | "metadata";

export interface FieldSpec {
  /** rule name, e.g. `paid_orders_count` */
  name: string;
  type: ValueType;
  operators: string[];
  /** a closed set of values (e.g. `customer_type`: account, guest); empty: free */
  choices: string[];
  /** ISO 3166-1 alpha-2 codes */
  country: boolean;
  /** the value is read in the profile's channel (loyalty, RFM) */
  channelScoped: boolean;
  /** the API's English label, if it gives one (the UI prefers its own catalogue) */
  label: string | null;
  /** the group the builder's field menu files it under */
  group: FieldGroup;
}

export type FieldGroup = "orders" | "dates" | "customer" | "rfm" | "loyalty" | "other";

export type ItemKind = "products" | "categories" | "collections";

/** A purchase condition (`bought`, `due`, `bought_not`) and the item kinds it takes. */
export interface ConditionSpec {
  name: "bought" | "due" | "bought_not";
  itemKinds: ItemKind[];
}

export interface Limits {
  maxDepth: number;
  maxNodes: number;
  maxList: number;
  maxDays: number;
  maxWithinDays: number;
  maxTop: number;
  maxMinTimes: number;
  maxKey: number;
}

export interface Catalogue {
  fields: FieldSpec[];
  conditions: ConditionSpec[];
  relations: string[];
  limits: Limits;
}

export const LIMITS: Limits = {
  maxDepth: 6,
  maxNodes: 60,
  maxList: 1000,
  maxDays: 36500,
  maxWithinDays: 3650,
  maxTop: 100,
  maxMinTimes: 1000,
  maxKey: 256,
};

const NUMBER_OPS = ["eq", "ne", "gt", "gte", "lt", "lte", "between"];
const DATE_OPS = [
  "before",
  "after",
  "between",
  "more_than_days_ago",
  "less_than_days_ago",
  "is_set",
  "is_not_set",
];
const TEXT_OPS = ["eq", "ne", "in", "not_in"];
const METADATA_OPS = ["eq", "ne", "exists", "not_exists"];

export const OPERATORS_BY_TYPE: Record<ValueType, string[]> = {
  int: NUMBER_OPS,
  decimal: NUMBER_OPS,
  datetime: DATE_OPS,
  text: TEXT_OPS,
  metadata: METADATA_OPS,
};

const RFM_GROUPS = [
  "champions",
  "new",
  "potential_loyalists",
  "loyal",
  "needs_attention",
  "promising",
  "cant_lose",
  "at_risk",
  "hibernating",
  "lost",
];

const GROUPS: Record<string, FieldGroup> = {
  orders_count: "orders",
  paid_orders_count: "orders",
  cancelled_orders_count: "orders",
  total_spent: "orders",
  average_order_value: "orders",
  first_order_at: "dates",
  last_order_at: "dates",
  first_paid_at: "dates",
  last_paid_at: "dates",
  date_joined: "dates",
  rfm_recency: "rfm",
  rfm_frequency: "rfm",
  rfm_monetary: "rfm",
  rfm_group: "rfm",
  tier: "loyalty",
  points: "loyalty",
  channel: "customer",
  email_domain: "customer",
  customer_type: "customer",
  country: "customer",
  metadata: "customer",
};

export function groupOf(name: string): FieldGroup {
  return GROUPS[name] ?? "other";
}

function field(
  name: string,
  type: ValueType,
  extra: Partial<FieldSpec> = {},
): FieldSpec {
  return {
    name,
    type,
    operators: OPERATORS_BY_TYPE[type],
    choices: [],
    country: false,
    channelScoped: false,
    label: null,
    group: groupOf(name),
    ...extra,
  };
}

/**
 * The catalogue as the rule validator (`saleor_crm_plugin/domain/segments.py`)
 * defines it — used while the API's catalogue query is not there (older backend)
 * and as the fixture's cross-check in tests.
 */
export const FALLBACK_CATALOGUE: Catalogue = {
  fields: [
    field("orders_count", "int"),
    field("paid_orders_count", "int"),
    field("cancelled_orders_count", "int"),
    field("total_spent", "decimal"),
    field("average_order_value", "decimal"),
    field("first_order_at", "datetime"),
    field("last_order_at", "datetime"),
    field("first_paid_at", "datetime"),
    field("last_paid_at", "datetime"),
    field("date_joined", "datetime"),
    field("rfm_recency", "int", { channelScoped: true }),
    field("rfm_frequency", "int", { channelScoped: true }),
    field("rfm_monetary", "int", { channelScoped: true }),
    field("rfm_group", "text", { channelScoped: true, choices: RFM_GROUPS }),
    field("channel", "text"),
    field("email_domain", "text"),
    field("customer_type", "text", { choices: ["account", "guest"] }),
    field("country", "text", { country: true }),
    field("tier", "text", { channelScoped: true }),
    field("points", "int", { channelScoped: true }),
    field("metadata", "metadata"),
  ],
  conditions: [
    { name: "bought", itemKinds: ["products", "categories", "collections"] },
    { name: "due", itemKinds: ["products", "categories"] },
    { name: "bought_not", itemKinds: ["products", "categories"] },
  ],
  relations: ["together", "after"],
  limits: LIMITS,
};

// --- the API's catalogue ----------------------------------------------------------

/**
 * The catalogue query. Its shape is h2's `crmSegmentFields` (see
 * /work/notes/h2-api.md); {@link fromApi} is the only reader of it.
 */
export const CATALOGUE_QUERY = /* GraphQL */ `
  query CrmSegmentFields {
    crmSegmentFields {
      name
      type
      operators
      values
      channelScoped
    }
  }
`;

/** One field as the API returns it (loosely typed: enums arrive upper-case). */
export interface ApiField {
  name: string;
  type: string;
  operators: string[];
  values?: string[] | null;
  channelScoped?: boolean | null;
  label?: string | null;
  country?: boolean | null;
}

const lower = (s: string) => s.toLowerCase();

/** The internal catalogue from the API's list of fields. Unknown value types are
 * skipped (the builder could not offer an input for them). */
export function fromApi(fields: ApiField[]): Catalogue {
  const out: FieldSpec[] = [];
  for (const f of fields) {
    const type = lower(f.type) as ValueType;
    if (!(type in OPERATORS_BY_TYPE)) continue;
    out.push({
      name: f.name,
      type,
      operators: f.operators.map(lower),
      choices: f.values ?? [],
      country: f.country ?? f.name === "country",
      channelScoped: Boolean(f.channelScoped),
      label: f.label ?? null,
      group: groupOf(f.name),
    });
  }
  return { ...FALLBACK_CATALOGUE, fields: out };
}

export function fieldSpec(catalogue: Catalogue, name: string): FieldSpec | undefined {
  return catalogue.fields.find((f) => f.name === name);
}

/** Operators whose value is absent (`is_set`, `exists` ...). */
export const NO_VALUE_OPS = new Set(["is_set", "is_not_set", "exists", "not_exists"]);
/** Operators taking `[from, to]`. */
export const RANGE_OPS = new Set(["between"]);
/** Operators taking a list. */
export const LIST_OPS = new Set(["in", "not_in"]);
/** Operators taking a number of days. */
export const DAYS_OPS = new Set(["more_than_days_ago", "less_than_days_ago"]);

/** The catalogue from the API, or — when the API has no catalogue query (an older
 * backend: a GraphQL validation error naming the field) — the validator's own list. */
export function useCatalogue(): { catalogue: Catalogue | undefined; loading: boolean; error: unknown; refetch: () => void } {
  const { data, loading, error, refetch } = useCrmQuery<{ crmSegmentFields: ApiField[] }>(CATALOGUE_QUERY);
  const missing = error instanceof Error && /crmSegmentFields/.test(error.message);
  const catalogue = useMemo(
    () => (data ? fromApi(data.crmSegmentFields) : missing ? FALLBACK_CATALOGUE : undefined),
    [data, missing],
  );
  return { catalogue, loading, error: missing ? undefined : error, refetch };
}
