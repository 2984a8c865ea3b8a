import { configure, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";

import { mockGraphQL, renderApp, TEST_CHANNELS } from "../../test/render";

// the first render loads the lazy screen chunk: give it time on a busy machine
configure({ asyncUtilTimeout: 8000 });
vi.setConfig({ testTimeout: 30000 });

const RULE_ID = "Q1JNQ291cG9uUnVsZTox";

const JA_DEFAULT = { subject: "{name}様へ特別クーポン：{discount}", text: "{name}様\n", html: "<p>{name}様</p>", short: "{name}様 {code}", isDefault: true };
const EN_DEFAULT = { subject: "{name}, a coupon for you: {discount}", text: "Hello {name},\n", html: "<p>Hello {name},</p>", short: "{name}, {code}", isDefault: true };

function rule(patch: Record<string, unknown> = {}) {
  return {
    id: RULE_ID,
    name: "Dormant regulars",
    description: "",
    channel: "default-channel",
    status: "DRAFT",
    isRunning: false,
    trigger: { kind: "DAYS_WITHOUT_ORDER", segmentId: null, n: null, days: 90, everyDays: null, daysBefore: 0, tierId: null, categoryIds: [] },
    discountType: "PERCENTAGE",
    discountValue: 15,
    minSpend: { amount: 30, currency: "USD" },
    productIds: [],
    categoryIds: [],
    collectionIds: [],
    validityDays: 30,
    maxPerCustomer: 1,
    cooldownDays: 180,
    budgetCodes: null,
    budgetAmount: null,
    controlShare: 0.1,
    reportWindowDays: 30,
    startsAt: null,
    endsAt: null,
    delivery: ["CSV"],
    customerNameJa: "",
    customerNameEn: "",
    messageTemplates: { ja: JA_DEFAULT, en: EN_DEFAULT },
    webhookUrl: "",
    hasWebhookSecret: false,
    transactional: false,
    activatedAt: null,
    issuedCount: 0,
    controlCount: 0,
    createdAt: "2026-12-01T00:00:00Z",
    updatedAt: "2026-12-01T00:00:00Z",
    ...patch,
  };
}

const money = (amount: number) => ({ amount, currency: "USD" });
const DRY_RUN = {
  crmCouponRuleDryRun: {
    onActivation: {
      codes: 42,
      customers: 47,
      heldOut: 5,
      budgetLimited: false,
      estimatedCost: money(630),
      sample: [{ customerId: "VXNlcjox", email: "ann@example.com", control: false, estimatedCost: money(15) }],
      explanation: "Customers who crossed 90 days without an order since the switch-on.",
    },
    replayedWindow: {
      codes: 120,
      customers: 133,
      heldOut: 13,
      budgetLimited: true,
      estimatedCost: money(1800),
      sample: [],
      from: "2026-11-30T00:00:00Z",
      to: "2026-12-07T00:00:00Z",
    },
  },
};

afterEach(() => vi.unstubAllGlobals());

describe("coupon rule editor", () => {
  it("without MANAGE_DISCOUNTS shows the rule read-only: no save, no switch-on", async () => {
    mockGraphQL({ CrmChannels: TEST_CHANNELS, CrmCouponRule: { crmCouponRule: rule() } });
    renderApp(`/coupons/${RULE_ID}`, { permissions: ["MANAGE_USERS"] });
    const name = await screen.findByDisplayValue("Dormant regulars");
    expect((name as HTMLInputElement).disabled).toBe(true);
    expect(screen.getByTestId("read-only").textContent).toContain("Manage discounts");
    expect((screen.getByDisplayValue("90") as HTMLInputElement).disabled).toBe(true);
    expect(screen.queryByTestId("save")).toBeNull();
    expect(screen.queryByTestId("activate")).toBeNull();
    expect(screen.queryByTestId("dry-run-button")).toBeNull();
  });

  it("a permission error becomes a translated notice, never the raw error", async () => {
    mockGraphQL({
      CrmChannels: TEST_CHANNELS,
      // the mock answers an Error as a GraphQL error, the way Saleor refuses a permission
      CrmCouponRules: () => new Error("You need one of the following permissions: MANAGE_DISCOUNTS"),
    });
    renderApp("/coupons", { permissions: ["MANAGE_USERS"], locale: "ja" });
    expect(await screen.findByText("このページを表示する権限がありません")).toBeTruthy();
    expect(screen.queryByText(/You need one of the following permissions/)).toBeNull();
    expect(screen.queryByTestId("create-rule")).toBeNull();
  });

  it("saves the edited rule as CRMCouponRuleInput and shows the API's typed error on its field", async () => {
    const calls = mockGraphQL({
      CrmChannels: TEST_CHANNELS,
      CrmCouponRule: { crmCouponRule: rule() },
      CrmCouponRuleUpdate: {
        crmCouponRuleUpdate: {
          rule: null,
          errors: [{ field: "days", code: "INVALID", message: "Enter a number from 1 to 3650." }],
        },
      },
    });
    renderApp(`/coupons/${RULE_ID}`);
    const days = await screen.findByDisplayValue("90");
    fireEvent.change(days, { target: { value: "60" } });
    fireEvent.change(screen.getByDisplayValue("15"), { target: { value: "20" } });
    fireEvent.click(screen.getByTestId("save"));
    await waitFor(() => expect(calls.some((c) => c.operation === "CrmCouponRuleUpdate")).toBe(true));
    const update = calls.find((c) => c.operation === "CrmCouponRuleUpdate")!;
    expect(update.variables).toEqual({
      id: RULE_ID,
      input: {
        name: "Dormant regulars",
        description: "",
        channel: "default-channel",
        trigger: { kind: "DAYS_WITHOUT_ORDER", days: 60 },
        discountType: "PERCENTAGE",
        discountValue: "20",
        minSpend: "30",
        productIds: [],
        categoryIds: [],
        collectionIds: [],
        validityDays: 30,
        maxPerCustomer: 1,
        cooldownDays: 180,
        budgetCodes: null,
        budgetAmount: null,
        controlShare: "0.1",
        reportWindowDays: 30,
        startsAt: null,
        endsAt: null,
        delivery: ["CSV"],
        customerNameJa: "",
        customerNameEn: "",
        messageTemplates: { ja: null, en: null },
        webhookUrl: "",
        webhookSecret: null,
        transactional: false,
      },
    });
    // the error of the trigger's `days` lands under the trigger's days input (and in
    // the notification)
    const shown = await screen.findAllByText("Enter a number from 1 to 3650.");
    expect(shown).toHaveLength(2);
    const helper = shown.find((el) => el.tagName !== "P")!;
    let box: HTMLElement | null = days.parentElement;
    let nearInput = false;
    for (let i = 0; i < 4 && box && !nearInput; i += 1, box = box.parentElement) nearInput = box.contains(helper);
    expect(nearInput).toBe(true);
  });

  it("checks the form before sending: nothing is sent while a field is wrong", async () => {
    const calls = mockGraphQL({ CrmChannels: TEST_CHANNELS, CrmCouponRule: { crmCouponRule: rule() } });
    renderApp(`/coupons/${RULE_ID}`, { locale: "ja" });
    const name = await screen.findByDisplayValue("Dormant regulars");
    fireEvent.change(name, { target: { value: "" } });
    fireEvent.change(screen.getByDisplayValue("10"), { target: { value: "95" } });
    fireEvent.click(screen.getByTestId("save"));
    expect(await screen.findByText("必須項目です")).toBeTruthy();
    expect(screen.getByText("対照群は 0〜90% です")).toBeTruthy();
    expect(calls.some((c) => c.operation === "CrmCouponRuleUpdate")).toBe(false);
  });

  it("shows the dry run before switching on, then switches on", async () => {
    const calls = mockGraphQL({
      CrmChannels: TEST_CHANNELS,
      CrmCouponRule: { crmCouponRule: rule() },
      CrmCouponRuleDryRun: DRY_RUN,
      CrmCouponRuleActivate: {
        crmCouponRuleActivate: {
          issued: 42,
          heldOut: 5,
          budgetExhausted: false,
          rule: rule({ status: "ACTIVE", isRunning: true, issuedCount: 42, controlCount: 5 }),
          errors: [],
        },
      },
      CrmCouponRuleReport: { crmCouponRuleReport: null },
    });
    renderApp(`/coupons/${RULE_ID}`);
    fireEvent.click(await screen.findByTestId("activate"));
    const dialog = await screen.findByTestId("activate-dialog");
    await within(dialog).findByText("42");
    expect(within(dialog).getByText("$630.00")).toBeTruthy();
    expect(within(dialog).getByText(/budget stops it/)).toBeTruthy();
    expect(calls.some((c) => c.operation === "CrmCouponRuleActivate")).toBe(false);
    fireEvent.click(within(dialog).getByTestId("confirm-activate"));
    await waitFor(() => expect(calls.some((c) => c.operation === "CrmCouponRuleActivate")).toBe(true));
    expect(await screen.findByTestId("pause")).toBeTruthy();
    expect(screen.getByTestId("run-now")).toBeTruthy();
    expect(screen.getByTestId("status").textContent).toBe("Active");
  });

  it("builds the trigger form from the API's catalogue: a kind added later needs no app change", async () => {
    const calls = mockGraphQL({
      CrmChannels: TEST_CHANNELS,
      CrmCouponTriggers: {
        crmCouponTriggers: [
          {
            kind: "WISHLIST_PRICE_DROP",
            labelKey: "coupons.trigger.wishlist_price_drop",
            isEvent: false,
            parameters: [
              { name: "dropPercent", labelKey: "x", type: "INT", required: true, min: 5, max: 80, maxItems: null, default: 10, reference: null, choices: [], oneOf: null },
            ],
          },
        ],
      },
      CrmCouponRule: { crmCouponRule: rule({ trigger: { kind: "WISHLIST_PRICE_DROP", dropPercent: 25 } }) },
      CrmCouponRuleUpdate: () => ({ crmCouponRuleUpdate: { rule: null, errors: [{ field: "dropPercent", code: "INVALID", message: "Too much." }] } }),
    });
    renderApp(`/coupons/${RULE_ID}`);
    // an unknown kind and parameter get readable labels from their names
    expect(await screen.findByText("Drop percent *")).toBeTruthy();
    expect(screen.getByText("Wishlist price drop")).toBeTruthy();
    const input = screen.getByDisplayValue("25");
    fireEvent.change(input, { target: { value: "90" } });
    fireEvent.click(screen.getByTestId("save"));
    // checked against the catalogue's bounds before anything is sent
    expect(await screen.findByText("Enter a number from 5 to 80")).toBeTruthy();
    fireEvent.change(input, { target: { value: "30" } });
    fireEvent.click(screen.getByTestId("save"));
    await waitFor(() => expect(calls.some((c) => c.operation === "CrmCouponRuleUpdate")).toBe(true));
    const sent = calls.find((c) => c.operation === "CrmCouponRuleUpdate")!.variables.input as { trigger: unknown };
    expect(sent.trigger).toEqual({ kind: "WISHLIST_PRICE_DROP", dropPercent: 30 });
  });

  it("category trigger: chosen categories show their names; search adds one (Saleor's API)", async () => {
    const calls = mockGraphQL({
      CrmChannels: TEST_CHANNELS,
      CrmCouponRule: {
        crmCouponRule: rule({ trigger: { kind: "CATEGORY_PURCHASE", days: 30, categoryIds: ["Q2F0ZWdvcnk6MQ=="] } }),
      },
      CrmPickCategoriesNames: { categories: { edges: [{ node: { id: "Q2F0ZWdvcnk6MQ==", name: "Coffee beans" } }] } },
      CrmPickCategories: (vars) => ({
        categories: {
          edges: vars.search === "filt" ? [{ node: { id: "Q2F0ZWdvcnk6Mg==", name: "Filters" } }] : [],
        },
      }),
      CrmCouponRuleUpdate: (vars) => ({ crmCouponRuleUpdate: { rule: null, errors: [{ field: "name", code: "INVALID", message: String((vars.input as { trigger: { categoryIds: string[] } }).trigger.categoryIds) }] } }),
    });
    renderApp(`/coupons/${RULE_ID}`);
    expect(await screen.findByText("Coffee beans")).toBeTruthy();
    const search = screen.getAllByLabelText("Categories *")[0];
    fireEvent.change(search, { target: { value: "filt" } });
    fireEvent.click(await screen.findByRole("option", { name: "Filters" }));
    expect(await screen.findByText("Filters")).toBeTruthy();
    fireEvent.click(screen.getByTestId("save"));
    await waitFor(() => expect(calls.some((c) => c.operation === "CrmCouponRuleUpdate")).toBe(true));
    const sent = calls.find((c) => c.operation === "CrmCouponRuleUpdate")!.variables.input as { trigger: unknown };
    expect(sent.trigger).toEqual({ kind: "CATEGORY_PURCHASE", categoryIds: ["Q2F0ZWdvcnk6MQ==", "Q2F0ZWdvcnk6Mg=="], days: 30 });
    // the search sent no ID filter, the name lookup no search
    const names = calls.find((c) => c.operation === "CrmPickCategoriesNames")!;
    expect(names.variables).toEqual({ ids: ["Q2F0ZWdvcnk6MQ=="] });
  });

  it("points-expiring trigger: its saved parameters load with their own hints and are sent back", async () => {
    const calls = mockGraphQL({
      CrmChannels: TEST_CHANNELS,
      CrmCouponRule: { crmCouponRule: rule({ trigger: { kind: "POINTS_EXPIRING", daysBefore: 7, minPoints: 100 } }) },
      CrmCouponRuleUpdate: () => ({ crmCouponRuleUpdate: { rule: null, errors: [{ field: "minPoints", code: "INVALID", message: "Too few." }] } }),
    });
    renderApp(`/coupons/${RULE_ID}`);
    expect(await screen.findByText("Points expiring")).toBeTruthy();
    expect(screen.getByText(/Days before the points expire/)).toBeTruthy();
    expect(screen.getByText(/Only when at least this many points expire/)).toBeTruthy();
    expect(screen.getByDisplayValue("7")).toBeTruthy();
    fireEvent.change(screen.getByDisplayValue("100"), { target: { value: "250" } });
    fireEvent.click(screen.getByTestId("save"));
    await waitFor(() => expect(calls.some((c) => c.operation === "CrmCouponRuleUpdate")).toBe(true));
    const sent = calls.find((c) => c.operation === "CrmCouponRuleUpdate")!.variables.input as { trigger: unknown };
    expect(sent.trigger).toEqual({ kind: "POINTS_EXPIRING", daysBefore: 7, minPoints: 250 });
    // the API's error on the parameter lands on its field
    expect((await screen.findAllByText("Too few.")).length).toBeGreaterThan(0);
  });

  it("sign-up trigger: says when its codes go out instead of the order timing", async () => {
    mockGraphQL({
      CrmChannels: TEST_CHANNELS,
      CrmCouponRule: { crmCouponRule: rule({ trigger: { kind: "SIGN_UP", hours: 0 } }) },
    });
    renderApp(`/coupons/${RULE_ID}`, { locale: "ja" });
    expect(await screen.findByText(/0 時間なら登録から数秒以内に/)).toBeTruthy();
    expect(screen.queryByText(/注文から数秒以内/)).toBeNull();
  });

  it("exports the issued codes as a signed CSV link", async () => {
    const calls = mockGraphQL({
      CrmChannels: TEST_CHANNELS,
      CrmCouponRule: { crmCouponRule: rule({ status: "ACTIVE", isRunning: true, issuedCount: 12, controlCount: 1 }) },
      CrmCouponRuleReport: { crmCouponRuleReport: null },
      CrmCouponCodesExport: {
        crmCouponCodesExport: {
          url: "/plugins/saleor-crm-plugin/export/abc?sig=1",
          expiresAt: "2026-12-07T04:15:00Z",
          columns: ["code", "email"],
          errors: [],
        },
      },
    });
    renderApp(`/coupons/${RULE_ID}`);
    fireEvent.click(await screen.findByTestId("export"));
    fireEvent.click(await screen.findByTestId("export-create"));
    const link = (await screen.findByTestId("export-link")) as HTMLAnchorElement;
    expect(link.getAttribute("href")).toBe("/plugins/saleor-crm-plugin/export/abc?sig=1");
    expect(calls.find((c) => c.operation === "CrmCouponCodesExport")!.variables).toEqual({ id: RULE_ID, format: "EMAIL", bom: true });
  });
});

describe("coupon rule editor: names, messages, deliveries", () => {
  it("edits customer names, email templates, webhook and transactional and sends them; API errors land on the fields", async () => {
    const calls = mockGraphQL({
      CrmChannels: TEST_CHANNELS,
      CrmCouponRule: { crmCouponRule: rule({ delivery: ["EMAIL", "MESSAGE_WEBHOOK"], hasWebhookSecret: true, webhookUrl: "https://line.example.com/hook" }) },
      CrmCouponDeliveries: { crmCouponDeliveries: { totalCount: 0, pageInfo: { hasNextPage: false, endCursor: null }, edges: [] } },
      CrmCouponRuleUpdate: {
        crmCouponRuleUpdate: {
          rule: null,
          errors: [
            { field: "messageTemplates.en.subject", code: "INVALID", message: "Write the subject on one line." },
            { field: "webhookUrl", code: "INVALID", message: "Enter an http(s) URL." },
          ],
        },
      },
    });
    renderApp(`/coupons/${RULE_ID}`);
    fireEvent.change(await screen.findByTestId("field-customerNameJa"), { target: { value: "ご愛顧クーポン" } });
    fireEvent.change(screen.getByTestId("field-customerNameEn"), { target: { value: "Thank-you coupon" } });
    expect(screen.getByTestId("customer-names-hint").textContent).toContain("Customers see this name on their voucher");
    // the API's defaults are shown, marked as the default, with the placeholders listed
    const card = screen.getByTestId("messages-card");
    expect((within(card).getByTestId("template-ja-subject") as HTMLInputElement).value).toBe(JA_DEFAULT.subject);
    expect(within(card).getByTestId("template-state").textContent).toBe("Default template");
    const listed = within(card).getByTestId("placeholders").textContent!;
    for (const p of ["{name}", "{code}", "{discount}", "{expiry}", "{points}", "{product}", "{storefront_url}", "{unsubscribe_url}"])
      expect(listed).toContain(p);
    // the saved secret is never shown, only that it is set
    expect(screen.getByText(/Signing secret \(set\)/)).toBeTruthy();
    expect((screen.getByTestId("field-webhookSecret") as HTMLInputElement).value).toBe("");
    fireEvent.click(within(card).getByTestId("template-lang-en"));
    fireEvent.change(within(card).getByTestId("template-en-subject"), { target: { value: "Hi {name}: {discount}" } });
    expect(within(card).getByTestId("template-state").textContent).toBe("This rule's own");
    fireEvent.click(screen.getByTestId("field-transactional"));
    fireEvent.click(screen.getByTestId("save"));
    await waitFor(() => expect(calls.some((c) => c.operation === "CrmCouponRuleUpdate")).toBe(true));
    const input = calls.find((c) => c.operation === "CrmCouponRuleUpdate")!.variables.input as Record<string, unknown>;
    expect(input).toMatchObject({
      customerNameJa: "ご愛顧クーポン",
      customerNameEn: "Thank-you coupon",
      delivery: ["EMAIL", "MESSAGE_WEBHOOK"],
      messageTemplates: { ja: null, en: { subject: "Hi {name}: {discount}", text: EN_DEFAULT.text, html: EN_DEFAULT.html, short: EN_DEFAULT.short } },
      webhookUrl: "https://line.example.com/hook",
      webhookSecret: null,
      transactional: true,
    });
    expect((input.messageTemplates as { en: Record<string, unknown> }).en).not.toHaveProperty("isDefault");
    // each typed error under its own field
    // the closest box around the input that holds the message holds no other field
    const nearInput = (input: HTMLElement, shown: HTMLElement[]) => {
      let box: HTMLElement | null = input.parentElement;
      for (let i = 0; i < 4 && box; i += 1, box = box.parentElement)
        if (shown.some((el) => box!.contains(el))) return box.querySelectorAll("input, textarea").length === 1;
      return false;
    };
    const subjectErrors = await screen.findAllByText("Write the subject on one line.");
    expect(nearInput(within(card).getByTestId("template-en-subject"), subjectErrors)).toBe(true);
    expect(nearInput(screen.getByTestId("field-webhookUrl"), screen.getAllByText("Enter an http(s) URL."))).toBe(true);
  });

  it("checks templates before sending (ja messages) and resets a language to the default", async () => {
    const calls = mockGraphQL({
      CrmChannels: TEST_CHANNELS,
      CrmCouponRule: { crmCouponRule: rule({ delivery: ["EMAIL"] }) },
      CrmCouponDeliveries: { crmCouponDeliveries: { totalCount: 0, pageInfo: { hasNextPage: false, endCursor: null }, edges: [] } },
    });
    renderApp(`/coupons/${RULE_ID}`, { locale: "ja" });
    const text = await screen.findByTestId("template-ja-text");
    fireEvent.change(text, { target: { value: "{coupon_code} をどうぞ" } });
    // no webhook fields without the LINE / SMS delivery
    expect(screen.queryByTestId("webhook-fields")).toBeNull();
    fireEvent.click(screen.getByTestId("save"));
    expect(await screen.findByText("不明な差し込み項目 {coupon_code}")).toBeTruthy();
    expect(calls.some((c) => c.operation === "CrmCouponRuleUpdate")).toBe(false);
    fireEvent.click(screen.getByTestId("template-reset"));
    expect(screen.getByTestId("template-state").textContent).toBe("標準テンプレート");
    // the API's default text is back, and nothing is left to save
    expect((screen.getByTestId("template-ja-text") as HTMLTextAreaElement).value).toBe(JA_DEFAULT.text);
    expect((screen.getByTestId("save") as HTMLButtonElement).disabled).toBe(true);
  });

  it("the message card appears when email is ticked; a new rule says the defaults come from the API", async () => {
    mockGraphQL({ CrmChannels: TEST_CHANNELS });
    renderApp("/coupons/new");
    await screen.findByTestId("field-name");
    expect(screen.queryByTestId("messages-card")).toBeNull();
    fireEvent.click(screen.getByTestId("delivery-EMAIL"));
    const card = await screen.findByTestId("messages-card");
    expect(card.textContent).toContain("appears here once the rule is saved");
  });

  it("lists the rule's deliveries with translated status and reasons, filters, pages and exports them", async () => {
    const node = (i: number, patch: Record<string, unknown>) => ({
      id: `D${i}`,
      customerId: `VXNlcjo${i}`,
      email: `c${i}@example.com`,
      code: `CRM-${i}`,
      method: "EMAIL",
      status: "SENT",
      reason: "",
      attempts: 1,
      createdAt: "2026-12-06T10:00:00Z",
      updatedAt: "2026-12-06T10:00:00Z",
      sentAt: "2026-12-06T10:01:00Z",
      ...patch,
    });
    const calls = mockGraphQL({
      CrmChannels: TEST_CHANNELS,
      CrmCouponRule: { crmCouponRule: rule({ status: "ACTIVE", isRunning: true, issuedCount: 3, delivery: ["EMAIL"] }) },
      CrmCouponRuleReport: { crmCouponRuleReport: null },
      CrmCouponDeliveries: (vars) => {
        const filter = vars.filter as { status?: string };
        if (filter.status === "FAILED")
          return { crmCouponDeliveries: { totalCount: 1, pageInfo: { hasNextPage: false, endCursor: null }, edges: [{ node: node(9, { status: "FAILED", reason: "SMTP 550 mailbox unavailable", attempts: 6 }) }] } };
        if (vars.after === "c2")
          return { crmCouponDeliveries: { totalCount: 3, pageInfo: { hasNextPage: false, endCursor: "c3" }, edges: [{ node: node(3, { method: "MESSAGE_WEBHOOK", status: "SKIPPED", reason: "no_phone_or_line_id", sentAt: null }) }] } };
        return {
          crmCouponDeliveries: {
            totalCount: 3,
            pageInfo: { hasNextPage: true, endCursor: "c2" },
            edges: [{ node: node(1, {}) }, { node: node(2, { status: "SKIPPED", reason: "no_consent", sentAt: null }) }],
          },
        };
      },
      CrmCouponDeliveriesExport: {
        crmCouponDeliveriesExport: { url: "/plugins/saleor-crm-plugin/export/d?sig=2", expiresAt: "2026-12-07T05:00:00Z", columns: ["customer_id"], errors: [] },
      },
    });
    renderApp(`/coupons/${RULE_ID}`, { locale: "ja" });
    const card = await screen.findByTestId("deliveries-card");
    await within(card).findByText("c1@example.com");
    expect(within(card).getAllByTestId("delivery-row")).toHaveLength(2);
    expect(within(card).getByText("マーケティング同意なし")).toBeTruthy();
    expect(within(card).getByText("送信済み")).toBeTruthy();
    expect(within(card).getByTestId("deliveries-total").textContent).toBe("3 件のメッセージ");
    const first = calls.find((c) => c.operation === "CrmCouponDeliveries")!;
    expect(first.variables).toEqual({ first: 20, after: null, filter: { rule: [RULE_ID] } });
    // next page
    fireEvent.click(within(card).getByTestId("deliveries-next"));
    expect(await within(card).findByText("電話番号・LINE ユーザー ID なし")).toBeTruthy();
    expect(within(card).getByText("LINE / SMS Webhook")).toBeTruthy();
    expect(calls.filter((c) => c.operation === "CrmCouponDeliveries").at(-1)!.variables).toEqual({ first: 20, after: "c2", filter: { rule: [RULE_ID] } });
    // filter by status: back to the first page; a failure shows the sender's error
    fireEvent.click(within(card).getByTestId("deliveries-previous"));
    await within(card).findByText("c1@example.com");
    const statusSelect = within(card).getByLabelText("状態");
    fireEvent.click(statusSelect);
    fireEvent.click(await screen.findByRole("option", { name: "失敗" }));
    expect(await within(card).findByText("SMTP 550 mailbox unavailable")).toBeTruthy();
    expect(calls.filter((c) => c.operation === "CrmCouponDeliveries").at(-1)!.variables).toEqual({ first: 20, after: null, filter: { rule: [RULE_ID], status: "FAILED" } });
    // export
    fireEvent.click(screen.getByTestId("deliveries-export"));
    const link = (await within(card).findByTestId("deliveries-export-link")) as HTMLAnchorElement;
    expect(link.getAttribute("href")).toBe("/plugins/saleor-crm-plugin/export/d?sig=2");
    expect(calls.find((c) => c.operation === "CrmCouponDeliveriesExport")!.variables).toEqual({ id: RULE_ID, bom: true });
  });

  it("after Run now issues codes, the deliveries are read again", async () => {
    const empty = { crmCouponDeliveries: { totalCount: 0, pageInfo: { hasNextPage: false, endCursor: null }, edges: [] } };
    const active = { status: "ACTIVE", isRunning: true, issuedCount: 3, delivery: ["EMAIL"] };
    const calls = mockGraphQL({
      CrmChannels: TEST_CHANNELS,
      CrmCouponRule: { crmCouponRule: rule(active) },
      CrmCouponRuleReport: { crmCouponRuleReport: null },
      CrmCouponDeliveries: empty,
      CrmCouponRuleRun: { crmCouponRuleRun: { issued: 2, heldOut: 0, budgetExhausted: false, rule: rule({ ...active, issuedCount: 5 }), errors: [] } },
    });
    renderApp(`/coupons/${RULE_ID}`);
    await screen.findByText("No messages yet");
    expect(calls.filter((c) => c.operation === "CrmCouponDeliveries")).toHaveLength(1);
    fireEvent.click(screen.getByTestId("run-now"));
    await waitFor(() => expect(calls.filter((c) => c.operation === "CrmCouponDeliveries")).toHaveLength(2));
  });
});

