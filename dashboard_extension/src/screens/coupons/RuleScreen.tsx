/**
 * /coupons/new and /coupons/:id — the coupon rule editor: trigger (generated from
 * the catalogue), reward, validity, limits, control group and delivery; then
 * the dry run, switch on (after seeing the dry run), pause, run now, the report
 * and the codes export. Without MANAGE_DISCOUNTS everything is read-only.
 */
import { Box, Button, Checkbox, Chip, Input, Modal, Select, Text, Textarea } from "@saleor/macaw-ui";
import { useEffect, useMemo, useState } from "react";
import { useNavigate, useParams } from "react-router-dom";

import { useHasPermission } from "../../auth/AuthProvider";
import { useChannel } from "../../components/channel";
import { payloadErrors, type TypedError } from "../../api/client";
import { useErrorMessage } from "../../api/errors";
import { useCrmMutation, useCrmQuery } from "../../api/hooks";
import { useNotify } from "../../api/notify";
import { useFormat } from "../../format";
import { useLocale, useT } from "../../i18n";
import { type TriggerKind, useTriggerCatalogue } from "./catalogue";
import { CataloguePicker } from "./CataloguePicker";
import { DeliveriesCard } from "./Deliveries";
import { type DryRunResult, DryRunView } from "./DryRun";
import {
  type ApiRule,
  defaultTemplate,
  DELIVERIES,
  DISCOUNT_TYPES,
  emptyForm,
  errorField,
  type FieldError,
  fromRule,
  MESSAGE_DELIVERIES,
  type RuleForm,
  type TemplateLanguage,
  type TemplatePart,
  toInput,
  validate,
} from "./form";
import { MessageFields } from "./MessageFields";
import {
  ACTIVATE_MUTATION,
  CREATE_MUTATION,
  DELETE_MUTATION,
  DRY_RUN_QUERY,
  EXPORT_MUTATION,
  PAUSE_MUTATION,
  RULE_QUERY,
  RUN_MUTATION,
  UPDATE_MUTATION,
} from "./queries";
import { ReportCard } from "./ReportCard";
import { TriggerFields } from "./TriggerFields";
import { Card, ErrorState, Loading, PageHeader, PermissionNotice, QueryStates, ReadOnlyBanner } from "./ui";

type Rule = ApiRule & {
  id: string;
  status: "DRAFT" | "ACTIVE" | "PAUSED";
  isRunning: boolean;
  issuedCount: number;
  controlCount: number;
  activatedAt: string | null;
  updatedAt: string;
};

export function StatusChip({ status, isRunning }: { status: string; isRunning?: boolean }) {
  const t = useT("coupons");
  const color = status === "ACTIVE" ? (isRunning ? "success1" : "warning1") : status === "PAUSED" ? "warning1" : "default1";
  return (
    <Chip size="large" backgroundColor={color === "default1" ? "default1" : (color as "success1" | "warning1")} data-testid="status">
      <Text size={2}>
        {status === "ACTIVE" && !isRunning ? t("status.scheduled") : t(`status.${status}`)}
      </Text>
    </Chip>
  );
}

export function RuleScreen() {
  const { id } = useParams();
  const isNew = !id || id === "new";
  const t = useT("coupons");
  const canEdit = useHasPermission("MANAGE_DISCOUNTS");
  const { catalogue } = useTriggerCatalogue();
  const q = useCrmQuery<{ crmCouponRule: Rule | null }>(RULE_QUERY, { id }, { skip: isNew });
  if (isNew && !canEdit)
    return (
      <Box>
        <PageHeader title={t("editor.newTitle")} backTo="/coupons" />
        <PermissionNotice permission="MANAGE_DISCOUNTS" />
      </Box>
    );
  if (isNew) return <RuleEditor rule={null} catalogue={catalogue} canEdit={canEdit} />;
  return (
    <QueryStates
      loading={q.loading}
      error={q.error}
      hasData={Boolean(q.data)}
      refetch={q.refetch}
      permission="MANAGE_DISCOUNTS"
    >
      {() =>
        q.data?.crmCouponRule ? (
          <RuleEditor key={q.data.crmCouponRule.id} rule={q.data.crmCouponRule} catalogue={catalogue} canEdit={canEdit} />
        ) : (
          <Box>
            <PageHeader title={t("editor.notFound")} backTo="/coupons" />
          </Box>
        )
      }
    </QueryStates>
  );
}

interface Payload {
  rule?: Rule | null;
  issued?: number | null;
  heldOut?: number | null;
  budgetExhausted?: boolean | null;
  errors?: TypedError[];
}

function useTypedMessage() {
  const locale = useLocale();
  const message = useErrorMessage();
  // the API's own sentence is the most precise in English; other languages get
  // the translation of its code
  return (e: TypedError) => (locale === "en" && e.message ? e.message : message(e));
}

export function RuleEditor({ rule: initial, catalogue, canEdit }: { rule: Rule | null; catalogue: TriggerKind[]; canEdit: boolean }) {
  const t = useT("coupons");
  const f = useFormat();
  const navigate = useNavigate();
  const notify = useNotify();
  const errorMessage = useErrorMessage();
  const typedMessage = useTypedMessage();
  const { channels, channel: current } = useChannel();
  const [rule, setRule] = useState<Rule | null>(initial);
  const [form, setForm] = useState<RuleForm>(() =>
    initial ? fromRule(initial, catalogue) : emptyForm(""),
  );
  const [saved, setSaved] = useState<RuleForm>(form);
  const [clientErrors, setClientErrors] = useState<FieldError[]>([]);
  const [serverErrors, setServerErrors] = useState<Record<string, string>>({});
  const [showActivate, setShowActivate] = useState(false);
  const [exportLink, setExportLink] = useState<{ url: string; expiresAt: string } | null>(null);
  const [exportOpen, setExportOpen] = useState(false);
  const [exportFormat, setExportFormat] = useState<"EMAIL" | "POSTAL">("EMAIL");
  const readOnly = !canEdit;

  // a new rule starts in the channel the app looks at
  useEffect(() => {
    if (!form.channel && current) setForm((s) => ({ ...s, channel: current.slug }));
  }, [current, form.channel]);
  // the catalogue from the API may arrive after the rule: read the rule again
  useEffect(() => {
    if (rule) {
      const next = fromRule(rule, catalogue);
      setForm(next);
      setSaved(next);
    }
    // only when the catalogue changes: `rule` changes come with their own setForm
  }, [catalogue]);

  const currency = rule?.minSpend.currency ?? channels.find((c) => c.slug === form.channel)?.currencyCode ?? "USD";
  const dirty = useMemo(() => JSON.stringify(form) !== JSON.stringify(saved), [form, saved]);
  const shownErrors = useMemo(() => {
    const out: Record<string, string> = { ...serverErrors };
    for (const e of clientErrors) out[e.field] ??= t(e.key, e.values);
    return out;
  }, [clientErrors, serverErrors, t]);
  const errorOf = (field: string) => shownErrors[field];

  const set = <K extends keyof RuleForm>(key: K, value: RuleForm[K]) => {
    setForm((s) => ({ ...s, [key]: value }));
    setServerErrors((e) => {
      if (!(key in e)) return e;
      const { [key as string]: _, ...rest } = e;
      return rest;
    });
  };

  const clearServerError = (field: string) =>
    setServerErrors((e) => {
      if (!(field in e)) return e;
      const { [field]: _, ...rest } = e;
      return rest;
    });
  const setTemplate = (lang: TemplateLanguage, part: TemplatePart, value: string) => {
    setForm((s) => ({
      ...s,
      messageTemplates: { ...s.messageTemplates, [lang]: { ...s.messageTemplates[lang], [part]: value, isDefault: false } },
    }));
    clearServerError(`messageTemplates.${lang}.${part}`);
  };
  const resetTemplate = (lang: TemplateLanguage) => {
    // back to the API's default: its text when the saved rule showed it, else
    // empty (the API fills it in on saving)
    const before = saved.messageTemplates[lang];
    setForm((s) => ({ ...s, messageTemplates: { ...s.messageTemplates, [lang]: before.isDefault ? { ...before } : defaultTemplate() } }));
    for (const part of ["subject", "text", "html", "short"]) clearServerError(`messageTemplates.${lang}.${part}`);
  };
  const sendsMessages = form.delivery.some((d) => MESSAGE_DELIVERIES.includes(d));

  const [create, createState] = useCrmMutation<{ crmCouponRuleCreate: Payload }>(CREATE_MUTATION);
  const [update, updateState] = useCrmMutation<{ crmCouponRuleUpdate: Payload }>(UPDATE_MUTATION);
  const [activate, activateState] = useCrmMutation<{ crmCouponRuleActivate: Payload }>(ACTIVATE_MUTATION);
  const [pause, pauseState] = useCrmMutation<{ crmCouponRulePause: Payload }>(PAUSE_MUTATION);
  const [runNow, runState] = useCrmMutation<{ crmCouponRuleRun: Payload }>(RUN_MUTATION);
  const [remove, removeState] = useCrmMutation<{ crmCouponRuleDelete: Payload }>(DELETE_MUTATION);
  const [exportCodes, exportState] = useCrmMutation<{
    crmCouponCodesExport: { url: string | null; expiresAt: string | null; errors: TypedError[] };
  }>(EXPORT_MUTATION);
  const busy =
    createState.loading || updateState.loading || activateState.loading || pauseState.loading || runState.loading || removeState.loading;

  function applyPayload(payload: Payload | undefined, success: string): boolean {
    const errors = payloadErrors(payload);
    if (errors.length) {
      const map: Record<string, string> = {};
      for (const e of errors) map[errorField(e.field ?? null, form, catalogue)] ??= typedMessage(e);
      setServerErrors(map);
      notify({ status: "error", title: t("notify.failed"), text: typedMessage(errors[0]) });
      return false;
    }
    if (payload?.rule) {
      setRule(payload.rule);
      const next = fromRule(payload.rule, catalogue);
      setForm(next);
      setSaved(next);
    }
    setServerErrors({});
    notify({ status: "success", title: success });
    return true;
  }

  async function save() {
    const problems = validate(form, catalogue, currency);
    setClientErrors(problems);
    if (problems.length) {
      notify({ status: "error", title: t("notify.fixFields") });
      return;
    }
    const input = toInput(form, catalogue);
    try {
      if (!rule) {
        const res = await create({ input });
        if (applyPayload(res.crmCouponRuleCreate, t("notify.created")) && res.crmCouponRuleCreate.rule)
          navigate(`/coupons/${encodeURIComponent(res.crmCouponRuleCreate.rule.id)}`, { replace: true });
      } else {
        const res = await update({ id: rule.id, input });
        applyPayload(res.crmCouponRuleUpdate, t("notify.saved"));
      }
    } catch (e) {
      notify({ status: "error", title: t("notify.failed"), text: errorMessage(e) });
    }
  }

  async function act(kind: "activate" | "pause" | "run") {
    if (!rule) return;
    try {
      if (kind === "activate") {
        const p = (await activate({ id: rule.id })).crmCouponRuleActivate;
        if (applyPayload(p, t("notify.activated", { issued: p.issued ?? 0, heldOut: p.heldOut ?? 0 })))
          setShowActivate(false);
      } else if (kind === "pause") {
        applyPayload((await pause({ id: rule.id })).crmCouponRulePause, t("notify.paused"));
      } else {
        const p = (await runNow({ id: rule.id })).crmCouponRuleRun;
        applyPayload(p, t("notify.ran", { issued: p.issued ?? 0, heldOut: p.heldOut ?? 0 }));
      }
    } catch (e) {
      notify({ status: "error", title: t("notify.failed"), text: errorMessage(e) });
    }
  }

  async function doExport() {
    if (!rule) return;
    try {
      const p = (await exportCodes({ id: rule.id, format: exportFormat, bom: true })).crmCouponCodesExport;
      const errors = payloadErrors(p);
      if (errors.length || !p.url) {
        notify({ status: "error", title: t("notify.failed"), text: errors[0] ? typedMessage(errors[0]) : undefined });
        return;
      }
      setExportLink({ url: p.url, expiresAt: p.expiresAt ?? "" });
      notify({ status: "success", title: t("notify.exportReady") });
    } catch (e) {
      notify({ status: "error", title: t("notify.failed"), text: errorMessage(e) });
    }
  }

  async function doDelete() {
    if (!rule || !window.confirm(t("editor.confirmDelete", { name: rule.name }))) return;
    try {
      const p = (await remove({ id: rule.id })).crmCouponRuleDelete;
      const errors = payloadErrors(p);
      if (errors.length) {
        notify({ status: "error", title: t("notify.failed"), text: typedMessage(errors[0]) });
        return;
      }
      notify({ status: "success", title: t("notify.deleted") });
      navigate("/coupons");
    } catch (e) {
      notify({ status: "error", title: t("notify.failed"), text: errorMessage(e) });
    }
  }

  const channelOptions = channels.map((c) => ({ value: c.slug, label: `${c.name} (${c.currencyCode})` }));
  if (form.channel && !channelOptions.some((o) => o.value === form.channel))
    channelOptions.push({ value: form.channel, label: form.channel });
  const discountOptions = DISCOUNT_TYPES.map((d) => ({ value: d, label: t(`discount.${d}`) }));
  const freeShipping = form.discountType === "FREE_SHIPPING";
  const issuedAny = Boolean(rule && rule.issuedCount + rule.controlCount > 0);

  const intInput = (key: keyof RuleForm, label: string, help?: string, min?: number, max?: number) => (
    <Input
      type="number"
      label={label}
      value={form[key] as string}
      onChange={(e) => set(key, e.target.value as never)}
      min={min}
      max={max}
      step={1}
      disabled={readOnly}
      error={Boolean(errorOf(key))}
      helperText={errorOf(key) ?? help}
      data-testid={`field-${key}`}
    />
  );

  const actions = canEdit ? (
    <>
      {rule && rule.status !== "ACTIVE" && (
        <Button
          variant="secondary"
          onClick={() => setShowActivate(true)}
          disabled={busy || dirty}
          title={dirty ? t("editor.saveFirst") : undefined}
          data-testid="activate"
        >
          {rule.status === "PAUSED" ? t("actions.resume") : t("actions.activate")}
        </Button>
      )}
      {rule?.status === "ACTIVE" && (
        <>
          <Button variant="secondary" onClick={() => act("run")} disabled={busy} data-testid="run-now">
            {t("actions.runNow")}
          </Button>
          <Button variant="secondary" onClick={() => act("pause")} disabled={busy} data-testid="pause">
            {t("actions.pause")}
          </Button>
        </>
      )}
      {rule && issuedAny && (
        <Button variant="secondary" onClick={() => setExportOpen((o) => !o)} data-testid="export">
          {t("actions.exportCodes")}
        </Button>
      )}
      {rule && !issuedAny && (
        <Button variant="error" onClick={doDelete} disabled={busy} data-testid="delete">
          {t("actions.delete")}
        </Button>
      )}
      <Button onClick={save} disabled={busy || (!dirty && Boolean(rule))} data-testid="save">
        {t("actions.save")}
      </Button>
    </>
  ) : undefined;

  return (
    <Box>
      <PageHeader
        title={rule ? rule.name : t("editor.newTitle")}
        backTo="/coupons"
        status={rule && <StatusChip status={rule.status} isRunning={rule.isRunning} />}
        actions={actions}
      />
      <Box
        display="grid"
        __gridTemplateColumns="minmax(0, 3fr) minmax(0, 2fr)"
        gap={6}
        alignItems="start"
      >
        <Box display="flex" flexDirection="column" gap={5}>
          {readOnly && <ReadOnlyBanner />}
          {shownErrors.form && (
            <Text color="critical1" role="alert">
              {shownErrors.form}
            </Text>
          )}
          {exportOpen && (
            <Card title={t("export.title")} description={t("export.description")}>
              <Box display="flex" gap={3} alignItems="flex-end">
                <Box flexGrow="1">
                  <Select
                    label={t("export.format")}
                    options={(["EMAIL", "POSTAL"] as const).map((v) => ({ value: v, label: t(`export.${v}`) }))}
                    value={{ value: exportFormat, label: t(`export.${exportFormat}`) }}
                    onChange={(o) => setExportFormat((o?.value ?? "EMAIL") as "EMAIL" | "POSTAL")}
                  />
                </Box>
                <Button onClick={doExport} disabled={exportState.loading} data-testid="export-create">
                  {t("export.create")}
                </Button>
              </Box>
            </Card>
          )}
          {exportLink && (
            <Box padding={4} borderRadius={4} backgroundColor="default2" display="flex" flexDirection="column" gap={1}>
              <a href={exportLink.url} target="_blank" rel="noreferrer" data-testid="export-link">
                <Text size={3} fontWeight="bold" color="accent1">
                  {t("export.download")}
                </Text>
              </a>
              <Text size={2} color="default2">
                {t("export.expires", { at: f.dateTime(exportLink.expiresAt) })}
              </Text>
            </Box>
          )}
          <Card title={t("sections.general")}>
            <Input
              label={t("fields.name") + " *"}
              value={form.name}
              onChange={(e) => set("name", e.target.value)}
              disabled={readOnly}
              error={Boolean(errorOf("name"))}
              helperText={errorOf("name")}
              data-testid="field-name"
            />
            <Textarea
              label={t("fields.description")}
              value={form.description}
              onChange={(e) => set("description", e.target.value)}
              disabled={readOnly}
              rows={2}
              error={Boolean(errorOf("description"))}
              helperText={errorOf("description")}
            />
            <Box display="grid" __gridTemplateColumns="1fr 1fr" gap={4}>
              {(["customerNameJa", "customerNameEn"] as const).map((key) => (
                <Input
                  key={key}
                  label={t(`fields.${key}`)}
                  value={form[key]}
                  onChange={(e) => set(key, e.target.value)}
                  disabled={readOnly}
                  error={Boolean(errorOf(key))}
                  helperText={errorOf(key)}
                  data-testid={`field-${key}`}
                />
              ))}
            </Box>
            <Text size={2} color="default2" data-testid="customer-names-hint">
              {t("hints.customerNames")}
            </Text>
            <Select
              label={t("fields.channel")}
              options={channelOptions}
              value={channelOptions.find((o) => o.value === form.channel) ?? null}
              onChange={(o) => set("channel", o?.value ?? "")}
              disabled={readOnly || issuedAny}
              error={Boolean(errorOf("channel"))}
              helperText={errorOf("channel") ?? (issuedAny ? t("hints.channelFixed") : undefined)}
            />
          </Card>

          <Card title={t("sections.trigger")} description={t("sections.triggerHelp")}>
            <TriggerFields
              catalogue={catalogue}
              kind={form.triggerKind}
              params={form.params}
              channel={form.channel}
              disabled={readOnly}
              errorOf={errorOf}
              onKindChange={(kind, params) => setForm((s) => ({ ...s, triggerKind: kind, params }))}
              onParamChange={(name, value) => setForm((s) => ({ ...s, params: { ...s.params, [name]: value } }))}
            />
          </Card>

          <Card title={t("sections.reward")} description={rule && !readOnly ? t("hints.rewardChange") : undefined}>
            <Select
              label={t("fields.discountType")}
              options={discountOptions}
              value={discountOptions.find((o) => o.value === form.discountType) ?? null}
              onChange={(o) => set("discountType", (o?.value ?? "PERCENTAGE") as RuleForm["discountType"])}
              disabled={readOnly}
              data-testid="field-discountType"
            />
            {!freeShipping && (
              <Input
                type="number"
                label={form.discountType === "PERCENTAGE" ? t("fields.percent") : t("fields.amount", { currency })}
                value={form.discountValue}
                onChange={(e) => set("discountValue", e.target.value)}
                disabled={readOnly}
                error={Boolean(errorOf("discountValue"))}
                helperText={errorOf("discountValue")}
                data-testid="field-discountValue"
              />
            )}
            <Input
              type="number"
              label={t("fields.minSpend", { currency })}
              value={form.minSpend}
              onChange={(e) => set("minSpend", e.target.value)}
              disabled={readOnly}
              error={Boolean(errorOf("minSpend"))}
              helperText={errorOf("minSpend") ?? t("hints.minSpend")}
              data-testid="field-minSpend"
            />
            {intInput("validityDays", t("fields.validityDays"), t("hints.validityDays"), 1, 365)}
            {!freeShipping && (
              <Box display="flex" flexDirection="column" gap={3}>
                <Text size={3} color="default2">
                  {t("hints.limitTo")}
                </Text>
                <Box display="grid" __gridTemplateColumns="repeat(3, minmax(0, 1fr))" gap={3}>
                <CataloguePicker
                  kind="products"
                  label={t("fields.products")}
                  value={form.productIds}
                  onChange={(v) => set("productIds", v)}
                  channel={form.channel}
                  disabled={readOnly}
                  error={errorOf("productIds")}
                />
                <CataloguePicker
                  kind="categories"
                  label={t("fields.categories")}
                  value={form.categoryIds}
                  onChange={(v) => set("categoryIds", v)}
                  channel={form.channel}
                  disabled={readOnly}
                  error={errorOf("categoryIds")}
                />
                <CataloguePicker
                  kind="collections"
                  label={t("fields.collections")}
                  value={form.collectionIds}
                  onChange={(v) => set("collectionIds", v)}
                  channel={form.channel}
                  disabled={readOnly}
                  error={errorOf("collectionIds")}
                />
                </Box>
              </Box>
            )}
            {freeShipping && errorOf("productIds") && <Text color="critical1">{errorOf("productIds")}</Text>}
          </Card>

          <Card title={t("sections.limits")}>
            <Box display="grid" __gridTemplateColumns="1fr 1fr" gap={4}>
              {intInput("maxPerCustomer", t("fields.maxPerCustomer"), t("hints.maxPerCustomer"), 1, 1000)}
              {intInput("cooldownDays", t("fields.cooldownDays"), t("hints.cooldownDays"), 0, 3650)}
              {intInput("budgetCodes", t("fields.budgetCodes"), t("hints.optional"), 1)}
              <Input
                type="number"
                label={t("fields.budgetAmount", { currency })}
                value={form.budgetAmount}
                onChange={(e) => set("budgetAmount", e.target.value)}
                disabled={readOnly}
                error={Boolean(errorOf("budgetAmount"))}
                helperText={errorOf("budgetAmount") ?? t("hints.budgetAmount")}
                data-testid="field-budgetAmount"
              />
              <Input
                type="datetime-local"
                label={t("fields.startsAt")}
                value={form.startsAt}
                onChange={(e) => set("startsAt", e.target.value)}
                disabled={readOnly}
                error={Boolean(errorOf("startsAt"))}
                helperText={errorOf("startsAt") ?? t("hints.startsAt")}
              />
              <Input
                type="datetime-local"
                label={t("fields.endsAt")}
                value={form.endsAt}
                onChange={(e) => set("endsAt", e.target.value)}
                disabled={readOnly}
                error={Boolean(errorOf("endsAt"))}
                helperText={errorOf("endsAt") ?? t("hints.optional")}
              />
            </Box>
          </Card>

          <Card title={t("sections.control")} description={t("sections.controlHelp")}>
            <Box display="grid" __gridTemplateColumns="1fr 1fr" gap={4}>
              <Input
                type="number"
                label={t("fields.controlPercent")}
                value={form.controlPercent}
                onChange={(e) => set("controlPercent", e.target.value)}
                min={0}
                max={90}
                disabled={readOnly}
                error={Boolean(errorOf("controlPercent"))}
                helperText={errorOf("controlPercent") ?? t("hints.controlPercent")}
                data-testid="field-controlPercent"
              />
              {intInput("reportWindowDays", t("fields.reportWindowDays"), t("hints.reportWindowDays"), 1, 365)}
            </Box>
          </Card>

          <Card title={t("sections.delivery")}>
            <Box display="flex" flexDirection="column" gap={3} role="group" aria-label={t("sections.delivery")}>
              {DELIVERIES.map((d) => (
                <Checkbox
                  key={d}
                  checked={form.delivery.includes(d)}
                  disabled={readOnly}
                  onCheckedChange={(checked) =>
                    set("delivery", checked ? [...form.delivery, d] : form.delivery.filter((x) => x !== d))
                  }
                  data-testid={`delivery-${d}`}
                >
                  <Box display="flex" flexDirection="column">
                    <Text size={3}>{t(`delivery.${d}.label`)}</Text>
                    <Text size={2} color="default2">
                      {t(`delivery.${d}.help`)}
                    </Text>
                  </Box>
                </Checkbox>
              ))}
              {errorOf("delivery") && <Text color="critical1">{errorOf("delivery")}</Text>}
            </Box>
          </Card>

          {sendsMessages && (
            <MessageFields
              form={form}
              isNew={!rule}
              readOnly={readOnly}
              errorOf={errorOf}
              onTemplate={setTemplate}
              onResetTemplate={resetTemplate}
              onChange={(key, value) => set(key, value as never)}
            />
          )}
        </Box>

        <Box display="flex" flexDirection="column" gap={5}>
          {rule ? (
            <>
              <Card title={t("sections.summary")}>
                <Box display="grid" __gridTemplateColumns="1fr 1fr" gap={3}>
                  {[
                    [t("list.issued"), f.number(rule.issuedCount)],
                    [t("list.heldOut"), f.number(rule.controlCount)],
                    [t("summary.activatedAt"), f.dateTime(rule.activatedAt)],
                    [t("summary.updatedAt"), f.dateTime(rule.updatedAt)],
                  ].map(([k, v]) => (
                    <Box key={k} display="flex" flexDirection="column">
                      <Text size={2} color="default2">
                        {k}
                      </Text>
                      <Text size={4} fontWeight="bold">
                        {v}
                      </Text>
                    </Box>
                  ))}
                </Box>
              </Card>
              {canEdit && <DryRunCard ruleId={rule.id} stale={dirty} />}
              {(issuedAny || rule.status !== "DRAFT") && <ReportCard ruleId={rule.id} />}
            </>
          ) : (
            <Card title={t("dryRun.title")}>
              <Text size={3} color="default2">
                {t("dryRun.saveFirst")}
              </Text>
            </Card>
          )}
        </Box>
      </Box>
      {rule && canEdit && (rule.delivery.some((d) => MESSAGE_DELIVERIES.includes(d)) || issuedAny) && (
        <Box marginTop={6}>
          {/* remounted when codes are issued: a run queues new messages */}
          <DeliveriesCard key={`${rule.id}-${rule.issuedCount}`} ruleId={rule.id} />
        </Box>
      )}
      {showActivate && rule && (
        <ActivateDialog
          ruleId={rule.id}
          busy={activateState.loading}
          onConfirm={() => act("activate")}
          onClose={() => setShowActivate(false)}
        />
      )}
    </Box>
  );
}

function useDryRun(ruleId: string, run: boolean) {
  return useCrmQuery<{ crmCouponRuleDryRun: DryRunResult | null }>(DRY_RUN_QUERY, { id: ruleId }, { skip: !run });
}

function DryRunCard({ ruleId, stale }: { ruleId: string; stale: boolean }) {
  const t = useT("coupons");
  const [run, setRun] = useState(false);
  const { data, loading, error, refetch } = useDryRun(ruleId, run);
  const result = data?.crmCouponRuleDryRun;
  return (
    <Card
      title={t("dryRun.title")}
      description={t("dryRun.description")}
      actions={
        <Button
          variant="secondary"
          size="small"
          onClick={() => (run ? refetch() : setRun(true))}
          disabled={loading || stale}
          data-testid="dry-run-button"
        >
          {run ? t("dryRun.again") : t("dryRun.run")}
        </Button>
      }
    >
      {stale && (
        <Text size={3} color="warning1">
          {t("dryRun.stale")}
        </Text>
      )}
      {error ? <ErrorState error={error} onRetry={refetch} /> : loading ? <Loading rows={3} /> : result ? <DryRunView result={result} /> : null}
    </Card>
  );
}

/** Switching on shows the dry run first: who, how many, the estimated cost. */
function ActivateDialog({
  ruleId,
  busy,
  onConfirm,
  onClose,
}: {
  ruleId: string;
  busy: boolean;
  onConfirm: () => void;
  onClose: () => void;
}) {
  const t = useT("coupons");
  const { data, loading, error, refetch } = useDryRun(ruleId, true);
  const result = data?.crmCouponRuleDryRun;
  return (
    <Modal open onChange={(open) => !open && onClose()}>
      <Modal.Content>
        <Box
          backgroundColor="default1"
          borderRadius={4}
          padding={6}
          display="flex"
          flexDirection="column"
          gap={4}
          __width="min(720px, 92vw)"
          __maxHeight="86vh"
          overflowY="auto"
          position="fixed"
          __left="50%"
          __top="50%"
          __transform="translate(-50%, -50%)"
          boxShadow="defaultModal"
          role="dialog"
          aria-label={t("activate.title")}
          data-testid="activate-dialog"
        >
          <Text as="h2" size={7} fontWeight="bold">
            {t("activate.title")}
          </Text>
          <Text as="p" size={3} color="default2">
            {t("activate.description")}
          </Text>
          {error ? <ErrorState error={error} onRetry={refetch} /> : loading || !result ? <Loading rows={4} /> : <DryRunView result={result} />}
          <Box display="flex" justifyContent="flex-end" gap={2}>
            <Button variant="secondary" onClick={onClose}>
              {t("actions.cancel")}
            </Button>
            <Button onClick={onConfirm} disabled={busy || loading || !result} data-testid="confirm-activate">
              {t("activate.confirm")}
            </Button>
          </Box>
        </Box>
      </Modal.Content>
    </Modal>
  );
}
