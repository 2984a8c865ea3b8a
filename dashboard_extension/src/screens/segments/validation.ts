/**
 * What the builder checks before asking the API for a count or saving: the same
 * rules as the API's validator (`domain/segments.py`), so a merchant sees a
 * translated message next to the input instead of a refused request. The API still
 * validates everything; its errors are pointed at nodes by `nodeAtPath`.
 */
import { Catalogue, fieldSpec, opShape } from "./catalogue";
import { EditorNode, GroupNode, measure } from "./ruleTree";

export interface Problem {
  nodeId: string;
  /** which input: `value`, `value2`, `values`, `key`, `ids`, `notIds`, `minTimes`,
   * `withinDays`, `top`, `field`, `op`, `group`, `rule` */
  part: string;
  /** message key in the `segments` namespace, under `validation.` */
  message: string;
  values?: Record<string, string | number>;
}

const INT = /^[-+]?\d+$/;
const DECIMAL = /^[-+]?(\d+(\.\d*)?|\.\d+)$/;
const ISO =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;
const COUNTRY = /^[A-Za-z]{2}$/;

export function validateState(state: GroupNode, catalogue: Catalogue): Problem[] {
  const problems: Problem[] = [];
  const { limits } = catalogue;
  const size = measure(state);
  if (size.nodes > limits.maxNodes) {
    problems.push({ nodeId: state.id, part: "rule", message: "tooMany", values: { max: limits.maxNodes } });
  }
  if (size.depth > limits.maxDepth) {
    problems.push({ nodeId: state.id, part: "rule", message: "tooDeep", values: { max: limits.maxDepth } });
  }
  if (state.children.length === 0) {
    problems.push({ nodeId: state.id, part: "group", message: "noConditions" });
  }
  visit(state, true, catalogue, problems);
  return problems;
}

function visit(node: EditorNode, root: boolean, catalogue: Catalogue, out: Problem[]) {
  const { limits } = catalogue;
  const add = (part: string, message: string, values?: Problem["values"]) =>
    out.push({ nodeId: node.id, part, message, values });
  const count = (part: string, s: string, min: number, max: number, message = "between") => {
    const t = s.trim();
    if (t === "") return add(part, "required");
    if (!INT.test(t)) return add(part, DECIMAL.test(t) ? "wholeNumber" : "number");
    const n = Number(t);
    if (n < min || n > max) add(part, message, { min, max });
  };
  const optionalDays = (part: string, s: string, min: number, max: number) => {
    if (s.trim() !== "") count(part, s, min, max, "days");
  };
  const items = (part: string, ids: number[]) => {
    if (ids.length === 0) add(part, "items");
    else if (ids.length > limits.maxList) add(part, "listTooLong", { max: limits.maxList });
  };
  switch (node.kind) {
    case "and":
    case "or":
      if (!root && node.children.length === 0) add("group", "groupEmpty");
      node.children.forEach((c) => visit(c, false, catalogue, out));
      return;
    case "not":
      visit(node.child, false, catalogue, out);
      return;
    case "bought":
      items("ids", node.ids);
      if (node.minTimes.trim() !== "") count("minTimes", node.minTimes, 1, limits.maxMinTimes);
      optionalDays("withinDays", node.withinDays, 0, limits.maxDays);
      return;
    case "due":
      items("ids", node.ids);
      count("withinDays", node.withinDays, 1, limits.maxWithinDays, "days");
      return;
    case "bought_not":
      items("ids", node.ids);
      optionalDays("withinDays", node.withinDays, 0, limits.maxDays);
      if (node.mode === "not") items("notIds", node.notIds);
      else {
        count("top", node.top, 1, limits.maxTop);
        if (!catalogue.relations.includes(node.relation)) add("relation", "choice");
      }
      return;
    case "ordered": {
      const moment = (part: string, s: string): boolean => {
        const t = s.trim();
        if (t === "") add(part, "required");
        else if (!ISO.test(t) || Number.isNaN(Date.parse(t))) add(part, "date");
        else return true;
        return false;
      };
      const a = moment("from", node.from);
      const b = moment("to", node.to);
      // the window is [from, to): it must not be empty
      if (a && b && Date.parse(node.from) >= Date.parse(node.to)) add("to", "windowOrder");
      return;
    }
    case "field": {
      const spec = fieldSpec(catalogue, node.field);
      if (!spec) return add("field", "unknownField");
      if (!spec.operators.includes(node.op)) return add("op", "unknownOp");
      if (spec.type === "metadata") {
        const key = node.key.trim();
        if (key === "") add("key", "key");
        else if (node.key.length > limits.maxKey) add("key", "keyTooLong", { max: limits.maxKey });
      }
      const shape = opShape(spec, node.op);
      if (shape === "none") return;
      if (shape === "days") return count("value", node.value, 0, limits.maxDays, "days");
      if (spec.type === "metadata") {
        if (node.value === "") add("value", "required");
        return;
      }
      const one = (part: string, s: string): boolean => {
        const t = s.trim();
        if (t === "") {
          add(part, "required");
          return false;
        }
        switch (spec.type) {
          case "int":
            if (!INT.test(t)) {
              add(part, DECIMAL.test(t) ? "wholeNumber" : "number");
              return false;
            }
            return true;
          case "decimal":
            if (!DECIMAL.test(t)) {
              add(part, "number");
              return false;
            }
            return true;
          case "datetime":
            if (!ISO.test(t) || Number.isNaN(Date.parse(t))) {
              add(part, "date");
              return false;
            }
            return true;
          case "text":
            if (spec.country && !COUNTRY.test(t)) {
              add(part, "country");
              return false;
            }
            if (spec.choices.length && !spec.choices.includes(t)) {
              add(part, "choice");
              return false;
            }
            return true;
        }
        return true;
      };
      if (shape === "list") {
        if (node.values.length === 0) return add("values", "listEmpty");
        if (node.values.length > limits.maxList) return add("values", "listTooLong", { max: limits.maxList });
        node.values.forEach((v) => one("values", v));
        return;
      }
      if (shape === "range") {
        const a = one("value", node.value);
        const b = one("value2", node.value2);
        if (a && b) {
          const lo = spec.type === "datetime" ? Date.parse(node.value) : Number(node.value);
          const hi = spec.type === "datetime" ? Date.parse(node.value2) : Number(node.value2);
          if (lo > hi) add("value2", "rangeOrder");
        }
        return;
      }
      one("value", node.value);
      return;
    }
  }
}

/** Problems by node id, for the inputs to show theirs. */
export function problemsByNode(problems: Problem[]): Map<string, Problem[]> {
  const map = new Map<string, Problem[]>();
  for (const p of problems) {
    const list = map.get(p.nodeId) ?? [];
    list.push(p);
    map.set(p.nodeId, list);
  }
  return map;
}
