import { describe, expect, it } from "vitest";

import { GROUPS, netChange, placement, REGIONS, validateThresholds } from "./grid";

/** The API's table (saleor_crm_plugin/domain/rfm.py GROUPS), first match wins. */
const API_GROUPS: [string, [number, number], [number, number], [number, number]][] = [
  ["champions", [4, 5], [4, 5], [1, 5]],
  ["new", [4, 5], [1, 1], [1, 5]],
  ["potential_loyalists", [4, 5], [2, 3], [1, 5]],
  ["loyal", [3, 3], [3, 5], [1, 5]],
  ["needs_attention", [3, 3], [2, 2], [1, 5]],
  ["promising", [3, 3], [1, 1], [1, 5]],
  ["cant_lose", [1, 2], [4, 5], [4, 5]],
  ["at_risk", [1, 2], [3, 5], [1, 5]],
  ["hibernating", [2, 2], [1, 2], [1, 5]],
  ["lost", [1, 1], [1, 2], [1, 5]],
];

function apiGroup(r: number, f: number, m: number): string {
  return API_GROUPS.find(
    ([, [r0, r1], [f0, f1], [m0, m1]]) => r0 <= r && r <= r1 && f0 <= f && f <= f1 && m0 <= m && m <= m1,
  )![0];
}

describe("RFM map", () => {
  it("covers each of the 25 R×F cells exactly once, with the API's group (top monetary)", () => {
    for (let r = 1; r <= 5; r += 1)
      for (let f = 1; f <= 5; f += 1) {
        const hits = REGIONS.filter((g) => g.r[0] <= r && r <= g.r[1] && g.f[0] <= f && f <= g.f[1]);
        expect(hits.length).toBe(1);
        expect(hits[0].group).toBe(apiGroup(r, f, 5));
      }
    expect([...GROUPS].sort()).toEqual(API_GROUPS.map(([g]) => g).sort());
  });

  it("places F 5 on the top row and R 5 on the right", () => {
    expect(placement(REGIONS[0])).toEqual({ gridColumn: "4 / 6", gridRow: "1 / 3" });
    expect(placement(REGIONS.find((g) => g.group === "lost")!)).toEqual({ gridColumn: "1 / 2", gridRow: "4 / 6" });
  });

  it("net change: entered minus left, newcomers counted once", () => {
    const net = netChange([
      { fromGroup: "loyal", toGroup: "champions", customers: 5 },
      { fromGroup: null, toGroup: "new", customers: 7 },
      { fromGroup: "champions", toGroup: "at_risk", customers: 2 },
    ]);
    expect(Object.fromEntries(net)).toEqual({ champions: 3, loyal: -5, new: 7, at_risk: 2 });
  });

  it("thresholds: four rising numbers of 0 or more per dimension", () => {
    expect(
      validateThresholds({
        recencyDays: ["30", "90", "180", "365"],
        frequency: ["2", "2", "5", "10"],
        monetary: ["50", "", "400", "1000"],
      }),
    ).toEqual([
      { field: "frequency", key: "validation.rising" },
      { field: "monetary", key: "validation.fourBoundaries" },
    ]);
  });
});
