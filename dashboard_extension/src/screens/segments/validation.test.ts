import { describe, expect, it } from "vitest";
import { FALLBACK_CATALOGUE } from "./catalogue";
import { stateFromRule } from "./ruleTree";
import { validateState } from "./validation";
import { decodeBase64Url, encodeBase64Url, parsePrefill, segmentBuilderUrl } from "./prefill";

const catalogue = FALLBACK_CATALOGUE;
const messages = (rule: unknown) =>
  validateState(stateFromRule(rule), catalogue).map((p) => [p.part, p.message, p.values ?? null]);

describe("validation messages", () => {
  it.each([
    [{ field: "orders_count", op: "gte", value: "" }, [["value", "required", null]]],
    [{ field: "orders_count", op: "gte", value: "1.5" }, [["value", "wholeNumber", null]]],
    [{ field: "orders_count", op: "gte", value: "abc" }, [["value", "number", null]]],
    [{ field: "total_spent", op: "gte", value: "12,5" }, [["value", "number", null]]],
    [{ field: "total_spent", op: "between", value: ["500", "100"] }, [["value2", "rangeOrder", null]]],
    [
      { field: "last_order_at", op: "between", value: ["2026-02-01T00:00:00+09:00", "2026-01-01T00:00:00+09:00"] },
      [["value2", "rangeOrder", null]],
    ],
    [{ field: "last_order_at", op: "before", value: "2026-01-01" }, [["value", "date", null]]],
    [{ field: "last_order_at", op: "before", value: "2026-01-01T00:00:00" }, [["value", "date", null]]],
    [
      { field: "last_order_at", op: "more_than_days_ago", value: 40000 },
      [["value", "days", { min: 0, max: 36500 }]],
    ],
    [{ field: "country", op: "eq", value: "JPN" }, [["value", "country", null]]],
    [{ field: "customer_type", op: "eq", value: "member" }, [["value", "choice", null]]],
    [{ field: "email_domain", op: "in", value: [] }, [["values", "listEmpty", null]]],
    [{ field: "metadata", op: "eq", key: " ", value: "x" }, [["key", "key", null]]],
    [{ field: "metadata", op: "eq", key: "k".repeat(257), value: "x" }, [["key", "keyTooLong", { max: 256 }]]],
    [{ field: "metadata", op: "eq", key: "vip", value: "" }, [["value", "required", null]]],
    [{ field: "nope", op: "eq", value: "1" }, [["field", "unknownField", null]]],
    [{ field: "orders_count", op: "in", value: [1] }, [["op", "unknownOp", null]]],
    [{ bought: { products: [], min_times: 1 } }, [["ids", "items", null]]],
    [{ bought: { products: [1], min_times: 0 } }, [["minTimes", "between", { min: 1, max: 1000 }]]],
    [{ due: { products: [1], within_days: 0 } }, [["withinDays", "days", { min: 1, max: 3650 }]]],
    [{ due: { products: [1] } }, [["withinDays", "required", null]]],
    [{ bought_not: { products: [1], not: [] } }, [["notIds", "items", null]]],
    [{ ordered: { from: "", to: "2026-02-01T00:00:00+09:00" } }, [["from", "required", null]]],
    [{ ordered: { from: "2026-01-01", to: "2026-02-01T00:00:00+09:00" } }, [["from", "date", null]]],
    [
      { ordered: { from: "2026-02-01T00:00:00+09:00", to: "2026-02-01T00:00:00+09:00" } },
      [["to", "windowOrder", null]],
    ],
    [{ bought_not: { products: [1], top: 101 } }, [["top", "between", { min: 1, max: 100 }]]],
    [{ bought_not: { products: [1], top: 3, relation: "before" } }, [["relation", "choice", null]]],
  ])("%j", (leaf, expected) => {
    expect(messages({ and: [leaf] })).toEqual(expected);
  });

  it("an empty rule asks for a condition; an empty inner group asks to fill or remove it", () => {
    expect(messages({ and: [] })).toEqual([["group", "noConditions", null]]);
    expect(messages({ and: [{ or: [] }] })).toEqual([["group", "groupEmpty", null]]);
  });

  it("refuses what the API refuses as too complex", () => {
    const leaf = { field: "orders_count", op: "eq", value: 1 };
    expect(messages({ and: Array(60).fill(leaf) })).toEqual([["rule", "tooMany", { max: 60 }]]);
    let deep: unknown = leaf;
    for (let i = 0; i < 6; i++) deep = { and: [deep] };
    expect(messages(deep)).toEqual([["rule", "tooDeep", { max: 6 }]]);
    // the limits themselves are fine: 59 leaves + the group, 6 levels
    expect(messages({ and: Array(59).fill(leaf) })).toEqual([]);
    let ok: unknown = leaf;
    for (let i = 0; i < 5; i++) ok = { and: [ok] };
    expect(messages(ok)).toEqual([]);
  });
});

describe("prefill links", () => {
  it("round trip a rule with non-ASCII text through base64url", () => {
    const rule = { and: [{ field: "tier", op: "eq", value: "ゴールド" }] };
    const encoded = encodeBase64Url(rule);
    expect(encoded).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeBase64Url(encoded)).toEqual(rule);
    const url = segmentBuilderUrl({ rule, channel: "default-channel", name: "Gold" });
    const { prefill, error } = parsePrefill(url.split("?")[1]);
    expect(error).toBe(false);
    expect(prefill).toEqual({ rule, channel: "default-channel", name: "Gold" });
  });
  it("reads a preset with thresholds", () => {
    const url = segmentBuilderUrl({ preset: "at_risk", params: { min_orders: 3 }, kind: "STATIC" });
    expect(parsePrefill(url.split("?")[1])).toEqual({
      prefill: { preset: "at_risk", params: { min_orders: 3 }, kind: "STATIC" },
      error: false,
    });
  });
  it("says when a link is broken", () => {
    expect(parsePrefill("rule=%%%").error).toBe(true);
    expect(parsePrefill("preset=x&params=WzFd").error).toBe(true); // [1]: not an object
  });
});
