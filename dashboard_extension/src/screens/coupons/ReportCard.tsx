/**
 * A rule's report: treated vs held-out customers, conversion and revenue
 * uplift with their 95 % intervals drawn as an interval chart.
 */
import { Box, Text } from "@saleor/macaw-ui";

import { useCrmQuery } from "../../api/hooks";
import { useFormat } from "../../format";
import { useT } from "../../i18n";
import type { Money } from "./form";
import { REPORT_QUERY } from "./queries";
import { Card, ErrorState, Loading } from "./ui";

export interface Uplift {
  estimate: number;
  low: number;
  high: number;
}
interface Arm {
  customers: number;
  converted: number;
  conversion: number | null;
  revenue: Money;
  revenuePerCustomer: Money | null;
}
export interface Report {
  windowDays: number;
  redeemed: number;
  openWindows: number;
  treated: Arm;
  control: Arm;
  conversionUplift: Uplift | null;
  revenueUplift: Uplift | null;
  incrementalRevenue: Money | null;
  discountCost: Money;
  attributedRevenue: Money;
}

/** The x scale of one interval row: symmetric around 0 so the sign is visible. */
export function scale(u: Uplift): (v: number) => number {
  const reach = Math.max(Math.abs(u.low), Math.abs(u.high), Math.abs(u.estimate)) * 1.15 || 1;
  return (v: number) => 50 + (v / reach) * 45; // percent of the width
}

/** Whether the interval excludes zero (the uplift is distinguishable from none). */
export function significant(u: Uplift): boolean {
  return u.low > 0 || u.high < 0;
}

function IntervalRow({
  label,
  uplift,
  format,
  testId,
}: {
  label: string;
  uplift: Uplift | null;
  format: (v: number) => string;
  testId: string;
}) {
  const t = useT("coupons");
  if (!uplift)
    return (
      <Box display="flex" flexDirection="column" gap={1} data-testid={testId}>
        <Text size={3} fontWeight="medium">
          {label}
        </Text>
        <Text size={2} color="default2">
          {t("report.notEnough")}
        </Text>
      </Box>
    );
  const x = scale(uplift);
  const color = significant(uplift)
    ? uplift.estimate > 0
      ? "var(--mu-colors-text-success1)"
      : "var(--mu-colors-text-critical1)"
    : "var(--mu-colors-text-default2)";
  return (
    <Box display="flex" flexDirection="column" gap={1} data-testid={testId}>
      <Box display="flex" justifyContent="space-between" gap={2}>
        <Text size={3} fontWeight="medium">
          {label}
        </Text>
        <Text size={3} fontWeight="bold">
          {format(uplift.estimate)}
        </Text>
      </Box>
      <Box
        position="relative"
        __height="24px"
        role="img"
        aria-label={t("report.intervalAria", {
          label,
          estimate: format(uplift.estimate),
          low: format(uplift.low),
          high: format(uplift.high),
        })}
      >
        {/* no effect */}
        <Box position="absolute" __left="50%" __top="0" __bottom="0" __width="1px" backgroundColor="default3" />
        {/* the 95 % interval */}
        <Box
          position="absolute"
          __top="9px"
          __height="6px"
          borderRadius={2}
          style={{ left: `${x(uplift.low)}%`, width: `${Math.max(0.5, x(uplift.high) - x(uplift.low))}%`, background: color }}
        />
        {/* the estimate */}
        <Box
          position="absolute"
          __top="5px"
          __width="14px"
          __height="14px"
          borderRadius="100%"
          borderStyle="solid"
          borderWidth={1}
          borderColor="default1"
          style={{ left: `calc(${x(uplift.estimate)}% - 7px)`, background: color }}
        />
      </Box>
      <Box display="flex" justifyContent="space-between">
        <Text size={1} color="default2">
          {t("report.low", { value: format(uplift.low) })}
        </Text>
        <Text size={1} color="default2">
          {t("report.none")}
        </Text>
        <Text size={1} color="default2">
          {t("report.high", { value: format(uplift.high) })}
        </Text>
      </Box>
    </Box>
  );
}

export function ReportView({ report }: { report: Report }) {
  const t = useT("coupons");
  const f = useFormat();
  const currency = report.treated.revenue.currency;
  const pp = (v: number) => `${v > 0 ? "+" : ""}${f.number(v * 100, 1)} ${t("report.points")}`;
  const money = (v: number) => `${v > 0 ? "+" : ""}${f.money(v, currency)}`;
  const arms: [string, Arm][] = [
    [t("report.treated"), report.treated],
    [t("report.control"), report.control],
  ];
  return (
    <Box display="flex" flexDirection="column" gap={5}>
      <Box as="table" width="100%" style={{ borderCollapse: "collapse" }}>
        <thead>
          <tr>
            {["", t("report.customers"), t("report.converted"), t("report.conversion"), t("report.revenuePerCustomer")].map(
              (h, i) => (
                <Box as="th" key={i} textAlign={i ? "right" : "left"} paddingY={1}>
                  <Text size={2} color="default2">
                    {h}
                  </Text>
                </Box>
              ),
            )}
          </tr>
        </thead>
        <tbody>
          {arms.map(([name, arm]) => (
            <tr key={name}>
              <Box as="td" paddingY={1}>
                <Text size={3}>{name}</Text>
              </Box>
              {[f.number(arm.customers), f.number(arm.converted), f.percent(arm.conversion), f.money(arm.revenuePerCustomer)].map(
                (v, i) => (
                  <Box as="td" key={i} textAlign="right" paddingY={1}>
                    <Text size={3}>{v}</Text>
                  </Box>
                ),
              )}
            </tr>
          ))}
        </tbody>
      </Box>
      <IntervalRow
        label={t("report.conversionUplift")}
        uplift={report.conversionUplift}
        format={pp}
        testId="conversion-uplift"
      />
      <IntervalRow
        label={t("report.revenueUplift")}
        uplift={report.revenueUplift}
        format={money}
        testId="revenue-uplift"
      />
      <Text size={2} color="default2">
        {t("report.intervalNote", { days: report.windowDays })}
      </Text>
      <Box display="grid" __gridTemplateColumns="repeat(auto-fit, minmax(140px, 1fr))" gap={3}>
        {[
          [t("report.incrementalRevenue"), f.money(report.incrementalRevenue)],
          [t("report.discountCost"), f.money(report.discountCost)],
          [t("report.attributedRevenue"), f.money(report.attributedRevenue)],
          [t("report.redeemed"), f.number(report.redeemed)],
          [t("report.openWindows"), f.number(report.openWindows)],
        ].map(([k, v]) => (
          <Box key={k} display="flex" flexDirection="column" gap={0.5}>
            <Text size={2} color="default2">
              {k}
            </Text>
            <Text size={4} fontWeight="bold">
              {v}
            </Text>
          </Box>
        ))}
      </Box>
    </Box>
  );
}

export function ReportCard({ ruleId }: { ruleId: string }) {
  const t = useT("coupons");
  const { data, loading, error, refetch } = useCrmQuery<{ crmCouponRuleReport: Report | null }>(REPORT_QUERY, {
    id: ruleId,
  });
  const report = data?.crmCouponRuleReport;
  return (
    <Card title={t("report.title")} description={t("report.description")}>
      {error && !report ? (
        <ErrorState error={error} onRetry={refetch} />
      ) : loading && !report ? (
        <Loading rows={3} />
      ) : !report || report.treated.customers + report.control.customers === 0 ? (
        <Text size={3} color="default2">
          {t("report.empty")}
        </Text>
      ) : (
        <ReportView report={report} />
      )}
    </Card>
  );
}
