import { describe, expect, it } from "vitest";
import { Catalogue, FALLBACK_CATALOGUE, FieldSpec, fromApi } from "./catalogue";
import {
  GroupNode,
  addChild,
  changeField,
  changeOp,
  newCondition,
  newField,
  nodeAtPath,
  removeNode,
  ruleFromState,
  stateFromRule,
  toggleNot,
  withoutIds,
} from "./ruleTree";
import { validateState } from "./validation";
import apiFields from "./__fixtures__/crmSegmentFields.json";

const catalogues: [string, Catalogue][] = [
  ["API fixture", fromApi(apiFields.data.crmSegmentFields, apiFields.data.crmSegmentConditions)],
  ["fallback", FALLBACK_CATALOGUE],
];

/** A valid value of a field for an operator, in the API's canonical (stored) form. */
function sample(spec: FieldSpec, op: string): Record<string, unknown> {
  const leaf: Record<string, unknown> = { field: spec.name, op };
  if (spec.type === "metadata") leaf.key = "vip";
  if (["is_set", "is_not_set", "exists", "not_exists"].includes(op)) {
    leaf.value = null;
    return leaf;
  }
  if (op === "more_than_days_ago" || op === "less_than_days_ago") {
    leaf.value = 30;
    return leaf;
  }
  const one = (i: number): unknown => {
    switch (spec.type) {
      case "int":
        return [2, 5][i];
      case "decimal":
        return ["100.50", "2500"][i];
      case "datetime":
        return ["2026-01-01T00:00:00+09:00", "2026-03-31T23:59:59+09:00"][i];
      case "metadata":
        return "yes";
      case "text":
        if (spec.choices.length) return spec.choices[Math.min(i, spec.choices.length - 1)];
        if (spec.country) return ["JP", "US"][i];
        return ["example.com", "example.jp"][i];
    }
  };
  if (op === "between") leaf.value = [one(0), one(1)];
  else if (op === "in" || op === "not_in") leaf.value = [one(0), one(1)];
  else leaf.value = one(0);
  return leaf;
}

describe.each(catalogues)("every field and operator (%s)", (_name, catalogue) => {
  const cases = catalogue.fields.flatMap((f) => f.operators.map((op) => [f.name, op, f] as const));

  it("covers the whole catalogue", () => {
    expect(cases.length).toBeGreaterThan(80);
    expect(new Set(cases.map((c) => c[0]))).toEqual(new Set(catalogue.fields.map((f) => f.name)));
  });

  it.each(cases)("%s %s: rule -> editor -> rule is the same rule", (_f, op, spec) => {
    const rule = { and: [sample(spec, op)] };
    const state = stateFromRule(rule, catalogue);
    expect(ruleFromState(state, catalogue)).toEqual(rule);
    expect(validateState(state, catalogue)).toEqual([]);
  });

  it.each(cases)("%s %s: editor -> rule -> editor is the same state", (_f, op, spec) => {
    const state = stateFromRule({ and: [sample(spec, op)] }, catalogue);
    const again = stateFromRule(ruleFromState(state, catalogue), catalogue);
    expect(withoutIds(again)).toEqual(withoutIds(state));
  });

  it.each(cases)("%s %s under NOT, inside OR", (_f, op, spec) => {
    const rule = { or: [{ not: sample(spec, op) }, { and: [{ not: { or: [sample(spec, op)] } }] }] };
    expect(ruleFromState(stateFromRule(rule, catalogue), catalogue)).toEqual(rule);
  });
});

describe("the validator's list and the API's catalogue agree", () => {
  const api = fromApi(apiFields.data.crmSegmentFields, apiFields.data.crmSegmentConditions);
  const shape = (c: Catalogue) =>
    c.fields.map((f) => [f.name, f.type, f.operators, f.shapes, f.choices, f.country, f.picker, f.channelScoped, f.group]);
  it("fields, operators and value shapes", () => {
    expect(shape(api)).toEqual(shape(FALLBACK_CATALOGUE));
  });
  it("purchase conditions, relations and limits", () => {
    expect(api.conditions).toEqual(FALLBACK_CATALOGUE.conditions);
    expect(api.relations).toEqual(FALLBACK_CATALOGUE.relations);
    expect(api.limits).toEqual(FALLBACK_CATALOGUE.limits);
  });
  it("leaves out what it cannot edit (an unknown value type or operator shape)", () => {
    const extra = {
      ...apiFields.data.crmSegmentFields[0],
      name: "future",
      operators: [{ name: "near", labelKey: "segments.operator.near", value: "POLYGON" }],
    };
    const odd = { ...apiFields.data.crmSegmentFields[0], name: "odd", valueType: "GEO" };
    const c = fromApi([...apiFields.data.crmSegmentFields, extra, odd], apiFields.data.crmSegmentConditions);
    expect(c.fields.find((f) => f.name === "future")?.operators).toEqual([]);
    expect(c.fields.find((f) => f.name === "odd")).toBeUndefined();
  });
});

describe("purchase conditions", () => {
  const catalogue = FALLBACK_CATALOGUE;
  const rules = [
    { bought: { products: [12, 13], min_times: 2, within_days: 365 } },
    { bought: { categories: [4], min_times: 1, within_days: null } },
    { bought: { collections: [7], min_times: 3, within_days: 0 } },
    { due: { products: [12], within_days: 30 } },
    { due: { categories: [4, 5], within_days: 3650 } },
    { bought_not: { products: [1], within_days: null, not: [2, 3] } },
    { bought_not: { categories: [1], within_days: 90, top: 5, relation: "after" } },
    { bought_not: { products: [1], within_days: null, top: 1, relation: "together" } },
    { ordered: { from: "2026-03-01T00:00:00+09:00", to: "2026-04-01T00:00:00+09:00" } },
    { ordered: { from: "2026-03-01T00:00:00.5Z", to: "2026-03-31T23:59:59.999999-07:00" } },
  ];
  it.each(rules)("%j round trips", (leaf) => {
    const rule = { and: [leaf] };
    const state = stateFromRule(rule);
    expect(ruleFromState(state, catalogue)).toEqual(rule);
    expect(validateState(state, catalogue)).toEqual([]);
    expect(withoutIds(stateFromRule(ruleFromState(state, catalogue)))).toEqual(withoutIds(state));
  });

  it("a bought condition without min_times gets the API's default 1", () => {
    const state = stateFromRule({ bought: { products: [1] } });
    expect(ruleFromState(state, catalogue)).toEqual({
      and: [{ bought: { products: [1], min_times: 1, within_days: null } }],
    });
  });

  it("an ordered condition starts empty and asks for both days", () => {
    const node = newCondition("ordered");
    expect(node).toMatchObject({ kind: "ordered", from: "", to: "" });
    const state: GroupNode = { id: "r", kind: "and", children: [node] };
    expect(validateState(state, catalogue).map((p) => [p.part, p.message])).toEqual([
      ["from", "required"],
      ["to", "required"],
    ]);
    if (node.kind === "ordered") {
      node.from = "2026-01-01T00:00:00+09:00";
      node.to = "2026-02-01T00:00:00+09:00";
    }
    expect(validateState(state, catalogue)).toEqual([]);
    expect(ruleFromState(state, catalogue)).toEqual({
      and: [{ ordered: { from: "2026-01-01T00:00:00+09:00", to: "2026-02-01T00:00:00+09:00" } }],
    });
  });

  it("every condition of the catalogue has a new-node factory that round trips", () => {
    for (const c of catalogue.conditions) {
      for (const kind of c.itemKinds) {
        const node = newCondition(c.name, kind);
        if ("ids" in node) node.ids = [5];
        if (node.kind === "bought_not") node.notIds = [6];
        const state: GroupNode = { id: "r", kind: "and", children: [node] };
        const rule = ruleFromState(state, catalogue);
        expect(validateState(state, catalogue)).toEqual([]);
        expect(ruleFromState(stateFromRule(rule), catalogue)).toEqual(rule);
      }
    }
  });
});

describe("canonical forms", () => {
  const catalogue = FALLBACK_CATALOGUE;
  it("a rule whose root is a condition is shown in an AND group", () => {
    const leaf = { field: "orders_count", op: "gte", value: 2 };
    expect(ruleFromState(stateFromRule(leaf), catalogue)).toEqual({ and: [leaf] });
  });
  it("decimals given as numbers travel as exact text", () => {
    const state = stateFromRule({ and: [{ field: "total_spent", op: "gte", value: 1000 }] });
    expect(ruleFromState(state, catalogue)).toEqual({
      and: [{ field: "total_spent", op: "gte", value: "1000" }],
    });
  });
  it("country codes are upper-cased", () => {
    const state = stateFromRule({ and: [{ field: "country", op: "in", value: ["jp", "Us"] }] });
    expect(ruleFromState(state, catalogue)).toEqual({
      and: [{ field: "country", op: "in", value: ["JP", "US"] }],
    });
  });
  it("a preset's stored rule (as the API stores it) round trips", () => {
    const stored = {
      and: [
        { field: "paid_orders_count", op: "gte", value: 2 },
        { field: "last_paid_at", op: "more_than_days_ago", value: 90 },
        { field: "last_paid_at", op: "less_than_days_ago", value: 180 },
        { field: "total_spent", op: "gte", value: "1000" },
        { field: "last_paid_at", op: "before", value: "2026-01-01T00:00:00+00:00" },
      ],
    };
    expect(ruleFromState(stateFromRule(stored), catalogue)).toEqual(stored);
  });
});

describe("editing", () => {
  const catalogue = FALLBACK_CATALOGUE;
  const spec = (name: string) => catalogue.fields.find((f) => f.name === name)!;

  it("adds, negates, un-negates and removes conditions", () => {
    let state = stateFromRule(null);
    const a = newField(spec("paid_orders_count"));
    a.op = "gte";
    a.value = "2";
    state = addChild(state, state.id, a);
    const group = { id: "g1", kind: "or" as const, children: [] };
    state = addChild(state, state.id, group);
    const b = newField(spec("customer_type"));
    b.value = "guest";
    state = addChild(state, "g1", b);
    state = toggleNot(state, "g1");
    expect(ruleFromState(state, catalogue)).toEqual({
      and: [
        { field: "paid_orders_count", op: "gte", value: 2 },
        { not: { or: [{ field: "customer_type", op: "eq", value: "guest" }] } },
      ],
    });
    state = toggleNot(state, state.children[1].id);
    expect(ruleFromState(state, catalogue)).toEqual({
      and: [
        { field: "paid_orders_count", op: "gte", value: 2 },
        { or: [{ field: "customer_type", op: "eq", value: "guest" }] },
      ],
    });
    state = removeNode(state, b.id);
    state = removeNode(state, a.id);
    expect(ruleFromState(state, catalogue)).toEqual({ and: [{ or: [] }] });
    expect(validateState(state, catalogue).map((p) => p.message)).toEqual(["groupEmpty"]);
  });

  it("removing the only child of a NOT removes the NOT", () => {
    let state = stateFromRule({ and: [{ not: { field: "orders_count", op: "eq", value: 1 } }] });
    const not = state.children[0];
    if (not.kind !== "not") throw new Error("expected not");
    state = removeNode(state, not.child.id);
    expect(state.children).toEqual([]);
  });

  it("keeps the operator and value when the new field has the same type", () => {
    const node = { ...newField(spec("orders_count")), op: "between", value: "1", value2: "3" };
    const next = changeField(node, spec("orders_count"), spec("paid_orders_count"));
    expect([next.op, next.value, next.value2]).toEqual(["between", "1", "3"]);
    const other = changeField(node, spec("orders_count"), spec("last_order_at"));
    expect([other.op, other.value]).toEqual(["between", ""]);
    const text = changeField(node, spec("orders_count"), spec("customer_type"));
    expect([text.op, text.value]).toEqual(["eq", ""]);
  });

  it("moves a single value into a list and back", () => {
    const node = { ...newField(spec("email_domain")), value: "example.com" };
    const list = changeOp(node, "in");
    expect(list.values).toEqual(["example.com"]);
    const back = changeOp({ ...list, value: "" }, "eq");
    expect(back.value).toEqual("example.com");
  });

  it("a date-time does not become a number of days", () => {
    const node = { ...newField(spec("last_order_at")), op: "before", value: "2026-01-01T00:00:00+09:00" };
    expect(changeOp(node, "more_than_days_ago").value).toEqual("");
    expect(changeOp(node, "after").value).toEqual("2026-01-01T00:00:00+09:00");
  });
});

describe("server error paths point at nodes", () => {
  const state = stateFromRule({
    and: [
      { field: "orders_count", op: "eq", value: 1 },
      { not: { or: [{ field: "country", op: "eq", value: "J" }] } },
      { bought: { products: [0], min_times: 1, within_days: null } },
      { not: { field: "points", op: "between", value: [1, 2] } },
    ],
  });
  const at = (path: string) => {
    const hit = nodeAtPath(state, path);
    return hit && [hit.node.kind === "field" ? hit.node.field : hit.node.kind, hit.part];
  };
  it.each([
    ["and.0.value", ["orders_count", "value"]],
    ["and.1.not.or.0.value", ["country", "value"]],
    ["and.2.bought.products.0", ["bought", "products.0"]],
    ["and.3.not.value.1", ["points", "value.1"]],
    ["and", ["and", ""]],
    ["", ["and", ""]],
  ])("%s", (path, expected) => {
    expect(at(path)).toEqual(expected);
  });
});
