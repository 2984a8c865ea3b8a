/**
 * /loyalty — the loyalty program of each channel: its settings, the tier ladder
 * with each tier's benefits, and the preview of a change (who would move up or
 * down, what it would cost) that has to be seen before the change is saved.
 */
import { Box, Button, Checkbox, Input, Select, Text } from "@saleor/macaw-ui";
import { Plus, Trash2 } from "lucide-react";
import { useMemo, useState } from "react";

import { useHasPermission } from "../../auth/AuthProvider";
import { crmRequest, payloadErrors, type TypedError } from "../../api/client";
import { useErrorMessage } from "../../api/errors";
import { useCrmMutation, useCrmQuery } from "../../api/hooks";
import { useNotify } from "../../api/notify";
import { useFormat } from "../../format";
import { hasKey, useLocale, useT } from "../../i18n";
import { CataloguePicker } from "../coupons/CataloguePicker";
import { ChannelPicker, useChannel } from "../../components/channel";
import { Card, EmptyState, ErrorState, Loading, PageHeader, QueryStates, ReadOnlyBanner } from "../coupons/ui";
import { BENEFITS, fromTiers, METRICS, newRow, planSave, type TierRow, toLadderInput, toPreviewTiers, validateLadder } from "./ladder";
import { type ApiProgram, newProgramForm, PROGRAM_FIELDS, type ProgramForm, programInput, programToForm, validateProgram } from "./program";
import {
  PREVIEW_QUERY,
  PROGRAM_CREATE,
  PROGRAM_UPDATE,
  PROGRAMS_QUERY,
  TIER_CREATE,
  TIER_DELETE,
  TIER_UPDATE,
} from "./queries";

export interface Preview {
  tiers: { name: string; rank: number; customers: number; currentCustomers: number; estimatedDiscount: { amount: number; currency: string } }[];
  customersWithoutTier: number;
  /** who holds no tier today among the customers the preview counts */
  customersWithoutTierNow: number;
  estimatedDiscountTotal: { amount: number; currency: string };
  estimatedPoints: number;
  ordersConsidered: number;
  periodStart: string;
  periodEnd: string;
}

export function LoyaltyScreen() {
  const t = useT("loyalty");
  const canEdit = useHasPermission("MANAGE_DISCOUNTS");
  const { channel: current } = useChannel();
  const q = useCrmQuery<{ crmLoyaltyPrograms: ApiProgram[] }>(PROGRAMS_QUERY);
  const programs = q.data?.crmLoyaltyPrograms ?? [];
  const channel = current?.slug ?? "";
  const program = programs.find((p) => p.channel === channel) ?? null;
  const currency = program?.currency ?? current?.currencyCode ?? "USD";
  return (
    <Box>
      <PageHeader title={t("title")} actions={<ChannelPicker />} />
      <QueryStates loading={q.loading} error={q.error} hasData={Boolean(q.data)} refetch={q.refetch} permission="MANAGE_DISCOUNTS">
        {() =>
          !channel ? (
            <EmptyState title={t("noChannels")} />
          ) : (
            <ProgramEditor
              // a new editor for every saved version: new tiers get their IDs
              key={`${channel}:${program ? JSON.stringify(program) : "new"}`}
              channel={channel}
              currency={currency}
              program={program}
              canEdit={canEdit}
              onSaved={q.refetch}
            />
          )
        }
      </QueryStates>
    </Box>
  );
}

function useTypedMessage() {
  const locale = useLocale();
  const message = useErrorMessage();
  return (e: TypedError) => (locale === "en" && e.message ? e.message : message(e));
}

export function ProgramEditor({
  channel,
  currency,
  program,
  canEdit,
  onSaved,
}: {
  channel: string;
  currency: string;
  program: ApiProgram | null;
  canEdit: boolean;
  onSaved: () => void;
}) {
  const t = useT("loyalty");
  const tc = useT("coupons");
  const locale = useLocale();
  const notify = useNotify();
  const errorMessage = useErrorMessage();
  const typedMessage = useTypedMessage();
  const [creating, setCreating] = useState(false);
  const [form, setForm] = useState<ProgramForm>(() => (program ? programToForm(program) : newProgramForm()));
  const [rows, setRows] = useState<TierRow[]>(() => fromTiers(program?.tiers ?? []));
  const [serverErrors, setServerErrors] = useState<Record<string, string>>({});
  const [clientErrors, setClientErrors] = useState<{ field: string; key: string; values?: Record<string, string | number> }[]>([]);
  const [saving, setSaving] = useState(false);
  const readOnly = !canEdit;

  const savedForm = useMemo(() => (program ? programToForm(program) : newProgramForm()), [program]);
  const savedRows = useMemo(() => fromTiers(program?.tiers ?? []), [program]);
  const previewInput = useMemo(
    () => ({
      tiers: toPreviewTiers(rows),
      pointsPerUnit: form.pointsPerUnit.trim(),
      pointsBase: form.pointsBase,
      windowKind: form.windowKind,
      windowMonths: Number(form.windowMonths),
    }),
    [rows, form.pointsPerUnit, form.pointsBase, form.windowKind, form.windowMonths],
  );
  const previewKey = JSON.stringify(previewInput);
  // what changes the figures needs a preview; the customer-facing names do not
  const ladderChanged =
    JSON.stringify(toPreviewTiers(rows)) !== JSON.stringify(toPreviewTiers(savedRows)) ||
    form.pointsPerUnit !== savedForm.pointsPerUnit ||
    form.pointsBase !== savedForm.pointsBase ||
    form.windowKind !== savedForm.windowKind ||
    form.windowMonths !== savedForm.windowMonths;
  const dirty =
    ladderChanged ||
    JSON.stringify(toLadderInput(rows)) !== JSON.stringify(toLadderInput(savedRows)) ||
    JSON.stringify(form) !== JSON.stringify(savedForm);

  const [previewed, setPreviewed] = useState<{ key: string; preview: Preview } | null>(null);
  const [previewLoading, setPreviewLoading] = useState(false);
  const [previewError, setPreviewError] = useState<unknown>(null);
  const previewCurrent = previewed?.key === previewKey;

  const [createProgram] = useCrmMutation<{ crmLoyaltyProgramCreate: { program: ApiProgram | null; errors: TypedError[] } }>(PROGRAM_CREATE);
  const [updateProgram] = useCrmMutation<{ crmLoyaltyProgramUpdate: { program: ApiProgram | null; errors: TypedError[] } }>(PROGRAM_UPDATE);

  const shown = useMemo(() => {
    const out: Record<string, string> = { ...serverErrors };
    for (const e of clientErrors) out[e.field] ??= tc(e.key, e.values);
    return out;
  }, [serverErrors, clientErrors, tc]);

  function check(): boolean {
    const problems = [...validateProgram(form), ...validateLadder(rows, currency)];
    setClientErrors(problems);
    if (problems.length) notify({ status: "error", title: tc("notify.fixFields") });
    return problems.length === 0;
  }

  async function runPreview() {
    if (!check()) return;
    setPreviewLoading(true);
    setPreviewError(null);
    try {
      const key = previewKey;
      const data = await crmRequest<{ crmLoyaltyPreview: { preview: Preview | null; errors: TypedError[] } }>(PREVIEW_QUERY, {
        channel,
        input: previewInput,
      });
      const errors = payloadErrors(data.crmLoyaltyPreview);
      if (errors.length) {
        setServerErrors(mapTierErrors(errors, -1));
        notify({ status: "error", title: tc("notify.failed"), text: typedMessage(errors[0]) });
      } else if (data.crmLoyaltyPreview.preview) {
        setPreviewed({ key, preview: data.crmLoyaltyPreview.preview });
      }
    } catch (e) {
      setPreviewError(e);
    } finally {
      setPreviewLoading(false);
    }
  }

  function mapTierErrors(errors: TypedError[], index: number): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of errors) {
      const field = e.field ?? "form";
      const isProgramField = PROGRAM_FIELDS.some((f) => f.name === field);
      const key = isProgramField ? `program.${field}` : index >= 0 ? `tiers.${index}.${field === "categories" ? "categoryIds" : field === "collections" ? "collectionIds" : field}` : "form";
      out[key] ??= typedMessage(e);
    }
    return out;
  }

  async function save() {
    if (!check()) return;
    setSaving(true);
    setServerErrors({});
    try {
      let programId = program?.id ?? null;
      if (!program || JSON.stringify(form) !== JSON.stringify(savedForm)) {
        const input = programInput(form);
        const res = program
          ? (await updateProgram({ id: program.id, input })).crmLoyaltyProgramUpdate
          : (await createProgram({ channel, input })).crmLoyaltyProgramCreate;
        const errors = payloadErrors(res);
        if (errors.length) {
          setServerErrors(mapTierErrors(errors, -1));
          notify({ status: "error", title: tc("notify.failed"), text: typedMessage(errors[0]) });
          return;
        }
        programId = res.program?.id ?? programId;
      }
      const steps = planSave(program?.tiers ?? [], rows);
      for (const step of steps) {
        const index = step.op === "delete" ? -1 : rows.findIndex((r, i) => (step.op === "update" ? r.id === step.id : !r.id && toLadderInput(rows)[i].name === step.input.name));
        const data =
          step.op === "delete"
            ? await crmRequest<Record<string, { errors: TypedError[] }>>(TIER_DELETE, { id: step.id })
            : step.op === "update"
              ? await crmRequest<Record<string, { errors: TypedError[] }>>(TIER_UPDATE, { id: step.id, input: step.input })
              : await crmRequest<Record<string, { errors: TypedError[] }>>(TIER_CREATE, { programId, input: step.input });
        const errors = payloadErrors(Object.values(data)[0]);
        if (errors.length) {
          setServerErrors(mapTierErrors(errors, index));
          notify({ status: "error", title: tc("notify.failed"), text: typedMessage(errors[0]) });
          onSaved(); // what was saved before the refusal is shown as saved
          return;
        }
      }
      notify({ status: "success", title: program ? t("saved") : t("created") });
      onSaved();
    } catch (e) {
      notify({ status: "error", title: tc("notify.failed"), text: errorMessage(e) });
    } finally {
      setSaving(false);
    }
  }

  if (!program && !creating)
    return (
      <EmptyState
        title={t("noProgramTitle")}
        text={t("noProgramText")}
        action={
          canEdit ? (
            <Button onClick={() => setCreating(true)} data-testid="create-program">
              {t("createProgram")}
            </Button>
          ) : undefined
        }
      />
    );

  const setRow = (i: number, patch: Partial<TierRow>) => setRows((rs) => rs.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  // a preview needs a saved program (it compares with today's members)
  const needsPreview = Boolean(program) && ladderChanged && rows.length > 0;

  return (
    <Box display="grid" __gridTemplateColumns="minmax(0, 3fr) minmax(0, 2fr)" gap={6} alignItems="start">
      <Box display="flex" flexDirection="column" gap={5}>
        {readOnly && <ReadOnlyBanner />}
        {shown.form && (
          <Text color="critical1" role="alert">
            {shown.form}
          </Text>
        )}
        <Card
          title={t("ladder.title")}
          description={t("ladder.description", { currency })}
          actions={
            canEdit && (
              <Button
                variant="secondary"
                size="small"
                icon={<Plus size={16} />}
                onClick={() => setRows((rs) => [...rs, newRow(rs[rs.length - 1])])}
                data-testid="add-tier"
              >
                {t("ladder.add")}
              </Button>
            )
          }
        >
          {rows.length === 0 && (
            <Text size={3} color="default2">
              {t("ladder.empty")}
            </Text>
          )}
          {rows.map((row, i) => (
            <TierEditor
              key={row.key}
              index={i}
              row={row}
              currency={currency}
              channel={channel}
              readOnly={readOnly}
              errorOf={(f) => shown[`tiers.${i}.${f}`]}
              onChange={(patch) => setRow(i, patch)}
              onRemove={() => setRows((rs) => rs.filter((_, j) => j !== i))}
            />
          ))}
        </Card>
        <Card title={t("settings.title")}>
          <Box display="grid" __gridTemplateColumns="1fr 1fr" gap={4}>
            {PROGRAM_FIELDS.filter((s) => !s.onlyFor || s.onlyFor.includes(form.windowKind)).map((spec) => {
              const field = `program.${spec.name}`;
              const label = t(`settings.${spec.name}`);
              const help = shown[field] ?? (hasKey(locale, "loyalty", `settings.help.${spec.name}`) ? t(`settings.help.${spec.name}`) : undefined);
              if (spec.kind === "bool")
                return (
                  <Checkbox
                    key={spec.name}
                    checked={form[spec.name] as boolean}
                    disabled={readOnly}
                    onCheckedChange={(c) => setForm((s) => ({ ...s, [spec.name]: c === true }))}
                  >
                    <Text size={3}>{label}</Text>
                  </Checkbox>
                );
              if (spec.kind === "choice") {
                const opts = (spec.choices ?? []).map((c) => ({ value: c, label: t(`settings.choices.${c}`) }));
                return (
                  <Select
                    key={spec.name}
                    label={label}
                    options={opts}
                    value={opts.find((o) => o.value === form[spec.name]) ?? null}
                    onChange={(o) => setForm((s) => ({ ...s, [spec.name]: o?.value ?? "" }))}
                    disabled={readOnly}
                    error={Boolean(shown[field])}
                    helperText={help}
                  />
                );
              }
              return (
                <Input
                  key={spec.name}
                  type={spec.kind === "text" ? "text" : "number"}
                  label={label}
                  value={form[spec.name] as string}
                  onChange={(e) => setForm((s) => ({ ...s, [spec.name]: e.target.value }))}
                  disabled={readOnly}
                  error={Boolean(shown[field])}
                  helperText={help}
                  data-testid={`program-${spec.name}`}
                />
              );
            })}
          </Box>
        </Card>
      </Box>
      <Box display="flex" flexDirection="column" gap={5}>
        <Card
          title={t("preview.title")}
          description={t("preview.description")}
          actions={
            <Button variant="secondary" size="small" onClick={runPreview} disabled={previewLoading || rows.length === 0 || !program} data-testid="preview">
              {t("preview.run")}
            </Button>
          }
        >
          {previewError ? (
            <ErrorState error={previewError} onRetry={runPreview} />
          ) : previewLoading ? (
            <Loading rows={4} />
          ) : previewed ? (
            <>
              {!previewCurrent && (
                <Text size={3} color="warning1">
                  {t("preview.stale")}
                </Text>
              )}
              <PreviewView preview={previewed.preview} />
            </>
          ) : (
            <Text size={3} color="default2">
              {program ? t("preview.none") : t("preview.createFirst")}
            </Text>
          )}
        </Card>
        {canEdit && (
          <Box display="flex" flexDirection="column" gap={2} alignItems="flex-end">
            {needsPreview && !previewCurrent && (
              <Text size={2} color="default2" data-testid="preview-first">
                {t("preview.first")}
              </Text>
            )}
            <Box display="flex" gap={2}>
              <Button
                variant="secondary"
                disabled={saving || !dirty}
                onClick={() => {
                  setForm(savedForm);
                  setRows(savedRows);
                  setServerErrors({});
                  setClientErrors([]);
                }}
              >
                {t("discard")}
              </Button>
              <Button onClick={save} disabled={saving || (!dirty && Boolean(program)) || (needsPreview && !previewCurrent)} data-testid="save-loyalty">
                {program ? t("save") : t("createProgram")}
              </Button>
            </Box>
          </Box>
        )}
      </Box>
    </Box>
  );
}

function TierEditor({
  index,
  row,
  currency,
  channel,
  readOnly,
  errorOf,
  onChange,
  onRemove,
}: {
  index: number;
  row: TierRow;
  currency: string;
  channel: string;
  readOnly: boolean;
  errorOf: (field: string) => string | undefined;
  onChange: (patch: Partial<TierRow>) => void;
  onRemove: () => void;
}) {
  const t = useT("loyalty");
  const metricOptions = METRICS.map((m) => ({ value: m, label: t(`metric.${m}`) }));
  const benefitOptions = BENEFITS.map((b) => ({ value: b, label: t(`benefit.${b}`) }));
  const discount = row.benefit === "PERCENTAGE" || row.benefit === "FIXED";
  const thresholdLabel =
    row.metric === "SPEND" ? t("tier.thresholdSpend", { currency }) : row.metric === "PAID_ORDERS" ? t("tier.thresholdOrders") : t("tier.thresholdPoints");
  return (
    <Box
      borderStyle="solid"
      borderWidth={1}
      borderColor="default1"
      borderRadius={3}
      padding={4}
      display="flex"
      flexDirection="column"
      gap={3}
      data-testid={`tier-${index}`}
    >
      <Box display="flex" justifyContent="space-between" alignItems="center">
        <Text size={2} color="default2">
          {t("tier.rung", { n: index + 1 })}
        </Text>
        {!readOnly && (
          <Button variant="tertiary" size="small" icon={<Trash2 size={16} />} onClick={onRemove} aria-label={t("tier.remove", { name: row.name || index + 1 })} />
        )}
      </Box>
      <Box display="grid" __gridTemplateColumns="2fr 1fr 1fr" gap={3}>
        <Input
          label={t("tier.name")}
          value={row.name}
          onChange={(e) => onChange({ name: e.target.value })}
          disabled={readOnly}
          error={Boolean(errorOf("name"))}
          helperText={errorOf("name")}
          data-testid={`tier-${index}-name`}
        />
        <Select
          label={t("tier.metric")}
          options={metricOptions}
          value={metricOptions.find((o) => o.value === row.metric) ?? null}
          onChange={(o) => onChange({ metric: (o?.value ?? "SPEND") as TierRow["metric"] })}
          disabled={readOnly}
        />
        <Input
          type="number"
          label={thresholdLabel}
          value={row.threshold}
          onChange={(e) => onChange({ threshold: e.target.value })}
          disabled={readOnly}
          error={Boolean(errorOf("threshold"))}
          helperText={errorOf("threshold")}
          data-testid={`tier-${index}-threshold`}
        />
      </Box>
      <Box display="grid" __gridTemplateColumns="1fr 1fr" gap={3}>
        {(["customerNameJa", "customerNameEn"] as const).map((key) => (
          <Input
            key={key}
            label={t(`tier.${key}`)}
            value={row[key]}
            onChange={(e) => onChange({ [key]: e.target.value })}
            disabled={readOnly}
            error={Boolean(errorOf(key))}
            helperText={errorOf(key) ?? t("tier.customerNameHelp")}
            data-testid={`tier-${index}-${key}`}
          />
        ))}
      </Box>
      <Box display="grid" __gridTemplateColumns="2fr 1fr 1fr 1fr" gap={3}>
        <Select
          label={t("tier.benefit")}
          options={benefitOptions}
          value={benefitOptions.find((o) => o.value === row.benefit) ?? null}
          onChange={(o) => onChange({ benefit: (o?.value ?? "NONE") as TierRow["benefit"] })}
          disabled={readOnly}
          error={Boolean(errorOf("freeShipping"))}
          helperText={errorOf("freeShipping")}
        />
        <Input
          type="number"
          label={row.benefit === "FIXED" ? t("tier.amount", { currency }) : t("tier.percent")}
          value={discount ? row.discountValue : ""}
          onChange={(e) => onChange({ discountValue: e.target.value })}
          disabled={readOnly || !discount}
          error={Boolean(errorOf("discountValue"))}
          helperText={errorOf("discountValue")}
          data-testid={`tier-${index}-discountValue`}
        />
        <Input
          type="number"
          label={t("tier.minSpend", { currency })}
          value={discount ? row.minSpend : ""}
          onChange={(e) => onChange({ minSpend: e.target.value })}
          disabled={readOnly || !discount}
          error={Boolean(errorOf("minSpend"))}
          helperText={errorOf("minSpend")}
        />
        <Input
          type="number"
          label={t("tier.multiplier")}
          value={row.pointsMultiplier}
          onChange={(e) => onChange({ pointsMultiplier: e.target.value })}
          disabled={readOnly}
          error={Boolean(errorOf("pointsMultiplier"))}
          helperText={errorOf("pointsMultiplier")}
          data-testid={`tier-${index}-multiplier`}
        />
      </Box>
      {discount && (
        <Box display="grid" __gridTemplateColumns="1fr 1fr" gap={3}>
          <CataloguePicker
            kind="categories"
            label={t("tier.categories")}
            value={row.categoryIds}
            onChange={(v) => onChange({ categoryIds: v })}
            channel={channel}
            disabled={readOnly}
            error={errorOf("categoryIds")}
          />
          <CataloguePicker
            kind="collections"
            label={t("tier.collections")}
            value={row.collectionIds}
            onChange={(v) => onChange({ collectionIds: v })}
            channel={channel}
            disabled={readOnly}
            error={errorOf("collectionIds")}
          />
        </Box>
      )}
    </Box>
  );
}

const NOW_COLOR = "var(--mu-colors-text-default2)";

export function PreviewView({ preview }: { preview: Preview }) {
  const t = useT("loyalty");
  const f = useFormat();
  const tiers = [...preview.tiers].sort((a, b) => a.rank - b.rank);
  const max = Math.max(1, ...tiers.flatMap((x) => [x.customers, x.currentCustomers]));
  return (
    <Box display="flex" flexDirection="column" gap={4} data-testid="loyalty-preview">
      <Box as="table" width="100%" style={{ borderCollapse: "collapse" }}>
        <thead>
          <tr>
            {[t("preview.tier"), t("preview.now"), t("preview.after"), t("preview.change"), t("preview.discount")].map((h, i) => (
              <Box as="th" key={h} textAlign={i ? "right" : "left"} paddingY={1}>
                <Text size={2} color="default2">
                  {h}
                </Text>
              </Box>
            ))}
          </tr>
        </thead>
        <tbody>
          {tiers.map((x) => {
            const delta = x.customers - x.currentCustomers;
            return (
              <tr key={`${x.rank}-${x.name}`} data-testid={`preview-${x.name}`}>
                <Box as="td" paddingY={1}>
                  <Text size={3} fontWeight="medium">
                    {x.name}
                  </Text>
                  <Box display="flex" flexDirection="column" gap={0.5} marginTop={1}>
                    <Box __height="4px" __width={`${(x.currentCustomers / max) * 100}%`} borderRadius={2} style={{ background: NOW_COLOR }} />
                    <Box __height="4px" __width={`${(x.customers / max) * 100}%`} backgroundColor="accent1" borderRadius={2} />
                  </Box>
                </Box>
                <Box as="td" textAlign="right">
                  <Text size={3}>{f.number(x.currentCustomers)}</Text>
                </Box>
                <Box as="td" textAlign="right">
                  <Text size={3}>{f.number(x.customers)}</Text>
                </Box>
                <Box as="td" textAlign="right">
                  <Text size={3} fontWeight="bold" color={delta > 0 ? "success1" : delta < 0 ? "critical1" : "default2"}>
                    {delta > 0 ? `+${f.number(delta)}` : f.number(delta)}
                  </Text>
                </Box>
                <Box as="td" textAlign="right">
                  <Text size={3}>{f.money(x.estimatedDiscount)}</Text>
                </Box>
              </tr>
            );
          })}
        </tbody>
      </Box>
      <Box display="flex" gap={4}>
        {[
          [NOW_COLOR, t("preview.now")],
          ["var(--mu-colors-background-accent1)", t("preview.after")],
        ].map(([color, label]) => (
          <Box key={label} display="flex" alignItems="center" gap={1}>
            <Box __width="12px" __height="4px" borderRadius={2} style={{ background: color }} />
            <Text size={2} color="default2">
              {label}
            </Text>
          </Box>
        ))}
      </Box>
      <Box display="grid" __gridTemplateColumns="1fr 1fr" gap={3}>
        {[
          // now -> after, so that the columns add up: the tiers' "now" plus who
          // holds no tier today equals their "after" plus who would hold none
          [
            t("preview.withoutTier"),
            t("preview.nowToAfter", { now: f.number(preview.customersWithoutTierNow), after: f.number(preview.customersWithoutTier) }),
            "preview-without-tier",
          ],
          [t("preview.totalDiscount"), f.money(preview.estimatedDiscountTotal)],
          [t("preview.points"), f.number(preview.estimatedPoints)],
          [t("preview.orders"), f.number(preview.ordersConsidered)],
        ].map(([k, v, testId]) => (
          <Box key={k} display="flex" flexDirection="column" data-testid={testId}>
            <Text size={2} color="default2">
              {k}
            </Text>
            <Text size={5} fontWeight="bold">
              {v}
            </Text>
          </Box>
        ))}
      </Box>
      {/* who the customers without a tier are, under the figures, the card's width:
          the registered customers the review does not enrol (no paid order in the
          channel, not members; loyalty/preview.py), and those whose figures reach no tier */}
      <Text size={2} color="default2" data-testid="preview-without-tier-help">
        {t("preview.withoutTierHelp")}
      </Text>
      <Text size={2} color="default2">
        {t("preview.period", { from: f.date(preview.periodStart), to: f.date(preview.periodEnd) })}
      </Text>
    </Box>
  );
}
