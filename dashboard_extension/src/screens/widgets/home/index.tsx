/**
 * Home widget (Dashboard home page, HOMEPAGE_WIDGETS): the headline KPIs of the last 30 days
 * against the 30 days before, per channel, with a link to the Overview.
 */
import { Box, Button, Text } from "@saleor/macaw-ui";
import { ArrowDownRight, ArrowUpRight } from "lucide-react";
import { useMemo, useRef } from "react";

import { useCrmQuery } from "../../../api/hooks";
import { useHasPermission } from "../../../auth/AuthProvider";
import { ChannelPicker, useChannel } from "../../../components/channel";
import { type DateRange, isoDate } from "../../../components/DateRangePicker";
import { Empty, ErrorState, Loading } from "../../../components/states";
import { useFormat } from "../../../format";
import { useErrorMessage } from "../../../api/errors";
import { useT } from "../../../i18n";
import { useDashboardNavigation } from "../../../shell/dashboard";
import { useWidgetResize } from "../../../shell/useWidgetResize";
import { HEADLINE_QUERY, type HeadlineData } from "../../overview/queries";

/** The last `days` days up to today and the same number of days before them. */
export function lastDays(days: number, today = new Date()): { range: DateRange; previous: DateRange } {
  const end = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate()));
  const start = new Date(end);
  start.setUTCDate(start.getUTCDate() - (days - 1));
  const prevEnd = new Date(start);
  prevEnd.setUTCDate(prevEnd.getUTCDate() - 1);
  const prevStart = new Date(prevEnd);
  prevStart.setUTCDate(prevStart.getUTCDate() - (days - 1));
  return { range: { gte: isoDate(start), lte: isoDate(end) }, previous: { gte: isoDate(prevStart), lte: isoDate(prevEnd) } };
}

/** Relative change, or null when there is nothing to compare with. */
export function change(current: number | null | undefined, previous: number | null | undefined): number | null {
  if (current === null || current === undefined || previous === null || previous === undefined || previous === 0) return null;
  return (current - previous) / Math.abs(previous);
}

function Delta({ value, points }: { value: number | null; points?: boolean }) {
  const t = useT("overview");
  const f = useFormat();
  if (value === null || Math.abs(value) < 0.0005) return null;
  const up = value > 0;
  const text = points ? t("home.points", { n: f.number(Math.abs(value) * 100, 1) }) : f.percent(Math.abs(value));
  return (
    <Box as="span" display="inline-flex" alignItems="center" gap={0.5} color={up ? "success1" : "critical1"} title={t("home.vsPrevious")}>
      {up ? <ArrowUpRight size={14} aria-hidden /> : <ArrowDownRight size={14} aria-hidden />}
      <Text size={1} color={up ? "success1" : "critical1"}>
        {(up ? "+" : "−") + text}
      </Text>
    </Box>
  );
}

function Stat({ label, value, delta, points, testId }: { label: string; value: string; delta: number | null; points?: boolean; testId: string }) {
  return (
    <Box display="flex" flexDirection="column" gap={0.5} data-testid={testId}>
      <Text size={1} color="default2">
        {label}
      </Text>
      <Box display="flex" alignItems="baseline" gap={1.5} flexWrap="wrap">
        <Text size={6} fontWeight="bold" style={{ fontVariantNumeric: "tabular-nums" }}>
          {value}
        </Text>
        <Delta value={delta} points={points} />
      </Box>
    </Box>
  );
}

export default function HomeWidget() {
  const t = useT("overview");
  const tc = useT("common");
  const f = useFormat();
  const msg = useErrorMessage();
  const go = useDashboardNavigation();
  const rootRef = useRef<HTMLDivElement>(null);
  useWidgetResize(rootRef);
  const { channel, loading: channelsLoading, error: channelsError, refetch: refetchChannels } = useChannel();
  const periods = useMemo(() => lastDays(30), []);
  const canView = useHasPermission("MANAGE_USERS");
  const { data, error, refetch } = useCrmQuery<HeadlineData>(
    HEADLINE_QUERY,
    { channel: channel?.slug ?? "", ...periods },
    { skip: !channel || !canView },
  );

  let body;
  if (!canView) body = <Empty title={tc("noAccess", { permission: "MANAGE_USERS" })} />;
  else if (channelsError) body = <ErrorState error={channelsError} onRetry={refetchChannels} />;
  else if (!channel && !channelsLoading) body = <Empty title={tc("noChannel")} />;
  else if (error) body = <ErrorState error={error} onRetry={refetch} />;
  else if (!data) body = <Loading rows={3} />;
  else if (!data.current.kpis) body = <Text color="critical1">{msg(data.current.errors[0])}</Text>;
  else {
    const cur = data.current.kpis.total;
    const prev = data.previous.kpis?.total;
    body = (
      <Box display="grid" gap={4} style={{ gridTemplateColumns: "repeat(auto-fit, minmax(140px, 1fr))" }}>
        <Stat testId="home-revenue" label={t("kpi.revenue")} value={f.money(cur.revenue)} delta={change(cur.revenue.amount, prev?.revenue.amount)} />
        <Stat testId="home-orders" label={t("home.orders")} value={f.number(cur.orders)} delta={change(cur.orders, prev?.orders)} />
        <Stat testId="home-active" label={t("kpi.active")} value={f.number(cur.activeCustomers)} delta={change(cur.activeCustomers, prev?.activeCustomers)} />
        <Stat testId="home-new" label={t("home.new")} value={f.number(cur.newCustomers)} delta={change(cur.newCustomers, prev?.newCustomers)} />
        <Stat
          testId="home-repeat"
          label={t("kpi.repeatRate")}
          value={f.percent(cur.repeatPurchaseRate)}
          delta={cur.repeatPurchaseRate !== null && prev?.repeatPurchaseRate != null ? cur.repeatPurchaseRate - prev.repeatPurchaseRate : null}
          points
        />
        <Stat
          testId="home-f2"
          label={t("kpi.f2")}
          value={f.percent(cur.f2Conversion)}
          delta={cur.f2Conversion !== null && prev?.f2Conversion != null ? cur.f2Conversion - prev.f2Conversion : null}
          points
        />
      </Box>
    );
  }

  return (
    <Box ref={rootRef} padding={4} display="flex" flexDirection="column" gap={3} data-testid="home-widget">
      <Box display="flex" justifyContent="space-between" alignItems="flex-end" gap={2} flexWrap="wrap">
        <Text size={2} color="default2">
          {t("home.period", { from: f.date(periods.range.gte), to: f.date(periods.range.lte) })}
        </Text>
        <ChannelPicker />
      </Box>
      {body}
      <Box>
        <Button variant="secondary" size="small" onClick={() => void go.appRoute("/overview")}>
          {t("home.open")}
        </Button>
      </Box>
    </Box>
  );
}
