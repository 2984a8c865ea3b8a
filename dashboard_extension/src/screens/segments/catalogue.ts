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

/** How an operator takes its value: none, one, [from, to], a list, a number of days. */
export type OpShape = "none" | "single" | "range" | "list" | "days";

/** Where a field's values come from, for a picker. */
export type ValuePicker = "channel" | "tier" | "rfm_group" | "country" | "money";

export interface FieldSpec {
  /** rule name, e.g. `paid_orders_count` */
  name: string;
  type: ValueType;
  operators: string[];
  /** how each operator takes its value */
  shapes: Record<string, OpShape>;
  /** a closed set of values (e.g. `customer_type`: account, guest); empty: free */
  choices: string[];
  /** ISO 3166-1 alpha-2 codes */
  country: boolean;
  picker: ValuePicker | null;
  /** the value is read in the profile's channel (profile figures, loyalty, RFM) */
  channelScoped: boolean;
  /** its label's key in the `segments` catalogue (`field.<name>`) */
  labelKey: string;
  /** the group the builder's field menu files it under */
  group: FieldGroup;
}

export type FieldGroup = "orders" | "dates" | "customer" | "rfm" | "loyalty" | "other";

export type ItemKind = "products" | "categories" | "collections";

/** A purchase condition (`bought`, `due`, `bought_not`, `ordered`) and the item kinds it
 * takes (`ordered`: none — an order in a period). */
export interface ConditionSpec {
  name: "bought" | "due" | "bought_not" | "ordered";
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

const SHAPES: Record<string, OpShape> = {
  between: "range",
  in: "list",
  not_in: "list",
  more_than_days_ago: "days",
  less_than_days_ago: "days",
  is_set: "none",
  is_not_set: "none",
  exists: "none",
  not_exists: "none",
};

/** How an operator takes its value, from the catalogue, else by its name. */
export function opShape(spec: FieldSpec | undefined, op: string): OpShape {
  return spec?.shapes[op] ?? SHAPES[op] ?? "single";
}

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

/** The field menu's group: dates, RFM and loyalty together, then the order
 * figures (numbers) and the customer's attributes (text). */
export function groupOf(type: ValueType, source: string): FieldGroup {
  if (type === "datetime") return "dates";
  if (source === "rfm") return "rfm";
  if (source === "loyalty") return "loyalty";
  if (type === "int" || type === "decimal") return "orders";
  return "customer";
}

function field(name: string, type: ValueType, source: string, extra: Partial<FieldSpec> = {}): FieldSpec {
  const operators = OPERATORS_BY_TYPE[type];
  return {
    name,
    type,
    operators,
    shapes: Object.fromEntries(operators.map((op) => [op, SHAPES[op] ?? "single"])),
    choices: [],
    country: false,
    picker: null,
    channelScoped: ["profile", "loyalty", "rfm"].includes(source),
    labelKey: `field.${name}`,
    group: groupOf(type, source),
    ...extra,
  };
}

/**
 * The catalogue as the rule validator (`saleor_crm_plugin/domain/segments.py`)
 * defines it — used while the API has no catalogue query (an older backend).
 */
export const FALLBACK_CATALOGUE: Catalogue = {
  fields: [
    field("orders_count", "int", "profile"),
    field("paid_orders_count", "int", "profile"),
    field("cancelled_orders_count", "int", "profile"),
    field("total_spent", "decimal", "profile", { picker: "money" }),
    field("average_order_value", "decimal", "profile", { picker: "money" }),
    field("first_order_at", "datetime", "profile"),
    field("last_order_at", "datetime", "profile"),
    field("first_paid_at", "datetime", "profile"),
    field("last_paid_at", "datetime", "profile"),
    field("date_joined", "datetime", "account"),
    field("rfm_recency", "int", "rfm"),
    field("rfm_frequency", "int", "rfm"),
    field("rfm_monetary", "int", "rfm"),
    field("rfm_group", "text", "rfm", { choices: RFM_GROUPS, picker: "rfm_group" }),
    field("channel", "text", "channel", { picker: "channel" }),
    field("email_domain", "text", "profile"),
    field("customer_type", "text", "profile", { choices: ["account", "guest"] }),
    field("country", "text", "profile", { country: true, picker: "country" }),
    field("tier", "text", "loyalty", { picker: "tier" }),
    field("points", "int", "loyalty"),
    field("metadata", "metadata", "account"),
  ],
  conditions: [
    { name: "bought", itemKinds: ["products", "categories", "collections"] },
    { name: "due", itemKinds: ["products", "categories"] },
    { name: "bought_not", itemKinds: ["products", "categories"] },
    { name: "ordered", itemKinds: [] },
  ],
  relations: ["together", "after"],
  limits: LIMITS,
};

// --- the API's catalogue ----------------------------------------------------------

/** The catalogue queries (see docs/graphql.md); {@link fromApi} is their only reader. */
export const CATALOGUE_QUERY = /* GraphQL */ `
  query CrmSegmentCatalogue {
    crmSegmentFields {
      name
      labelKey
      valueType
      operators { name labelKey value }
      enumValues
      valuePicker
      source
      channelScoped
    }
    crmSegmentConditions {
      name
      labelKey
      parameters { name labelKey type required min max maxItems default reference choices oneOf }
    }
  }
`;

export interface ApiOperator {
  name: string;
  labelKey: string;
  value: string;
}

export interface ApiField {
  name: string;
  labelKey: string;
  valueType: string;
  operators: ApiOperator[];
  enumValues: string[];
  valuePicker: string | null;
  source: string;
  channelScoped: boolean;
}

export interface ApiParameter {
  name: string;
  labelKey: string;
  type: string;
  required: boolean;
  min: number | null;
  max: number | null;
  maxItems: number | null;
  default: unknown;
  reference: string | null;
  choices: string[];
  oneOf: string | null;
}

export interface ApiCondition {
  name: string;
  labelKey: string;
  parameters: ApiParameter[];
}

const lower = (s: string) => s.toLowerCase();
const CONDITION_NAMES = new Set(["bought", "due", "bought_not", "ordered"]);
const ITEM_KINDS = new Set(["products", "categories", "collections"]);
const SHAPE_NAMES = new Set(["none", "single", "range", "list", "days"]);

/** The internal catalogue from the API's answer. A field of a value type or with an
 * operator shape this app does not know is left out (no input for it). */
export function fromApi(fields: ApiField[], conditions: ApiCondition[] = []): Catalogue {
  const out: FieldSpec[] = [];
  for (const f of fields) {
    const type = lower(f.valueType) as ValueType;
    if (!(type in OPERATORS_BY_TYPE)) continue;
    const ops = f.operators.filter((o) => SHAPE_NAMES.has(lower(o.value)));
    const picker = f.valuePicker ? (lower(f.valuePicker) as ValuePicker) : null;
    out.push({
      name: f.name,
      type,
      operators: ops.map((o) => o.name),
      shapes: Object.fromEntries(ops.map((o) => [o.name, lower(o.value) as OpShape])),
      choices: f.enumValues ?? [],
      country: picker === "country",
      picker,
      channelScoped: f.channelScoped,
      labelKey: f.labelKey.replace(/^segments\./, ""),
      group: groupOf(type, lower(f.source)),
    });
  }
  const param = (c: string, p: string) =>
    conditions.find((x) => x.name === c)?.parameters.find((x) => x.name === p);
  const limits: Limits = {
    ...LIMITS,
    maxMinTimes: param("bought", "min_times")?.max ?? LIMITS.maxMinTimes,
    maxWithinDays: param("due", "within_days")?.max ?? LIMITS.maxWithinDays,
    maxTop: param("bought_not", "top")?.max ?? LIMITS.maxTop,
    maxDays: param("bought", "within_days")?.max ?? LIMITS.maxDays,
    maxList: param("bought", "products")?.maxItems ?? LIMITS.maxList,
  };
  const known = conditions.filter((c) => CONDITION_NAMES.has(c.name));
  return {
    fields: out,
    conditions: known.length
      ? known.map((c) => ({
          name: c.name as ConditionSpec["name"],
          itemKinds: c.parameters
            .filter((p) => p.oneOf === "item" && ITEM_KINDS.has(p.name))
            .map((p) => p.name as ItemKind),
        }))
      : FALLBACK_CATALOGUE.conditions,
    relations: param("bought_not", "relation")?.choices ?? FALLBACK_CATALOGUE.relations,
    limits,
  };
}

export function fieldSpec(catalogue: Catalogue, name: string): FieldSpec | undefined {
  return catalogue.fields.find((f) => f.name === name);
}

/** The catalogue from the API, or — when the API has no catalogue query (an older
 * backend: a GraphQL validation error naming the field) — the validator's own list. */
export function useCatalogue(): { catalogue: Catalogue | undefined; loading: boolean; error: unknown; refetch: () => void } {
  const { data, loading, error, refetch } = useCrmQuery<{
    crmSegmentFields: ApiField[];
    crmSegmentConditions: ApiCondition[];
  }>(CATALOGUE_QUERY);
  const missing = error instanceof Error && /crmSegment(Fields|Conditions)/.test(error.message);
  const catalogue = useMemo(
    () => (data ? fromApi(data.crmSegmentFields, data.crmSegmentConditions) : missing ? FALLBACK_CATALOGUE : undefined),
    [data, missing],
  );
  return { catalogue, loading, error: missing ? undefined : error, refetch };
}
