import { configure, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";

import { mockGraphQL, renderApp, TEST_CHANNELS } from "../../test/render";

configure({ asyncUtilTimeout: 8000 });
vi.setConfig({ testTimeout: 30000 });
afterEach(() => vi.unstubAllGlobals());

const usd = (amount: number) => ({ amount, currency: "USD" });

const PROGRAM = {
  id: "Q1JNTG95YWx0eVByb2dyYW06MQ==",
  channel: "default-channel",
  currency: "USD",
  isActive: true,
  pointsPerUnit: 1,
  pointsBase: "TOTAL",
  rounding: "DOWN",
  returnWindowDays: 14,
  pointsValidityDays: 365,
  pointValue: 0.01,
  minRedemptionPoints: 100,
  redemptionKind: "GIFT_CARD",
  windowKind: "ROLLING_MONTHS",
  windowMonths: 12,
  timeZone: "Asia/Tokyo",
  reviewPeriodMonths: 12,
  discountPolicy: "BEST_FOR_CUSTOMER",
  expiryWarningDays: 30,
  tiers: [
    {
      id: "Q1JNVGllcjox",
      name: "Silver",
      customerNameJa: "",
      customerNameEn: "",
      rank: 1,
      metric: "SPEND",
      threshold: 300,
      discountType: "PERCENTAGE",
      discountValue: 5,
      minSpend: null,
      categoryIds: [],
      collectionIds: [],
      freeShipping: false,
      pointsMultiplier: 1,
    },
    {
      id: "Q1JNVGllcjoy",
      name: "Gold",
      customerNameJa: "ゴールド会員",
      customerNameEn: "Gold member",
      rank: 2,
      metric: "SPEND",
      threshold: 1000,
      discountType: "PERCENTAGE",
      discountValue: 10,
      minSpend: null,
      categoryIds: [],
      collectionIds: [],
      freeShipping: false,
      pointsMultiplier: 2,
    },
  ],
};

const PREVIEW = {
  crmLoyaltyPreview: {
    preview: {
      tiers: [
        { name: "Silver", rank: 1, customers: 200, currentCustomers: 150, estimatedDiscount: usd(900) },
        { name: "Gold", rank: 2, customers: 40, currentCustomers: 70, estimatedDiscount: usd(1200.5) },
      ],
      // the columns add up: 150 + 70 + 780 now = 200 + 40 + 760 after
      customersWithoutTier: 760,
      customersWithoutTierNow: 780,
      estimatedDiscountTotal: usd(2100.5),
      estimatedPoints: 45210,
      ordersConsidered: 3120,
      periodStart: "2025-12-07T00:00:00Z",
      periodEnd: "2026-12-07T00:00:00Z",
    },
    errors: [],
  },
};

describe("loyalty tier ladder", () => {
  it("a changed ladder is previewed (who moves, the cost) before it can be saved", async () => {
    const calls = mockGraphQL({
      CrmChannels: TEST_CHANNELS,
      CrmLoyaltyPrograms: { crmLoyaltyPrograms: [PROGRAM] },
      CrmLoyaltyPreview: PREVIEW,
      CrmTierUpdate: (vars) => ({
        crmTierUpdate: { tier: { ...PROGRAM.tiers[1], ...(vars.input as object), id: vars.id }, errors: [] },
      }),
    });
    renderApp("/loyalty");
    const threshold = (await screen.findAllByDisplayValue("1000"))[0];
    fireEvent.change(threshold, { target: { value: "1500" } });
    const save = screen.getByTestId("save-loyalty") as HTMLButtonElement;
    expect(save.disabled).toBe(true);
    expect(screen.getByTestId("preview-first")).toBeTruthy();

    fireEvent.click(screen.getByTestId("preview"));
    const preview = await screen.findByTestId("loyalty-preview");
    const call = calls.find((c) => c.operation === "CrmLoyaltyPreview")!;
    expect(call.variables).toEqual({
      channel: "default-channel",
      input: {
        pointsPerUnit: "1",
        pointsBase: "TOTAL",
        windowKind: "ROLLING_MONTHS",
        windowMonths: 12,
        tiers: [
          {
            name: "Silver",
            rank: 1,
            metric: "SPEND",
            threshold: "300",
            discountType: "PERCENTAGE",
            discountValue: "5",
            minSpend: null,
            categories: [],
            collections: [],
            freeShipping: false,
            pointsMultiplier: "1",
          },
          {
            name: "Gold",
            rank: 2,
            metric: "SPEND",
            threshold: "1500",
            discountType: "PERCENTAGE",
            discountValue: "10",
            minSpend: null,
            categories: [],
            collections: [],
            freeShipping: false,
            pointsMultiplier: "2",
          },
        ],
      },
    });
    // who moves up or down, and what it costs
    const gold = within(preview).getByTestId("preview-Gold");
    expect(gold.textContent).toContain("-30");
    expect(within(preview).getByTestId("preview-Silver").textContent).toContain("+50");
    // who holds no tier: today's figure next to the one after the change
    expect(within(preview).getByTestId("preview-without-tier").textContent).toBe("Customers without a tier780 → 760");
    expect(preview.textContent).toContain("$2,100.50");

    await waitFor(() => expect((screen.getByTestId("save-loyalty") as HTMLButtonElement).disabled).toBe(false));
    fireEvent.click(screen.getByTestId("save-loyalty"));
    await waitFor(() => expect(calls.some((c) => c.operation === "CrmTierUpdate")).toBe(true));
    const updates = calls.filter((c) => c.operation === "CrmTierUpdate");
    expect(updates).toHaveLength(1);
    expect(updates[0].variables).toMatchObject({ id: "Q1JNVGllcjoy", input: { name: "Gold", rank: 2, threshold: "1500" } });
    // the program itself did not change: no program update was sent
    expect(calls.some((c) => c.operation === "CrmLoyaltyProgramUpdate")).toBe(false);
  });

  it("editing again after the preview asks for a new preview", async () => {
    mockGraphQL({
      CrmChannels: TEST_CHANNELS,
      CrmLoyaltyPrograms: { crmLoyaltyPrograms: [PROGRAM] },
      CrmLoyaltyPreview: PREVIEW,
    });
    renderApp("/loyalty", { locale: "ja" });
    fireEvent.change((await screen.findAllByDisplayValue("1000"))[0], { target: { value: "1500" } });
    fireEvent.click(screen.getByTestId("preview"));
    await screen.findByTestId("loyalty-preview");
    expect(screen.getByTestId("preview-without-tier").textContent).toBe("ランクなしの顧客780 → 760");
    fireEvent.change(screen.getByDisplayValue("1500"), { target: { value: "1200" } });
    expect(await screen.findByText("このプレビューの後にランクが変更されました。保存する前にもう一度プレビューしてください。")).toBeTruthy();
    expect((screen.getByTestId("save-loyalty") as HTMLButtonElement).disabled).toBe(true);
  });

  // who the customers without a tier are: the preview (and the review) leaves the registered
  // customers with no paid order in the channel without a tier (loyalty/preview.py), so a ladder
  // starting at 0 still shows some; a line under the figure says so
  for (const [locale, help] of [
    [
      "en",
      "Registered customers with no paid order in this channel stay without a tier until they buy; so do those who reach no tier's threshold.",
    ],
    [
      "ja",
      "アカウント登録済みで、このチャネルでの支払い済み注文がまだない顧客は、購入するまでランクなしのままです。どのランクのしきい値にも届かない顧客も同様です。",
    ],
  ] as const) {
    it(`${locale}: the preview says who the customers without a tier are, under their figure`, async () => {
      mockGraphQL({
        CrmChannels: TEST_CHANNELS,
        CrmLoyaltyPrograms: { crmLoyaltyPrograms: [PROGRAM] },
        CrmLoyaltyPreview: PREVIEW,
      });
      renderApp("/loyalty", { locale });
      fireEvent.change((await screen.findAllByDisplayValue("1000"))[0], { target: { value: "1500" } });
      fireEvent.click(screen.getByTestId("preview"));
      const preview = await screen.findByTestId("loyalty-preview");
      const figure = within(preview).getByTestId("preview-without-tier");
      const note = within(preview).getByTestId("preview-without-tier-help");
      expect(note.textContent).toBe(help);
      // under the figures, the card's width: right after the grid that holds the figure
      expect(figure.parentElement?.nextElementSibling).toBe(note);
    });
  }

  it("a ladder that breaks the API's rules is caught before anything is sent", async () => {
    const calls = mockGraphQL({
      CrmChannels: TEST_CHANNELS,
      CrmLoyaltyPrograms: { crmLoyaltyPrograms: [PROGRAM] },
    });
    renderApp("/loyalty");
    fireEvent.change((await screen.findAllByDisplayValue("1000"))[0], { target: { value: "200" } });
    fireEvent.click(screen.getByTestId("preview"));
    expect(
      (await screen.findAllByText("A higher tier needs a higher threshold than every tier below it on the same measure")).length,
    ).toBeGreaterThan(0);
    expect(calls.some((c) => c.operation === "CrmLoyaltyPreview")).toBe(false);
  });

  it("without MANAGE_DISCOUNTS: a notice, no editor and no raw error", async () => {
    mockGraphQL({
      CrmChannels: TEST_CHANNELS,
      CrmLoyaltyPrograms: () => new Error("You need one of the following permissions: MANAGE_DISCOUNTS"),
    });
    renderApp("/loyalty", { permissions: ["MANAGE_USERS"] });
    expect(await screen.findByText("You do not have access to this page")).toBeTruthy();
    expect(screen.queryByTestId("save-loyalty")).toBeNull();
    expect(screen.queryByText(/You need one of the following/)).toBeNull();
  });

  it("a new tier is created above the ladder; once saved it is not created twice", async () => {
    let program = PROGRAM;
    const calls = mockGraphQL({
      CrmChannels: TEST_CHANNELS,
      CrmLoyaltyPrograms: () => ({ crmLoyaltyPrograms: [program] }),
      CrmLoyaltyPreview: PREVIEW,
      CrmTierUpdate: (vars) => ({ crmTierUpdate: { tier: { ...PROGRAM.tiers[1], id: vars.id }, errors: [] } }),
      CrmTierCreate: (vars) => {
        const tier = { ...PROGRAM.tiers[1], ...(vars.input as object), id: "Q1JNVGllcjoz", categoryIds: [], collectionIds: [] };
        program = { ...PROGRAM, tiers: [...PROGRAM.tiers, tier] };
        return { crmTierCreate: { tier, errors: [] } };
      },
    });
    renderApp("/loyalty");
    fireEvent.click(await screen.findByTestId("add-tier"));
    fireEvent.change(screen.getByTestId("tier-2-name"), { target: { value: "Platinum" } });
    fireEvent.change(screen.getByTestId("tier-2-threshold"), { target: { value: "3000" } });
    fireEvent.change(screen.getByTestId("tier-2-discountValue"), { target: { value: "15" } });
    fireEvent.click(screen.getByTestId("preview"));
    await screen.findByTestId("loyalty-preview");
    fireEvent.click(screen.getByTestId("save-loyalty"));
    await waitFor(() => expect(calls.some((c) => c.operation === "CrmTierCreate")).toBe(true));
    expect(calls.find((c) => c.operation === "CrmTierCreate")!.variables).toMatchObject({
      programId: PROGRAM.id,
      input: { name: "Platinum", rank: 3, threshold: "3000", discountType: "PERCENTAGE", discountValue: "15" },
    });
    // the program is read again; the editor shows it as saved
    await waitFor(() => expect(calls.filter((c) => c.operation === "CrmLoyaltyPrograms").length).toBe(2));
    await waitFor(() => expect((screen.getByTestId("save-loyalty") as HTMLButtonElement).disabled).toBe(true));
    expect(screen.getByDisplayValue("Platinum")).toBeTruthy();
    // a later change of the new tier updates it (it has its ID now)
    fireEvent.change(screen.getByDisplayValue("3000"), { target: { value: "3500" } });
    fireEvent.click(screen.getByTestId("preview"));
    await waitFor(() => expect(calls.filter((c) => c.operation === "CrmLoyaltyPreview")).toHaveLength(2));
    await waitFor(() => expect((screen.getByTestId("save-loyalty") as HTMLButtonElement).disabled).toBe(false));
    fireEvent.click(screen.getByTestId("save-loyalty"));
    await waitFor(() => expect(calls.some((c) => c.operation === "CrmTierUpdate")).toBe(true));
    expect(calls.find((c) => c.operation === "CrmTierUpdate")!.variables).toMatchObject({ id: "Q1JNVGllcjoz" });
    expect(calls.filter((c) => c.operation === "CrmTierCreate")).toHaveLength(1);
  });

  it("the points base is chosen with its explanation; changing it needs a preview and is saved with the program", async () => {
    const calls = mockGraphQL({
      CrmChannels: TEST_CHANNELS,
      CrmLoyaltyPrograms: { crmLoyaltyPrograms: [PROGRAM] },
      CrmLoyaltyPreview: PREVIEW,
      CrmLoyaltyProgramUpdate: (vars) => ({
        crmLoyaltyProgramUpdate: { program: { ...PROGRAM, ...(vars.input as object) }, errors: [] },
      }),
    });
    renderApp("/loyalty", { locale: "ja" });
    const select = (await screen.findAllByLabelText("ポイント付与の対象"))[0];
    expect(screen.getByText(/商品小計：割引後の商品代金/)).toBeTruthy();
    fireEvent.click(select);
    fireEvent.click(await screen.findByRole("option", { name: "商品小計（割引後）" }));
    // points change: the preview comes first
    await waitFor(() => expect((screen.getByTestId("save-loyalty") as HTMLButtonElement).disabled).toBe(true));
    fireEvent.click(screen.getByTestId("preview"));
    await screen.findByTestId("loyalty-preview");
    const preview = calls.find((c) => c.operation === "CrmLoyaltyPreview")!;
    expect((preview.variables.input as { pointsBase: string }).pointsBase).toBe("SUBTOTAL");
    await waitFor(() => expect((screen.getByTestId("save-loyalty") as HTMLButtonElement).disabled).toBe(false));
    fireEvent.click(screen.getByTestId("save-loyalty"));
    await waitFor(() => expect(calls.some((c) => c.operation === "CrmLoyaltyProgramUpdate")).toBe(true));
    const update = calls.find((c) => c.operation === "CrmLoyaltyProgramUpdate")!;
    expect(update.variables).toMatchObject({ id: PROGRAM.id, input: { pointsBase: "SUBTOTAL", pointsPerUnit: "1" } });
    // no tier changed
    expect(calls.some((c) => c.operation === "CrmTierUpdate")).toBe(false);
  });

  it("a tier's customer-facing names are saved without a preview; the API's error lands on the field", async () => {
    const calls = mockGraphQL({
      CrmChannels: TEST_CHANNELS,
      CrmLoyaltyPrograms: { crmLoyaltyPrograms: [PROGRAM] },
      CrmTierUpdate: {
        crmTierUpdate: { tier: null, errors: [{ field: "customerNameEn", code: "INVALID", message: "Use at most 128 characters." }] },
      },
    });
    renderApp("/loyalty");
    expect(((await screen.findByTestId("tier-1-customerNameJa")) as HTMLInputElement).value).toBe("ゴールド会員");
    fireEvent.change(screen.getByTestId("tier-0-customerNameJa"), { target: { value: "シルバー会員" } });
    fireEvent.change(screen.getByTestId("tier-0-customerNameEn"), { target: { value: "Silver member" } });
    expect(screen.queryByTestId("preview-first")).toBeNull();
    await waitFor(() => expect((screen.getByTestId("save-loyalty") as HTMLButtonElement).disabled).toBe(false));
    fireEvent.click(screen.getByTestId("save-loyalty"));
    await waitFor(() => expect(calls.some((c) => c.operation === "CrmTierUpdate")).toBe(true));
    expect(calls.some((c) => c.operation === "CrmLoyaltyPreview")).toBe(false);
    const updates = calls.filter((c) => c.operation === "CrmTierUpdate");
    expect(updates).toHaveLength(1);
    expect(updates[0].variables).toMatchObject({
      id: "Q1JNVGllcjox",
      input: { name: "Silver", customerNameJa: "シルバー会員", customerNameEn: "Silver member", threshold: "300" },
    });
    const shown = await screen.findAllByText("Use at most 128 characters.");
    const input = screen.getByTestId("tier-0-customerNameEn");
    let box: HTMLElement | null = input.parentElement;
    let near = false;
    for (let i = 0; i < 4 && box && !near; i += 1, box = box.parentElement) near = shown.some((el) => box!.contains(el));
    expect(near).toBe(true);
  });
});
