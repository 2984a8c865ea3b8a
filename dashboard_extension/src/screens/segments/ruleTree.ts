/**
 * The builder's editor state and its two-way mapping to the API's rule tree.
 *
 * A rule (JSON) is `{and: [...]}`, `{or: [...]}`, `{not: {...}}`, a field condition
 * `{field, op, value}` (`metadata` also `key`) or a purchase condition
 * `{bought | due | bought_not | ordered: {...}}`. The editor state mirrors it node for node
 * (plus an `id` per node for React and for pointing errors at a node) and keeps the
 * typed text of inputs as strings, so half-typed input ("1.") survives a render.
 *
 * The editor's root is always an AND / OR group: a rule whose root is anything else
 * is shown inside an AND group of one (the same selection).
 */
import { Catalogue, FieldSpec, ItemKind, fieldSpec, opShape } from "./catalogue";

export type Rule = Record<string, unknown>;

export interface GroupNode {
  id: string;
  kind: "and" | "or";
  children: EditorNode[];
}

export interface NotNode {
  id: string;
  kind: "not";
  child: EditorNode;
}

export interface FieldNode {
  id: string;
  kind: "field";
  field: string;
  op: string;
  /** metadata key */
  key: string;
  /** a single value, or the start of a range */
  value: string;
  /** the end of a range */
  value2: string;
  /** the values of `in` / `not_in` */
  values: string[];
}

export interface BoughtNode {
  id: string;
  kind: "bought";
  itemKind: ItemKind;
  ids: number[];
  minTimes: string;
  withinDays: string;
}

export interface DueNode {
  id: string;
  kind: "due";
  itemKind: ItemKind;
  ids: number[];
  withinDays: string;
}

export interface BoughtNotNode {
  id: string;
  kind: "bought_not";
  itemKind: ItemKind;
  ids: number[];
  withinDays: string;
  /** `not`: a list of items; `top`: the top K co-purchases */
  mode: "not" | "top";
  notIds: number[];
  top: string;
  relation: string;
}

/** `{ordered: {from, to}}`: an order (not cancelled) placed from `from` until before `to`
 * (ISO date-times with their offsets, kept as written). */
export interface OrderedNode {
  id: string;
  kind: "ordered";
  from: string;
  to: string;
}

export type LeafNode = FieldNode | BoughtNode | DueNode | BoughtNotNode | OrderedNode;
export type EditorNode = GroupNode | NotNode | LeafNode;

let counter = 0;
export function newId(): string {
  counter += 1;
  return `n${counter}`;
}

// --- factories ------------------------------------------------------------------

export function newGroup(kind: "and" | "or" = "and", children: EditorNode[] = []): GroupNode {
  return { id: newId(), kind, children };
}

export function newField(spec: FieldSpec): FieldNode {
  return {
    id: newId(),
    kind: "field",
    field: spec.name,
    op: spec.operators[0] ?? "eq",
    key: "",
    value: "",
    value2: "",
    values: [],
  };
}

export function newCondition(
  name: "bought" | "due" | "bought_not" | "ordered",
  itemKind: ItemKind = "products",
): BoughtNode | DueNode | BoughtNotNode | OrderedNode {
  if (name === "ordered") {
    return { id: newId(), kind: "ordered", from: "", to: "" };
  }
  if (name === "bought") {
    return { id: newId(), kind: "bought", itemKind, ids: [], minTimes: "1", withinDays: "" };
  }
  if (name === "due") {
    return { id: newId(), kind: "due", itemKind, ids: [], withinDays: "30" };
  }
  return {
    id: newId(),
    kind: "bought_not",
    itemKind,
    ids: [],
    withinDays: "",
    mode: "not",
    notIds: [],
    top: "5",
    relation: "together",
  };
}

export function emptyState(): GroupNode {
  return newGroup("and", []);
}

// --- rule -> editor -------------------------------------------------------------

const text = (v: unknown): string => (v === null || v === undefined ? "" : String(v));

const ITEM_KINDS: ItemKind[] = ["products", "categories", "collections"];

function itemKindOf(spec: Record<string, unknown>): ItemKind {
  const kind = ITEM_KINDS.find((k) => k in spec);
  if (!kind) throw new RuleShapeError("Expected products, categories or collections.");
  return kind;
}

function idList(v: unknown): number[] {
  if (!Array.isArray(v)) return [];
  return v.map((x) => Number(x)).filter((x) => Number.isInteger(x));
}

export class RuleShapeError extends Error {}

/** The editor node of one rule node. Throws {@link RuleShapeError} on a shape the
 * editor cannot show (the API refuses it too). */
export function nodeFromRule(rule: unknown, catalogue?: Catalogue): EditorNode {
  if (!rule || typeof rule !== "object" || Array.isArray(rule)) {
    throw new RuleShapeError("A rule node is an object.");
  }
  const r = rule as Record<string, unknown>;
  if ("field" in r) {
    const op = text(r.op);
    const v = r.value;
    const shape = opShape(catalogue && fieldSpec(catalogue, text(r.field)), op);
    const node: FieldNode = {
      id: newId(),
      kind: "field",
      field: text(r.field),
      op,
      key: text(r.key),
      value: "",
      value2: "",
      values: [],
    };
    if (shape === "list") node.values = Array.isArray(v) ? v.map(text) : v == null ? [] : [text(v)];
    else if (shape === "range" && Array.isArray(v)) {
      node.value = text(v[0]);
      node.value2 = text(v[1]);
    } else if (shape !== "none") node.value = text(v);
    return node;
  }
  if ("and" in r || "or" in r) {
    const kind = "and" in r ? "and" : "or";
    const children = r[kind];
    if (!Array.isArray(children)) throw new RuleShapeError(`${kind}: expected a list.`);
    return { id: newId(), kind, children: children.map((c) => nodeFromRule(c, catalogue)) };
  }
  if ("not" in r) return { id: newId(), kind: "not", child: nodeFromRule(r.not, catalogue) };
  if ("bought" in r) {
    const s = (r.bought ?? {}) as Record<string, unknown>;
    const itemKind = itemKindOf(s);
    return {
      id: newId(),
      kind: "bought",
      itemKind,
      ids: idList(s[itemKind]),
      minTimes: s.min_times == null ? "1" : text(s.min_times),
      withinDays: text(s.within_days),
    };
  }
  if ("due" in r) {
    const s = (r.due ?? {}) as Record<string, unknown>;
    const itemKind = itemKindOf(s);
    return {
      id: newId(),
      kind: "due",
      itemKind,
      ids: idList(s[itemKind]),
      withinDays: text(s.within_days),
    };
  }
  if ("bought_not" in r) {
    const s = (r.bought_not ?? {}) as Record<string, unknown>;
    const itemKind = itemKindOf(s);
    const top = s.top != null;
    return {
      id: newId(),
      kind: "bought_not",
      itemKind,
      ids: idList(s[itemKind]),
      withinDays: text(s.within_days),
      mode: top ? "top" : "not",
      notIds: idList(s.not),
      top: top ? text(s.top) : "5",
      relation: s.relation == null ? "together" : text(s.relation),
    };
  }
  if ("ordered" in r) {
    const s = (r.ordered ?? {}) as Record<string, unknown>;
    return { id: newId(), kind: "ordered", from: text(s.from), to: text(s.to) };
  }
  throw new RuleShapeError("Unknown rule node.");
}

/** The editor state of a rule; its root is always an AND / OR group. */
export function stateFromRule(rule: unknown, catalogue?: Catalogue): GroupNode {
  if (rule == null) return emptyState();
  const node = nodeFromRule(rule, catalogue);
  if (node.kind === "and" || node.kind === "or") return node;
  return newGroup("and", [node]);
}

// --- editor -> rule -------------------------------------------------------------

/** An integer's text as a number when it is one, else the text (the validator
 * names the problem; the API would refuse it too). */
function intValue(s: string): number | string {
  const t = s.trim();
  return /^[-+]?\d+$/.test(t) ? Number(t) : t;
}

/** A decimal travels as text: exact, as the API stores it. */
function decimalValue(s: string): string {
  return s.trim();
}

function scalar(spec: FieldSpec | undefined, op: string, s: string): unknown {
  if (opShape(spec, op) === "days") return intValue(s);
  switch (spec?.type) {
    case "int":
      return intValue(s);
    case "decimal":
      return decimalValue(s);
    case "text":
      return spec.country ? s.trim().toUpperCase() : s.trim();
    default:
      return s.trim();
  }
}

function optionalDays(s: string): number | string | null {
  return s.trim() === "" ? null : intValue(s);
}

/** The rule tree of an editor node. */
export function ruleFromNode(node: EditorNode, catalogue: Catalogue): Rule {
  switch (node.kind) {
    case "and":
    case "or":
      return { [node.kind]: node.children.map((c) => ruleFromNode(c, catalogue)) };
    case "not":
      return { not: ruleFromNode(node.child, catalogue) };
    case "field": {
      const spec = fieldSpec(catalogue, node.field);
      const out: Rule = { field: node.field, op: node.op };
      if (spec?.type === "metadata") out.key = node.key;
      const shape = opShape(spec, node.op);
      if (shape === "none") out.value = null;
      else if (shape === "range") out.value = [scalar(spec, node.op, node.value), scalar(spec, node.op, node.value2)];
      else if (shape === "list") out.value = node.values.map((v) => scalar(spec, node.op, v));
      else out.value = scalar(spec, node.op, node.value);
      return out;
    }
    case "bought":
      return {
        bought: {
          [node.itemKind]: [...node.ids],
          min_times: node.minTimes.trim() === "" ? 1 : intValue(node.minTimes),
          within_days: optionalDays(node.withinDays),
        },
      };
    case "due":
      return { due: { [node.itemKind]: [...node.ids], within_days: optionalDays(node.withinDays) } };
    case "bought_not": {
      const spec: Rule = {
        [node.itemKind]: [...node.ids],
        within_days: optionalDays(node.withinDays),
      };
      if (node.mode === "not") spec.not = [...node.notIds];
      else {
        spec.top = intValue(node.top);
        spec.relation = node.relation;
      }
      return { bought_not: spec };
    }
    case "ordered":
      return { ordered: { from: node.from.trim(), to: node.to.trim() } };
  }
}

export function ruleFromState(state: GroupNode, catalogue: Catalogue): Rule {
  return ruleFromNode(state, catalogue);
}

// --- tree edits (immutable) -------------------------------------------------------

/** The node with `id` replaced by `fn(node)` (`null` removes it). */
export function updateNode(
  root: EditorNode,
  id: string,
  fn: (node: EditorNode) => EditorNode | null,
): EditorNode | null {
  if (root.id === id) return fn(root);
  switch (root.kind) {
    case "and":
    case "or": {
      let changed = false;
      const children: EditorNode[] = [];
      for (const c of root.children) {
        const next = updateNode(c, id, fn);
        if (next !== c) changed = true;
        if (next) children.push(next);
      }
      return changed ? { ...root, children } : root;
    }
    case "not": {
      const next = updateNode(root.child, id, fn);
      if (next === root.child) return root;
      // a NOT whose child was removed goes too
      return next ? { ...root, child: next } : null;
    }
    default:
      return root;
  }
}

/** Edit the root group (never removed: removing it leaves an empty group). */
export function editState(
  state: GroupNode,
  id: string,
  fn: (node: EditorNode) => EditorNode | null,
): GroupNode {
  const next = updateNode(state, id, fn);
  if (!next) return { ...state, children: [] };
  if (next.kind === "and" || next.kind === "or") return next;
  return newGroup("and", [next]);
}

export function addChild(state: GroupNode, groupId: string, child: EditorNode): GroupNode {
  return editState(state, groupId, (n) =>
    n.kind === "and" || n.kind === "or" ? { ...n, children: [...n.children, child] } : n,
  );
}

export function removeNode(state: GroupNode, id: string): GroupNode {
  return editState(state, id, () => null);
}

/** Wrap a node in NOT, or unwrap a NOT. */
export function toggleNot(state: GroupNode, id: string): GroupNode {
  return editState(state, id, (n) => (n.kind === "not" ? n.child : { id: newId(), kind: "not", child: n }));
}

export function findNode(root: EditorNode, id: string): EditorNode | undefined {
  if (root.id === id) return root;
  if (root.kind === "and" || root.kind === "or") {
    for (const c of root.children) {
      const found = findNode(c, id);
      if (found) return found;
    }
  }
  if (root.kind === "not") return findNode(root.child, id);
  return undefined;
}

/** Change a condition's field, keeping what still fits (the operator when the new
 * field has it, the typed value when the type is the same). */
export function changeField(node: FieldNode, from: FieldSpec | undefined, to: FieldSpec): FieldNode {
  const op = to.operators.includes(node.op) ? node.op : to.operators[0];
  const sameType = from?.type === to.type && from?.country === to.country;
  const keep = sameType && !(to.choices.length && from?.choices.join() !== to.choices.join());
  return {
    ...node,
    field: to.name,
    op,
    key: to.type === "metadata" ? node.key : "",
    value: keep ? node.value : "",
    value2: keep ? node.value2 : "",
    values: keep ? node.values : [],
  };
}

/** Change an operator; a single value moves into a list / range start and back. */
export function changeOp(node: FieldNode, op: string, spec?: FieldSpec): FieldNode {
  const next = { ...node, op };
  const from = opShape(spec, node.op);
  const to = opShape(spec, op);
  if (to === "list" && from !== "list" && node.value && !next.values.length) {
    next.values = [node.value];
  }
  if (to !== "list" && from === "list" && !node.value && node.values.length) {
    next.value = node.values[0];
  }
  // days and date-times are different things: a switch between them starts empty
  const wasDays = from === "days";
  const isDays = to === "days";
  if (wasDays !== isDays && (node.value || node.value2)) {
    const isDate = /^\d{4}-\d{2}-\d{2}/;
    if (isDays && isDate.test(node.value)) {
      next.value = "";
      next.value2 = "";
    }
    if (!isDays && !isDate.test(node.value)) {
      next.value = "";
      next.value2 = "";
    }
  }
  return next;
}

/** Count of nodes and depth as the API's validator counts them. */
export function measure(node: EditorNode, depth = 1): { nodes: number; depth: number } {
  if (node.kind === "and" || node.kind === "or") {
    let nodes = 1;
    let max = depth;
    for (const c of node.children) {
      const m = measure(c, depth + 1);
      nodes += m.nodes;
      max = Math.max(max, m.depth);
    }
    return { nodes, depth: max };
  }
  if (node.kind === "not") {
    const m = measure(node.child, depth + 1);
    return { nodes: m.nodes + 1, depth: m.depth };
  }
  return { nodes: 1, depth };
}

/** Strip the editor ids (tests and comparisons). */
export function withoutIds(node: EditorNode): unknown {
  return JSON.parse(JSON.stringify(node, (k, v) => (k === "id" ? undefined : v)));
}

/** The node a server error path (`and.2.not.value`) points at, and the part. */
export function nodeAtPath(
  state: GroupNode,
  path: string,
): { node: EditorNode; part: string } | undefined {
  const parts = path.split(".").filter(Boolean);
  let node: EditorNode = state;
  let i = 0;
  // the root group's own key
  if (parts[0] === state.kind) i = 1;
  else if (parts.length === 0) return { node, part: "" };
  while (i < parts.length) {
    if (node.kind === "and" || node.kind === "or") {
      if (parts[i] === node.kind) {
        i += 1;
        continue;
      }
      const index = Number(parts[i]);
      if (!Number.isInteger(index) || !node.children[index]) return { node, part: parts.slice(i).join(".") };
      node = node.children[index];
      i += 1;
      // the child's own key follows (`and.2.or.0`)
      if (node.kind === "and" || node.kind === "or" || node.kind === "not") {
        if (parts[i] === node.kind) i += 1;
      }
      continue;
    }
    if (node.kind === "not") {
      node = node.child;
      if ((node.kind === "and" || node.kind === "or" || node.kind === "not") && parts[i] === node.kind) i += 1;
      continue;
    }
    // a leaf: the rest names the part (`value.1`, `bought.products.0`)
    let rest = parts.slice(i);
    if (rest[0] === node.kind) rest = rest.slice(1);
    return { node, part: rest.join(".") };
  }
  return { node, part: "" };
}
