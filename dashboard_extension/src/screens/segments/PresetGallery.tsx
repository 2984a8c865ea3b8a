/** The ready-made playbook segments (`crmSegmentPresets`) as a gallery: each with
 * its editable thresholds, a count on demand and "create". */
import { Box, Button, Input, Text } from "@saleor/macaw-ui";
import { useState } from "react";
import { useNavigate } from "react-router-dom";

import { useCrmQuery } from "../../api/hooks";
import { ErrorState, Loading } from "../../components/states";
import { useT } from "../../i18n";
import { PRESETS_QUERY, Preset } from "./api";
import { datePart, isoOfDay } from "./dates";
import { usePreview } from "./hooks";
import { LiveCountText } from "./LiveCount";
import { segmentBuilderUrl } from "./prefill";
import { Card } from "./ui";

export type Thresholds = Record<string, string>;

/** The thresholds as the API takes them: numbers as numbers, dates as ISO text;
 * null when one is not a valid value yet. */
export function thresholdParams(defaults: Record<string, unknown>, values: Thresholds): Record<string, unknown> | null {
  const out: Record<string, unknown> = {};
  for (const [key, def] of Object.entries(defaults)) {
    const raw = (values[key] ?? String(def)).trim();
    if (typeof def === "number") {
      if (!/^\d+(\.\d+)?$/.test(raw)) return null;
      out[key] = Number(raw);
    } else {
      if (!/^\d{4}-\d{2}-\d{2}T/.test(raw)) return null;
      out[key] = raw;
    }
  }
  return out;
}

/** Only the thresholds that differ from the defaults (what a link or a saved
 * segment needs). */
export function changedParams(defaults: Record<string, unknown>, params: Record<string, unknown>) {
  return Object.fromEntries(Object.entries(params).filter(([k, v]) => v !== defaults[k]));
}

export function presetTitle(t: (k: string) => string, preset: { key: string; title: string }): string {
  const key = `presets.${preset.key}.title`;
  const text = t(key);
  return text === key ? preset.title : text;
}

export function presetDescription(t: (k: string) => string, preset: { key: string; description: string }): string {
  const key = `presets.${preset.key}.description`;
  const text = t(key);
  return text === key ? preset.description : text;
}

export function ThresholdInputs({
  preset,
  values,
  onChange,
  disabled,
  errors,
}: {
  preset: Preset;
  values: Thresholds;
  onChange: (values: Thresholds) => void;
  disabled?: boolean;
  errors?: Record<string, string>;
}) {
  const t = useT("segments");
  return (
    <Box display="flex" gap={2} flexWrap="wrap">
      {Object.entries(preset.defaults).map(([key, def]) => {
        const label = t(`threshold.${key}`) === `threshold.${key}` ? key : t(`threshold.${key}`);
        const value = values[key] ?? String(def);
        const invalid = typeof def === "number" ? !/^\d+(\.\d+)?$/.test(value.trim()) : !datePart(value);
        const error =
          errors?.[key] ?? (invalid ? t(typeof def === "number" ? "validation.number" : "validation.date") : undefined);
        if (typeof def === "string") {
          return (
            <Input
              key={key}
              __width="200px"
              size="small"
              type="date"
              label={label}
              value={datePart(value)}
              disabled={disabled}
              error={Boolean(error)}
              helperText={error}
              onChange={(e) => onChange({ ...values, [key]: isoOfDay(e.target.value) })}
            />
          );
        }
        return (
          <Input
            key={key}
            __width="200px"
            size="small"
            inputMode="decimal"
            label={label}
            value={value}
            disabled={disabled}
            error={Boolean(error)}
            helperText={error}
            onChange={(e) => onChange({ ...values, [key]: e.target.value })}
            data-testid={`threshold-${key}`}
          />
        );
      })}
    </Box>
  );
}

function PresetCard({ preset }: { preset: Preset }) {
  const t = useT("segments");
  const navigate = useNavigate();
  const [values, setValues] = useState<Thresholds>({});
  const [counting, setCounting] = useState(false);
  const params = thresholdParams(preset.defaults, values);
  const preview = usePreview(counting && params ? { preset: preset.key, presetParams: params } : null);
  return (
    <Box
      display="flex"
      flexDirection="column"
      gap={3}
      padding={4}
      borderRadius={4}
      borderStyle="solid"
      borderWidth={1}
      borderColor="default1"
      data-testid={`preset-${preset.key}`}
    >
      <Box display="flex" flexDirection="column" gap={1}>
        <Text size={4} fontWeight="bold">
          {presetTitle(t, preset)}
        </Text>
        <Text size={2} color="default2">
          {presetDescription(t, preset)}
        </Text>
      </Box>
      <ThresholdInputs preset={preset} values={values} onChange={setValues} />
      <Box display="flex" gap={2} alignItems="center" flexWrap="wrap" marginTop="auto">
        <Button
          variant="primary"
          size="small"
          disabled={!params}
          onClick={() =>
            params &&
            navigate(segmentBuilderUrl({ preset: preset.key, params: changedParams(preset.defaults, params) }))
          }
        >
          {t("presets.use")}
        </Button>
        {!counting ? (
          <Button variant="secondary" size="small" disabled={!params} onClick={() => setCounting(true)}>
            {t("presets.preview")}
          </Button>
        ) : (
          <LiveCountText preview={preview} compact />
        )}
      </Box>
    </Box>
  );
}

export function PresetGallery() {
  const t = useT("segments");
  const presets = useCrmQuery<{ crmSegmentPresets: Preset[] }>(PRESETS_QUERY);
  return (
    <Card title={t("presets.title")} subtitle={t("presets.subtitle")} testId="preset-gallery">
      {presets.error ? (
        <ErrorState error={presets.error} onRetry={presets.refetch} title={t("presets.loadError")} />
      ) : presets.loading && !presets.data ? (
        <Loading rows={3} />
      ) : (
        <Box display="grid" gap={4} __gridTemplateColumns="repeat(auto-fill, minmax(300px, 1fr))">
          {(presets.data?.crmSegmentPresets ?? []).map((p) => (
            <PresetCard key={p.key} preset={p} />
          ))}
        </Box>
      )}
    </Card>
  );
}
