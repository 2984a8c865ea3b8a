import { configure, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";

import { mockGraphQL, renderApp, TEST_CHANNELS } from "../../test/render";

configure({ asyncUtilTimeout: 8000 });
vi.setConfig({ testTimeout: 30000 });
afterEach(() => vi.unstubAllGlobals());

const row = (id: string, patch: Record<string, unknown>) => ({
  id,
  name: `Rule ${id}`,
  channel: "default-channel",
  status: "ACTIVE",
  isRunning: true,
  trigger: { kind: "FIRST_ORDER" },
  discountType: "FIXED",
  discountValue: 500,
  minSpend: { currency: "JPY" },
  issuedCount: 10,
  controlCount: 2,
  activatedAt: "2026-11-01T00:00:00Z",
  ...patch,
});
const page = (nodes: unknown[]) => ({
  crmCouponRules: { totalCount: nodes.length, pageInfo: { hasNextPage: false, endCursor: null }, edges: nodes.map((node) => ({ node })) },
});

describe("coupon rule list", () => {
  it("shows status, trigger, reward in the channel currency and the headline uplift with its interval", async () => {
    const calls = mockGraphQL({
      CrmChannels: TEST_CHANNELS,
      CrmCouponRules: page([row("a", {}), row("b", { status: "DRAFT", isRunning: false, issuedCount: 0, controlCount: 0 })]),
      CrmCouponRuleReport: {
        crmCouponRuleReport: { conversionUplift: { estimate: 0.052, low: 0.011, high: 0.093 } },
      },
    });
    renderApp("/coupons", { locale: "ja" });
    const table = await screen.findByTestId("rules-table");
    const first = within(table).getByText("Rule a").closest("tr")!;
    expect(first.textContent).toContain("有効");
    expect(first.textContent).toContain("初回注文");
    expect(first.textContent).toMatch(/￥500 引き|¥500 引き/);
    await waitFor(() => expect(first.textContent).toContain("Default channel"));
    expect(await within(first).findByText("+5.2 pt")).toBeTruthy();
    expect(first.textContent).toContain("95% 区間 +1.1 〜 +9.3");
    const second = within(table).getByText("Rule b").closest("tr")!;
    expect(second.textContent).toContain("まだ発行なし");
    // a report is asked only for rules with codes or hold-outs
    await waitFor(() => expect(calls.filter((c) => c.operation === "CrmCouponRuleReport")).toHaveLength(1));
  });

  it("an empty list explains what a coupon rule is and offers to create one", async () => {
    mockGraphQL({ CrmChannels: TEST_CHANNELS, CrmCouponRules: page([]) });
    renderApp("/coupons");
    expect(await screen.findByText("No coupon rules yet")).toBeTruthy();
    expect(screen.getAllByText("Create rule").length).toBe(2);
  });
});
