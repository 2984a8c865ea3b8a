import { configure, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";

import { mockGraphQL, renderApp, TEST_CHANNELS } from "../../test/render";
import { segmentLink } from "./RfmScreen";

configure({ asyncUtilTimeout: 8000 });
vi.setConfig({ testTimeout: 30000 });
afterEach(() => vi.unstubAllGlobals());

const RFM = {
  crmRfmGroups: [
    { group: "champions", customers: 300 },
    { group: "lost", customers: 1200 },
    { group: "at_risk", customers: 0 },
  ],
  crmRfmMovements: [
    {
      computedAt: "2026-12-07T03:00:00Z",
      moves: [
        { fromGroup: "loyal", toGroup: "champions", customers: 24 },
        { fromGroup: null, toGroup: "new", customers: 61 },
      ],
    },
  ],
};

describe("RFM screen", () => {
  it("shows the map with group sizes and shares, and the movements, in Japanese", async () => {
    mockGraphQL({ CrmChannels: TEST_CHANNELS, CrmRfm: RFM });
    renderApp("/rfm", { locale: "ja" });
    const cell = await screen.findByTestId("rfm-cell-lost");
    expect(cell.textContent).toContain("離反");
    expect(cell.textContent).toContain("1,200");
    expect(cell.textContent).toContain("80%");
    const moves = screen.getByTestId("rfm-moves");
    expect(within(moves).getByText("ロイヤル顧客 → 優良顧客")).toBeTruthy();
    expect(within(moves).getByText("（初回スコア） → 新規顧客")).toBeTruthy();
  });

  it("thresholds are checked before they are sent; then sent as four numbers per dimension", async () => {
    const calls = mockGraphQL({
      CrmChannels: TEST_CHANNELS,
      CrmRfm: RFM,
      CrmRfmSettingsUpdate: { crmRfmSettingsUpdate: { settings: { method: "THRESHOLDS", recencyDays: [], frequency: [], monetary: [] }, errors: [] } },
    });
    renderApp("/rfm");
    await screen.findByTestId("rfm-map");
    // switch the method to fixed thresholds (macaw's select is a downshift combobox)
    const method = screen.getByText("Method").closest('[role="combobox"]') as HTMLElement;
    fireEvent.click(method);
    fireEvent.click(await screen.findByRole("option", { name: "Fixed thresholds" }));
    fireEvent.click(screen.getByTestId("rfm-save"));
    expect(await screen.findByText("Enter four boundaries")).toBeTruthy();
    expect(calls.some((c) => c.operation === "CrmRfmSettingsUpdate")).toBe(false);
    const monetary = screen.getAllByLabelText(/Monetary: net spend/);
    ["50", "150", "400", "1000"].forEach((v, i) => fireEvent.change(monetary[i], { target: { value: v } }));
    fireEvent.click(screen.getByTestId("rfm-save"));
    await waitFor(() => expect(calls.some((c) => c.operation === "CrmRfmSettingsUpdate")).toBe(true));
    expect(calls.find((c) => c.operation === "CrmRfmSettingsUpdate")!.variables).toEqual({
      channel: "default-channel",
      input: {
        method: "THRESHOLDS",
        recencyDays: ["30", "90", "180", "365"],
        frequency: ["2", "3", "5", "10"],
        monetary: ["50", "150", "400", "1000"],
      },
    });
  });

  it("a group links to the segment builder with that group as the rule (h4's prefill format)", () => {
    const url = new URL(segmentLink("champions", "default-channel", "Champions"), "http://x");
    expect(url.pathname).toBe("/segments/new");
    const b64 = url.searchParams.get("rule")!.replace(/-/g, "+").replace(/_/g, "/");
    expect(JSON.parse(atob(b64))).toEqual({ and: [{ field: "rfm_group", op: "eq", value: "champions" }] });
    expect(url.searchParams.get("channel")).toBe("default-channel");
  });
});
