/** A loyalty program's settings: API ↔ form (text inputs) ↔ CRMLoyaltyProgramInput. */
import { decimalText } from "../coupons/form";
import type { ApiTier } from "./ladder";

export interface ApiProgram {
  id: string;
  channel: string;
  currency: string;
  isActive: boolean;
  pointsPerUnit: number | string;
  /** what points are earned on: the products subtotal after discounts, or the order total */
  pointsBase?: "SUBTOTAL" | "TOTAL";
  rounding: string;
  returnWindowDays: number;
  pointsValidityDays: number | null;
  pointValue: number | string;
  minRedemptionPoints: number;
  redemptionKind: string;
  windowKind: string;
  windowMonths: number;
  timeZone: string;
  reviewPeriodMonths: number;
  discountPolicy: string;
  expiryWarningDays: number;
  tiers: ApiTier[];
}

export interface FieldSpec {
  name: keyof ProgramForm;
  kind: "decimal" | "int" | "optionalInt" | "choice" | "text" | "bool";
  choices?: string[];
  /** shown only for these window kinds */
  onlyFor?: string[];
}

export const PROGRAM_FIELDS: FieldSpec[] = [
  { name: "isActive", kind: "bool" },
  { name: "pointsPerUnit", kind: "decimal" },
  { name: "pointsBase", kind: "choice", choices: ["SUBTOTAL", "TOTAL"] },
  { name: "rounding", kind: "choice", choices: ["DOWN", "HALF_UP", "FLOOR"] },
  { name: "windowKind", kind: "choice", choices: ["ROLLING_MONTHS", "CALENDAR_YEAR", "LIFETIME"] },
  { name: "windowMonths", kind: "int", onlyFor: ["ROLLING_MONTHS"] },
  { name: "timeZone", kind: "text" },
  { name: "reviewPeriodMonths", kind: "int" },
  { name: "returnWindowDays", kind: "int" },
  { name: "pointsValidityDays", kind: "optionalInt" },
  { name: "expiryWarningDays", kind: "int" },
  { name: "pointValue", kind: "decimal" },
  { name: "minRedemptionPoints", kind: "int" },
  { name: "redemptionKind", kind: "choice", choices: ["GIFT_CARD", "VOUCHER"] },
  { name: "discountPolicy", kind: "choice", choices: ["BEST_FOR_CUSTOMER", "MEMBER_FIRST"] },
];

export interface ProgramForm {
  isActive: boolean;
  pointsPerUnit: string;
  pointsBase: string;
  rounding: string;
  windowKind: string;
  windowMonths: string;
  timeZone: string;
  reviewPeriodMonths: string;
  returnWindowDays: string;
  pointsValidityDays: string;
  expiryWarningDays: string;
  pointValue: string;
  minRedemptionPoints: string;
  redemptionKind: string;
  discountPolicy: string;
}

/** A new program's starting values (the API's defaults, the browser's zone). */
export function newProgramForm(): ProgramForm {
  let zone = "UTC";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    /* keep UTC */
  }
  return {
    isActive: true,
    pointsPerUnit: "1",
    // the API's default for new programs
    pointsBase: "SUBTOTAL",
    rounding: "DOWN",
    windowKind: "ROLLING_MONTHS",
    windowMonths: "12",
    timeZone: zone,
    reviewPeriodMonths: "12",
    returnWindowDays: "14",
    pointsValidityDays: "365",
    expiryWarningDays: "30",
    pointValue: "1",
    minRedemptionPoints: "100",
    redemptionKind: "GIFT_CARD",
    discountPolicy: "BEST_FOR_CUSTOMER",
  };
}

export function programToForm(p: ApiProgram): ProgramForm {
  return {
    isActive: p.isActive,
    pointsPerUnit: decimalText(p.pointsPerUnit),
    // programs from before the points base earned on the total
    pointsBase: p.pointsBase ?? "TOTAL",
    rounding: p.rounding,
    windowKind: p.windowKind,
    windowMonths: String(p.windowMonths),
    timeZone: p.timeZone,
    reviewPeriodMonths: String(p.reviewPeriodMonths),
    returnWindowDays: String(p.returnWindowDays),
    pointsValidityDays: p.pointsValidityDays === null ? "" : String(p.pointsValidityDays),
    expiryWarningDays: String(p.expiryWarningDays),
    pointValue: decimalText(p.pointValue),
    minRedemptionPoints: String(p.minRedemptionPoints),
    redemptionKind: p.redemptionKind,
    discountPolicy: p.discountPolicy,
  };
}

export function programInput(form: ProgramForm): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const spec of PROGRAM_FIELDS) {
    const v = form[spec.name];
    if (spec.kind === "bool") out[spec.name] = v;
    else if (spec.kind === "int") out[spec.name] = Number(v);
    else if (spec.kind === "optionalInt") out[spec.name] = String(v).trim() === "" ? null : Number(v);
    else out[spec.name] = String(v).trim();
  }
  return out;
}

/** Fields of the program whose problems the form can see before sending. */
export function validateProgram(form: ProgramForm): { field: string; key: string }[] {
  const errors: { field: string; key: string }[] = [];
  for (const spec of PROGRAM_FIELDS) {
    if (spec.onlyFor && !spec.onlyFor.includes(form.windowKind)) continue;
    const v = String(form[spec.name]).trim();
    const field = `program.${spec.name}`;
    if (spec.kind === "int" || spec.kind === "optionalInt") {
      if (v === "" && spec.kind === "int") errors.push({ field, key: "validation.required" });
      else if (v !== "" && !/^\d+$/.test(v)) errors.push({ field, key: "validation.wholeNumber" });
    } else if (spec.kind === "decimal") {
      if (v === "") errors.push({ field, key: "validation.required" });
      else if (!/^\d+(\.\d+)?$/.test(v)) errors.push({ field, key: "validation.number" });
    } else if (spec.kind === "text" && v === "") errors.push({ field, key: "validation.required" });
  }
  return errors;
}
