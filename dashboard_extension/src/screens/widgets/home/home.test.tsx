import { screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { HEADLINE } from "../../../test/fixtures/home";
import { TEST_CHANNELS, mockGraphQL, renderApp } from "../../../test/render";
import { change, lastDays } from ".";

describe("home widget", () => {
  it("shows the headline KPIs with their change against the previous 30 days", async () => {
    const calls = mockGraphQL({ CrmChannels: TEST_CHANNELS, CrmHeadline: HEADLINE });
    renderApp("/widgets/home");
    const revenue = await screen.findByTestId("home-revenue");
    expect(revenue.textContent).toContain("¥4,530,200");
    expect(revenue.textContent).toContain("−5.8%");
    expect(screen.getByTestId("home-orders").textContent).toContain("+6.8%");
    expect(screen.getByTestId("home-repeat").textContent).toContain("+1.3 pp");
    const op = calls.find((c) => c.operation === "CrmHeadline")!;
    const { range, previous } = op.variables as { range: { gte: string; lte: string }; previous: { gte: string; lte: string } };
    expect((Date.parse(range.lte) - Date.parse(range.gte)) / 86_400_000).toBe(29);
    expect((Date.parse(range.gte) - Date.parse(previous.lte)) / 86_400_000).toBe(1);
  });

  it("renders in Japanese", async () => {
    mockGraphQL({ CrmChannels: TEST_CHANNELS, CrmHeadline: HEADLINE });
    renderApp("/widgets/home", { locale: "ja" });
    expect((await screen.findByTestId("home-f2")).textContent).toContain("F2転換率");
    expect(screen.getByTestId("home-f2").textContent).toContain("−0.8pt");
    expect(screen.getByRole("button", { name: "CRM の概要を開く" })).toBeTruthy();
  });

  it("computes periods and changes", () => {
    const { range, previous } = lastDays(30, new Date("2026-12-07T10:00:00Z"));
    expect(range).toEqual({ gte: "2026-11-08", lte: "2026-12-07" });
    expect(previous).toEqual({ gte: "2026-10-09", lte: "2026-11-07" });
    expect(change(110, 100)).toBeCloseTo(0.1);
    expect(change(5, 0)).toBeNull();
    expect(change(null, 3)).toBeNull();
  });
});
