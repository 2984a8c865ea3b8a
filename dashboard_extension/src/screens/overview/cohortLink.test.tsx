/**
 * A cohort retention cell opens the segment builder with that cell's customers: first order in
 * month M and (k ≥ 1) an order in month M + k, months in the channel's time zone. The builder
 * shows the `ordered` condition and counts exactly the rule it was given.
 */
import { configure, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";

import { OVERVIEW_DATA } from "../../test/fixtures/overview";
import { TEST_CHANNELS, mockGraphQL, renderApp } from "../../test/render";
import apiFields from "../segments/__fixtures__/crmSegmentFields.json";
import { addMonths, base64UrlDecode, cohortCellRule, segmentBuilderUrl, zonedMidnight } from "./segmentLink";

configure({ asyncUtilTimeout: 8000 });
vi.setConfig({ testTimeout: 30000 });

describe("cohort cell rules", () => {
  it("midnight in the channel's time zone, with that day's offset", () => {
    expect(zonedMidnight("2026-03-01", "Asia/Tokyo")).toBe("2026-03-01T00:00:00+09:00");
    expect(zonedMidnight("2026-03-01", "UTC")).toBe("2026-03-01T00:00:00+00:00");
    // Los Angeles: standard time in March's first week, daylight time from March 8
    expect(zonedMidnight("2026-03-01", "America/Los_Angeles")).toBe("2026-03-01T00:00:00-08:00");
    expect(zonedMidnight("2026-04-01", "America/Los_Angeles")).toBe("2026-04-01T00:00:00-07:00");
    expect(zonedMidnight("2026-11-01", "America/Los_Angeles")).toBe("2026-11-01T00:00:00-07:00");
    expect(zonedMidnight("2026-12-01", "America/Los_Angeles")).toBe("2026-12-01T00:00:00-08:00");
    expect(zonedMidnight("2026-01-01", "Asia/Kolkata")).toBe("2026-01-01T00:00:00+05:30");
    // the last microsecond before a midnight: the previous day, on its own offset
    expect(zonedMidnight("2026-04-01", "Asia/Tokyo", true)).toBe("2026-03-31T23:59:59.999999+09:00");
    expect(zonedMidnight("2026-03-01", "Asia/Tokyo", true)).toBe("2026-02-28T23:59:59.999999+09:00");
    expect(zonedMidnight("2026-04-01", "America/Los_Angeles", true)).toBe("2026-03-31T23:59:59.999999-07:00");
    expect(zonedMidnight("2026-11-02", "America/Los_Angeles", true)).toBe("2026-11-01T23:59:59.999999-08:00");
    // the same instants as the zone's own midnight
    expect(Date.parse(zonedMidnight("2026-03-09", "America/Los_Angeles"))).toBe(Date.UTC(2026, 2, 9, 7));
  });

  it("adds months across years", () => {
    expect(addMonths("2026-11-01", 0)).toBe("2026-11-01");
    expect(addMonths("2026-11-01", 2)).toBe("2027-01-01");
    expect(addMonths("2025-12-01", 13)).toBe("2027-01-01");
  });

  it("month 0 is the cohort; month k adds an order in month M + k", () => {
    expect(cohortCellRule("2026-01-01", 0, "Asia/Tokyo")).toEqual({
      and: [{ field: "first_order_at", op: "between", value: ["2026-01-01T00:00:00+09:00", "2026-01-31T23:59:59.999999+09:00"] }],
    });
    expect(cohortCellRule("2025-11-01", 3, "America/Los_Angeles")).toEqual({
      and: [
        { field: "first_order_at", op: "between", value: ["2025-11-01T00:00:00-07:00", "2025-11-30T23:59:59.999999-08:00"] },
        { ordered: { from: "2026-02-01T00:00:00-08:00", to: "2026-03-01T00:00:00-08:00" } },
      ],
    });
  });
});

describe("cohort heat map", () => {
  it("a cell opens the segment builder with its customers (the channel's time zone)", async () => {
    mockGraphQL({ CrmChannels: TEST_CHANNELS, CrmOverview: OVERVIEW_DATA });
    renderApp("/overview");
    const heatmap = await screen.findByTestId("cohort-heatmap");
    const cell = within(heatmap).getByTestId("cohort-cell-2026-01-01-2");
    expect(cell.getAttribute("aria-label")).toMatch(/^Jan(uary)? 2026, month 2: .* ordered — open these customers as a segment$/);
    // a month still to come has no button
    expect(within(heatmap).queryByTestId("cohort-cell-2026-12-01-1")).toBeNull();
    fireEvent.click(cell);
    await waitFor(() => expect(screen.getByTestId("location").textContent).toMatch(/^\/segments\/new\?/));
    const q = new URLSearchParams(screen.getByTestId("location").textContent!.split("?")[1]);
    expect(base64UrlDecode(q.get("rule")!)).toEqual({
      and: [
        { field: "first_order_at", op: "between", value: ["2026-01-01T00:00:00+09:00", "2026-01-31T23:59:59.999999+09:00"] },
        { ordered: { from: "2026-03-01T00:00:00+09:00", to: "2026-04-01T00:00:00+09:00" } },
      ],
    });
    expect(q.get("channel")).toBe("default-channel");
    expect(q.get("name")).toMatch(/^Cohort Jan(uary)? 2026, month 2$/);
  });

  it("the builder shows the ordered condition and counts exactly that rule", async () => {
    const rule = cohortCellRule("2026-01-01", 2, "Asia/Tokyo");
    const calls = mockGraphQL({
      CrmChannels: TEST_CHANNELS,
      CrmSegmentPresets: { crmSegmentPresets: [] },
      CrmSegmentCatalogue: apiFields.data,
      CrmSegmentPreview: { crmSegmentPreview: { result: { count: 37, total: 1000, share: 0.037 }, errors: [] } },
    });
    renderApp(segmentBuilderUrl({ rule, channel: "default-channel", name: "Cohort" }), { locale: "ja" });
    const ordered = await screen.findByTestId("ordered");
    expect(ordered.textContent).toContain("期間内に注文");
    expect((within(ordered).getByTestId("ordered-from") as HTMLInputElement).value).toBe("2026-03-01");
    expect((within(ordered).getByTestId("ordered-to") as HTMLInputElement).value).toBe("2026-04-01");
    expect((await screen.findByTestId("live-count")).textContent).toContain("37");
    const preview = calls.find((c) => c.operation === "CrmSegmentPreview")!;
    expect(preview.variables).toMatchObject({ rule, channel: "default-channel" });
  });
});
