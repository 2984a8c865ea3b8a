/**
 * The RFM map: the ten groups as regions of the recency × frequency grid (scores
 * 1–5), the way the API assigns them (GROUPS in saleor_crm_plugin/domain/rfm.py,
 * first match wins). Monetary only matters for "can't lose them" (R 1–2, F 4–5,
 * M 4–5); the rest of that corner is "at risk", so the map shows can't-lose in
 * the corner and at-risk below it and says so in the legend.
 */
import type { FieldError } from "../coupons/form";

export interface Region {
  group: string;
  /** recency scores covered (columns, 5 = bought most recently) */
  r: [number, number];
  /** frequency scores covered (rows, 5 = most orders) */
  f: [number, number];
}

export const REGIONS: Region[] = [
  { group: "champions", r: [4, 5], f: [4, 5] },
  { group: "potential_loyalists", r: [4, 5], f: [2, 3] },
  { group: "new", r: [4, 5], f: [1, 1] },
  { group: "loyal", r: [3, 3], f: [3, 5] },
  { group: "needs_attention", r: [3, 3], f: [2, 2] },
  { group: "promising", r: [3, 3], f: [1, 1] },
  { group: "cant_lose", r: [1, 2], f: [4, 5] },
  { group: "at_risk", r: [1, 2], f: [3, 3] },
  { group: "hibernating", r: [2, 2], f: [1, 2] },
  { group: "lost", r: [1, 1], f: [1, 2] },
];

export const GROUPS = REGIONS.map((r) => r.group);

/** CSS grid placement of a region: column 1 = R 1 (left), row 1 = F 5 (top). */
export function placement(region: Region) {
  return {
    gridColumn: `${region.r[0]} / ${region.r[1] + 1}`,
    gridRow: `${6 - region.f[1]} / ${6 - region.f[0] + 1}`,
  };
}

/** The region's share of the largest group, 0…1, for the colour. */
export function intensity(counts: Map<string, number>, group: string): number {
  const max = Math.max(0, ...counts.values());
  return max === 0 ? 0 : (counts.get(group) ?? 0) / max;
}

export interface Move {
  fromGroup: string | null;
  toGroup: string;
  customers: number;
}

/** Net change per group over one recompute (entered − left). */
export function netChange(moves: Move[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of moves) {
    out.set(m.toGroup, (out.get(m.toGroup) ?? 0) + m.customers);
    if (m.fromGroup) out.set(m.fromGroup, (out.get(m.fromGroup) ?? 0) - m.customers);
  }
  return out;
}

export type Dimension = "recencyDays" | "frequency" | "monetary";
export const DIMENSIONS: Dimension[] = ["recencyDays", "frequency", "monetary"];

/** Four boundaries per dimension, 0 or more, strictly rising (domain/rfm.py). */
export function validateThresholds(values: Record<Dimension, string[]>): FieldError[] {
  const errors: FieldError[] = [];
  for (const d of DIMENSIONS) {
    const texts = values[d].map((v) => v.trim());
    if (texts.some((t) => t === "")) {
      errors.push({ field: d, key: "validation.fourBoundaries" });
      continue;
    }
    if (texts.some((t) => !/^\d+(\.\d+)?$/.test(t))) {
      errors.push({ field: d, key: "validation.notNegative" });
      continue;
    }
    const nums = texts.map(Number);
    if (nums.some((n, i) => i > 0 && n <= nums[i - 1]))
      errors.push({ field: d, key: "validation.rising" });
  }
  return errors;
}
