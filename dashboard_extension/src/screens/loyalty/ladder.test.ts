import { describe, expect, it } from "vitest";

import { type ApiTier, fromTiers, newRow, planSave, toLadderInput, toPreviewTiers, validateLadder } from "./ladder";

const saved: ApiTier[] = [
  {
    id: "T2",
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
    collectionIds: ["Q29sbGVjdGlvbjox"],
    freeShipping: false,
    pointsMultiplier: 2,
  },
  {
    id: "T1",
    name: "Silver",
    customerNameJa: "",
    customerNameEn: "",
    rank: 1,
    metric: "SPEND",
    threshold: 300,
    discountType: "NONE",
    discountValue: 0,
    minSpend: null,
    categoryIds: [],
    collectionIds: [],
    freeShipping: true,
    pointsMultiplier: 1.5,
  },
];

describe("tier ladder", () => {
  it("rows follow the ranks; a saved ladder round-trips to the same inputs", () => {
    const rows = fromTiers(saved);
    expect(rows.map((r) => r.name)).toEqual(["Silver", "Gold"]);
    expect(rows[0].benefit).toBe("FREE_SHIPPING");
    expect(toLadderInput(rows)).toEqual([
      {
        name: "Silver",
        customerNameJa: "",
        customerNameEn: "",
        rank: 1,
        metric: "SPEND",
        threshold: "300",
        discountType: "NONE",
        discountValue: "0",
        minSpend: null,
        categories: [],
        collections: [],
        freeShipping: true,
        pointsMultiplier: "1.5",
      },
      {
        name: "Gold",
        customerNameJa: "ゴールド会員",
        customerNameEn: "Gold member",
        rank: 2,
        metric: "SPEND",
        threshold: "1000",
        discountType: "PERCENTAGE",
        discountValue: "10",
        minSpend: null,
        categories: [],
        collections: ["Q29sbGVjdGlvbjox"],
        freeShipping: false,
        pointsMultiplier: "2",
      },
    ]);
    expect(planSave(saved, rows)).toEqual([]);
  });

  it("checks names, thresholds rising with rank, benefits", () => {
    const rows = fromTiers(saved);
    const top = { ...newRow(rows[1]), name: "gold", threshold: "800", discountValue: "120" };
    expect(validateLadder([...rows, top], "USD")).toEqual([
      { field: "tiers.2.name", key: "validation.uniqueName" },
      { field: "tiers.2.threshold", key: "validation.thresholdOrder" },
      { field: "tiers.2.discountValue", key: "validation.percent" },
    ]);
    const orders = { ...rows[0], metric: "PAID_ORDERS" as const, threshold: "2.5" };
    expect(validateLadder([orders], "USD")).toEqual([
      { field: "tiers.0.threshold", key: "validation.wholeNumber" },
    ]);
    expect(validateLadder([{ ...rows[0], threshold: "300.5" }], "JPY")).toEqual([
      { field: "tiers.0.threshold", key: "validation.currencyPlaces", values: { places: 0 } },
    ]);
  });

  it("plans deletes first, rising thresholds top-down, new tiers above the ladder", () => {
    const rows = fromTiers(saved);
    rows[0] = { ...rows[0], threshold: "500" }; // Silver 300 → 500
    rows[1] = { ...rows[1], threshold: "1500" }; // Gold 1000 → 1500
    const platinum = { ...newRow(rows[1]), name: "Platinum", threshold: "5000", discountValue: "15" };
    const steps = planSave(saved, [...rows, platinum]);
    expect(steps.map((s) => [s.op, "id" in s ? s.id : s.input.name, "input" in s ? s.input.rank : null])).toEqual([
      ["update", "T2", 2],
      ["update", "T1", 1],
      ["create", "Platinum", 3],
    ]);
  });

  it("falling thresholds go bottom-up; a removed tier is deleted first", () => {
    const rows = fromTiers(saved).map((r) => ({ ...r, threshold: String(Number(r.threshold) / 2) }));
    expect(planSave(saved, rows).map((s) => (s.op === "delete" ? s.op : `${s.op}:${s.input.name}`))).toEqual([
      "update:Silver",
      "update:Gold",
    ]);
    expect(planSave(saved, [fromTiers(saved)[1]])).toEqual([{ op: "delete", id: "T1", name: "Silver" }]);
  });

  it("customer-facing names: saved with the tier, checked (128), left out of the preview", () => {
    const rows = fromTiers(saved);
    expect(rows[1]).toMatchObject({ customerNameJa: "ゴールド会員", customerNameEn: "Gold member" });
    const renamed = rows.map((r, i) => (i === 0 ? { ...r, customerNameJa: " シルバー会員 ", customerNameEn: "Silver member" } : r));
    // the preview's ladder is the same: a name changes no figure
    expect(toPreviewTiers(renamed)).toEqual(toPreviewTiers(rows));
    expect(toPreviewTiers(rows)[0]).not.toHaveProperty("customerNameJa");
    // but saving updates that tier with the trimmed names
    const steps = planSave(saved, renamed);
    expect(steps).toHaveLength(1);
    expect(steps[0]).toMatchObject({ op: "update", id: "T1", input: { name: "Silver", customerNameJa: "シルバー会員", customerNameEn: "Silver member" } });
    expect(validateLadder([{ ...rows[0], customerNameEn: "x".repeat(129) }], "USD")).toEqual([
      { field: "tiers.0.customerNameEn", key: "validation.maxLength", values: { max: 128 } },
    ]);
    // a tier from an API without the names reads as empty names
    const { customerNameJa: _ja, customerNameEn: _en, ...old } = saved[0];
    expect(fromTiers([old as ApiTier])[0]).toMatchObject({ customerNameJa: "", customerNameEn: "" });
  });
});
