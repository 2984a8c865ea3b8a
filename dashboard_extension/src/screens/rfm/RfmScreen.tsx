/**
 * /rfm — the RFM map of a channel (the ten groups on the recency × frequency
 * grid, coloured by size), group sizes, how customers moved between groups at
 * each recompute, and the scoring thresholds.
 */
import { Box, Button, Input, Select, Text } from "@saleor/macaw-ui";
import { useMemo, useState } from "react";
import { useNavigate } from "react-router-dom";

import { useHasPermission } from "../../auth/AuthProvider";
import { crmRequest, payloadErrors, type TypedError } from "../../api/client";
import { useErrorMessage } from "../../api/errors";
import { useCrmQuery } from "../../api/hooks";
import { useNotify } from "../../api/notify";
import { useFormat } from "../../format";
import { useLocale, useT } from "../../i18n";
import { ChannelPicker, useChannel } from "../../components/channel";
import { Card, EmptyState, PageHeader, QueryStates } from "../coupons/ui";
import { type Dimension, DIMENSIONS, GROUPS, intensity, type Move, netChange, placement, REGIONS, validateThresholds } from "./grid";

export const RFM_QUERY = /* GraphQL */ `
  query CrmRfm($channel: String!) {
    crmRfmGroups(channel: $channel) { group customers }
    crmRfmMovements(channel: $channel, last: 12) { computedAt moves { fromGroup toGroup customers } }
    crmRfmSettings(channel: $channel) { method recencyDays frequency monetary updatedAt }
  }
`;
export const SETTINGS_MUTATION = /* GraphQL */ `
  mutation CrmRfmSettingsUpdate($channel: String!, $input: CRMRfmSettingsInput!) {
    crmRfmSettingsUpdate(channel: $channel, input: $input) {
      settings { method recencyDays frequency monetary updatedAt }
      errors { field code message }
    }
  }
`;
export const RECOMPUTE_MUTATION = /* GraphQL */ `
  mutation CrmRfmRecompute($channel: String!) {
    crmRfmRecompute(channel: $channel) { scored changed errors { field code message } }
  }
`;

/** A channel's scoring settings as the API reads them back (`crmRfmSettings`). */
export interface RfmSettings {
  method: "QUANTILES" | "THRESHOLDS";
  recencyDays: (number | string)[];
  frequency: (number | string)[];
  monetary: (number | string)[];
  /** null: never saved (the default, quantiles, applies) */
  updatedAt: string | null;
}

interface RfmData {
  crmRfmGroups: { group: string; customers: number }[];
  crmRfmMovements: { computedAt: string; moves: Move[] }[];
  crmRfmSettings: RfmSettings;
}

/** Suggested boundaries shown while the method is still quantiles (no monetary default: it depends on the currency). */
const SUGGESTED: Record<Dimension, string[]> = {
  recencyDays: ["30", "90", "180", "365"],
  frequency: ["2", "3", "5", "10"],
  monetary: ["", "", "", ""],
};

/** The form's values: the saved boundaries, else the suggestions. */
export function formValues(settings: RfmSettings | null | undefined): Record<Dimension, string[]> {
  const out = { ...SUGGESTED };
  if (settings?.method !== "THRESHOLDS") return out;
  for (const d of DIMENSIONS) {
    const saved = settings[d] ?? [];
    if (saved.length === 4) out[d] = saved.map((v) => String(Number(v)));
  }
  return out;
}

/** A link to the segment builder with the group as its rule (h4's prefill format). */
export function segmentLink(group: string, channel: string, name: string): string {
  const rule = JSON.stringify({ and: [{ field: "rfm_group", op: "eq", value: group }] });
  const b64 = btoa(unescape(encodeURIComponent(rule))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  const params = new URLSearchParams({ rule: b64, channel, name });
  return `/segments/new?${params.toString()}`;
}

export function RfmScreen() {
  const t = useT("rfm");
  const canManageUsers = useHasPermission("MANAGE_USERS");
  const { channel: current } = useChannel();
  const channel = current?.slug ?? "";
  const q = useCrmQuery<RfmData>(RFM_QUERY, { channel }, { skip: !channel });
  return (
    <Box>
      <PageHeader title={t("title")} actions={<ChannelPicker />} />
      <QueryStates
        loading={q.loading || !channel}
        error={q.error}
        hasData={Boolean(q.data)}
        refetch={q.refetch}
        permission="MANAGE_USERS"
      >
        {() =>
          q.data && (
            <RfmView
              data={q.data}
              channel={channel}
              currency={current?.currencyCode ?? "USD"}
              canEdit={canManageUsers}
              onChanged={q.refetch}
            />
          )
        }
      </QueryStates>
    </Box>
  );
}

export function RfmView({
  data,
  channel,
  currency,
  canEdit,
  onChanged,
}: {
  data: RfmData;
  channel: string;
  currency: string;
  canEdit: boolean;
  onChanged: () => void;
}) {
  const t = useT("rfm");
  const common = useT("common");
  const f = useFormat();
  const navigate = useNavigate();
  const counts = useMemo(() => new Map(data.crmRfmGroups.map((g) => [g.group, g.customers])), [data]);
  const total = data.crmRfmGroups.reduce((s, g) => s + g.customers, 0);
  // the group names the whole app uses (common.rfmGroup, checked against the backend)
  const groupName = (g: string | null) => (g ? common(`rfmGroup.${g}`) : t("newlyScored"));

  return (
    <Box display="grid" __gridTemplateColumns="minmax(0, 3fr) minmax(0, 2fr)" gap={6} alignItems="start">
      <Box display="flex" flexDirection="column" gap={5}>
        <Card title={t("map.title")} description={t("map.description")}>
          {total === 0 ? (
            <EmptyState title={t("map.emptyTitle")} text={t("map.emptyText")} />
          ) : (
            <Box display="flex" flexDirection="column" gap={2}>
              <Text size={2} color="default2">
                {t("map.frequencyAxis")}
              </Text>
            <Box display="flex" gap={2}>
              <Box display="grid" __gridTemplateRows="repeat(5, 64px)" gap={1}>
                {[5, 4, 3, 2, 1].map((fs) => (
                  <Box key={fs} display="flex" alignItems="center">
                    <Text size={1} color="default2">
                      F{fs}
                    </Text>
                  </Box>
                ))}
              </Box>
              <Box flexGrow="1" display="flex" flexDirection="column" gap={2}>
                <Box
                  display="grid"
                  __gridTemplateColumns="repeat(5, minmax(0, 1fr))"
                  __gridTemplateRows="repeat(5, 64px)"
                  gap={1}
                  data-testid="rfm-map"
                >
                  {REGIONS.map((region) => {
                    const n = counts.get(region.group) ?? 0;
                    const k = intensity(counts, region.group);
                    return (
                      <Box
                        key={region.group}
                        as="button"
                        type="button"
                        onClick={() => navigate(segmentLink(region.group, channel, groupName(region.group)))}
                        title={t("map.cellTitle", { group: groupName(region.group) })}
                        borderRadius={3}
                        borderWidth={0}
                        padding={2}
                        cursor="pointer"
                        display="flex"
                        flexDirection="column"
                        justifyContent="space-between"
                        textAlign="left"
                        style={{
                          ...placement(region),
                          background: `color-mix(in srgb, var(--mu-colors-background-accent1) ${Math.round(12 + k * 78)}%, transparent)`,
                          color: k > 0.55 ? "var(--mu-colors-text-button-default-primary, #fff)" : "inherit",
                        }}
                        data-testid={`rfm-cell-${region.group}`}
                      >
                        <Text size={2} fontWeight="bold" color="inherit">
                          {groupName(region.group)}
                        </Text>
                        <Text size={2} color="inherit">
                          {f.number(n)} · {f.percent(total ? n / total : 0)}
                        </Text>
                      </Box>
                    );
                  })}
                </Box>
                <Box display="grid" __gridTemplateColumns="repeat(5, minmax(0, 1fr))">
                  {[1, 2, 3, 4, 5].map((r) => (
                    <Text key={r} size={1} color="default2" textAlign="center">
                      R{r}
                    </Text>
                  ))}
                </Box>
                <Text size={2} color="default2" textAlign="center">
                  {t("map.recencyAxis")}
                </Text>
                <Text size={2} color="default2">
                  {t("map.cantLoseNote", { cantLose: groupName("cant_lose"), atRisk: groupName("at_risk") })}
                </Text>
              </Box>
            </Box>
            </Box>
          )}
        </Card>
        <MovementsCard periods={data.crmRfmMovements} groupName={groupName} />
      </Box>
      <Box display="flex" flexDirection="column" gap={5}>
        <Card title={t("sizes.title")}>
          <Box display="flex" flexDirection="column" gap={2} data-testid="rfm-sizes">
            {GROUPS.map((g) => {
              const n = counts.get(g) ?? 0;
              return (
                <Box key={g} display="grid" __gridTemplateColumns="150px 1fr 90px" gap={2} alignItems="center">
                  <Text size={3}>{groupName(g)}</Text>
                  <Box backgroundColor="default2" borderRadius={2} __height="8px">
                    <Box backgroundColor="accent1" borderRadius={2} __height="8px" __width={`${total ? (n / total) * 100 : 0}%`} />
                  </Box>
                  <Text size={3} textAlign="right">
                    {f.number(n)}
                  </Text>
                </Box>
              );
            })}
            <Text size={2} color="default2">
              {t("sizes.total", { count: f.number(total) })}
            </Text>
          </Box>
        </Card>
        <ThresholdsCard
          // re-initialise the form from what was saved once it is read back
          key={`${channel}:${data.crmRfmSettings?.updatedAt ?? "default"}`}
          settings={data.crmRfmSettings ?? null}
          channel={channel}
          currency={currency}
          canEdit={canEdit}
          onChanged={onChanged}
        />
      </Box>
    </Box>
  );
}

function MovementsCard({
  periods,
  groupName,
}: {
  periods: { computedAt: string; moves: Move[] }[];
  groupName: (g: string | null) => string;
}) {
  const t = useT("rfm");
  const f = useFormat();
  const [index, setIndex] = useState(0);
  const period = periods[index];
  const options = periods.map((p, i) => ({ value: String(i), label: f.dateTime(p.computedAt) }));
  const moves = [...(period?.moves ?? [])].filter((m) => m.fromGroup !== m.toGroup).sort((a, b) => b.customers - a.customers);
  const net = netChange(period?.moves ?? []);
  const max = Math.max(1, ...moves.map((m) => m.customers));
  return (
    <Card
      title={t("moves.title")}
      description={t("moves.description")}
      actions={
        options.length > 1 && (
          <Box __width="220px">
            <Select
              label={t("moves.period")}
              options={options}
              value={options[index] ?? null}
              onChange={(o) => setIndex(Number(o?.value ?? 0))}
              size="small"
            />
          </Box>
        )
      }
    >
      {!period ? (
        <Text size={3} color="default2">
          {t("moves.empty")}
        </Text>
      ) : (
        <Box display="flex" flexDirection="column" gap={4} data-testid="rfm-moves">
          <Box display="flex" flexWrap="wrap" gap={2}>
            {GROUPS.filter((g) => net.get(g)).map((g) => {
              const d = net.get(g) ?? 0;
              return (
                <Box key={g} paddingX={2} paddingY={1} borderRadius={3} backgroundColor="default2">
                  <Text size={2}>
                    {groupName(g)}{" "}
                    <Text size={2} fontWeight="bold" color={d > 0 ? "success1" : "critical1"}>
                      {d > 0 ? `+${f.number(d)}` : f.number(d)}
                    </Text>
                  </Text>
                </Box>
              );
            })}
          </Box>
          {moves.length === 0 ? (
            <Text size={3} color="default2">
              {t("moves.none")}
            </Text>
          ) : (
            moves.slice(0, 15).map((m) => (
              <Box key={`${m.fromGroup}-${m.toGroup}`} display="grid" __gridTemplateColumns="1fr 1fr 80px" gap={2} alignItems="center">
                <Text size={3}>
                  {groupName(m.fromGroup)} → {groupName(m.toGroup)}
                </Text>
                <Box backgroundColor="default2" borderRadius={2} __height="8px">
                  <Box backgroundColor="accent1" borderRadius={2} __height="8px" __width={`${(m.customers / max) * 100}%`} />
                </Box>
                <Text size={3} textAlign="right">
                  {f.number(m.customers)}
                </Text>
              </Box>
            ))
          )}
        </Box>
      )}
    </Card>
  );
}

function ThresholdsCard({
  settings,
  channel,
  currency,
  canEdit,
  onChanged,
}: {
  settings: RfmSettings | null;
  channel: string;
  currency: string;
  canEdit: boolean;
  onChanged: () => void;
}) {
  const t = useT("rfm");
  const tc = useT("coupons");
  const locale = useLocale();
  const notify = useNotify();
  const errorMessage = useErrorMessage();
  const f = useFormat();
  const [method, setMethod] = useState<"QUANTILES" | "THRESHOLDS">(settings?.method ?? "QUANTILES");
  const [values, setValues] = useState<Record<Dimension, string[]>>(() => formValues(settings));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const typed = (e: TypedError) => (locale === "en" && e.message ? e.message : errorMessage(e));

  async function save() {
    const input: Record<string, unknown> = { method };
    if (method === "THRESHOLDS") {
      const problems = validateThresholds(values);
      setErrors(Object.fromEntries(problems.map((p) => [p.field, tc(p.key)])));
      if (problems.length) {
        notify({ status: "error", title: tc("notify.fixFields") });
        return;
      }
      for (const d of DIMENSIONS) input[d] = values[d].map((v) => v.trim());
    }
    setBusy(true);
    try {
      const res = await crmRequest<{ crmRfmSettingsUpdate: { errors: TypedError[] } }>(SETTINGS_MUTATION, { channel, input });
      const errs = payloadErrors(res.crmRfmSettingsUpdate);
      if (errs.length) {
        setErrors(Object.fromEntries(errs.map((e) => [e.field ?? "form", typed(e)])));
        notify({ status: "error", title: tc("notify.failed"), text: typed(errs[0]) });
        return;
      }
      setErrors({});
      notify({ status: "success", title: t("thresholds.saved") });
      onChanged();
    } catch (e) {
      notify({ status: "error", title: tc("notify.failed"), text: errorMessage(e) });
    } finally {
      setBusy(false);
    }
  }

  async function recompute() {
    setBusy(true);
    try {
      const res = await crmRequest<{ crmRfmRecompute: { scored: number | null; changed: number | null; errors: TypedError[] } }>(
        RECOMPUTE_MUTATION,
        { channel },
      );
      const errs = payloadErrors(res.crmRfmRecompute);
      if (errs.length) notify({ status: "error", title: tc("notify.failed"), text: typed(errs[0]) });
      else {
        notify({
          status: "success",
          title: t("thresholds.recomputed", { scored: res.crmRfmRecompute.scored ?? 0, changed: res.crmRfmRecompute.changed ?? 0 }),
        });
        onChanged();
      }
    } catch (e) {
      notify({ status: "error", title: tc("notify.failed"), text: errorMessage(e) });
    } finally {
      setBusy(false);
    }
  }

  const methodOptions = (["QUANTILES", "THRESHOLDS"] as const).map((m) => ({ value: m, label: t(`thresholds.${m}`) }));
  return (
    <Card title={t("thresholds.title")} description={t("thresholds.description")}>
      <Box display="flex" flexDirection="column" gap={1} data-testid="rfm-current-settings">
        <Text size={3} fontWeight="medium">
          {t("thresholds.current", { method: t(`thresholds.${settings?.method ?? "QUANTILES"}`) })}
        </Text>
        {settings?.method === "THRESHOLDS" &&
          DIMENSIONS.map((d) => (
            <Text key={d} size={2} color="default2">
              {t(`thresholds.${d}`, { currency })}: {(settings[d] ?? []).map((v) => (d === "monetary" ? f.money(Number(v), currency) : f.number(Number(v)))).join(" / ")}
            </Text>
          ))}
        <Text size={2} color="default2">
          {settings?.updatedAt ? t("thresholds.updatedAt", { date: f.dateTime(settings.updatedAt) }) : t("thresholds.neverSaved")}
        </Text>
      </Box>
      <Select
        label={t("thresholds.method")}
        options={methodOptions}
        value={methodOptions.find((o) => o.value === method) ?? null}
        onChange={(o) => setMethod((o?.value ?? "QUANTILES") as "QUANTILES" | "THRESHOLDS")}
        disabled={!canEdit}
        helperText={t(`thresholds.${method}Help`)}
      />
      {method === "THRESHOLDS" &&
        DIMENSIONS.map((d) => (
          <Box key={d} display="flex" flexDirection="column" gap={1}>
            <Text size={3} fontWeight="medium">
              {t(`thresholds.${d}`, { currency })}
            </Text>
            <Box display="grid" __gridTemplateColumns="repeat(4, minmax(0, 1fr))" gap={2}>
              {values[d].map((v, i) => (
                <Input
                  key={i}
                  type="number"
                  size="small"
                  aria-label={`${t(`thresholds.${d}`, { currency })} ${i + 1}`}
                  value={v}
                  disabled={!canEdit}
                  error={Boolean(errors[d])}
                  onChange={(e) =>
                    setValues((s) => ({ ...s, [d]: s[d].map((x, j) => (j === i ? e.target.value : x)) }))
                  }
                />
              ))}
            </Box>
            <Text size={2} color={errors[d] ? "critical1" : "default2"}>
              {errors[d] ?? t(`thresholds.${d}Help`)}
            </Text>
          </Box>
        ))}
      {errors.form && <Text color="critical1">{errors.form}</Text>}
      {canEdit && (
        <Box display="flex" gap={2} justifyContent="flex-end">
          <Button variant="secondary" onClick={recompute} disabled={busy} data-testid="rfm-recompute">
            {t("thresholds.recompute")}
          </Button>
          <Button onClick={save} disabled={busy} data-testid="rfm-save">
            {t("thresholds.save")}
          </Button>
        </Box>
      )}
    </Card>
  );
}
