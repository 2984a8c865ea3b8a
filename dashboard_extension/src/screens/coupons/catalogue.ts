/**
 * The coupon trigger catalogue: which trigger kinds exist and which parameters
 * each takes (type, bounds, default, whether required). The editor's trigger form
 * is generated from it, so a trigger added to the API appears without a change
 * here.
 *
 * Source: the API's `crmCouponTriggers` query (see TRIGGERS_QUERY). FALLBACK is
 * the same catalogue as the backend's validator (saleor_crm_plugin/domain/
 * coupons.py, parse_trigger) and is used only while the query is not available
 * on the server the app talks to.
 */
import { useCrmQuery } from "../../api/hooks";

/** What a parameter's value is, and so which input the form shows. */
export type TriggerParamType =
  | "INT" // a whole number within [min, max]
  | "SEGMENT" // one CRM segment (ID)
  | "TIER" // one loyalty tier of the rule's channel (ID)
  | "CATEGORIES" // Saleor categories (IDs)
  | "PRODUCTS" // Saleor products (IDs)
  | "COLLECTIONS" // Saleor collections (IDs)
  | "CHOICE"; // one of `choices`

/** List types: the value is a list of IDs, at most `max` of them. */
export const LIST_TYPES: TriggerParamType[] = ["CATEGORIES", "PRODUCTS", "COLLECTIONS"];

export interface TriggerParam {
  /** The name in CRMCouponTriggerInput / CRMCouponTrigger (camelCase). */
  name: string;
  type: TriggerParamType;
  required: boolean;
  /** INT: the bounds; lists: at least `min` (1 when required) and at most `max` IDs */
  min: number | null;
  max: number | null;
  default: number | string | null;
  /** CHOICE: the values to choose from */
  choices?: string[];
}

export interface TriggerKind {
  kind: string;
  /** Fired by an order (issues within seconds), else by the periodic sweep. */
  eventDriven: boolean;
  parameters: TriggerParam[];
}

const ID_MAX = 100; // at most 100 IDs in a list (domain MAX_IDS)
const MAX_DAYS = 3650;
const MAX_POINTS = 1_000_000_000; // domain MAX_POINTS

function int(
  name: string,
  min: number,
  max: number,
  required: boolean,
  dflt: number | null = null,
): TriggerParam {
  return { name, type: "INT", required, min, max, default: dflt };
}

function ref(
  name: string,
  type: Exclude<TriggerParamType, "INT">,
  required: boolean,
): TriggerParam {
  return {
    name,
    type,
    required,
    min: type === "CATEGORIES" && required ? 1 : null,
    max: type === "CATEGORIES" ? ID_MAX : null,
    default: null,
  };
}

/** A list of IDs: at least one when required, at most ID_MAX. */
function ids(name: string, type: "CATEGORIES" | "PRODUCTS", required: boolean): TriggerParam {
  return { name, type, required, min: required ? 1 : null, max: ID_MAX, default: null };
}

function choice(name: string, choices: string[], dflt: string | null = null): TriggerParam {
  return { name, type: "CHOICE", required: false, min: null, max: null, default: dflt, choices };
}

export const FALLBACK: TriggerKind[] = [
  { kind: "SEGMENT_ENTRY", eventDriven: true, parameters: [ref("segmentId", "SEGMENT", true)] },
  {
    kind: "SCHEDULE",
    eventDriven: false,
    parameters: [ref("segmentId", "SEGMENT", false), int("everyDays", 1, 366, false)],
  },
  { kind: "FIRST_ORDER", eventDriven: true, parameters: [] },
  { kind: "NTH_ORDER", eventDriven: true, parameters: [int("n", 2, 1000, true)] },
  { kind: "BIRTHDAY", eventDriven: false, parameters: [int("daysBefore", 0, 60, false, 0)] },
  {
    kind: "DAYS_WITHOUT_ORDER",
    eventDriven: false,
    parameters: [int("days", 1, MAX_DAYS, true)],
  },
  { kind: "TIER_UPGRADE", eventDriven: true, parameters: [ref("tierId", "TIER", false)] },
  {
    kind: "CATEGORY_PURCHASE",
    eventDriven: false,
    parameters: [ref("categoryIds", "CATEGORIES", true), int("days", 1, MAX_DAYS, true)],
  },
  { kind: "SIGN_UP", eventDriven: true, parameters: [int("hours", 0, 720, false, 0)] },
  { kind: "SECOND_ORDER_DUE", eventDriven: false, parameters: [int("days", 1, MAX_DAYS, true)] },
  {
    kind: "POINTS_EXPIRING",
    eventDriven: false,
    parameters: [int("daysBefore", 0, 365, false), int("minPoints", 1, MAX_POINTS, false)],
  },
  { kind: "SEGMENT_EXIT", eventDriven: true, parameters: [ref("segmentId", "SEGMENT", true)] },
  {
    kind: "REPLENISHMENT",
    eventDriven: false,
    parameters: [
      ids("productIds", "PRODUCTS", false),
      ids("categoryIds", "CATEGORIES", false),
      int("days", 1, MAX_DAYS, false),
      int("daysBefore", 0, 365, false, 0),
    ],
  },
  {
    kind: "CROSS_SELL",
    eventDriven: false,
    parameters: [
      ids("productIds", "PRODUCTS", false),
      ids("categoryIds", "CATEGORIES", false),
      ids("targetProductIds", "PRODUCTS", false),
      int("topK", 1, 20, false),
      choice("relation", ["together", "after"], "together"),
      int("days", 0, MAX_DAYS, false, 0),
    ],
  },
  { kind: "CHECKOUT_ABANDONED", eventDriven: false, parameters: [int("hours", 1, 720, true)] },
];

export const TRIGGERS_QUERY = /* GraphQL */ `
  query CrmCouponTriggers {
    crmCouponTriggers {
      kind
      isEvent
      parameters { name type required min max maxItems default reference choices }
    }
  }
`;

interface ApiParameter {
  name: string;
  type: "INT" | "ID" | "IDS" | "CHOICE" | string;
  required: boolean;
  min: number | null;
  max: number | null;
  maxItems: number | null;
  default: unknown;
  reference: string | null;
  choices: string[] | null;
}

/** An API parameter → the editor's input type, or null when this app has no input
 * for it (then the kind cannot be edited here; see parseCatalogue). */
function paramType(p: ApiParameter): TriggerParamType | null {
  if (p.type === "INT") return "INT";
  if (p.type === "CHOICE") return "CHOICE";
  if (p.type === "ID") return p.reference === "SEGMENT" ? "SEGMENT" : p.reference === "TIER" ? "TIER" : null;
  if (p.type === "IDS")
    return p.reference === "CATEGORY"
      ? "CATEGORIES"
      : p.reference === "PRODUCT"
        ? "PRODUCTS"
        : p.reference === "COLLECTION"
          ? "COLLECTIONS"
          : null;
  return null;
}

/** The API's `crmCouponTriggers` → the catalogue. A kind with a parameter this app
 * cannot ask for is left out rather than offered with a form the API would refuse. */
export function parseCatalogue(data: unknown): TriggerKind[] | null {
  const list = (data as { crmCouponTriggers?: unknown } | null)?.crmCouponTriggers;
  if (!Array.isArray(list)) return null;
  const out: TriggerKind[] = [];
  for (const k of list as { kind: string; isEvent: boolean; parameters: ApiParameter[] }[]) {
    const parameters: TriggerParam[] = [];
    let editable = true;
    for (const p of k.parameters ?? []) {
      const type = paramType(p);
      if (!type) {
        if (p.required) editable = false;
        continue;
      }
      const list = LIST_TYPES.includes(type);
      parameters.push({
        name: p.name,
        type,
        required: Boolean(p.required),
        min: list ? (p.required ? 1 : null) : type === "INT" ? (p.min ?? null) : null,
        max: list ? (p.maxItems ?? null) : type === "INT" ? (p.max ?? null) : null,
        default: typeof p.default === "number" || typeof p.default === "string" ? p.default : null,
        ...(type === "CHOICE" ? { choices: p.choices ?? [] } : {}),
      });
    }
    if (editable) out.push({ kind: k.kind, eventDriven: Boolean(k.isEvent), parameters });
  }
  return out;
}

export function findKind(catalogue: TriggerKind[], kind: string): TriggerKind | undefined {
  return catalogue.find((k) => k.kind === kind);
}

/** The catalogue for the editor: the API's when the server has the query, else
 * FALLBACK (an older server answers the unknown field with a GraphQL error). */
export function useTriggerCatalogue(): { catalogue: TriggerKind[]; loading: boolean } {
  const { data, loading } = useCrmQuery<unknown>(TRIGGERS_QUERY);
  const parsed = data ? parseCatalogue(data) : null;
  return { catalogue: parsed && parsed.length ? parsed : FALLBACK, loading };
}
