/**
 * /segments/new and /segments/:id — the builder: name, channel, kind, the rule (a
 * visual editor of the rule tree, or a ready-made segment with its thresholds) and
 * the live count; for a saved segment also its members, entries and exits, export
 * and refresh.
 */
import { Box, Button, Input, Select, Switch, Text, Textarea } from "@saleor/macaw-ui";
import { Trash2 } from "lucide-react";
import { useEffect, useMemo, useState } from "react";
import { useLocation, useNavigate, useSearchParams } from "react-router-dom";

import { payloadErrors } from "../../api/client";
import { useErrorMessage } from "../../api/errors";
import { useCrmMutation, useCrmQuery } from "../../api/hooks";
import { useNotify } from "../../api/notify";
import { PageHeader } from "../../components/PageHeader";
import { ErrorState, Loading } from "../../components/states";
import { useChannel } from "../../components/channel";
import { useFormat } from "../../format";
import { useT } from "../../i18n";
import {
  CREATE_MUTATION,
  CrmError,
  DELETE_MUTATION,
  PRESETS_QUERY,
  Preset,
  SEGMENT_QUERY,
  Segment,
  SegmentKind,
  UPDATE_MUTATION,
} from "./api";
import { Catalogue, fieldSpec, opShape, useCatalogue } from "./catalogue";
import { ruleDetail, rulePath, splitErrors } from "./errors";
import { usePreview } from "./hooks";
import { LiveCount } from "./LiveCount";
import { usePickerOptions } from "./pickers";
import { parsePrefill } from "./prefill";
import {
  ThresholdInputs,
  Thresholds,
  changedParams,
  presetDescription,
  presetTitle,
  thresholdParams,
} from "./PresetGallery";
import { RuleEditor } from "./RuleEditor";
import { EditorNode, GroupNode, emptyState, nodeAtPath, ruleFromState, stateFromRule } from "./ruleTree";
import { SegmentActions, SegmentEvents, SegmentMembers } from "./SegmentDetail";
import { ConfirmModal, Card } from "./ui";
import { Problem, problemsByNode, validateState } from "./validation";

/** Problems a merchant sees only after trying to save (an input left empty is not
 * an error while they are still adding conditions). */
const UNTIL_SAVE = new Set(["required", "items", "listEmpty", "groupEmpty", "noConditions", "key"]);

interface Form {
  name: string;
  description: string;
  /** "" = all channels */
  channel: string;
  kind: SegmentKind;
  mode: "rule" | "preset";
  rule: GroupNode;
  preset: string;
  thresholds: Thresholds;
}

function formOf(segment: Segment, catalogue: Catalogue): Form {
  const preset = segment.preset ?? "";
  return {
    name: segment.name,
    description: segment.description,
    channel: segment.channel ?? "",
    kind: segment.kind,
    mode: preset ? "preset" : "rule",
    rule: preset ? emptyState() : safeState(segment.rule, catalogue).state,
    preset,
    thresholds: Object.fromEntries(Object.entries(segment.presetParams ?? {}).map(([k, v]) => [k, String(v)])),
  };
}

function safeState(rule: unknown, catalogue: Catalogue): { state: GroupNode; error: boolean } {
  try {
    return { state: stateFromRule(rule, catalogue), error: false };
  } catch {
    return { state: emptyState(), error: true };
  }
}

/** The editor's input a server error path's tail names (`value.1` -> value2, ...). */
function serverPart(part: string, node: EditorNode, catalogue: Catalogue): string {
  const [head, index] = part.split(".");
  if (head === "value") {
    if (node.kind === "field" && opShape(fieldSpec(catalogue, node.field), node.op) === "list") return "values";
    return index === "1" ? "value2" : "value";
  }
  if (head === "min_times") return "minTimes";
  if (head === "within_days") return "withinDays";
  if (head === "not") return "notIds";
  if (["products", "categories", "collections"].includes(head)) return "ids";
  return head || "value";
}

export function SegmentBuilder({ id }: { id?: string }) {
  const t = useT("segments");
  const { catalogue, error: catalogueError, refetch: refetchCatalogue } = useCatalogue();
  const presets = useCrmQuery<{ crmSegmentPresets: Preset[] }>(PRESETS_QUERY);
  const segment = useCrmQuery<{ crmSegment: Segment | null }>(SEGMENT_QUERY, { id }, { skip: !id });
  const error = catalogueError ?? presets.error ?? segment.error;
  if (error) {
    return (
      <ErrorState
        error={error}
        title={id ? t("builder.loadError") : undefined}
        onRetry={() => {
          refetchCatalogue();
          presets.refetch();
          segment.refetch();
        }}
      />
    );
  }
  if (!catalogue || !presets.data || (id && !segment.data)) return <Loading rows={6} />;
  if (id && !segment.data?.crmSegment) {
    return <ErrorState error={{ code: "NOT_FOUND" }} title={t("builder.notFound")} />;
  }
  return (
    <BuilderForm
      key={id ?? "new"}
      catalogue={catalogue}
      presets={presets.data.crmSegmentPresets}
      segment={segment.data?.crmSegment ?? null}
      onSaved={segment.refetch}
    />
  );
}

function BuilderForm({
  catalogue,
  presets,
  segment,
  onSaved,
}: {
  catalogue: Catalogue;
  presets: Preset[];
  segment: Segment | null;
  onSaved: () => void;
}) {
  const t = useT("segments");
  const f = useFormat();
  const message = useErrorMessage();
  const notify = useNotify();
  const navigate = useNavigate();
  const location = useLocation();
  const { channel: currentChannel, channels } = useChannel();

  const [initial] = useState(() => {
    if (segment) return { form: formOf(segment, catalogue), prefillError: false };
    const { prefill, error } = parsePrefill(location.search);
    const built = prefill.rule !== undefined ? safeState(prefill.rule, catalogue) : { state: emptyState(), error: false };
    const preset = prefill.preset && presets.some((p) => p.key === prefill.preset) ? prefill.preset : "";
    const form: Form = {
      name: prefill.name ?? "",
      description: "",
      channel: prefill.channel ?? currentChannel?.slug ?? "",
      kind: prefill.kind ?? "DYNAMIC",
      mode: preset ? "preset" : "rule",
      rule: built.state,
      preset,
      thresholds: Object.fromEntries(Object.entries(prefill.params ?? {}).map(([k, v]) => [k, String(v)])),
    };
    if (preset && !form.name) {
      const p = presets.find((x) => x.key === preset);
      if (p) form.name = presetTitle(t, p);
    }
    return { form, prefillError: error || built.error || Boolean(prefill.preset && !preset) };
  });
  const [form, setForm] = useState<Form>(initial.form);
  const [saved, setSaved] = useState<Form>(initial.form);
  const [attempted, setAttempted] = useState(false);
  const [serverErrors, setServerErrors] = useState<CrmError[]>([]);
  // the tab is in the URL (?tab=members), so a reload or a shared link opens it
  const [searchParams, setSearchParams] = useSearchParams();
  const tabParam = searchParams.get("tab");
  const tab: "rule" | "members" | "events" =
    segment && (tabParam === "members" || tabParam === "events") ? tabParam : "rule";
  const setTab = (next: string) =>
    setSearchParams(next === "rule" ? {} : { tab: next }, { replace: true });
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [create, { loading: creating }] = useCrmMutation<{ crmSegmentCreate: { segment: Segment | null; errors: CrmError[] } }>(
    CREATE_MUTATION,
  );
  const [update, { loading: updating }] = useCrmMutation<{ crmSegmentUpdate: { segment: Segment | null; errors: CrmError[] } }>(
    UPDATE_MUTATION,
  );
  const [remove, { loading: deleting }] = useCrmMutation<{ crmSegmentDelete: { errors: CrmError[] } }>(DELETE_MUTATION);

  useEffect(() => {
    if (initial.prefillError) notify({ status: "warning", title: t("builder.prefillError") });
    // once, for the link that opened the builder
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const preset = presets.find((p) => p.key === form.preset);
  const problems = useMemo(
    () => (form.mode === "rule" ? validateState(form.rule, catalogue) : []),
    [form.mode, form.rule, catalogue],
  );
  const params = preset ? thresholdParams(preset.defaults, form.thresholds) : null;
  const rule = useMemo(() => ruleFromState(form.rule, catalogue), [form.rule, catalogue]);
  const channel = form.channel || null;
  const pickerOptions = usePickerOptions(channel);
  const preview = usePreview(
    form.mode === "rule"
      ? problems.length === 0
        ? { rule, channel }
        : null
      : preset && params
        ? { preset: preset.key, presetParams: params, channel }
        : null,
  );

  // the API's rule errors, pointed at the editor's nodes
  const ruleErrorText = (e: CrmError) => `${message(e)} ${ruleDetail(e)}`.trim();
  const { byField, rule: ruleErrors, other } = splitErrors(serverErrors);
  const serverProblems: Problem[] = [];
  const unplaced: CrmError[] = [];
  for (const e of ruleErrors) {
    const path = rulePath(e);
    const hit = form.mode === "rule" && path != null ? nodeAtPath(form.rule, path) : undefined;
    if (hit && hit.node.id !== form.rule.id) {
      serverProblems.push({
        nodeId: hit.node.id,
        part: serverPart(hit.part, hit.node, catalogue),
        message: "server",
        values: { detail: ruleErrorText(e) },
      });
    } else unplaced.push(e);
  }
  const shown = attempted ? problems : problems.filter((p) => !UNTIL_SAVE.has(p.message));
  const problemMap = problemsByNode([...shown, ...serverProblems]);

  const dirty = JSON.stringify(form) !== JSON.stringify(saved);
  const edit = (patch: Partial<Form>) => {
    setForm((f) => ({ ...f, ...patch }));
    if (serverErrors.length) setServerErrors([]);
  };
  const busy = creating || updating;

  const save = async () => {
    setAttempted(true);
    if (!form.name.trim()) {
      setServerErrors([{ field: "name", code: "REQUIRED", message: t("builder.nameRequired") }]);
      return;
    }
    if (form.mode === "rule" ? problems.length > 0 : !params) {
      notify({ status: "error", title: t("builder.fixErrors") });
      return;
    }
    const input: Record<string, unknown> = {
      name: form.name.trim(),
      description: form.description,
      channel,
      kind: form.kind,
      ...(form.mode === "rule"
        ? { rule }
        : { preset: form.preset, presetParams: preset && params ? changedParams(preset.defaults, params) : {} }),
    };
    try {
      if (segment) {
        const res = await update({ id: segment.id, input });
        const errors = payloadErrors(res.crmSegmentUpdate);
        if (errors.length) return fail(errors);
        setSaved(form);
        notify({ status: "success", title: t("builder.saved") });
        onSaved();
      } else {
        const res = await create({ input });
        const errors = payloadErrors(res.crmSegmentCreate);
        if (errors.length || !res.crmSegmentCreate.segment) return fail(errors);
        setSaved(form);
        notify({ status: "success", title: t("builder.created") });
        navigate(`/segments/${encodeURIComponent(res.crmSegmentCreate.segment.id)}`, { replace: true });
      }
    } catch (failure) {
      notify({ status: "error", title: message(failure) });
    }
  };
  const fail = (errors: CrmError[]) => {
    setServerErrors(errors);
    const first = errors[0];
    notify({
      status: "error",
      title: t("builder.fixErrors"),
      text: first ? `${message(first)} ${first.field ? `(${first.field})` : ""} ${ruleDetail(first)}`.trim() : undefined,
    });
  };
  const doDelete = async () => {
    if (!segment) return;
    try {
      const res = await remove({ id: segment.id });
      const errors = payloadErrors(res.crmSegmentDelete);
      if (errors.length) {
        notify({ status: "error", title: message(errors[0]) });
        return;
      }
      notify({ status: "success", title: t("builder.deleted") });
      navigate("/segments", { replace: true });
    } catch (failure) {
      notify({ status: "error", title: message(failure) });
    } finally {
      setConfirmDelete(false);
    }
  };

  const fieldError = (name: string) => (byField[name] ? `${message(byField[name])} ${byField[name].message ?? ""}`.trim() : undefined);
  const channelOptions = [
    { value: "", label: t("builder.allChannels") },
    ...channels.map((c) => ({ value: c.slug, label: `${c.name} (${c.currencyCode})` })),
  ];
  if (form.channel && !channels.some((c) => c.slug === form.channel)) {
    channelOptions.push({ value: form.channel, label: form.channel });
  }

  const ruleCard = (
    <Card
      title={t("builder.rule")}
      subtitle={t("builder.ruleHint")}
      testId="rule-card"
      actions={
        <Switch
          value={form.mode}
          onValueChange={(v) => v && edit({ mode: v as Form["mode"], preset: form.preset || presets[0]?.key || "" })}
        >
          <Switch.Item id="mode-rule" value="rule">
            <Text size={2} paddingX={2}>{t("builder.customRule")}</Text>
          </Switch.Item>
          <Switch.Item id="mode-preset" value="preset" disabled={!presets.length}>
            <Text size={2} paddingX={2}>{t("builder.readyMade")}</Text>
          </Switch.Item>
        </Switch>
      }
    >
      {form.mode === "rule" ? (
        <>
          <RuleEditor
            state={form.rule}
            onChange={(rule) => edit({ rule })}
            catalogue={catalogue}
            problems={problemMap}
            options={pickerOptions}
            showProblems
          />
          {unplaced.length > 0 && (
            <Text size={2} color="critical1" role="alert">
              {unplaced.map(ruleErrorText).join(" ")}
            </Text>
          )}
        </>
      ) : (
        <Box display="flex" flexDirection="column" gap={4} data-testid="preset-editor">
          <Select
            __width="360px"
            size="small"
            label={t("builder.preset")}
            options={presets.map((p) => ({ value: p.key, label: presetTitle(t, p) }))}
            value={form.preset}
            onChange={(key: string) => edit({ preset: key, thresholds: {} })}
          />
          {preset && (
            <>
              <Text size={3} color="default2">
                {presetDescription(t, preset)}
              </Text>
              <ThresholdInputs
                preset={preset}
                values={form.thresholds}
                onChange={(thresholds) => edit({ thresholds })}
              />
            </>
          )}
          {unplaced.length > 0 && (
            <Text size={2} color="critical1" role="alert">
              {unplaced.map(ruleErrorText).join(" ")}
            </Text>
          )}
          {segment?.preset && !dirty && (
            <Box>
              <Button
                variant="secondary"
                size="small"
                onClick={() => edit({ mode: "rule", rule: safeState(segment.rule, catalogue).state })}
              >
                {t("builder.convertToRule")}
              </Button>
            </Box>
          )}
        </Box>
      )}
    </Card>
  );

  return (
    <Box display="flex" flexDirection="column" gap={6} data-testid="segment-builder">
      <Box>
        <Button variant="tertiary" size="small" onClick={() => navigate("/segments")}>
          ← {t("builder.back")}
        </Button>
      </Box>
      <PageHeader
        title={segment ? segment.name : t("builder.newTitle")}
        subtitle={
          segment
            ? [
                t(`kind.${segment.kind}`),
                segment.channel ? (channels.find((c) => c.slug === segment.channel)?.name ?? segment.channel) : t("list.allChannels"),
                t("detail.members", { count: segment.membersCount, n: f.number(segment.membersCount) }),
                segment.computedAt ? t("detail.computedAt", { date: f.dateTime(segment.computedAt) }) : t("detail.neverComputed"),
              ].join(" · ")
            : undefined
        }
        actions={
          segment ? (
            <>
              <SegmentActions segment={segment} onRefreshed={onSaved} />
              <Button variant="error" icon={<Trash2 size={16} />} onClick={() => setConfirmDelete(true)}>
                {t("builder.delete")}
              </Button>
            </>
          ) : undefined
        }
      />
      {segment && (
        <Switch value={tab} onValueChange={(v) => v && setTab(v)} __width="fit-content">
          <Switch.Item id="tab-rule" value="rule">
            <Text size={3} paddingX={3}>{t("detail.tabRule")}</Text>
          </Switch.Item>
          <Switch.Item id="tab-members" value="members">
            <Text size={3} paddingX={3}>{t("detail.tabMembers")}</Text>
          </Switch.Item>
          <Switch.Item id="tab-events" value="events">
            <Text size={3} paddingX={3}>{t("detail.tabEvents")}</Text>
          </Switch.Item>
        </Switch>
      )}
      {segment && tab === "members" && <SegmentMembers segment={segment} onChanged={onSaved} />}
      {segment && tab === "events" && <SegmentEvents segment={segment} />}
      {tab === "rule" && (
        <Box display="grid" gap={6} __gridTemplateColumns="minmax(0, 1fr) 300px" data-testid="builder-grid">
          <Box display="flex" flexDirection="column" gap={6} minWidth={0}>
            <Card testId="segment-form">
              <Box display="grid" gap={4} __gridTemplateColumns="minmax(0, 2fr) minmax(0, 1fr)">
                <Input
                  label={t("builder.name")}
                  value={form.name}
                  error={Boolean(fieldError("name"))}
                  helperText={fieldError("name")}
                  onChange={(e) => edit({ name: e.target.value })}
                  data-testid="segment-name"
                />
                <Select
                  label={t("builder.channel")}
                  options={channelOptions}
                  value={form.channel}
                  error={Boolean(fieldError("channel"))}
                  helperText={fieldError("channel")}
                  onChange={(v: string) => edit({ channel: v })}
                />
              </Box>
              <Textarea
                label={t("builder.description")}
                value={form.description}
                rows={2}
                error={Boolean(fieldError("description"))}
                helperText={fieldError("description")}
                onChange={(e) => edit({ description: e.target.value })}
              />
              <Box display="flex" flexDirection="column" gap={2}>
                <Text size={2} color="default2">
                  {t("builder.kind")}
                </Text>
                <Switch value={form.kind} onValueChange={(v) => v && edit({ kind: v as SegmentKind })} __width="fit-content">
                  <Switch.Item id="kind-dynamic" value="DYNAMIC">
                    <Text size={2} paddingX={2}>{t("kind.DYNAMIC")}</Text>
                  </Switch.Item>
                  <Switch.Item id="kind-static" value="STATIC">
                    <Text size={2} paddingX={2}>{t("kind.STATIC")}</Text>
                  </Switch.Item>
                </Switch>
                <Text size={2} color="default2">
                  {t(form.kind === "DYNAMIC" ? "kind.dynamicHint" : "kind.staticHint")}
                </Text>
              </Box>
            </Card>
            {ruleCard}
          </Box>
          <Box display="flex" flexDirection="column" gap={6}>
            <Box position="sticky" __top="16px">
              <LiveCount
                preview={preview}
                empty={form.mode === "rule" && form.rule.children.length === 0}
                incomplete={form.mode === "rule" ? problems.length > 0 : !params}
                channel={channel ? (channels.find((c) => c.slug === channel)?.name ?? channel) : null}
              />
            </Box>
          </Box>
        </Box>
      )}
      {other.length > 0 && (
        <Text color="critical1" role="alert">
          {other.map((e) => `${message(e)} ${e.message ?? ""}`).join(" ")}
        </Text>
      )}
      {tab === "rule" && (
        <Box
          position="sticky"
          bottom={0}
          display="flex"
          justifyContent="flex-end"
          alignItems="center"
          gap={3}
          paddingY={3}
          backgroundColor="default1"
          borderTopStyle="solid"
          borderTopWidth={1}
          borderColor="default1"
          data-testid="savebar"
        >
          {dirty && (
            <Text size={2} color="default2" marginRight="auto">
              {t("builder.unsaved")}
            </Text>
          )}
          <Button
            variant="secondary"
            onClick={() => (segment ? setForm(saved) : navigate("/segments"))}
            disabled={busy || (Boolean(segment) && !dirty)}
          >
            {t("builder.cancel")}
          </Button>
          <Button variant="primary" onClick={save} disabled={busy || (Boolean(segment) && !dirty)} data-testid="save">
            {busy ? t("builder.saving") : t("builder.save")}
          </Button>
        </Box>
      )}
      {segment && (
        <ConfirmModal
          open={confirmDelete}
          onClose={() => setConfirmDelete(false)}
          title={t("builder.delete")}
          text={t("builder.deleteConfirm", { name: segment.name })}
          confirmLabel={t("builder.deleteConfirmButton")}
          cancelLabel={t("builder.cancel")}
          onConfirm={doDelete}
          busy={deleting}
        />
      )}
    </Box>
  );
}
