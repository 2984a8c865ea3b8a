/**
 * Overview: the shop's KPIs per channel and period, charts, the RFM map, cohorts, LTV, dormant
 * customers, revenue by RFM group and tier. Clicking a group opens the segment builder pre-filled.
 */
import { Box, Button, Text } from "@saleor/macaw-ui";
import { Users } from "lucide-react";
import { type ReactNode, useMemo, useState } from "react";
import { useNavigate } from "react-router-dom";

import { useCrmQuery } from "../../api/hooks";
import { PageHeader } from "../../components/PageHeader";
import { BarChart, ChartEmpty, HBarChart, LineChart } from "../../components/charts";
import { ChannelPicker, useChannel } from "../../components/channel";
import { type DateRange, DateRangePicker, type RangePreset, presetRange } from "../../components/DateRangePicker";
import { Empty, ErrorState, Loading } from "../../components/states";
import { useErrorMessage } from "../../api/errors";
import { useHasPermission } from "../../auth/AuthProvider";
import { useFormat } from "../../format";
import { useT } from "../../i18n";
import { CohortHeatmap } from "./CohortHeatmap";
import { type AnalyticsError, type Cohort, OVERVIEW_QUERY, type OverviewData } from "./queries";
import { RfmGrid } from "./RfmGrid";
import { cohortCellRule, rfmGroupRule, segmentBuilderUrl, tierRule } from "./segmentLink";

export type Grain = "DAY" | "WEEK" | "MONTH";

/** A grain that gives a readable number of points (and stays within the API's bucket limits). */
export function grainFor(range: DateRange): Grain {
  const days = (Date.parse(range.lte) - Date.parse(range.gte)) / 86_400_000 + 1;
  if (days <= 62) return "DAY";
  if (days <= 200) return "WEEK";
  return "MONTH";
}

/** Cohorts: the acquisition months of the last 12 months of the period. */
export function cohortRange(range: DateRange): DateRange {
  const end = new Date(`${range.lte}T00:00:00Z`);
  const start = new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth() - 11, 1));
  const gte = start.toISOString().slice(0, 10) < range.gte ? range.gte : start.toISOString().slice(0, 10);
  return { gte, lte: range.lte };
}

/** Size-weighted LTV at `months` over the cohorts old enough to have it. */
export function averageLtv(cohorts: Cohort[], months: number): number | null {
  let weight = 0;
  let sum = 0;
  for (const c of cohorts) {
    const v = c.ltv.find((l) => l.months === months)?.value;
    if (v && c.size > 0) {
      weight += c.size;
      sum += v.amount * c.size;
    }
  }
  return weight ? sum / weight : null;
}

export function Card({ title, children, action, testId }: { title: ReactNode; children: ReactNode; action?: ReactNode; testId?: string }) {
  return (
    <Box
      as="section"
      padding={4}
      borderRadius={4}
      borderStyle="solid"
      borderWidth={1}
      borderColor="default1"
      backgroundColor="default1"
      display="flex"
      flexDirection="column"
      gap={3}
      data-testid={testId}
      style={{ minWidth: 0 }}
    >
      <Box display="flex" justifyContent="space-between" alignItems="center" gap={2}>
        <Text as="h2" size={5} fontWeight="bold">
          {title}
        </Text>
        {action}
      </Box>
      {children}
    </Box>
  );
}

export function Kpi({ label, value, hint, testId }: { label: string; value: string; hint?: string; testId?: string }) {
  return (
    <Box
      padding={4}
      borderRadius={4}
      borderStyle="solid"
      borderWidth={1}
      borderColor="default1"
      display="flex"
      flexDirection="column"
      gap={1}
      data-testid={testId}
    >
      <Text size={2} color="default2">
        {label}
      </Text>
      <Text size={8} fontWeight="bold" style={{ fontVariantNumeric: "tabular-nums" }}>
        {value}
      </Text>
      {hint && (
        <Text size={1} color="default2">
          {hint}
        </Text>
      )}
    </Box>
  );
}

function SectionError({ errors }: { errors: AnalyticsError[] }) {
  const msg = useErrorMessage();
  return (
    <Text color="critical1" role="alert">
      {msg(errors[0])}
    </Text>
  );
}

const twoColumns = { display: "grid", gap: 16, gridTemplateColumns: "repeat(auto-fit, minmax(min(100%, 420px), 1fr))" } as const;

export default function OverviewScreen() {
  const t = useT("overview");
  const tc = useT("common");
  const f = useFormat();
  const navigate = useNavigate();
  const { channel, loading: channelsLoading, error: channelsError, refetch: refetchChannels } = useChannel();
  const [preset, setPreset] = useState<RangePreset>("90d");
  const [range, setRange] = useState<DateRange>(() => presetRange("90d"));
  const grain = grainFor(range);
  const variables = useMemo(
    () => ({ channel: channel?.slug ?? "", range, grain, cohortRange: cohortRange(range) }),
    [channel?.slug, range, grain],
  );
  const canView = useHasPermission("MANAGE_USERS");
  const { data, loading, error, refetch } = useCrmQuery<OverviewData>(OVERVIEW_QUERY, variables, { skip: !channel || !canView });

  const header = (
    <PageHeader
      title={t("title")}
      subtitle={channel ? t("subtitle", { channel: channel.name, from: f.date(range.gte), to: f.date(range.lte) }) : undefined}
      actions={
        <>
          <ChannelPicker />
          <DateRangePicker
            preset={preset}
            value={range}
            onChange={(p, r) => {
              setPreset(p);
              setRange(r);
            }}
          />
        </>
      }
    />
  );

  if (!canView) return <Empty title={tc("noAccess", { permission: "MANAGE_USERS" })} />;
  if (channelsError) return <ErrorState error={channelsError} onRetry={refetchChannels} />;
  if (channelsLoading && !channel) return <Loading rows={6} />;
  if (!channel) return <Empty title={tc("noChannel")} />;

  const body = (() => {
    if (error) return <ErrorState error={error} onRetry={refetch} />;
    if (!data) return <Loading rows={8} />;
    return <OverviewBody data={data} grain={grain} channelSlug={channel.slug} navigate={navigate} />;
  })();

  return (
    <Box display="flex" flexDirection="column" gap={4} aria-busy={loading}>
      {header}
      {body}
    </Box>
  );
}

function OverviewBody({
  data,
  grain,
  channelSlug,
  navigate,
}: {
  data: OverviewData;
  grain: Grain;
  channelSlug: string;
  navigate: (to: string) => void;
}) {
  const t = useT("overview");
  const tc = useT("common");
  const f = useFormat();
  const kp = data.crmAnalyticsKpis;
  const kpis = kp.kpis;
  const cohorts = data.crmAnalyticsCohorts.cohorts?.cohorts ?? [];
  const dormant = data.crmAnalyticsDormant.dormant;
  const tz = kpis?.timeZone;
  const currency = kpis?.currency ?? data.rfmBreakdown.currency ?? undefined;
  const periodLabel = (start: string) => f.date(start, undefined, grain === "MONTH" ? "month" : "short");
  const ltv12 = averageLtv(cohorts, 12);
  const ltv3 = averageLtv(cohorts, 3);
  const total = kpis?.total;
  const noCustomers = (total?.activeCustomers ?? 0) === 0 && (dormant?.buyers ?? 0) === 0;

  if (!kpis && kp.errors.length) return <SectionError errors={kp.errors} />;

  const goGroup = (group: string) =>
    navigate(segmentBuilderUrl({ rule: rfmGroupRule(group), channel: channelSlug, name: tc(`rfmGroup.${group}`) }));

  return (
    <Box display="flex" flexDirection="column" gap={4}>
      {total && !noCustomers && (
        <Box as="section" aria-label={t("kpi.label")} display="grid" gap={3} style={{ gridTemplateColumns: "repeat(auto-fill, minmax(min(100%, 250px), 1fr))" }}>
          <Kpi testId="kpi-revenue" label={t("kpi.revenue")} value={f.money(total.revenue)} hint={t("kpi.ordersHint", { orders: f.number(total.orders) })} />
          <Kpi testId="kpi-aov" label={t("kpi.aov")} value={f.money(total.averageOrderValue, currency)} />
          <Kpi testId="kpi-active" label={t("kpi.active")} value={f.number(total.activeCustomers)} hint={t("kpi.newHint", { count: total.newCustomers, n: f.number(total.newCustomers) })} />
          <Kpi testId="kpi-repeat" label={t("kpi.repeatRate")} value={f.percent(total.repeatPurchaseRate)} hint={t("kpi.repeatHint", { n: f.number(total.repeatCustomers) })} />
          <Kpi
            testId="kpi-f2"
            label={t("kpi.f2")}
            value={f.percent(total.f2Conversion)}
            hint={t("kpi.f2Hint", { days: kpis.f2Days, converted: f.number(total.f2Converted), eligible: f.number(total.f2Eligible) })}
          />
          <Kpi
            testId="kpi-ltv"
            label={t("kpi.ltv12")}
            value={ltv12 !== null ? f.money(ltv12, currency) : ltv3 !== null ? f.money(ltv3, currency) : "—"}
            hint={ltv12 !== null ? t("kpi.ltvHint") : ltv3 !== null ? t("kpi.ltv3Hint") : t("kpi.ltvNone")}
          />
          <Kpi
            testId="kpi-dormant"
            label={t("kpi.dormant")}
            value={f.percent(dormant ? (dormant.buyers ? (dormant.dormantOneTime + dormant.dormantFormerRegulars) / dormant.buyers : null) : null)}
            hint={dormant ? t("kpi.dormantHint", { n: f.number(dormant.dormantOneTime + dormant.dormantFormerRegulars), buyers: f.number(dormant.buyers) }) : undefined}
          />
          <Kpi
            testId="kpi-second"
            label={t("kpi.secondOrderDays")}
            value={total.secondOrderMedianDays === null ? "—" : t("days", { n: f.number(total.secondOrderMedianDays) })}
            hint={t("kpi.secondOrderHint", { n: f.number(total.secondOrderCustomers) })}
          />
        </Box>
      )}

      {noCustomers ? (
        <Empty icon={<Users size={32} aria-hidden />} title={t("empty.title")} text={t("empty.text")} />
      ) : (
        <>
          <div style={twoColumns}>
            <Card title={t("charts.revenue")} testId="chart-revenue">
              {kpis && kpis.periods.length ? (
                <BarChart
                  ariaLabel={t("charts.revenue")}
                  format={(v) => f.money(v, currency)}
                  axisFormat={(v) => f.money(v, currency, { compact: true })}
                  data={kpis.periods.map((p) => ({
                    key: p.start,
                    label: periodLabel(p.start),
                    value: p.revenue.amount,
                    title: `${f.date(p.start, tz)} – ${f.date(p.end, tz)}: ${f.money(p.revenue)} · ${t("kpi.ordersHint", { orders: f.number(p.orders) })}`,
                  }))}
                />
              ) : (
                <ChartEmpty>{t("empty.period")}</ChartEmpty>
              )}
            </Card>
            <Card title={t("charts.customers")} testId="chart-customers">
              {kpis && kpis.periods.length ? (
                <LineChart
                  ariaLabel={t("charts.customers")}
                  format={(v) => f.number(v)}
                  labels={kpis.periods.map((p) => periodLabel(p.start))}
                  series={[
                    { name: t("series.active"), values: kpis.periods.map((p) => p.activeCustomers) },
                    { name: t("series.new"), values: kpis.periods.map((p) => p.newCustomers) },
                    { name: t("series.returning"), values: kpis.periods.map((p) => p.returningCustomers) },
                  ]}
                />
              ) : (
                <ChartEmpty>{t("empty.period")}</ChartEmpty>
              )}
            </Card>
          </div>

          <div style={twoColumns}>
            <Card title={t("rfm.title")} testId="rfm-card" action={<Text size={1} color="default2">{t("rfm.hint")}</Text>}>
              {data.crmRfmGroups.some((g) => g.customers > 0) ? (
                <RfmGrid groups={data.crmRfmGroups} onSelect={goGroup} />
              ) : (
                <ChartEmpty>{t("rfm.empty")}</ChartEmpty>
              )}
            </Card>
            <Card title={t("byRfm.title")} testId="by-rfm">
              {data.rfmBreakdown.errors.length ? (
                <SectionError errors={data.rfmBreakdown.errors} />
              ) : data.rfmBreakdown.groups?.some((g) => g.customers > 0) ? (
                <HBarChart
                  ariaLabel={t("byRfm.title")}
                  format={(v) => f.money(v, data.rfmBreakdown.currency ?? currency, { compact: true })}
                  secondary={(d) => t("customersN", { n: f.number(data.rfmBreakdown.groups!.find((g) => g.key === d.key)?.customers ?? 0) })}
                  data={data.rfmBreakdown.groups!.map((g) => ({
                    key: g.key,
                    label: tc(`rfmGroup.${g.key}`),
                    value: g.revenue.amount,
                    title: `${tc(`rfmGroup.${g.key}`)}: ${f.money(g.revenue)} · ${t("customersN", { n: f.number(g.customers) })} — ${t("rfm.cellAction")}`,
                    onClick: () => goGroup(g.key),
                  }))}
                />
              ) : (
                <ChartEmpty>{t("rfm.empty")}</ChartEmpty>
              )}
            </Card>
          </div>

          <Card title={t("cohorts.title")} testId="cohorts" action={<Text size={1} color="default2">{t("cohorts.hint")}</Text>}>
            {data.crmAnalyticsCohorts.errors.length ? (
              <SectionError errors={data.crmAnalyticsCohorts.errors} />
            ) : cohorts.some((c) => c.size > 0) ? (
              <CohortHeatmap
                cohorts={cohorts.filter((c) => c.size > 0)}
                onCell={(month, k) =>
                  navigate(
                    segmentBuilderUrl({
                      // months in the channel's time zone, as the cohorts are counted
                      rule: cohortCellRule(month, k, data.crmAnalyticsCohorts.cohorts?.timeZone ?? "UTC"),
                      channel: channelSlug,
                      name: t("cohorts.segmentName", { month: f.date(month, undefined, "month"), n: k }),
                    }),
                  )
                }
              />
            ) : (
              <ChartEmpty>{t("cohorts.empty")}</ChartEmpty>
            )}
          </Card>

          <div style={twoColumns}>
            <Card title={t("ltv.title")} testId="ltv">
              {[3, 6, 12, 24].some((m) => averageLtv(cohorts, m) !== null) ? (
                <HBarChart
                  ariaLabel={t("ltv.title")}
                  format={(v) => f.money(v, currency)}
                  data={[3, 6, 12, 24]
                    .map((m) => ({ m, v: averageLtv(cohorts, m) }))
                    .filter((x) => x.v !== null)
                    .map(({ m, v }) => ({ key: String(m), label: t("ltv.months", { n: m }), value: v as number }))}
                />
              ) : (
                <ChartEmpty>{t("kpi.ltvNone")}</ChartEmpty>
              )}
              <Text size={1} color="default2">
                {t("ltv.hint")}
              </Text>
            </Card>
            <Card title={t("dormant.title")} testId="dormant">
              {dormant ? (
                <Box display="flex" flexDirection="column" gap={3}>
                  <DormantRow
                    label={t("dormant.oneTime", { days: dormant.oneTimeAfterDays })}
                    count={dormant.dormantOneTime}
                    share={dormant.dormantOneTimeShare}
                    onClick={() =>
                      navigate(
                        segmentBuilderUrl({
                          preset: "dormant_one_time",
                          params: { after_days: dormant.oneTimeAfterDays },
                          channel: channelSlug,
                          name: t("dormant.oneTimeName"),
                        }),
                      )
                    }
                  />
                  <DormantRow
                    label={t("dormant.regulars", { orders: dormant.regularsMinOrders, days: dormant.regularsAfterDays })}
                    count={dormant.dormantFormerRegulars}
                    share={dormant.dormantFormerRegularsShare}
                    onClick={() =>
                      navigate(
                        segmentBuilderUrl({
                          preset: "dormant_former_regulars",
                          params: { min_orders: dormant.regularsMinOrders, after_days: dormant.regularsAfterDays },
                          channel: channelSlug,
                          name: t("dormant.regularsName"),
                        }),
                      )
                    }
                  />
                  <Text size={1} color="default2">
                    {t("dormant.hint", { buyers: f.number(dormant.buyers) })}
                  </Text>
                </Box>
              ) : (
                <SectionError errors={data.crmAnalyticsDormant.errors} />
              )}
            </Card>
          </div>

          <div style={twoColumns}>
            <Card title={t("byTier.title")} testId="by-tier">
              {data.tierBreakdown.groups?.length ? (
                <HBarChart
                  ariaLabel={t("byTier.title")}
                  format={(v) => f.number(v)}
                  secondary={(d) => f.money(data.tierBreakdown.groups!.find((g) => g.key === d.key)?.revenue ?? null, undefined, { compact: true })}
                  data={data.tierBreakdown.groups.map((g) => ({
                    key: g.key,
                    label: g.key,
                    value: g.customers,
                    title: `${g.key}: ${t("customersN", { n: f.number(g.customers) })} · ${f.money(g.revenue)} — ${t("rfm.cellAction")}`,
                    onClick: () => navigate(segmentBuilderUrl({ rule: tierRule(g.key), channel: channelSlug, name: g.key })),
                  }))}
                />
              ) : (
                <ChartEmpty>{t("byTier.empty")}</ChartEmpty>
              )}
            </Card>
            <Card title={t("secondOrder.title")} testId="second-order">
              {total && total.secondOrderDays.some((b) => b.customers > 0) ? (
                <BarChart
                  ariaLabel={t("secondOrder.title")}
                  format={(v) => t("customersN", { n: f.number(v) })}
                  axisFormat={(v) => f.number(v)}
                  data={total.secondOrderDays.map((b) => ({
                    key: b.label,
                    label: b.toDays === null ? t("secondOrder.over", { from: b.fromDays }) : t("secondOrder.bin", { from: b.fromDays, to: b.toDays }),
                    value: b.customers,
                  }))}
                />
              ) : (
                <ChartEmpty>{t("secondOrder.empty")}</ChartEmpty>
              )}
            </Card>
          </div>
        </>
      )}
    </Box>
  );
}

function DormantRow({ label, count, share, onClick }: { label: string; count: number; share: number | null; onClick: () => void }) {
  const t = useT("overview");
  const f = useFormat();
  return (
    <Box display="flex" justifyContent="space-between" alignItems="center" gap={3} flexWrap="wrap">
      <Box display="flex" flexDirection="column">
        <Text size={3}>{label}</Text>
        <Text size={6} fontWeight="bold">
          {f.number(count)} <Text as="span" size={3} color="default2">({f.percent(share)})</Text>
        </Text>
      </Box>
      <Button variant="secondary" size="small" onClick={onClick}>
        {t("dormant.toSegment")}
      </Button>
    </Box>
  );
}
