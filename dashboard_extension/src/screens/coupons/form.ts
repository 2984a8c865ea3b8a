/**
 * The coupon rule editor's state and its two translations: a rule read from the
 * API → editor state (fromRule) and editor state → CRMCouponRuleInput (toInput),
 * with the client-side checks that mirror the API's validator (validate). The
 * server stays the judge: its typed errors are mapped onto the same fields
 * (errorsToFields).
 */
import { findKind, LIST_TYPES, type TriggerKind, type TriggerParam } from "./catalogue";

export type DiscountType = "PERCENTAGE" | "FIXED" | "FREE_SHIPPING";
export type Delivery = "SALEOR_NOTIFY" | "WEBHOOK" | "CSV" | "EMAIL" | "MESSAGE_WEBHOOK";
export const DISCOUNT_TYPES: DiscountType[] = ["PERCENTAGE", "FIXED", "FREE_SHIPPING"];
export const DELIVERIES: Delivery[] = ["SALEOR_NOTIFY", "WEBHOOK", "CSV", "EMAIL", "MESSAGE_WEBHOOK"];
/** Deliveries that send a message to the customer (they use the templates). */
export const MESSAGE_DELIVERIES: Delivery[] = ["EMAIL", "MESSAGE_WEBHOOK"];

/** Languages and parts of the message templates (domain/messages.py). */
export const TEMPLATE_LANGUAGES = ["ja", "en"] as const;
export type TemplateLanguage = (typeof TEMPLATE_LANGUAGES)[number];
export const TEMPLATE_PARTS = ["subject", "text", "html", "short"] as const;
export type TemplatePart = (typeof TEMPLATE_PARTS)[number];
export const TEMPLATE_MAX_LENGTH: Record<TemplatePart, number> = { subject: 200, text: 10_000, html: 50_000, short: 1000 };
export const PLACEHOLDERS = [
  "name",
  "code",
  "discount",
  "expiry",
  "points",
  "product",
  "storefront_url",
  "unsubscribe_url",
] as const;
export const CUSTOMER_NAME_MAX = 128;

export type MessageTemplate = Record<TemplatePart, string>;
/** A language's template as the API returns it (defaults filled in). */
export type ApiTemplate = MessageTemplate & { isDefault: boolean };
/** In the editor: `isDefault` while the merchant has not written their own
 * (then nothing is sent for that language and the API keeps its default). */
export type FormTemplate = MessageTemplate & { isDefault: boolean };

export interface Money {
  amount: number;
  currency: string;
}

/** A rule as the API returns it (the fields the editor reads). */
export interface ApiRule {
  id?: string;
  name: string;
  description: string;
  channel: string;
  status?: string;
  trigger: { kind: string } & Record<string, unknown>;
  discountType: DiscountType;
  discountValue: number | string;
  minSpend: Money;
  productIds: string[];
  categoryIds: string[];
  collectionIds: string[];
  validityDays: number;
  maxPerCustomer: number;
  cooldownDays: number;
  budgetCodes: number | null;
  budgetAmount: Money | null;
  controlShare: number;
  reportWindowDays: number;
  startsAt: string | null;
  endsAt: string | null;
  delivery: Delivery[];
  customerNameJa?: string;
  customerNameEn?: string;
  messageTemplates?: Record<TemplateLanguage, ApiTemplate>;
  webhookUrl?: string;
  hasWebhookSecret?: boolean;
  transactional?: boolean;
}

/** Parameter values as the inputs hold them: text, or a list of IDs. */
export type ParamValue = string | string[];

export interface RuleForm {
  name: string;
  description: string;
  channel: string;
  triggerKind: string;
  params: Record<string, ParamValue>;
  discountType: DiscountType;
  discountValue: string;
  minSpend: string;
  productIds: string[];
  categoryIds: string[];
  collectionIds: string[];
  validityDays: string;
  maxPerCustomer: string;
  cooldownDays: string;
  budgetCodes: string;
  budgetAmount: string;
  /** the control group in percent of the eligible customers (0–90) */
  controlPercent: string;
  reportWindowDays: string;
  /** `YYYY-MM-DDTHH:mm` in the browser's time zone, or "" */
  startsAt: string;
  endsAt: string;
  delivery: Delivery[];
  customerNameJa: string;
  customerNameEn: string;
  messageTemplates: Record<TemplateLanguage, FormTemplate>;
  webhookUrl: string;
  /** a new secret ("" keeps the saved one) */
  webhookSecret: string;
  /** a secret is saved (it is never shown) */
  hasWebhookSecret: boolean;
  transactional: boolean;
}

export function defaultTemplate(): FormTemplate {
  return { subject: "", text: "", html: "", short: "", isDefault: true };
}

/** The API's defaults (domain/coupons.py). */
export function emptyForm(channel = "", triggerKind = "SEGMENT_ENTRY"): RuleForm {
  return {
    name: "",
    description: "",
    channel,
    triggerKind,
    params: {},
    discountType: "PERCENTAGE",
    discountValue: "",
    minSpend: "",
    productIds: [],
    categoryIds: [],
    collectionIds: [],
    validityDays: "30",
    maxPerCustomer: "1",
    cooldownDays: "0",
    budgetCodes: "",
    budgetAmount: "",
    controlPercent: "10",
    reportWindowDays: "30",
    startsAt: "",
    endsAt: "",
    delivery: ["CSV"],
    customerNameJa: "",
    customerNameEn: "",
    messageTemplates: { ja: defaultTemplate(), en: defaultTemplate() },
    webhookUrl: "",
    webhookSecret: "",
    hasWebhookSecret: false,
    transactional: false,
  };
}

/** Default parameter values for a kind (used when the kind is switched). */
export function defaultParams(kind: TriggerKind | undefined): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const p of kind?.parameters ?? []) {
    out[p.name] = LIST_TYPES.includes(p.type) ? [] : p.default !== null ? String(p.default) : "";
  }
  return out;
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

/** ISO date-time → the value of an `<input type="datetime-local">` (local time). */
export function toLocalInput(iso: string | null): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** `<input type="datetime-local">` value → ISO with offset (UTC), or null. */
export function fromLocalInput(value: string): string | null {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** A decimal as the API gives it (a float) → text without float noise. */
export function decimalText(value: number | string | null | undefined): string {
  if (value === null || value === undefined || value === "") return "";
  const n = typeof value === "number" ? value : Number(value);
  if (!Number.isFinite(n)) return String(value);
  // at most 6 places survive (the API keeps 3), then trailing zeros go
  return String(Number(n.toFixed(6)));
}

/** 0.125 → "12.5" (share → percent), exactly for up to 3 decimal places. */
export function shareToPercent(share: number): string {
  return decimalText(Math.round(share * 1000) / 10);
}

/** "12.5" → "0.125" (percent → share), as text, so nothing is rounded. */
export function percentToShare(percent: string): string {
  const n = Number(percent);
  return decimalText(Math.round(n * 10) / 1000);
}

export function fromRule(rule: ApiRule, catalogue: TriggerKind[]): RuleForm {
  const kind = findKind(catalogue, rule.trigger.kind);
  const params: Record<string, ParamValue> = {};
  for (const p of kind?.parameters ?? []) {
    const v = rule.trigger[p.name];
    if (LIST_TYPES.includes(p.type)) params[p.name] = Array.isArray(v) ? v.map(String) : [];
    else params[p.name] = v === null || v === undefined ? "" : String(v);
  }
  return {
    name: rule.name,
    description: rule.description,
    channel: rule.channel,
    triggerKind: rule.trigger.kind,
    params,
    discountType: rule.discountType,
    discountValue: rule.discountType === "FREE_SHIPPING" ? "" : decimalText(rule.discountValue),
    minSpend: rule.minSpend && rule.minSpend.amount ? decimalText(rule.minSpend.amount) : "",
    productIds: [...rule.productIds],
    categoryIds: [...rule.categoryIds],
    collectionIds: [...rule.collectionIds],
    validityDays: String(rule.validityDays),
    maxPerCustomer: String(rule.maxPerCustomer),
    cooldownDays: String(rule.cooldownDays),
    budgetCodes: rule.budgetCodes === null ? "" : String(rule.budgetCodes),
    budgetAmount: rule.budgetAmount ? decimalText(rule.budgetAmount.amount) : "",
    controlPercent: shareToPercent(rule.controlShare),
    reportWindowDays: String(rule.reportWindowDays),
    startsAt: toLocalInput(rule.startsAt),
    endsAt: toLocalInput(rule.endsAt),
    delivery: [...rule.delivery],
    customerNameJa: rule.customerNameJa ?? "",
    customerNameEn: rule.customerNameEn ?? "",
    messageTemplates: {
      ja: templateFromApi(rule.messageTemplates?.ja),
      en: templateFromApi(rule.messageTemplates?.en),
    },
    webhookUrl: rule.webhookUrl ?? "",
    webhookSecret: "",
    hasWebhookSecret: Boolean(rule.hasWebhookSecret),
    transactional: Boolean(rule.transactional),
  };
}

function templateFromApi(t: ApiTemplate | undefined): FormTemplate {
  if (!t) return defaultTemplate();
  return { subject: t.subject, text: t.text, html: t.html, short: t.short, isDefault: t.isDefault };
}

export type TriggerInput = { kind: string } & Record<string, string | number | string[] | null>;

export interface RuleInput {
  name: string;
  description: string;
  channel: string;
  trigger: TriggerInput;
  discountType: DiscountType;
  discountValue: string | null;
  minSpend: string;
  productIds: string[];
  categoryIds: string[];
  collectionIds: string[];
  validityDays: number;
  maxPerCustomer: number;
  cooldownDays: number;
  budgetCodes: number | null;
  budgetAmount: string | null;
  controlShare: string;
  reportWindowDays: number;
  startsAt: string | null;
  endsAt: string | null;
  delivery: Delivery[];
  customerNameJa: string;
  customerNameEn: string;
  /** a language still on its default is sent as null (the API keeps the default) */
  messageTemplates: Record<TemplateLanguage, MessageTemplate | null>;
  webhookUrl: string;
  webhookSecret: string | null;
  transactional: boolean;
}

function paramToInput(p: TriggerParam, value: ParamValue | undefined) {
  if (LIST_TYPES.includes(p.type)) return Array.isArray(value) ? [...value] : [];
  const text = typeof value === "string" ? value.trim() : "";
  if (text === "") return null;
  return p.type === "INT" ? Number(text) : text;
}

/** Editor state → CRMCouponRuleInput. Only the parameters the kind takes are
 * sent (the API refuses any other); free shipping sends no value. Call after
 * validate() found nothing. */
export function toInput(form: RuleForm, catalogue: TriggerKind[]): RuleInput {
  const kind = findKind(catalogue, form.triggerKind);
  const trigger: TriggerInput = { kind: form.triggerKind };
  for (const p of kind?.parameters ?? []) trigger[p.name] = paramToInput(p, form.params[p.name]);
  const optInt = (s: string) => (s.trim() === "" ? null : Number(s));
  const freeShipping = form.discountType === "FREE_SHIPPING";
  return {
    name: form.name.trim(),
    description: form.description.trim(),
    channel: form.channel,
    trigger,
    discountType: form.discountType,
    discountValue: freeShipping ? null : form.discountValue.trim(),
    minSpend: form.minSpend.trim() === "" ? "0" : form.minSpend.trim(),
    productIds: freeShipping ? [] : [...form.productIds],
    categoryIds: freeShipping ? [] : [...form.categoryIds],
    collectionIds: freeShipping ? [] : [...form.collectionIds],
    validityDays: Number(form.validityDays),
    maxPerCustomer: Number(form.maxPerCustomer),
    cooldownDays: Number(form.cooldownDays),
    budgetCodes: optInt(form.budgetCodes),
    budgetAmount: form.budgetAmount.trim() === "" ? null : form.budgetAmount.trim(),
    controlShare: percentToShare(form.controlPercent),
    reportWindowDays: Number(form.reportWindowDays),
    startsAt: fromLocalInput(form.startsAt),
    endsAt: fromLocalInput(form.endsAt),
    delivery: [...form.delivery],
    customerNameJa: form.customerNameJa.trim(),
    customerNameEn: form.customerNameEn.trim(),
    messageTemplates: {
      ja: templateToInput(form.messageTemplates.ja),
      en: templateToInput(form.messageTemplates.en),
    },
    webhookUrl: form.webhookUrl.trim(),
    webhookSecret: form.webhookSecret.trim() === "" ? null : form.webhookSecret.trim(),
    transactional: form.transactional,
  };
}

function templateToInput(t: FormTemplate): MessageTemplate | null {
  if (t.isDefault) return null;
  return { subject: t.subject, text: t.text, html: t.html, short: t.short };
}

/** The problem of a template's placeholders (as the API's string.Formatter
 * parse sees it), or null: `{{` / `}}` write a brace, `{name}` a placeholder,
 * nothing else. */
export function templateProblem(text: string): { key: string; placeholder?: string } | null {
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === "{") {
      if (text[i + 1] === "{") {
        i += 2;
        continue;
      }
      const end = text.indexOf("}", i + 1);
      if (end < 0) return { key: "validation.templateBrace" };
      const field = text.slice(i + 1, end);
      if (field.includes("{")) return { key: "validation.templateBrace" };
      if (/[!:]/.test(field)) return { key: "validation.templateFormat", placeholder: `{${field}}` };
      if (!(PLACEHOLDERS as readonly string[]).includes(field))
        return { key: "validation.templatePlaceholder", placeholder: `{${field}}` };
      i = end + 1;
      continue;
    }
    if (c === "}") {
      if (text[i + 1] === "}") {
        i += 2;
        continue;
      }
      return { key: "validation.templateBrace" };
    }
    i += 1;
  }
  return null;
}

/** A validation problem: the form field and an i18n key of the coupons
 * namespace with its values. */
export interface FieldError {
  field: string;
  key: string;
  values?: Record<string, string | number>;
}

const WHOLE = /^-?\d+$/;
const DECIMAL = /^-?\d+(\.\d+)?$/;

function places(text: string): number {
  const i = text.indexOf(".");
  return i < 0 ? 0 : text.slice(i + 1).replace(/0+$/, "").length;
}

/** Decimal places of a currency's amounts (JPY 0, USD 2). */
export function currencyPlaces(currency: string): number {
  try {
    return new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions()
      .maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

function checkInt(
  errors: FieldError[],
  field: string,
  text: string,
  min: number | null,
  max: number | null,
  required: boolean,
) {
  const v = text.trim();
  if (v === "") {
    if (required) errors.push({ field, key: "validation.required" });
    return;
  }
  if (!WHOLE.test(v)) {
    errors.push({ field, key: "validation.wholeNumber" });
    return;
  }
  const n = Number(v);
  if ((min !== null && n < min) || (max !== null && n > max)) {
    errors.push({
      field,
      key: max === null ? "validation.atLeast" : "validation.range",
      values: { min: min ?? 0, max: max ?? 0 },
    });
  }
}

function checkAmount(
  errors: FieldError[],
  field: string,
  text: string,
  currencyDigits: number,
  { required, positive }: { required: boolean; positive: boolean },
) {
  const v = text.trim();
  if (v === "") {
    if (required) errors.push({ field, key: "validation.required" });
    return;
  }
  if (!DECIMAL.test(v)) {
    errors.push({ field, key: "validation.number" });
    return;
  }
  const n = Number(v);
  if (positive ? n <= 0 : n < 0) {
    errors.push({ field, key: positive ? "validation.positive" : "validation.notNegative" });
    return;
  }
  if (places(v) > currencyDigits) {
    errors.push({ field, key: "validation.currencyPlaces", values: { places: currencyDigits } });
  }
}

/** The same checks as the API (domain/coupons.py), so most mistakes show
 * before saving; returns [] when the form can be sent. */
export function validate(form: RuleForm, catalogue: TriggerKind[], currency: string): FieldError[] {
  const errors: FieldError[] = [];
  const digits = currencyPlaces(currency);
  if (!form.name.trim()) errors.push({ field: "name", key: "validation.required" });
  else if (form.name.trim().length > 128)
    errors.push({ field: "name", key: "validation.maxLength", values: { max: 128 } });
  if (form.description.trim().length > 512)
    errors.push({ field: "description", key: "validation.maxLength", values: { max: 512 } });
  if (!form.channel) errors.push({ field: "channel", key: "validation.required" });

  const kind = findKind(catalogue, form.triggerKind);
  if (!kind) errors.push({ field: "trigger", key: "validation.required" });
  for (const p of kind?.parameters ?? []) {
    const field = `trigger.${p.name}`;
    const value = form.params[p.name];
    if (p.type === "INT") checkInt(errors, field, String(value ?? ""), p.min, p.max, p.required);
    else if (LIST_TYPES.includes(p.type)) {
      const ids = Array.isArray(value) ? value : [];
      if (p.required && ids.length === 0) errors.push({ field, key: "validation.chooseOne" });
      else if (p.max !== null && ids.length > p.max)
        errors.push({ field, key: "validation.tooMany", values: { max: p.max } });
    } else if (p.required && !(typeof value === "string" && value))
      errors.push({ field, key: "validation.chooseOne" });
    else if (p.type === "CHOICE" && value && !(p.choices ?? []).includes(String(value)))
      errors.push({ field, key: "validation.chooseOne" });
  }

  if (form.discountType === "PERCENTAGE") {
    const v = form.discountValue.trim();
    if (v === "") errors.push({ field: "discountValue", key: "validation.required" });
    else if (!DECIMAL.test(v)) errors.push({ field: "discountValue", key: "validation.number" });
    else if (!(Number(v) > 0 && Number(v) <= 100))
      errors.push({ field: "discountValue", key: "validation.percent" });
    else if (places(v) > 3)
      errors.push({ field: "discountValue", key: "validation.places", values: { places: 3 } });
  } else if (form.discountType === "FIXED") {
    checkAmount(errors, "discountValue", form.discountValue, digits, {
      required: true,
      positive: true,
    });
  } else if (form.productIds.length + form.categoryIds.length + form.collectionIds.length > 0) {
    errors.push({ field: "productIds", key: "validation.freeShippingLimits" });
  }
  checkAmount(errors, "minSpend", form.minSpend, digits, { required: false, positive: false });
  for (const f of ["productIds", "categoryIds", "collectionIds"] as const)
    if (form[f].length > 100) errors.push({ field: f, key: "validation.tooMany", values: { max: 100 } });

  checkInt(errors, "validityDays", form.validityDays, 1, 365, true);
  checkInt(errors, "maxPerCustomer", form.maxPerCustomer, 1, 1000, true);
  checkInt(errors, "cooldownDays", form.cooldownDays, 0, 3650, true);
  checkInt(errors, "budgetCodes", form.budgetCodes, 1, 10_000_000, false);
  checkAmount(errors, "budgetAmount", form.budgetAmount, digits, { required: false, positive: true });
  checkInt(errors, "reportWindowDays", form.reportWindowDays, 1, 365, true);

  const cp = form.controlPercent.trim();
  if (cp === "") errors.push({ field: "controlPercent", key: "validation.required" });
  else if (!DECIMAL.test(cp) || Number(cp) < 0 || Number(cp) > 90)
    errors.push({ field: "controlPercent", key: "validation.controlShare" });
  else if (places(cp) > 1)
    errors.push({ field: "controlPercent", key: "validation.places", values: { places: 1 } });

  for (const lang of ["Ja", "En"] as const) {
    const field = `customerName${lang}` as const;
    if (form[field].trim().length > CUSTOMER_NAME_MAX)
      errors.push({ field, key: "validation.maxLength", values: { max: CUSTOMER_NAME_MAX } });
  }
  for (const lang of TEMPLATE_LANGUAGES) {
    const tpl = form.messageTemplates[lang];
    if (tpl.isDefault) continue;
    for (const part of TEMPLATE_PARTS) {
      const field = `messageTemplates.${lang}.${part}`;
      const text = tpl[part];
      if (text.length > TEMPLATE_MAX_LENGTH[part]) {
        errors.push({ field, key: "validation.maxLength", values: { max: TEMPLATE_MAX_LENGTH[part] } });
        continue;
      }
      if (part === "subject" && /[\r\n]/.test(text)) {
        errors.push({ field, key: "validation.oneLine" });
        continue;
      }
      const problem = templateProblem(text);
      if (problem) {
        errors.push({ field, key: problem.key, values: problem.placeholder ? { placeholder: problem.placeholder } : undefined });
      }
    }
  }
  const url = form.webhookUrl.trim();
  const secret = form.webhookSecret.trim();
  if (url) {
    if (url.length > 500) errors.push({ field: "webhookUrl", key: "validation.maxLength", values: { max: 500 } });
    else if (!/^https?:\/\/\S+$/.test(url)) errors.push({ field: "webhookUrl", key: "validation.url" });
    if (!secret && !form.hasWebhookSecret) errors.push({ field: "webhookSecret", key: "validation.required" });
  }
  if (secret && (secret.length < 16 || secret.length > 255))
    errors.push({ field: "webhookSecret", key: "validation.secretLength", values: { min: 16, max: 255 } });

  const start = fromLocalInput(form.startsAt);
  const end = fromLocalInput(form.endsAt);
  if (start && end && end <= start) errors.push({ field: "endsAt", key: "validation.endAfterStart" });
  return errors;
}

/** The API's typed error ({field, code, message}) → the editor field it is about.
 * The API names fields as the input does (camelCase); trigger parameters are
 * named without the `trigger.` prefix and `controlShare` is edited as percent. */
export function errorField(apiField: string | null, form: RuleForm, catalogue: TriggerKind[]): string {
  if (!apiField) return "form";
  const kind = findKind(catalogue, form.triggerKind);
  const isParam = kind?.parameters.some((p) => p.name === apiField) ?? false;
  // categoryIds is a trigger parameter (category purchase) and a reward limit:
  // a trigger that takes it owns the error unless the reward names categories
  // (productIds likewise: replenishment, cross-sell)
  if (
    isParam &&
    !(apiField === "categoryIds" && form.categoryIds.length > 0) &&
    !(apiField === "productIds" && form.productIds.length > 0)
  ) {
    return `trigger.${apiField}`;
  }
  if (apiField === "controlShare") return "controlPercent";
  return apiField;
}
