/**
 * Cohort retention: one row per acquisition month, one column per month since the first order.
 * With `onCell`, a cell is a button: it opens the segment builder with that cell's customers.
 */
import { Box, Text } from "@saleor/macaw-ui";

import { heatColor, heatTextColor } from "../../components/charts";
import { useFormat } from "../../format";
import { useT } from "../../i18n";
import type { Cohort } from "./queries";

export function CohortHeatmap({
  cohorts,
  months = 12,
  onCell,
}: {
  cohorts: Cohort[];
  months?: number;
  onCell?: (month: string, k: number) => void;
}) {
  const t = useT("overview");
  const f = useFormat();
  const width = Math.min(
    months,
    Math.max(1, ...cohorts.map((c) => c.retention.findLastIndex((v) => v !== null) + 1)),
  );
  const cols = Array.from({ length: width }, (_, k) => k);
  const cell = { padding: "4px 6px", fontSize: 12, textAlign: "right" as const, fontVariantNumeric: "tabular-nums" as const, whiteSpace: "nowrap" as const };
  return (
    <Box overflowX="auto" data-testid="cohort-heatmap">
      <table style={{ borderCollapse: "separate", borderSpacing: 2, width: "100%" }} aria-label={t("cohorts.title")}>
        <thead>
          <tr>
            <th style={{ ...cell, textAlign: "left" }}>
              <Text size={1} color="default2">
                {t("cohorts.month")}
              </Text>
            </th>
            <th style={cell}>
              <Text size={1} color="default2">
                {t("cohorts.size")}
              </Text>
            </th>
            {cols.map((k) => (
              <th key={k} style={cell}>
                <Text size={1} color="default2">
                  {t("cohorts.monthN", { n: k })}
                </Text>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {cohorts.map((c) => (
            <tr key={c.month}>
              <th scope="row" style={{ ...cell, textAlign: "left" }}>
                <Text size={2}>{f.date(c.month, undefined, "month")}</Text>
              </th>
              <td style={cell}>
                <Text size={2}>{f.number(c.size)}</Text>
              </td>
              {cols.map((k) => {
                const v = c.retention[k] ?? null;
                // month 0 is 100 % by definition: colour the later months on their own scale
                const intensity = v === null ? null : k === 0 ? 0.15 : Math.min(1, v / 0.5);
                const title = v === null ? undefined : t("cohorts.cellTitle", { month: f.date(c.month, undefined, "month"), n: k, share: f.percent(v) });
                return (
                  <td
                    key={k}
                    title={title}
                    style={{ ...cell, background: heatColor(intensity), color: heatTextColor(intensity), borderRadius: 3 }}
                  >
                    {v === null ? (
                      ""
                    ) : onCell ? (
                      <button
                        type="button"
                        onClick={() => onCell(c.month, k)}
                        aria-label={t("cohorts.cellLink", { cell: title ?? "" })}
                        data-testid={`cohort-cell-${c.month}-${k}`}
                        style={{ all: "inherit", cursor: "pointer", display: "block", width: "100%", padding: 0, background: "transparent" }}
                      >
                        {f.percent(v, 0)}
                      </button>
                    ) : (
                      f.percent(v, 0)
                    )}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </Box>
  );
}
