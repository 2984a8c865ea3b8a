import { configure, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";

import { mockGraphQL, renderApp, TEST_CHANNELS } from "../../test/render";
import { formValues, segmentLink } from "./RfmScreen";

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

  it("shows that the settings were never saved (quantiles, the default)", async () => {
    mockGraphQL({
      CrmChannels: TEST_CHANNELS,
      CrmRfm: { ...RFM, crmRfmSettings: { method: "QUANTILES", recencyDays: [], frequency: [], monetary: [], updatedAt: null } },
    });
    renderApp("/rfm", { locale: "ja" });
    const current = await screen.findByTestId("rfm-current-settings");
    expect(current.textContent).toContain("現在の方式：分位数（自動）");
    expect(current.textContent).toContain("未変更：既定の分位数方式が適用されています。");
    // the form offers no boundaries for quantiles
    expect(screen.queryAllByLabelText(/M：購入金額/)).toHaveLength(0);
  });

  it("reads the saved thresholds back into the summary and the form; saving sends them, notifies and reloads", async () => {
    let saved = {
      method: "THRESHOLDS",
      recencyDays: [15, 25, 35, 45],
      frequency: [2, 3, 4, 5],
      monetary: ["1500.5", 2500, 3500, 4500],
      updatedAt: "2026-12-01T10:00:00Z",
    };
    const calls = mockGraphQL({
      CrmChannels: TEST_CHANNELS,
      CrmRfm: () => ({ ...RFM, crmRfmSettings: saved }),
      CrmRfmSettingsUpdate: (vars: Record<string, unknown>) => {
        const input = vars.input as { recencyDays: string[] };
        saved = { ...saved, recencyDays: input.recencyDays.map(Number), updatedAt: "2026-12-07T06:00:00Z" };
        return { crmRfmSettingsUpdate: { settings: saved, errors: [] } };
      },
    });
    renderApp("/rfm");
    const current = await screen.findByTestId("rfm-current-settings");
    expect(current.textContent).toContain("Current method: Fixed thresholds");
    expect(current.textContent).toContain("15 / 25 / 35 / 45");
    expect(current.textContent).toContain("Last saved");
    const recency = screen.getAllByLabelText(/Recency: days since/) as HTMLInputElement[];
    expect(recency.map((i) => i.value)).toEqual(["15", "25", "35", "45"]);
    const monetary = screen.getAllByLabelText(/Monetary: net spend/) as HTMLInputElement[];
    expect(monetary.map((i) => i.value)).toEqual(["1500.5", "2500", "3500", "4500"]);
    fireEvent.change(recency[3], { target: { value: "60" } });
    fireEvent.click(screen.getByTestId("rfm-save"));
    expect(await screen.findByText("Scoring saved; it applies from the next recompute")).toBeTruthy();
    expect(calls.find((c) => c.operation === "CrmRfmSettingsUpdate")!.variables).toEqual({
      channel: "default-channel",
      input: {
        method: "THRESHOLDS",
        recencyDays: ["15", "25", "35", "60"],
        frequency: ["2", "3", "4", "5"],
        monetary: ["1500.5", "2500", "3500", "4500"],
      },
    });
    // the screen reads the settings again and shows what was saved
    await waitFor(() => expect(screen.getByTestId("rfm-current-settings").textContent).toContain("15 / 25 / 35 / 60"));
    expect(calls.filter((c) => c.operation === "CrmRfm").length).toBeGreaterThanOrEqual(2);
  });

  it("a rising-order mistake in the saved form is refused before sending", async () => {
    const calls = mockGraphQL({
      CrmChannels: TEST_CHANNELS,
      CrmRfm: {
        ...RFM,
        crmRfmSettings: { method: "THRESHOLDS", recencyDays: [15, 25, 35, 45], frequency: [2, 3, 4, 5], monetary: [1, 2, 3, 4], updatedAt: "2026-12-01T10:00:00Z" },
      },
    });
    renderApp("/rfm", { locale: "ja" });
    await screen.findByTestId("rfm-current-settings");
    const frequency = screen.getAllByLabelText(/F：支払い済み注文数/);
    fireEvent.change(frequency[1], { target: { value: "1" } });
    fireEvent.click(screen.getByTestId("rfm-save"));
    expect(await screen.findByText("各境界値は前の値より大きくしてください")).toBeTruthy();
    expect(calls.some((c) => c.operation === "CrmRfmSettingsUpdate")).toBe(false);
  });

  it("formValues: saved boundaries for thresholds, suggestions otherwise", () => {
    expect(formValues(null).recencyDays).toEqual(["30", "90", "180", "365"]);
    expect(
      formValues({ method: "THRESHOLDS", recencyDays: ["7.000", 14, 30, 60], frequency: [1, 2, 3, 4], monetary: [10, 20, 30, 40], updatedAt: null })
        .recencyDays,
    ).toEqual(["7", "14", "30", "60"]);
    expect(formValues({ method: "QUANTILES", recencyDays: [], frequency: [], monetary: [], updatedAt: null }).monetary).toEqual(["", "", "", ""]);
  });

  it("a group links to the segment builder with that group as the rule (h4's prefill format)", () => {
    const url = new URL(segmentLink("champions", "default-channel", "Champions"), "http://x");
    expect(url.pathname).toBe("/segments/new");
    const b64 = url.searchParams.get("rule")!.replace(/-/g, "+").replace(/_/g, "/");
    expect(JSON.parse(atob(b64))).toEqual({ and: [{ field: "rfm_group", op: "eq", value: "champions" }] });
    expect(url.searchParams.get("channel")).toBe("default-channel");
  });
});
