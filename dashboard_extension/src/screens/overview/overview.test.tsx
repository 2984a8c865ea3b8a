import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { EMPTY_OVERVIEW, OVERVIEW_DATA } from "../../test/fixtures/overview";
import { TEST_CHANNELS, mockGraphQL, renderApp } from "../../test/render";
import { averageLtv, cohortRange, grainFor } from ".";
import { base64UrlDecode, segmentBuilderUrl } from "./segmentLink";

describe("overview screen", () => {
  it("renders the KPIs in the channel's currency (JPY, no decimals) and asks for the right channel", async () => {
    const calls = mockGraphQL({ CrmChannels: TEST_CHANNELS, CrmOverview: OVERVIEW_DATA });
    renderApp("/overview");
    const revenue = await screen.findByTestId("kpi-revenue");
    expect(revenue.textContent).toContain("¥13,482,900");
    expect(screen.getByTestId("kpi-repeat").textContent).toContain("21.3%");
    expect(screen.getByTestId("kpi-f2").textContent).toContain("27.2%");
    expect(screen.getByTestId("kpi-f2").textContent).toContain("219 of 806");
    // (903 + 121) / 2486
    expect(screen.getByTestId("kpi-dormant").textContent).toContain("41.2%");
    const op = calls.find((c) => c.operation === "CrmOverview")!;
    expect(op.url).toBe("/plugins/saleor-crm-plugin/graphql");
    expect(op.variables.channel).toBe("default-channel");
    expect(op.variables.grain).toBe("WEEK");
  });

  it("renders in Japanese", async () => {
    mockGraphQL({ CrmChannels: TEST_CHANNELS, CrmOverview: OVERVIEW_DATA });
    renderApp("/overview", { locale: "ja" });
    expect(await screen.findByText("リピート購入率")).toBeTruthy();
    expect(screen.getByTestId("kpi-revenue").textContent).toContain("￥13,482,900");
    const grid = screen.getByTestId("rfm-grid");
    expect(within(grid).getByText("優良顧客")).toBeTruthy();
    expect(screen.getByTestId("cohorts").textContent).toContain("2026年1月");
  });

  it("opens the segment builder pre-filled when an RFM group is clicked", async () => {
    mockGraphQL({ CrmChannels: TEST_CHANNELS, CrmOverview: OVERVIEW_DATA });
    renderApp("/overview");
    const grid = await screen.findByTestId("rfm-grid");
    fireEvent.click(within(grid).getByText("At risk"));
    await waitFor(() => expect(screen.getByTestId("location").textContent).toMatch(/^\/segments\/new\?/));
    const q = new URLSearchParams(screen.getByTestId("location").textContent!.split("?")[1]);
    expect(base64UrlDecode(q.get("rule")!)).toEqual({ and: [{ field: "rfm_group", op: "eq", value: "at_risk" }] });
    expect(q.get("channel")).toBe("default-channel");
    expect(q.get("name")).toBe("At risk");
  });

  it("shows the empty state for a channel without customers", async () => {
    mockGraphQL({ CrmChannels: TEST_CHANNELS, CrmOverview: EMPTY_OVERVIEW });
    renderApp("/overview");
    expect(await screen.findByText("No customers yet in this channel")).toBeTruthy();
    expect(screen.queryByTestId("kpi-revenue")).toBeNull();
  });

  it("shows a translated error with retry when the API refuses", async () => {
    mockGraphQL({ CrmChannels: TEST_CHANNELS, CrmOverview: () => new Error("You need one of the following permissions: MANAGE_USERS") });
    renderApp("/overview", { locale: "ja" });
    const alert = await screen.findByTestId("error-state");
    expect(alert.textContent).toContain("この操作を行う権限がありません。");
    expect(within(alert).getByRole("button", { name: "再試行" })).toBeTruthy();
  });

  it("explains the missing permission instead of calling the API", async () => {
    const calls = mockGraphQL({ CrmChannels: TEST_CHANNELS, CrmOverview: OVERVIEW_DATA });
    renderApp("/overview", { permissions: ["MANAGE_DISCOUNTS"], locale: "ja" });
    expect(await screen.findByText("この内容を表示するには MANAGE_USERS 権限が必要です。")).toBeTruthy();
    expect(calls.some((c) => c.operation === "CrmOverview")).toBe(false);
    // the coupon tab stays (MANAGE_DISCOUNTS)
    expect(screen.getByRole("link", { name: "クーポンルール" })).toBeTruthy();
  });

  it("shows a typed analytics error", async () => {
    mockGraphQL({
      CrmChannels: TEST_CHANNELS,
      CrmOverview: { ...OVERVIEW_DATA, crmAnalyticsKpis: { kpis: null, errors: [{ field: "to", code: "RANGE_TOO_LONG", message: "x" }] } },
    });
    renderApp("/overview");
    expect(await screen.findByText(/The period is too long/)).toBeTruthy();
  });
});

describe("overview helpers", () => {
  it("chooses a grain by the length of the period", () => {
    expect(grainFor({ gte: "2026-11-07", lte: "2026-12-06" })).toBe("DAY");
    expect(grainFor({ gte: "2026-09-08", lte: "2026-12-06" })).toBe("WEEK");
    expect(grainFor({ gte: "2026-01-01", lte: "2026-12-06" })).toBe("MONTH");
  });

  it("limits cohorts to the last 12 months of the period", () => {
    expect(cohortRange({ gte: "2024-01-01", lte: "2026-12-06" })).toEqual({ gte: "2026-01-01", lte: "2026-12-06" });
    expect(cohortRange({ gte: "2026-11-07", lte: "2026-12-06" })).toEqual({ gte: "2026-11-07", lte: "2026-12-06" });
  });

  it("weights LTV by cohort size and skips cohorts too young", () => {
    const money = (amount: number) => ({ amount, currency: "JPY" });
    const cohorts = [
      { month: "2026-01-01", size: 100, retention: [], ltv: [{ months: 12, value: money(1000) }] },
      { month: "2026-02-01", size: 300, retention: [], ltv: [{ months: 12, value: money(2000) }] },
      { month: "2026-11-01", size: 50, retention: [], ltv: [{ months: 12, value: null }] },
    ];
    expect(averageLtv(cohorts, 12)).toBe(1750);
    expect(averageLtv(cohorts, 24)).toBeNull();
  });

  it("encodes builder links in the agreed base64url format", () => {
    const url = segmentBuilderUrl({ rule: { and: [{ field: "rfm_group", op: "eq", value: "at_risk" }] }, channel: "jp", name: "離反リスク" });
    const q = new URLSearchParams(url.split("?")[1]);
    expect(url.startsWith("/segments/new?")).toBe(true);
    expect(q.get("rule")).not.toMatch(/[+/=]/);
    expect(base64UrlDecode(q.get("rule")!)).toEqual({ and: [{ field: "rfm_group", op: "eq", value: "at_risk" }] });
    expect(q.get("name")).toBe("離反リスク");
    const p = new URLSearchParams(segmentBuilderUrl({ preset: "dormant_one_time", params: { after_days: 180 } }).split("?")[1]);
    expect(p.get("preset")).toBe("dormant_one_time");
    expect(base64UrlDecode(p.get("params")!)).toEqual({ after_days: 180 });
  });
});
