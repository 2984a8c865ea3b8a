/**
 * A period: presets (last 30 / 90 days, 12 months, this year) or custom dates.
 * Value: { gte: "YYYY-MM-DD", lte: "YYYY-MM-DD" } (calendar dates, the API's CRMAnalyticsRangeInput).
 */
import { Box, Input, Select } from "@saleor/macaw-ui";

import { useT } from "../i18n";

export interface DateRange {
  gte: string;
  lte: string;
}

export type RangePreset = "30d" | "90d" | "12m" | "ytd" | "custom";

export function isoDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export function presetRange(preset: Exclude<RangePreset, "custom">, today = new Date()): DateRange {
  const end = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate()));
  const start = new Date(end);
  if (preset === "30d") start.setUTCDate(start.getUTCDate() - 29);
  else if (preset === "90d") start.setUTCDate(start.getUTCDate() - 89);
  else if (preset === "12m") {
    start.setUTCMonth(start.getUTCMonth() - 11, 1);
  } else start.setUTCMonth(0, 1);
  return { gte: isoDate(start), lte: isoDate(end) };
}

export function DateRangePicker({
  preset,
  value,
  onChange,
}: {
  preset: RangePreset;
  value: DateRange;
  onChange: (preset: RangePreset, range: DateRange) => void;
}) {
  const t = useT("common");
  const presets: RangePreset[] = ["30d", "90d", "12m", "ytd", "custom"];
  const options = presets.map((p) => ({ value: p, label: t(`range.${p}`) }));
  return (
    <Box display="flex" gap={2} alignItems="flex-end" flexWrap="wrap" data-testid="date-range">
      <Box style={{ minWidth: 180 }}>
        <Select
          label={t("range.label")}
          size="small"
          options={options}
          value={options.find((o) => o.value === preset) ?? null}
          onChange={(o) => {
            const p = (typeof o === "string" ? o : o?.value) as RangePreset | undefined;
            if (!p) return;
            onChange(p, p === "custom" ? value : presetRange(p));
          }}
        />
      </Box>
      {preset === "custom" && (
        <>
          <Input
            size="small"
            type="date"
            label={t("range.from")}
            value={value.gte}
            max={value.lte}
            onChange={(e) => e.target.value && onChange("custom", { ...value, gte: e.target.value })}
          />
          <Input
            size="small"
            type="date"
            label={t("range.to")}
            value={value.lte}
            min={value.gte}
            onChange={(e) => e.target.value && onChange("custom", { ...value, lte: e.target.value })}
          />
        </>
      )}
    </Box>
  );
}
