import { configure, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";

import { mockGraphQL, renderApp, TEST_CHANNELS } from "../../test/render";

// the first render loads the lazy screen chunk: give it time on a busy machine
configure({ asyncUtilTimeout: 8000 });
vi.setConfig({ testTimeout: 30000 });

const RULE_ID = "Q1JNQ291cG9uUnVsZTox";

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
