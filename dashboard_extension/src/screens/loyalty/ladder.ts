/**
 * The tier ladder editor's state: tiers as rows (rank = position), their
 * translation to CRMTierInput (for the preview and for saving), the checks the
 * API makes (domain/tiers.py validate_ladder, loyalty/programs.py validate_tier)
 * and the plan of mutations that turns the saved ladder into the edited one.
 */
import { currencyPlaces, decimalText, type FieldError } from "../coupons/form";

export type Metric = "SPEND" | "PAID_ORDERS" | "POINTS";
export const METRICS: Metric[] = ["SPEND", "PAID_ORDERS", "POINTS"];
/** A tier gives a discount or free shipping (Saleor applies one voucher). */
export type Benefit = "NONE" | "PERCENTAGE" | "FIXED" | "FREE_SHIPPING";
export const BENEFITS: Benefit[] = ["NONE", "PERCENTAGE", "FIXED", "FREE_SHIPPING"];

export interface ApiTier {
  id: string;
  name: string;
  customerNameJa?: string;
  customerNameEn?: string;
  rank: number;
  metric: Metric;
  threshold: number | string;
  discountType: "NONE" | "PERCENTAGE" | "FIXED";
  discountValue: number | string;
  minSpend: number | string | null;
  categoryIds: string[];
  collectionIds: string[];
  freeShipping: boolean;
  pointsMultiplier: number | string;
}

export interface TierRow {
  /** stable key for React (the tier's ID, or a new one's) */
  key: string;
  id: string | null;
  /** the saved tier's rank (kept: ranks only order the ladder); null when new */
  rank: number | null;
  name: string;
  /** the names customers see (Saleor voucher and its translations) */
  customerNameJa: string;
  customerNameEn: string;
  metric: Metric;
  threshold: string;
  benefit: Benefit;
  discountValue: string;
  minSpend: string;
  categoryIds: string[];
  collectionIds: string[];
  pointsMultiplier: string;
}

export interface TierInput {
  name: string;
  customerNameJa: string;
  customerNameEn: string;
  rank: number;
  metric: Metric;
  threshold: string;
  discountType: "NONE" | "PERCENTAGE" | "FIXED";
  discountValue: string;
  minSpend: string | null;
  categories: string[];
  collections: string[];
  freeShipping: boolean;
  pointsMultiplier: string;
}

let counter = 0;
export function newRow(previous?: TierRow): TierRow {
  counter += 1;
  return {
    key: `new-${counter}`,
    id: null,
    rank: null,
    name: "",
    customerNameJa: "",
    customerNameEn: "",
    metric: previous?.metric ?? "SPEND",
    threshold: "",
    benefit: "PERCENTAGE",
    discountValue: "",
    minSpend: "",
    categoryIds: [],
    collectionIds: [],
    pointsMultiplier: "1",
  };
}

export function fromTiers(tiers: ApiTier[]): TierRow[] {
  return [...tiers]
    .sort((a, b) => a.rank - b.rank)
    .map((t) => ({
      key: t.id,
      id: t.id,
      rank: t.rank,
      name: t.name,
      customerNameJa: t.customerNameJa ?? "",
      customerNameEn: t.customerNameEn ?? "",
      metric: t.metric,
      threshold: decimalText(t.threshold),
      benefit: t.freeShipping ? "FREE_SHIPPING" : t.discountType,
      discountValue: t.discountType === "NONE" ? "" : decimalText(t.discountValue),
      minSpend: t.minSpend === null ? "" : decimalText(t.minSpend),
      categoryIds: [...t.categoryIds],
      collectionIds: [...t.collectionIds],
      pointsMultiplier: decimalText(t.pointsMultiplier),
    }));
}

export function toTierInput(row: TierRow, rank: number): TierInput {
  const discount = row.benefit === "PERCENTAGE" || row.benefit === "FIXED";
  return {
    name: row.name.trim(),
    customerNameJa: row.customerNameJa.trim(),
    customerNameEn: row.customerNameEn.trim(),
    rank,
    metric: row.metric,
    threshold: row.threshold.trim(),
    discountType: discount ? (row.benefit as "PERCENTAGE" | "FIXED") : "NONE",
    discountValue: discount ? row.discountValue.trim() : "0",
    minSpend: discount && row.minSpend.trim() !== "" ? row.minSpend.trim() : null,
    categories: discount ? [...row.categoryIds] : [],
    collections: discount ? [...row.collectionIds] : [],
    freeShipping: row.benefit === "FREE_SHIPPING",
    pointsMultiplier: row.pointsMultiplier.trim(),
  };
}

/** Saved tiers keep their rank; new ones (added at the top) rank above all. */
export function ranks(rows: TierRow[]): number[] {
  let top = Math.max(0, ...rows.map((r) => r.rank ?? 0));
  return rows.map((r) => r.rank ?? (top += 1));
}

export function toLadderInput(rows: TierRow[]): TierInput[] {
  const r = ranks(rows);
  return rows.map((row, i) => toTierInput(row, r[i]));
}

/** The ladder as the preview takes it: the customer-facing names change no
 * figure (the API ignores them there), so they need no preview. */
export function toPreviewTiers(rows: TierRow[]): Omit<TierInput, "customerNameJa" | "customerNameEn">[] {
  return toLadderInput(rows).map(({ customerNameJa: _ja, customerNameEn: _en, ...rest }) => rest);
}

export const CUSTOMER_NAME_MAX = 128;

const NUM = /^\d+(\.\d+)?$/;
function places(text: string): number {
  const i = text.indexOf(".");
  return i < 0 ? 0 : text.slice(i + 1).replace(/0+$/, "").length;
}

/** Fields are `tiers.<index>.<field>`; keys are in the loyalty namespace. */
export function validateLadder(rows: TierRow[], currency: string): FieldError[] {
  const errors: FieldError[] = [];
  const digits = currencyPlaces(currency);
  const names = new Set<string>();
  rows.forEach((row, i) => {
    const f = (name: string) => `tiers.${i}.${name}`;
    const name = row.name.trim();
    if (!name) errors.push({ field: f("name"), key: "validation.required" });
    else if (name.length > 64)
      errors.push({ field: f("name"), key: "validation.maxLength", values: { max: 64 } });
    else if (names.has(name.toLowerCase()))
      errors.push({ field: f("name"), key: "validation.uniqueName" });
    names.add(name.toLowerCase());
    for (const field of ["customerNameJa", "customerNameEn"] as const)
      if (row[field].trim().length > CUSTOMER_NAME_MAX)
        errors.push({ field: f(field), key: "validation.maxLength", values: { max: CUSTOMER_NAME_MAX } });

    const th = row.threshold.trim();
    if (th === "") errors.push({ field: f("threshold"), key: "validation.required" });
    else if (!NUM.test(th)) errors.push({ field: f("threshold"), key: "validation.number" });
    else if (row.metric !== "SPEND" && places(th) > 0)
      errors.push({ field: f("threshold"), key: "validation.wholeNumber" });
    else if (row.metric === "SPEND" && places(th) > digits)
      errors.push({ field: f("threshold"), key: "validation.currencyPlaces", values: { places: digits } });
    else {
      // a higher tier asks for more than every lower tier on the same measure
      const lower = rows
        .slice(0, i)
        .filter((o) => o.metric === row.metric && NUM.test(o.threshold.trim()));
      if (lower.some((o) => Number(th) <= Number(o.threshold)))
        errors.push({ field: f("threshold"), key: "validation.thresholdOrder" });
    }

    if (row.benefit === "PERCENTAGE" || row.benefit === "FIXED") {
      const v = row.discountValue.trim();
      if (v === "") errors.push({ field: f("discountValue"), key: "validation.required" });
      else if (!NUM.test(v)) errors.push({ field: f("discountValue"), key: "validation.number" });
      else if (row.benefit === "PERCENTAGE" && !(Number(v) > 0 && Number(v) <= 100))
        errors.push({ field: f("discountValue"), key: "validation.percent" });
      else if (row.benefit === "FIXED" && !(Number(v) > 0))
        errors.push({ field: f("discountValue"), key: "validation.positive" });
      else if (places(v) > (row.benefit === "FIXED" ? Math.min(3, digits) : 3))
        errors.push({
          field: f("discountValue"),
          key: "validation.places",
          values: { places: row.benefit === "FIXED" ? Math.min(3, digits) : 3 },
        });
      const m = row.minSpend.trim();
      if (m !== "" && !NUM.test(m)) errors.push({ field: f("minSpend"), key: "validation.number" });
    }
    const pm = row.pointsMultiplier.trim();
    if (pm === "") errors.push({ field: f("pointsMultiplier"), key: "validation.required" });
    else if (!NUM.test(pm) || !(Number(pm) > 0))
      errors.push({ field: f("pointsMultiplier"), key: "validation.positive" });
    else if (places(pm) > 2)
      errors.push({ field: f("pointsMultiplier"), key: "validation.places", values: { places: 2 } });
  });
  return errors;
}

export type Step =
  | { op: "delete"; id: string; name: string }
  | { op: "update"; id: string; input: TierInput }
  | { op: "create"; input: TierInput };

/**
 * The mutations that turn `saved` into `rows`, in an order the API accepts one
 * at a time (each tier is validated against the others as stored): removed tiers
 * go first; tiers whose threshold rises are updated from the top rung down and
 * the others from the bottom up, so no intermediate ladder has a higher rung
 * asking for less; new tiers (ranked above the saved ones) come last.
 */
export function planSave(saved: ApiTier[], rows: TierRow[]): Step[] {
  const steps: Step[] = [];
  const kept = new Set(rows.map((r) => r.id).filter(Boolean));
  for (const t of saved) if (!kept.has(t.id)) steps.push({ op: "delete", id: t.id, name: t.name });
  const before = new Map(fromTiers(saved).map((r) => [r.id!, toTierInput(r, r.rank!)]));
  const inputs = toLadderInput(rows);
  const updates: { id: string; input: TierInput; rises: boolean }[] = [];
  rows.forEach((row, i) => {
    if (!row.id) return;
    const old = before.get(row.id);
    if (old && JSON.stringify(old) === JSON.stringify(inputs[i])) return;
    updates.push({
      id: row.id,
      input: inputs[i],
      rises: !old || Number(inputs[i].threshold) >= Number(old.threshold),
    });
  });
  const rising = updates.filter((u) => u.rises).sort((a, b) => b.input.rank - a.input.rank);
  const falling = updates.filter((u) => !u.rises).sort((a, b) => a.input.rank - b.input.rank);
  for (const u of [...rising, ...falling]) steps.push({ op: "update", id: u.id, input: u.input });
  rows.forEach((row, i) => {
    if (!row.id) steps.push({ op: "create", input: inputs[i] });
  });
  return steps;
}
