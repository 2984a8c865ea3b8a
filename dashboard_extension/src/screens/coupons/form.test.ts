import { describe, expect, it } from "vitest";

import { FALLBACK, parseCatalogue, type TriggerKind } from "./catalogue";
import { RULE_FIELDS } from "./queries";
import {
  type ApiRule,
  defaultParams,
  emptyForm,
  errorField,
  fromRule,
  percentToShare,
  shareToPercent,
  toInput,
  validate,
} from "./form";

/** What the API answers for a language on its default (domain/messages.py). */
const EN_DEFAULT = {
  subject: "{name}, a coupon for you: {discount}",
  text: "Hello {name},\n\nHere is your personal coupon: {discount}.\nCode: {code}\n",
  html: "<p>Hello {name},</p>",
  short: "{name}, your coupon {discount}: {code} (until {expiry})",
};

/** One valid value per parameter type, as the API would hold it. */
function sampleValue(p: TriggerKind["parameters"][number]) {
  switch (p.type) {
    case "INT":
      return p.max !== null ? Math.min(p.max, (p.min ?? 0) + 7) : (p.min ?? 0) + 7;
    case "SEGMENT":
      return "Q1JNU2VnbWVudDo3";
    case "TIER":
      return "Q1JNVGllcjoy";
    case "CATEGORIES":
      return ["Q2F0ZWdvcnk6MQ==", "Q2F0ZWdvcnk6NA=="];
    case "PRODUCTS":
      return ["UHJvZHVjdDoz"];
    case "CHOICE":
      return (p.choices ?? []).at(-1) ?? "";
  }
}

function apiRule(kind: TriggerKind): ApiRule {
  const trigger: ApiRule["trigger"] = {
    kind: kind.kind,
    // what the API returns for parameters the kind does not take
    segmentId: null,
    n: kind.kind === "FIRST_ORDER" ? 1 : null,
    days: null,
    everyDays: null,
    daysBefore: 0,
    tierId: null,
    categoryIds: [],
    productIds: [],
    targetProductIds: [],
    topK: null,
    relation: null,
  };
  for (const p of kind.parameters) trigger[p.name] = sampleValue(p);
  return {
    id: "Q1JNQ291cG9uUnVsZTox",
    name: "Dormant regulars",
    description: "15 % for 30 days",
    channel: "default-channel",
    trigger,
    discountType: "PERCENTAGE",
    discountValue: 15,
    minSpend: { amount: 30, currency: "USD" },
    productIds: [],
    categoryIds: ["Q2F0ZWdvcnk6OQ=="],
    collectionIds: [],
    validityDays: 30,
    maxPerCustomer: 2,
    cooldownDays: 180,
    budgetCodes: null,
    budgetAmount: { amount: 2000.5, currency: "USD" },
    controlShare: 0.125,
    reportWindowDays: 45,
    startsAt: "2026-12-01T09:30:00.000Z",
    endsAt: null,
    delivery: ["CSV", "WEBHOOK", "EMAIL", "MESSAGE_WEBHOOK"],
    customerNameJa: "ご愛顧感謝クーポン",
    customerNameEn: "Thank-you coupon",
    messageTemplates: {
      // ja: the merchant's own; en: the API's default (filled in, isDefault)
      ja: { subject: "{name}様へ", text: "コード {code}", html: "", short: "{code}", isDefault: false },
      en: { ...EN_DEFAULT, isDefault: true },
    },
    webhookUrl: "https://line.example.com/hook",
    hasWebhookSecret: true,
    transactional: true,
  };
}

describe("trigger form ↔ API input round trips", () => {
  for (const kind of FALLBACK) {
    it(`${kind.kind}: rule → form → input keeps every parameter and only those`, () => {
      const rule = apiRule(kind);
      const form = fromRule(rule, FALLBACK);
      expect(validate(form, FALLBACK, "USD")).toEqual([]);
      const input = toInput(form, FALLBACK);
      const expected: Record<string, unknown> = { kind: kind.kind };
      for (const p of kind.parameters) expected[p.name] = sampleValue(p);
      expect(input.trigger).toEqual(expected);
      // the rest of the rule survives too
      expect(input).toMatchObject({
        name: "Dormant regulars",
        discountType: "PERCENTAGE",
        discountValue: "15",
        minSpend: "30",
        categoryIds: ["Q2F0ZWdvcnk6OQ=="],
        maxPerCustomer: 2,
        cooldownDays: 180,
        budgetCodes: null,
        budgetAmount: "2000.5",
        controlShare: "0.125",
        reportWindowDays: 45,
        startsAt: "2026-12-01T09:30:00.000Z",
        endsAt: null,
        delivery: ["CSV", "WEBHOOK", "EMAIL", "MESSAGE_WEBHOOK"],
        customerNameJa: "ご愛顧感謝クーポン",
        customerNameEn: "Thank-you coupon",
        // the own language is sent whole; the default one not at all
        messageTemplates: { ja: { subject: "{name}様へ", text: "コード {code}", html: "", short: "{code}" }, en: null },
        webhookUrl: "https://line.example.com/hook",
        // the saved secret is kept: nothing is sent
        webhookSecret: null,
        transactional: true,
      });
    });

    it(`${kind.kind}: form → input → (saved rule) → form is the same form`, () => {
      const form = {
        ...emptyForm("default-channel", kind.kind),
        name: "x",
        discountValue: "10",
        customerNameJa: "誕生日クーポン",
        customerNameEn: "Birthday coupon",
        delivery: ["EMAIL" as const, "MESSAGE_WEBHOOK" as const],
        messageTemplates: {
          ja: { subject: "{name}様", text: "{code}", html: "<b>{code}</b>", short: "{code}", isDefault: false },
          en: { subject: "Hi {name}", text: "{code} {{literal}}", html: "", short: "", isDefault: false },
        },
        webhookUrl: "https://sms.example.com/in",
        webhookSecret: "0123456789abcdef-secret",
        transactional: true,
      };
      form.params = defaultParams(kind);
      for (const p of kind.parameters) {
        const v = sampleValue(p);
        form.params[p.name] = Array.isArray(v) ? v : String(v);
      }
      expect(validate(form, FALLBACK, "JPY")).toEqual([]);
      const input = toInput(form, FALLBACK);
      const saved: ApiRule = {
        ...apiRule(kind),
        name: input.name,
        description: input.description,
        trigger: { ...input.trigger },
        discountType: input.discountType,
        discountValue: Number(input.discountValue),
        minSpend: { amount: Number(input.minSpend), currency: "JPY" },
        productIds: input.productIds,
        categoryIds: input.categoryIds,
        collectionIds: input.collectionIds,
        validityDays: input.validityDays,
        maxPerCustomer: input.maxPerCustomer,
        cooldownDays: input.cooldownDays,
        budgetCodes: input.budgetCodes,
        budgetAmount: null,
        controlShare: Number(input.controlShare),
        reportWindowDays: input.reportWindowDays,
        startsAt: input.startsAt,
        endsAt: input.endsAt,
        delivery: input.delivery,
        customerNameJa: input.customerNameJa,
        customerNameEn: input.customerNameEn,
        messageTemplates: {
          ja: { ...input.messageTemplates.ja!, isDefault: false },
          en: { ...input.messageTemplates.en!, isDefault: false },
        },
        webhookUrl: input.webhookUrl,
        hasWebhookSecret: input.webhookSecret !== null,
        transactional: input.transactional,
      };
      // the secret is write-only: the saved rule says only that one is set
      expect(fromRule(saved, FALLBACK)).toEqual({ ...form, webhookSecret: "", hasWebhookSecret: true });
    });
  }

  it("every kind of the API enum has a catalogue entry", () => {
    const kinds = [
      "SEGMENT_ENTRY",
      "SCHEDULE",
      "FIRST_ORDER",
      "NTH_ORDER",
      "BIRTHDAY",
      "DAYS_WITHOUT_ORDER",
      "TIER_UPGRADE",
      "CATEGORY_PURCHASE",
      "SIGN_UP",
      "SECOND_ORDER_DUE",
      "POINTS_EXPIRING",
      "SEGMENT_EXIT",
      "REPLENISHMENT",
      "CROSS_SELL",
      "CHECKOUT_ABANDONED",
    ];
    expect(FALLBACK.map((k) => k.kind).sort()).toEqual([...kinds].sort());
  });

  it("the rule query reads back every trigger parameter of the catalogue", () => {
    const selection = /trigger\s*\{([^}]*)\}/.exec(RULE_FIELDS)?.[1].trim().split(/\s+/) ?? [];
    const names = new Set(FALLBACK.flatMap((k) => k.parameters.map((p) => p.name)));
    expect([...names].filter((n) => !selection.includes(n))).toEqual([]);
  });

  it("the API's catalogue (crmCouponTriggers) reads as the built-in fallback", () => {
    // what the API answers for the validator's table (domain/coupons.py TRIGGER_PARAMS)
    const p = (name: string, type: string, required: boolean, extra: Record<string, unknown> = {}) => ({
      name,
      labelKey: `coupons.trigger.x.${name}`,
      type,
      required,
      min: null,
      max: null,
      maxItems: null,
      default: null,
      reference: null,
      choices: [],
      oneOf: null,
      ...extra,
    });
    const id = (name: string, required: boolean, reference: string) =>
      p(name, "ID", required, { min: 1, max: 9223372036854775807, reference });
    const int = (name: string, required: boolean, min: number, max: number, extra = {}) =>
      p(name, "INT", required, { min, max, ...extra });
    const api = {
      crmCouponTriggers: [
        { kind: "SEGMENT_ENTRY", isEvent: true, parameters: [id("segmentId", true, "SEGMENT")] },
        { kind: "SCHEDULE", isEvent: false, parameters: [id("segmentId", false, "SEGMENT"), int("everyDays", false, 1, 366)] },
        { kind: "FIRST_ORDER", isEvent: true, parameters: [] },
        { kind: "NTH_ORDER", isEvent: true, parameters: [int("n", true, 2, 1000)] },
        { kind: "BIRTHDAY", isEvent: false, parameters: [int("daysBefore", false, 0, 60, { default: 0 })] },
        { kind: "DAYS_WITHOUT_ORDER", isEvent: false, parameters: [int("days", true, 1, 3650)] },
        { kind: "TIER_UPGRADE", isEvent: true, parameters: [id("tierId", false, "TIER")] },
        {
          kind: "CATEGORY_PURCHASE",
          isEvent: false,
          parameters: [p("categoryIds", "IDS", true, { maxItems: 100, reference: "CATEGORY" }), int("days", true, 1, 3650)],
        },
        { kind: "SIGN_UP", isEvent: true, parameters: [int("hours", false, 0, 720, { default: 0 })] },
        { kind: "SECOND_ORDER_DUE", isEvent: false, parameters: [int("days", true, 1, 3650)] },
        {
          kind: "POINTS_EXPIRING",
          isEvent: false,
          parameters: [int("daysBefore", false, 0, 365), int("minPoints", false, 1, 1000000000)],
        },
        { kind: "SEGMENT_EXIT", isEvent: true, parameters: [id("segmentId", true, "SEGMENT")] },
        {
          kind: "REPLENISHMENT",
          isEvent: false,
          parameters: [
            p("productIds", "IDS", false, { maxItems: 100, reference: "PRODUCT" }),
            p("categoryIds", "IDS", false, { maxItems: 100, reference: "CATEGORY" }),
            int("days", false, 1, 3650),
            int("daysBefore", false, 0, 365, { default: 0 }),
          ],
        },
        {
          kind: "CROSS_SELL",
          isEvent: false,
          parameters: [
            p("productIds", "IDS", false, { maxItems: 100, reference: "PRODUCT" }),
            p("categoryIds", "IDS", false, { maxItems: 100, reference: "CATEGORY" }),
            p("targetProductIds", "IDS", false, { maxItems: 100, reference: "PRODUCT" }),
            int("topK", false, 1, 20),
            p("relation", "CHOICE", false, { default: "together", choices: ["together", "after"] }),
            int("days", false, 0, 3650, { default: 0 }),
          ],
        },
        { kind: "CHECKOUT_ABANDONED", isEvent: false, parameters: [int("hours", true, 1, 720)] },
      ],
    };
    expect(parseCatalogue(api)).toEqual(FALLBACK);
  });

  it("optional parameters left empty are sent as null", () => {
    const schedule = FALLBACK.find((k) => k.kind === "SCHEDULE")!;
    const form = { ...emptyForm("c", "SCHEDULE"), name: "x", discountValue: "5" };
    form.params = defaultParams(schedule);
    expect(validate(form, FALLBACK, "USD")).toEqual([]);
    expect(toInput(form, FALLBACK).trigger).toEqual({
      kind: "SCHEDULE",
      segmentId: null,
      everyDays: null,
    });
  });

  it("a catalogue from the API drives the form (a new kind needs no code)", () => {
    const param = (p: Record<string, unknown>) => ({
      labelKey: "x",
      required: false,
      min: null,
      max: null,
      maxItems: null,
      default: null,
      reference: null,
      choices: [],
      oneOf: null,
      ...p,
    });
    const catalogue = parseCatalogue({
      crmCouponTriggers: [
        {
          kind: "WISHLIST_PRICE_DROP",
          labelKey: "coupons.trigger.wishlist_price_drop",
          isEvent: false,
          parameters: [
            param({ name: "percent", type: "INT", required: true, min: 5, max: 80, default: 10 }),
            param({ name: "somethingElse", type: "GEO_SHAPE" }),
          ],
        },
        // a kind with a required parameter the app cannot ask for is not offered
        { kind: "NEAR_STORE", labelKey: "x", isEvent: true, parameters: [param({ name: "area", type: "GEO", required: true })] },
      ],
    })!;
    expect(catalogue.map((k) => k.kind)).toEqual(["WISHLIST_PRICE_DROP"]);
    expect(catalogue[0].parameters.map((p) => p.name)).toEqual(["percent"]);
    const form = { ...emptyForm("c", "WISHLIST_PRICE_DROP"), name: "x", discountValue: "5" };
    form.params = defaultParams(catalogue[0]);
    expect(form.params).toEqual({ percent: "10" });
    expect(toInput(form, catalogue).trigger).toEqual({ kind: "WISHLIST_PRICE_DROP", percent: 10 });
    form.params.percent = "90";
    expect(validate(form, catalogue, "USD")).toEqual([
      { field: "trigger.percent", key: "validation.range", values: { min: 5, max: 80 } },
    ]);
  });
});

describe("validation messages", () => {
  const base = () => ({ ...emptyForm("default-channel", "NTH_ORDER"), name: "Rule", discountValue: "10", params: { n: "3" } });

  it("names the field and the message of each mistake", () => {
    const form = {
      ...base(),
      name: " ",
      params: { n: "1" },
      discountValue: "150",
      validityDays: "0",
      controlPercent: "95",
      budgetCodes: "2.5",
    };
    expect(validate(form, FALLBACK, "USD")).toEqual([
      { field: "name", key: "validation.required" },
      { field: "trigger.n", key: "validation.range", values: { min: 2, max: 1000 } },
      { field: "discountValue", key: "validation.percent" },
      { field: "validityDays", key: "validation.range", values: { min: 1, max: 365 } },
      { field: "budgetCodes", key: "validation.wholeNumber" },
      { field: "controlPercent", key: "validation.controlShare" },
    ]);
  });

  it("money has the currency's decimal places: none for JPY", () => {
    const form = { ...base(), discountType: "FIXED" as const, discountValue: "500.5", minSpend: "3000" };
    expect(validate(form, FALLBACK, "JPY")).toEqual([
      { field: "discountValue", key: "validation.currencyPlaces", values: { places: 0 } },
    ]);
    expect(validate(form, FALLBACK, "USD")).toEqual([]);
    expect(validate({ ...form, discountValue: "5.555" }, FALLBACK, "USD")).toEqual([
      { field: "discountValue", key: "validation.currencyPlaces", values: { places: 2 } },
    ]);
  });

  it("free shipping takes no product limits and sends no value", () => {
    const form = { ...base(), discountType: "FREE_SHIPPING" as const, discountValue: "", collectionIds: ["Q29sbGVjdGlvbjox"] };
    expect(validate(form, FALLBACK, "USD")).toEqual([
      { field: "productIds", key: "validation.freeShippingLimits" },
    ]);
    const ok = { ...form, collectionIds: [] };
    expect(validate(ok, FALLBACK, "USD")).toEqual([]);
    expect(toInput(ok, FALLBACK).discountValue).toBeNull();
  });

  it("the end comes after the start; required trigger choices", () => {
    const form = {
      ...emptyForm("c", "CATEGORY_PURCHASE"),
      name: "x",
      discountValue: "5",
      params: { categoryIds: [], days: "" },
      startsAt: "2026-12-10T10:00",
      endsAt: "2026-12-09T10:00",
    };
    expect(validate(form, FALLBACK, "USD")).toEqual([
      { field: "trigger.categoryIds", key: "validation.chooseOne" },
      { field: "trigger.days", key: "validation.required" },
      { field: "endsAt", key: "validation.endAfterStart" },
    ]);
  });

  it("API errors land on the field they are about", () => {
    const form = { ...emptyForm("c", "CATEGORY_PURCHASE"), params: { categoryIds: ["a"], days: "5" } };
    expect(errorField("categoryIds", form, FALLBACK)).toBe("trigger.categoryIds");
    expect(errorField("categoryIds", { ...form, categoryIds: ["b"] }, FALLBACK)).toBe("categoryIds");
    expect(errorField("days", form, FALLBACK)).toBe("trigger.days");
    expect(errorField("controlShare", form, FALLBACK)).toBe("controlPercent");
    expect(errorField("minSpend", form, FALLBACK)).toBe("minSpend");
    expect(errorField(null, form, FALLBACK)).toBe("form");
    // productIds: a cross-sell / replenishment parameter and a reward limit
    const cross = { ...emptyForm("c", "CROSS_SELL"), params: { productIds: [], topK: "3" } };
    expect(errorField("productIds", cross, FALLBACK)).toBe("trigger.productIds");
    expect(errorField("productIds", { ...cross, productIds: ["p"] }, FALLBACK)).toBe("productIds");
    expect(errorField("productIds", form, FALLBACK)).toBe("productIds");
    expect(errorField("relation", cross, FALLBACK)).toBe("trigger.relation");
  });

  it("the control group is edited in percent and sent as a share, exactly", () => {
    expect(percentToShare("12.5")).toBe("0.125");
    expect(percentToShare("10")).toBe("0.1");
    expect(percentToShare("0")).toBe("0");
    expect(shareToPercent(0.125)).toBe("12.5");
    expect(shareToPercent(0.9)).toBe("90");
    expect(shareToPercent(0.07)).toBe("7");
  });
});

describe("customer names, message templates, webhook", () => {
  const base = () => ({ ...emptyForm("default-channel", "NTH_ORDER"), name: "Rule", discountValue: "10", params: { n: "3" } });

  it("a new rule sends no templates (the API's defaults), no secret, and names as typed", () => {
    const input = toInput({ ...base(), customerNameJa: "  初回クーポン ", delivery: ["EMAIL"] }, FALLBACK);
    expect(input).toMatchObject({
      customerNameJa: "初回クーポン",
      customerNameEn: "",
      messageTemplates: { ja: null, en: null },
      webhookUrl: "",
      webhookSecret: null,
      transactional: false,
      delivery: ["EMAIL"],
    });
  });

  it("a language on its default stays default through a round trip (the defaults are not saved as own)", () => {
    const rule = apiRule(FALLBACK.find((k) => k.kind === "FIRST_ORDER")!);
    const form = fromRule(rule, FALLBACK);
    expect(form.messageTemplates.en).toEqual({ ...EN_DEFAULT, isDefault: true });
    expect(toInput(form, FALLBACK).messageTemplates.en).toBeNull();
    // editing one part makes the whole language the rule's own
    const edited = { ...form, messageTemplates: { ...form.messageTemplates, en: { ...form.messageTemplates.en, subject: "Hi {name}", isDefault: false } } };
    expect(toInput(edited, FALLBACK).messageTemplates.en).toEqual({ ...EN_DEFAULT, subject: "Hi {name}" });
  });

  it("checks names, templates (placeholders, braces, one-line subject) and the webhook as the API does", () => {
    const own = (patch: Record<string, string>) => ({ subject: "s", text: "t", html: "", short: "", isDefault: false, ...patch });
    const form = {
      ...base(),
      customerNameEn: "x".repeat(129),
      messageTemplates: {
        ja: own({ subject: "件名\n二行目", text: "{coupon}", html: "{name!r}", short: "{code" }),
        en: own({ text: "{{ok}} {name} }", html: "x".repeat(50_001) }),
      },
      webhookUrl: "ftp://x",
      webhookSecret: "short",
    };
    expect(validate(form, FALLBACK, "USD")).toEqual([
      { field: "customerNameEn", key: "validation.maxLength", values: { max: 128 } },
      { field: "messageTemplates.ja.subject", key: "validation.oneLine" },
      { field: "messageTemplates.ja.text", key: "validation.templatePlaceholder", values: { placeholder: "{coupon}" } },
      { field: "messageTemplates.ja.html", key: "validation.templateFormat", values: { placeholder: "{name!r}" } },
      { field: "messageTemplates.ja.short", key: "validation.templateBrace" },
      { field: "messageTemplates.en.text", key: "validation.templateBrace" },
      { field: "messageTemplates.en.html", key: "validation.maxLength", values: { max: 50_000 } },
      { field: "webhookUrl", key: "validation.url" },
      { field: "webhookSecret", key: "validation.secretLength", values: { min: 16, max: 255 } },
    ]);
    // every placeholder of the API is accepted, and a default language is not checked
    const all = "{name} {code} {discount} {expiry} {points} {product} {storefront_url} {unsubscribe_url} {{ }}";
    expect(
      validate({ ...base(), messageTemplates: { ja: own({ text: all, html: all, short: all }), en: { ...own({ text: "{bad}" }), isDefault: true } } }, FALLBACK, "USD"),
    ).toEqual([]);
  });

  it("a webhook URL needs a secret unless one is saved", () => {
    const form = { ...base(), webhookUrl: "https://hook.example.com/x" };
    expect(validate(form, FALLBACK, "USD")).toEqual([{ field: "webhookSecret", key: "validation.required" }]);
    expect(validate({ ...form, hasWebhookSecret: true }, FALLBACK, "USD")).toEqual([]);
  });

  it("the API's errors on templates, webhook and names land on their fields", () => {
    const form = base();
    for (const f of ["messageTemplates.ja.subject", "messageTemplates.en.html", "webhookUrl", "webhookSecret", "customerNameJa"])
      expect(errorField(f, form, FALLBACK)).toBe(f);
  });
});
