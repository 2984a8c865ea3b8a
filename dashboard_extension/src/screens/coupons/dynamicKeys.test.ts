/**
 * The keys the coupon, loyalty and RFM screens build at run time (t(`status.${s}`) …),
 * which the catalogue test cannot see in the sources: each exists in en and ja.
 */
import { describe, expect, it } from "vitest";

import { catalogues, LOCALES } from "../../i18n";
import { BENEFITS, METRICS } from "../loyalty/ladder";
import { PROGRAM_FIELDS } from "../loyalty/program";
import { DIMENSIONS, GROUPS } from "../rfm/grid";
import { FALLBACK } from "./catalogue";
import { DELIVERY_METHODS, DELIVERY_STATUSES, SKIP_REASONS } from "./Deliveries";
import { DELIVERIES, DISCOUNT_TYPES, emptyForm, PLACEHOLDERS, TEMPLATE_LANGUAGES, TEMPLATE_PARTS, validate } from "./form";

const VALIDATION = [
  "required",
  "wholeNumber",
  "atLeast",
  "range",
  "number",
  "positive",
  "notNegative",
  "currencyPlaces",
  "places",
  "maxLength",
  "chooseOne",
  "tooMany",
  "percent",
  "freeShippingLimits",
  "controlShare",
  "endAfterStart",
  "uniqueName",
  "thresholdOrder",
  "fourBoundaries",
  "rising",
  "templateBrace",
  "templatePlaceholder",
  "templateFormat",
  "oneLine",
  "url",
  "secretLength",
].map((k) => `validation.${k}`);

const KEYS: Record<string, string[]> = {
  coupons: [
    ...FALLBACK.flatMap((k) => [`triggers.${k.kind}.label`, `triggers.${k.kind}.help`]),
    ...FALLBACK.flatMap((k) => k.parameters.map((p) => `params.${p.name}`)),
    "triggers.SIGN_UP.timing",
    ...["DRAFT", "ACTIVE", "PAUSED"].map((s) => `status.${s}`),
    ...DISCOUNT_TYPES.map((d) => `discount.${d}`),
    ...DELIVERIES.flatMap((d) => [`delivery.${d}.label`, `delivery.${d}.help`]),
    "fields.customerNameJa",
    "fields.customerNameEn",
    ...TEMPLATE_LANGUAGES.map((l) => `messages.languages.${l}`),
    ...TEMPLATE_PARTS.flatMap((p) => [`messages.parts.${p}`, `messages.partHelp.${p}`]),
    ...PLACEHOLDERS.map((p) => `messages.placeholder.${p}`),
    ...DELIVERY_STATUSES.map((s) => `deliveries.status.${s}`),
    ...DELIVERY_METHODS.map((m) => `deliveries.method.${m}`),
    ...SKIP_REASONS.map((r) => `deliveries.reason.${r}`),
    ...["recipient", "method", "status", "reason", "attempts", "updatedAt"].map((c) => `deliveries.columns.${c}`),
    "export.EMAIL",
    "export.POSTAL",
    "ui.noPermission.MANAGE_DISCOUNTS",
    "ui.noPermission.MANAGE_USERS",
    ...VALIDATION,
  ],
  loyalty: [
    ...METRICS.map((m) => `metric.${m}`),
    ...BENEFITS.map((b) => `benefit.${b}`),
    ...PROGRAM_FIELDS.map((f) => `settings.${f.name}`),
    ...PROGRAM_FIELDS.flatMap((f) => (f.choices ?? []).map((c) => `settings.choices.${c}`)),
  ],
  common: GROUPS.map((g) => `rfmGroup.${g}`),
  rfm: [
    ...DIMENSIONS.flatMap((d) => [`thresholds.${d}`, `thresholds.${d}Help`]),
    ...["QUANTILES", "THRESHOLDS"].flatMap((m) => [`thresholds.${m}`, `thresholds.${m}Help`]),
  ],
};

describe("keys built at run time", () => {
  for (const [ns, keys] of Object.entries(KEYS)) {
    it(`${ns}: every one exists in en and ja`, () => {
      const missing = LOCALES.flatMap((locale) => keys.filter((k) => !(k in catalogues[locale][ns])).map((k) => `${locale}:${k}`));
      expect(missing).toEqual([]);
    });
  }

  it("every validation key the form produces is translated", () => {
    const bad = { ...emptyForm("c", "NTH_ORDER"), params: { n: "x" }, validityDays: "0", controlPercent: "99" };
    for (const e of validate(bad, FALLBACK, "USD")) expect(VALIDATION).toContain(e.key);
    const own = { subject: "a\nb", text: "{x}", html: "{name:>3}", short: "{", isDefault: false };
    const messages = { ...emptyForm("c", "FIRST_ORDER"), messageTemplates: { ja: own, en: own }, webhookUrl: "x", webhookSecret: "y" };
    const keys = validate(messages, FALLBACK, "USD").map((e) => e.key);
    expect(keys.length).toBeGreaterThan(5);
    for (const k of keys) expect(VALIDATION).toContain(k);
  });
});
