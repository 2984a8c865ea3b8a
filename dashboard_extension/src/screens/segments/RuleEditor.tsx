/**
 * The visual editor of a rule tree: AND / OR groups, NOT, field conditions for
 * every field of the catalogue with its operators, and purchase conditions with
 * item pickers on Saleor's catalogue.
 */
import { Box, Button, Dropdown, Input, List, Multiselect, Select, Switch, Text } from "@saleor/macaw-ui";
import { Ban, Plus, Trash2, Undo2 } from "lucide-react";
import { KeyboardEvent, ReactNode, useMemo, useState } from "react";
import { Catalogue, FieldSpec, ItemKind, fieldSpec, opShape } from "./catalogue";
import { useT } from "../../i18n";
import { datePart, isoOfDay } from "./dates";
import { ItemPicker } from "./ItemPicker";
import {
  BoughtNode,
  BoughtNotNode,
  DueNode,
  EditorNode,
  FieldNode,
  OrderedNode,
  GroupNode,
  addChild,
  changeField,
  changeOp,
  editState,
  newCondition,
  newField,
  newGroup,
  removeNode,
  toggleNot,
} from "./ruleTree";
import type { PickerOptions } from "./pickers";
import { Problem } from "./validation";

export interface RuleEditorProps {
  state: GroupNode;
  onChange: (state: GroupNode) => void;
  catalogue: Catalogue;
  /** problems by node id (client validation and the API's rule errors) */
  problems: Map<string, Problem[]>;
  /** values of the catalogue's pickers (channels, tiers, countries, currency) */
  options: PickerOptions;
  /** show problems only once the merchant tried to count or save */
  showProblems: boolean;
  disabled?: boolean;
}

interface Ctx extends RuleEditorProps {
  edit: (id: string, fn: (n: EditorNode) => EditorNode | null) => void;
}

export function RuleEditor(props: RuleEditorProps) {
  const ctx: Ctx = {
    ...props,
    edit: (id, fn) => props.onChange(editState(props.state, id, fn)),
  };
  return (
    <Box data-testid="rule-editor">
      <GroupEditor node={props.state} root ctx={ctx} />
    </Box>
  );
}

function problemText(t: (k: string, v?: Record<string, string | number>) => string, p: Problem): string {
  return t(`validation.${p.message}`, p.values);
}

function useProblems(ctx: Ctx, id: string) {
  const t = useT("segments");
  const list = ctx.showProblems ? ctx.problems.get(id) ?? [] : [];
  return (part: string): string | undefined => {
    const p = list.find((x) => x.part === part || x.part.startsWith(`${part}.`));
    return p ? problemText(t, p) : undefined;
  };
}

// --- groups -------------------------------------------------------------------------

function GroupEditor({ node, root, ctx }: { node: GroupNode; root?: boolean; ctx: Ctx }) {
  const t = useT("segments");
  const problem = useProblems(ctx, node.id);
  const first = ctx.catalogue.fields[0];
  const groupProblem = problem("group");
  return (
    <Box
      display="flex"
      flexDirection="column"
      gap={3}
      padding={root ? 0 : 3}
      borderStyle="solid"
      borderWidth={root ? 0 : 1}
      borderColor={groupProblem ? "critical1" : "default1"}
      borderRadius={3}
      backgroundColor={root ? undefined : "default2"}
      data-testid={`group-${node.kind}`}
    >
      <Box display="flex" alignItems="center" gap={3} flexWrap="wrap">
        <Switch
          value={node.kind}
          onValueChange={(v) =>
            v && ctx.edit(node.id, (n) => (n.kind === "and" || n.kind === "or" ? { ...n, kind: v as "and" | "or" } : n))
          }
          __width="fit-content"
        >
          <Switch.Item id={`${node.id}-and`} value="and" disabled={ctx.disabled}>
            <Text size={2} paddingX={2}>{t("group.and")}</Text>
          </Switch.Item>
          <Switch.Item id={`${node.id}-or`} value="or" disabled={ctx.disabled}>
            <Text size={2} paddingX={2}>{t("group.or")}</Text>
          </Switch.Item>
        </Switch>
        <Text size={2} color="default2">
          {t(node.kind === "and" ? "group.andHint" : "group.orHint")}
        </Text>
        {!root && (
          <Box marginLeft="auto" display="flex" gap={1}>
            <NodeActions id={node.id} ctx={ctx} />
          </Box>
        )}
      </Box>
      {node.children.length === 0 && (
        <Text size={2} color={groupProblem ? "critical1" : "default2"}>
          {groupProblem ?? t("group.empty")}
        </Text>
      )}
      {node.children.map((child, i) => (
        <Box key={child.id} display="flex" flexDirection="column" gap={2}>
          {i > 0 && (
            <Text size={1} fontWeight="medium" color="default2" textTransform="uppercase">
              {t(node.kind === "and" ? "group.joinAnd" : "group.joinOr")}
            </Text>
          )}
          <NodeEditor node={child} ctx={ctx} />
        </Box>
      ))}
      {!ctx.disabled && (
        <Box display="flex" gap={2} flexWrap="wrap">
          <Button
            variant="secondary"
            size="small"
            icon={<Plus size={16} />}
            onClick={() => first && ctx.onChange(addChild(ctx.state, node.id, newField(first)))}
          >
            {t("group.addCondition")}
          </Button>
          <AddPurchase ctx={ctx} groupId={node.id} />
          <Button
            variant="tertiary"
            size="small"
            icon={<Plus size={16} />}
            onClick={() =>
              first &&
              ctx.onChange(
                addChild(ctx.state, node.id, newGroup(node.kind === "and" ? "or" : "and", [newField(first)])),
              )
            }
          >
            {t("group.addGroup")}
          </Button>
        </Box>
      )}
    </Box>
  );
}

const CONDITION_HINTS = {
  bought: "boughtHint",
  due: "dueHint",
  bought_not: "boughtNotHint",
  ordered: "orderedHint",
} as const;

function AddPurchase({ ctx, groupId }: { ctx: Ctx; groupId: string }) {
  const t = useT("segments");
  const [open, setOpen] = useState(false);
  return (
    <Dropdown open={open} onOpenChange={setOpen}>
      <Dropdown.Trigger>
        <Button variant="secondary" size="small" icon={<Plus size={16} />}>
          {t("group.addPurchase")}
        </Button>
      </Dropdown.Trigger>
      <Dropdown.Content align="start">
        <List padding={1} borderRadius={3} boxShadow="defaultOverlay" backgroundColor="default1">
          {ctx.catalogue.conditions.map((c) => (
            <Dropdown.Item key={c.name}>
              <List.Item
                paddingX={2}
                paddingY={2}
                borderRadius={3}
                display="flex"
                flexDirection="column"
                alignItems="flex-start"
                onClick={() => {
                  ctx.onChange(addChild(ctx.state, groupId, newCondition(c.name, c.itemKinds[0])));
                  setOpen(false);
                }}
              >
                <Text size={3} fontWeight="medium">{t(`purchase.${c.name}`)}</Text>
                <Text size={2} color="default2">
                  {t(`purchase.${CONDITION_HINTS[c.name]}`)}
                </Text>
              </List.Item>
            </Dropdown.Item>
          ))}
        </List>
      </Dropdown.Content>
    </Dropdown>
  );
}

function NodeActions({ id, ctx, negated }: { id: string; ctx: Ctx; negated?: boolean }) {
  const t = useT("segments");
  if (ctx.disabled) return null;
  return (
    <>
      <Button
        variant="tertiary"
        size="small"
        icon={negated ? <Undo2 size={16} /> : <Ban size={16} />}
        title={t(negated ? "group.unnegate" : "group.negate")}
        aria-label={t(negated ? "group.unnegate" : "group.negate")}
        onClick={() => ctx.onChange(toggleNot(ctx.state, id))}
      />
      <Button
        variant="tertiary"
        size="small"
        icon={<Trash2 size={16} />}
        title={t("group.remove")}
        aria-label={t("group.remove")}
        onClick={() => ctx.onChange(removeNode(ctx.state, id))}
      />
    </>
  );
}

function NodeEditor({ node, ctx }: { node: EditorNode; ctx: Ctx }) {
  const t = useT("segments");
  switch (node.kind) {
    case "and":
    case "or":
      return <GroupEditor node={node} ctx={ctx} />;
    case "not":
      return (
        <Box
          display="flex"
          flexDirection="column"
          gap={2}
          padding={3}
          borderRadius={3}
          borderStyle="solid"
          borderWidth={1}
          borderColor="critical1"
          data-testid="not"
        >
          <Box display="flex" alignItems="center" gap={2}>
            <Text size={2} fontWeight="bold" color="critical1" textTransform="uppercase">
              {t("group.not")}
            </Text>
            <Text size={2} color="default2">{t("group.notHint")}</Text>
            <Box marginLeft="auto" display="flex" gap={1}>
              <NodeActions id={node.id} ctx={ctx} negated />
            </Box>
          </Box>
          <NodeEditor node={node.child} ctx={ctx} />
        </Box>
      );
    case "field":
      return <FieldConditionEditor node={node} ctx={ctx} />;
    case "ordered":
      return <OrderedEditor node={node} ctx={ctx} />;
    default:
      return <PurchaseEditor node={node} ctx={ctx} />;
  }
}

// --- field conditions -------------------------------------------------------------

const GROUP_ORDER = ["orders", "dates", "customer", "rfm", "loyalty", "other"];

function Row({ children, actions }: { children: ReactNode; actions: ReactNode }) {
  return (
    <Box
      display="flex"
      gap={2}
      alignItems="flex-start"
      padding={2}
      borderRadius={3}
      borderStyle="solid"
      borderWidth={1}
      borderColor="default1"
      backgroundColor="default1"
    >
      <Box display="flex" gap={2} flexWrap="wrap" alignItems="flex-start" __flex="1 1 auto">
        {children}
      </Box>
      <Box display="flex" gap={1} flexShrink="0">
        {actions}
      </Box>
    </Box>
  );
}

function fieldLabel(t: (k: string) => string, spec: FieldSpec): string {
  const text = t(spec.labelKey);
  return text === spec.labelKey ? spec.name : text;
}

function FieldConditionEditor({ node, ctx }: { node: FieldNode; ctx: Ctx }) {
  const t = useT("segments");
  const problem = useProblems(ctx, node.id);
  const spec = fieldSpec(ctx.catalogue, node.field);
  const fieldOptions = useMemo(
    () =>
      [...ctx.catalogue.fields]
        .sort((a, b) => GROUP_ORDER.indexOf(a.group) - GROUP_ORDER.indexOf(b.group))
        .map((f) => ({ value: f.name, label: `${fieldLabel(t, f)}` })),
    [ctx.catalogue, t],
  );
  const opOptions = (spec?.operators ?? []).map((op) => ({ value: op, label: t(`operator.${op}`) }));
  const set = (patch: Partial<FieldNode>) => ctx.edit(node.id, (n) => ({ ...(n as FieldNode), ...patch }));
  return (
    <Row actions={<NodeActions id={node.id} ctx={ctx} />}>
      <Select
        __width="220px"
        size="small"
        aria-label={t("value.field")}
        options={fieldOptions}
        value={node.field}
        disabled={ctx.disabled}
        error={Boolean(problem("field"))}
        helperText={problem("field")}
        onChange={(name: string) => {
          const to = fieldSpec(ctx.catalogue, name);
          if (to) ctx.edit(node.id, (n) => changeField(n as FieldNode, spec, to));
        }}
        data-testid="field-select"
      />
      {spec?.type === "metadata" && (
        <Input
          __width="160px"
          size="small"
          label={t("value.key")}
          placeholder={t("value.keyPlaceholder")}
          value={node.key}
          disabled={ctx.disabled}
          error={Boolean(problem("key"))}
          helperText={problem("key")}
          onChange={(e) => set({ key: e.target.value })}
        />
      )}
      <Select
        __width="190px"
        size="small"
        aria-label={t("value.operator")}
        options={opOptions}
        value={node.op}
        disabled={ctx.disabled || !spec}
        error={Boolean(problem("op"))}
        helperText={problem("op")}
        onChange={(op: string) => ctx.edit(node.id, (n) => changeOp(n as FieldNode, op, spec))}
        data-testid="op-select"
      />
      {spec && <ValueEditor node={node} spec={spec} ctx={ctx} set={set} problem={problem} />}
    </Row>
  );
}

function ValueEditor({
  node,
  spec,
  ctx,
  set,
  problem,
}: {
  node: FieldNode;
  spec: FieldSpec;
  ctx: Ctx;
  set: (patch: Partial<FieldNode>) => void;
  problem: (part: string) => string | undefined;
}) {
  const t = useT("segments");
  const shape = opShape(spec, node.op);
  if (shape === "none") return null;
  if (shape === "days") {
    return (
      <Box display="flex" gap={2} alignItems="flex-start">
        <Input
          __width="110px"
          size="small"
          inputMode="numeric"
          aria-label={t("value.days")}
          value={node.value}
          disabled={ctx.disabled}
          error={Boolean(problem("value"))}
          helperText={problem("value")}
          onChange={(e) => set({ value: e.target.value })}
          data-testid="value-input"
        />
        <Text size={2} color="default2" paddingTop={2} whiteSpace="nowrap">
          {t("value.days")}
        </Text>
      </Box>
    );
  }
  const choiceLabel = (v: string) => {
    const key = `choice.${spec.name}.${v}`;
    const text = t(key);
    return text === key ? v : text;
  };
  const picked =
    spec.picker === "channel" || spec.picker === "tier" || spec.picker === "country" ? ctx.options[spec.picker] : [];
  const options: { value: string; label: string }[] = spec.choices.length
    ? spec.choices.map((v) => ({ value: v, label: choiceLabel(v) }))
    : picked;
  // a value the list does not (or no longer) hold stays visible
  const withCurrent = (values: string[]) => [
    ...options,
    ...values.filter((v) => v && !options.some((o) => o.value === v)).map((v) => ({ value: v, label: v })),
  ];
  if (shape === "list") {
    if (options.length) {
      const all = withCurrent(node.values);
      return (
        <Multiselect
          __minWidth="260px"
          size="small"
          aria-label={t("value.placeholder")}
          options={all}
          value={all.filter((o) => node.values.includes(o.value))}
          disabled={ctx.disabled}
          error={Boolean(problem("values"))}
          helperText={problem("values")}
          onChange={(items: { value: string }[]) => set({ values: items.map((i) => i.value) })}
        />
      );
    }
    return (
      <ValuesInput
        values={node.values}
        onChange={(values) => set({ values })}
        disabled={ctx.disabled}
        error={problem("values")}
        placeholder={spec.country ? t("value.countryPlaceholder") : t("value.valuesPlaceholder")}
      />
    );
  }
  const single = (part: "value" | "value2", end = false) => {
    const value = node[part];
    const error = problem(part);
    if (spec.type === "datetime") {
      return (
        <Input
          __width="170px"
          size="small"
          type="date"
          aria-label={t(part === "value2" ? "value.to" : "value.from")}
          value={datePart(value)}
          disabled={ctx.disabled}
          error={Boolean(error)}
          helperText={error}
          onChange={(e) => set({ [part]: isoOfDay(e.target.value, end) })}
          data-testid={`${part}-input`}
        />
      );
    }
    if (options.length) {
      return (
        <Select
          __width="220px"
          size="small"
          aria-label={t("value.placeholder")}
          options={withCurrent([value])}
          value={value || null}
          disabled={ctx.disabled}
          error={Boolean(error)}
          helperText={error}
          onChange={(v: string) => set({ [part]: v })}
          data-testid={`${part}-select`}
        />
      );
    }
    const placeholder =
      spec.country ? t("value.countryPlaceholder")
      : spec.name === "email_domain" ? t("value.domainPlaceholder")
      : spec.name === "tier" ? t("value.tierPlaceholder")
      : t("value.placeholder");
    return (
      <Input
        __width={spec.type === "text" ? "200px" : "130px"}
        size="small"
        inputMode={spec.type === "int" ? "numeric" : spec.type === "decimal" ? "decimal" : undefined}
        placeholder={placeholder}
        aria-label={t(part === "value2" ? "value.to" : "value.placeholder")}
        value={value}
        disabled={ctx.disabled}
        error={Boolean(error)}
        helperText={error}
        endAdornment={
          spec.picker === "money" && ctx.options.currency ? (
            <Text size={2} color="default2">
              {ctx.options.currency}
            </Text>
          ) : undefined
        }
        onChange={(e) => set({ [part]: e.target.value })}
        data-testid={`${part}-input`}
      />
    );
  };
  if (shape === "range") {
    return (
      <Box display="flex" gap={2} alignItems="flex-start">
        {single("value")}
        <Text size={2} color="default2" paddingTop={2}>{t("value.and")}</Text>
        {single("value2", true)}
      </Box>
    );
  }
  return single("value");
}

/** Free values as chips: type, Enter (or comma) adds. */
function ValuesInput({
  values,
  onChange,
  disabled,
  error,
  placeholder,
}: {
  values: string[];
  onChange: (values: string[]) => void;
  disabled?: boolean;
  error?: string;
  placeholder: string;
}) {
  const t = useT("segments");
  const [draft, setDraft] = useState("");
  const add = () => {
    const parts = draft
      .split(/[,\n]/)
      .map((s) => s.trim())
      .filter(Boolean)
      .filter((s) => !values.includes(s));
    if (parts.length) onChange([...values, ...parts]);
    setDraft("");
  };
  const onKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === "Enter" || e.key === ",") {
      e.preventDefault();
      add();
    } else if (e.key === "Backspace" && draft === "" && values.length) {
      onChange(values.slice(0, -1));
    }
  };
  return (
    <Box display="flex" flexDirection="column" gap={1} __minWidth="240px">
      <Box display="flex" gap={1} flexWrap="wrap" alignItems="center">
        {values.map((v) => (
          <Box
            key={v}
            display="flex"
            alignItems="center"
            gap={1}
            paddingLeft={2}
            borderRadius={3}
            backgroundColor="default2"
            borderStyle="solid"
            borderWidth={1}
            borderColor="default1"
          >
            <Text size={2}>{v}</Text>
            {!disabled && (
              <Button
                variant="tertiary"
                size="small"
                aria-label={t("value.removeValue", { value: v })}
                onClick={() => onChange(values.filter((x) => x !== v))}
              >
                ×
              </Button>
            )}
          </Box>
        ))}
        <Input
          __width="160px"
          size="small"
          value={draft}
          placeholder={placeholder}
          disabled={disabled}
          error={Boolean(error)}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={onKey}
          onBlur={add}
          data-testid="values-input"
        />
      </Box>
      {error && (
        <Text size={1} color="critical1">
          {error}
        </Text>
      )}
    </Box>
  );
}

// --- purchase conditions ----------------------------------------------------------

/** `ordered`: placed an order from a day until before another (the browser's time zone for
 * a picked day; a pre-filled value keeps its own offset, as written). */
function OrderedEditor({ node, ctx }: { node: OrderedNode; ctx: Ctx }) {
  const t = useT("segments");
  const problem = useProblems(ctx, node.id);
  const set = (patch: Partial<OrderedNode>) => ctx.edit(node.id, (n) => ({ ...n, ...patch }) as EditorNode);
  const day = (part: "from" | "to", label: string) => (
    <Input
      __width="190px"
      size="small"
      type="date"
      label={label}
      value={datePart(node[part])}
      disabled={ctx.disabled}
      error={Boolean(problem(part))}
      helperText={problem(part)}
      onChange={(e) => set({ [part]: isoOfDay(e.target.value) })}
      data-testid={`ordered-${part}`}
    />
  );
  return (
    <Row actions={<NodeActions id={node.id} ctx={ctx} />}>
      <Box display="flex" flexDirection="column" gap={2} __flex="1 1 auto" data-testid="ordered">
        <Text size={3} fontWeight="medium">{t("purchase.ordered")}</Text>
        <Box display="flex" gap={2} flexWrap="wrap" alignItems="flex-start">
          {day("from", t("purchase.orderedFrom"))}
          {day("to", t("purchase.orderedTo"))}
        </Box>
      </Box>
    </Row>
  );
}

function PurchaseEditor({ node, ctx }: { node: BoughtNode | DueNode | BoughtNotNode; ctx: Ctx }) {
  const t = useT("segments");
  const problem = useProblems(ctx, node.id);
  const spec = ctx.catalogue.conditions.find((c) => c.name === node.kind);
  const kinds = spec?.itemKinds ?? ["products"];
  const set = (patch: Record<string, unknown>) => ctx.edit(node.id, (n) => ({ ...n, ...patch }) as EditorNode);
  const kindSelect = (
    <Select
      __width="170px"
      size="small"
      aria-label={t("purchase.products")}
      options={kinds.map((k) => ({ value: k, label: t(`purchase.${k}`) }))}
      value={node.itemKind}
      disabled={ctx.disabled}
      onChange={(k: string) =>
        set(node.kind === "bought_not" ? { itemKind: k as ItemKind, ids: [], notIds: [] } : { itemKind: k as ItemKind, ids: [] })
      }
    />
  );
  const days = (key: "withinDays", label: string) => (
    <Input
      __width="200px"
      size="small"
      inputMode="numeric"
      label={label}
      value={node[key]}
      disabled={ctx.disabled}
      error={Boolean(problem(key))}
      helperText={problem(key)}
      onChange={(e) => set({ [key]: e.target.value })}
    />
  );
  return (
    <Row actions={<NodeActions id={node.id} ctx={ctx} />}>
      <Box display="flex" flexDirection="column" gap={2} __flex="1 1 auto">
        <Box display="flex" gap={2} alignItems="center" flexWrap="wrap">
          <Text size={3} fontWeight="medium">{t(`purchase.${node.kind}`)}</Text>
          {kindSelect}
        </Box>
        <ItemPicker
          kind={node.itemKind}
          ids={node.ids}
          onChange={(ids) => set({ ids })}
          disabled={ctx.disabled}
          error={problem("ids") ?? problem(node.itemKind)}
        />
        <Box display="flex" gap={2} flexWrap="wrap" alignItems="flex-start">
          {node.kind === "bought" && (
            <>
              <Input
                __width="160px"
                size="small"
                inputMode="numeric"
                label={t("purchase.minTimes")}
                value={node.minTimes}
                disabled={ctx.disabled}
                error={Boolean(problem("minTimes") ?? problem("min_times"))}
                helperText={problem("minTimes") ?? problem("min_times")}
                onChange={(e) => set({ minTimes: e.target.value })}
              />
              {days("withinDays", t("purchase.withinDaysOptional"))}
            </>
          )}
          {node.kind === "due" && days("withinDays", t("purchase.dueWithin"))}
          {node.kind === "bought_not" && days("withinDays", t("purchase.withinDaysOptional"))}
        </Box>
        {node.kind === "bought_not" && (
          <Box display="flex" flexDirection="column" gap={2}>
            <Switch
              value={node.mode}
              onValueChange={(v) => v && set({ mode: v })}
              __width="fit-content"
            >
              <Switch.Item id={`${node.id}-not`} value="not" disabled={ctx.disabled}>
                <Text size={2} paddingX={2}>{t("purchase.notMode")}</Text>
              </Switch.Item>
              <Switch.Item id={`${node.id}-top`} value="top" disabled={ctx.disabled}>
                <Text size={2} paddingX={2}>{t("purchase.topMode")}</Text>
              </Switch.Item>
            </Switch>
            {node.mode === "not" ? (
              <ItemPicker
                kind={node.itemKind}
                ids={node.notIds}
                onChange={(notIds) => set({ notIds })}
                disabled={ctx.disabled}
                error={problem("notIds") ?? problem("not")}
              />
            ) : (
              <Box display="flex" gap={2} alignItems="flex-start">
                <Input
                  __width="120px"
                  size="small"
                  inputMode="numeric"
                  label={t("purchase.top")}
                  value={node.top}
                  disabled={ctx.disabled}
                  error={Boolean(problem("top"))}
                  helperText={problem("top")}
                  onChange={(e) => set({ top: e.target.value })}
                />
                <Select
                  __width="200px"
                  size="small"
                  label={t("purchase.relation")}
                  options={ctx.catalogue.relations.map((r) => ({ value: r, label: t(`purchase.relation_${r}`) }))}
                  value={node.relation}
                  disabled={ctx.disabled}
                  error={Boolean(problem("relation"))}
                  helperText={problem("relation")}
                  onChange={(r: string) => set({ relation: r })}
                />
              </Box>
            )}
          </Box>
        )}
      </Box>
    </Row>
  );
}
