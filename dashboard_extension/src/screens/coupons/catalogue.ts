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
  | "CATEGORIES"; // Saleor categories (IDs)

export interface TriggerParam {
  /** The name in CRMCouponTriggerInput / CRMCouponTrigger (camelCase). */
  name: string;
  type: TriggerParamType;
  required: boolean;
  min: number | null;
  max: number | null;
  default: number | null;
}

export interface TriggerKind {
  kind: string;
  /** Fired by an order (issues within seconds), else by the periodic sweep. */
  eventDriven: boolean;
  parameters: TriggerParam[];
}

const ID_MAX = 100; // at most 100 IDs in a list (domain MAX_IDS)
const MAX_DAYS = 3650;

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

export const FALLBACK: TriggerKind[] = [
  { kind: "SEGMENT_ENTRY", eventDriven: true, parameters: [ref("segmentId", "SEGMENT", true)] },
  {
    kind: "SCHEDULE",
    eventDriven: false,
    parameters: [ref("segmentId", "SEGMENT", false), int("everyDays", 1, 366, false)],
  },
  { kind: "FIRST_ORDER", eventDriven: true, parameters: [] },
  { kind: "NTH_ORDER", eventDriven: true, parameters: [int("n", 2, 1000, true)] },
  { kind: "BIRTHDAY", eventDriven: false, parameters: [int("daysBefore", 0, 60, true, 0)] },
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
];

export const TRIGGERS_QUERY = /* GraphQL */ `
  query CrmCouponTriggers {
    crmCouponTriggers {
      kind
      eventDriven
      parameters { name type required min max default }
    }
  }
`;

const PARAM_TYPES: TriggerParamType[] = ["INT", "SEGMENT", "TIER", "CATEGORIES"];

/** The API's answer → the catalogue; parameters of a type this app cannot edit
 * are kept out (the editor would not know how to ask for them). */
export function parseCatalogue(data: unknown): TriggerKind[] | null {
  const list = (data as { crmCouponTriggers?: unknown } | null)?.crmCouponTriggers;
  if (!Array.isArray(list)) return null;
  return list.map((k: Record<string, unknown>) => ({
    kind: String(k.kind),
    eventDriven: Boolean(k.eventDriven),
    parameters: (Array.isArray(k.parameters) ? k.parameters : [])
      .map((p: Record<string, unknown>) => ({
        name: String(p.name),
        type: String(p.type) as TriggerParamType,
        required: Boolean(p.required),
        min: typeof p.min === "number" ? p.min : null,
        max: typeof p.max === "number" ? p.max : null,
        default: typeof p.default === "number" ? p.default : null,
      }))
      .filter((p) => PARAM_TYPES.includes(p.type)),
  }));
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
