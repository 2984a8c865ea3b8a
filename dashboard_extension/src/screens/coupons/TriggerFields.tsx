/**
 * The trigger part of the rule editor, generated from the trigger catalogue:
 * a kind, then one input per parameter of that kind (number, segment, tier,
 * categories).
 */
import { Box, Input, Select, Text } from "@saleor/macaw-ui";

import { useCrmQuery } from "../../api/hooks";
import { hasKey, useLocale, useT } from "../../i18n";
import { type TriggerKind, type TriggerParam } from "./catalogue";
import { CataloguePicker } from "./CataloguePicker";
import { defaultParams, type ParamValue } from "./form";
import { SEGMENTS_QUERY, TIERS_QUERY } from "./queries";

/** "daysBefore" → "Days before": a label for a parameter the catalogue added
 * after this app was translated. */
export function humanize(name: string): string {
  const words = name
    .replace(/_/g, " ")
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function useTriggerText() {
  const t = useT("coupons");
  const locale = useLocale();
  return {
    kindLabel: (kind: string) =>
      hasKey(locale, "coupons", `triggers.${kind}.label`) ? t(`triggers.${kind}.label`) : humanize(kind),
    kindHelp: (kind: string) =>
      hasKey(locale, "coupons", `triggers.${kind}.help`) ? t(`triggers.${kind}.help`) : "",
    /** when the kind's codes go out: its own note, else event-driven or the sweep */
    kindTiming: (kind: string, eventDriven: boolean) =>
      hasKey(locale, "coupons", `triggers.${kind}.timing`)
        ? t(`triggers.${kind}.timing`)
        : eventDriven
          ? t("triggers.eventDriven")
          : t("triggers.sweep"),
    paramLabel: (name: string) =>
      hasKey(locale, "coupons", `params.${name}`) ? t(`params.${name}`) : humanize(name),
    choiceLabel: (name: string, choice: string) =>
      hasKey(locale, "coupons", `choices.${name}.${choice}`) ? t(`choices.${name}.${choice}`) : humanize(choice),
    /** a hint for this kind's parameter, else for the parameter, else none */
    paramHint: (kind: string, name: string) =>
      hasKey(locale, "coupons", `hints.${kind}.${name}`)
        ? t(`hints.${kind}.${name}`)
        : hasKey(locale, "coupons", `hints.${name}`)
          ? t(`hints.${name}`)
          : undefined,
  };
}

interface SegmentsData {
  crmSegments: { edges: { node: { id: string; name: string; channel: string | null; membersCount: number } }[] } | null;
}
interface TiersData {
  crmLoyaltyProgram: { id: string; tiers: { id: string; name: string; rank: number }[] } | null;
}

/** A trigger parameter naming a segment or a tier of the rule's channel. */
interface ReferenceSelectProps {
  param: TriggerParam;
  label: string;
  value: string;
  onChange: (v: string) => void;
  channel: string;
  disabled?: boolean;
  error?: string;
}

function SegmentSelect({ param, label, value, onChange, channel, disabled, error }: ReferenceSelectProps) {
  const t = useT("coupons");
  const { data, loading, error: loadError } = useCrmQuery<SegmentsData>(SEGMENTS_QUERY, {});
  const segments = (data?.crmSegments?.edges ?? [])
    .map((e) => e.node)
    .filter((s) => !s.channel || !channel || s.channel === channel);
  const options = [
    ...(param.required ? [] : [{ value: "", label: t("params.everyCustomer") }]),
    ...segments.map((s) => ({ value: s.id, label: t("params.segmentOption", { name: s.name, count: s.membersCount }) })),
  ];
  // a segment the list cannot show (other permission, not loaded yet) keeps its ID
  if (value && !options.some((o) => o.value === value)) options.push({ value, label: value });
  const selected = options.find((o) => o.value === value) ?? null;
  return (
    <Select
      label={label}
      options={options}
      value={selected}
      onChange={(o) => onChange(o?.value ?? "")}
      disabled={disabled || loading}
      error={Boolean(error)}
      helperText={error ?? (loadError ? t("params.segmentsUnavailable") : undefined)}
      data-testid={`param-${param.name}`}
    />
  );
}

function TierSelect({ param, label, value, onChange, channel, disabled, error }: ReferenceSelectProps) {
  const t = useT("coupons");
  const { data, loading } = useCrmQuery<TiersData>(TIERS_QUERY, { channel }, { skip: !channel });
  const tiers = [...(data?.crmLoyaltyProgram?.tiers ?? [])].sort((a, b) => a.rank - b.rank);
  const options = [
    ...(param.required ? [] : [{ value: "", label: t("params.anyTier") }]),
    ...tiers.map((x) => ({ value: x.id, label: x.name })),
  ];
  if (value && !options.some((o) => o.value === value)) options.push({ value, label: value });
  return (
    <Select
      label={label}
      options={options}
      value={options.find((o) => o.value === value) ?? null}
      onChange={(o) => onChange(o?.value ?? "")}
      disabled={disabled || loading}
      error={Boolean(error)}
      helperText={error ?? (!loading && channel && !data?.crmLoyaltyProgram ? t("params.noProgram") : undefined)}
      data-testid={`param-${param.name}`}
    />
  );
}

export function TriggerFields({
  catalogue,
  kind,
  params,
  onKindChange,
  onParamChange,
  channel,
  disabled,
  errorOf,
}: {
  catalogue: TriggerKind[];
  kind: string;
  params: Record<string, ParamValue>;
  onKindChange: (kind: string, params: Record<string, ParamValue>) => void;
  onParamChange: (name: string, value: ParamValue) => void;
  channel: string;
  disabled?: boolean;
  errorOf: (field: string) => string | undefined;
}) {
  const t = useT("coupons");
  const text = useTriggerText();
  const current = catalogue.find((k) => k.kind === kind);
  const kindOptions = catalogue.map((k) => ({ value: k.kind, label: text.kindLabel(k.kind) }));
  return (
    <Box display="flex" flexDirection="column" gap={4}>
      <Select
        label={t("fields.trigger")}
        options={kindOptions}
        value={kindOptions.find((o) => o.value === kind) ?? null}
        onChange={(o) => {
          const next = catalogue.find((k) => k.kind === o?.value);
          if (next) onKindChange(next.kind, defaultParams(next));
        }}
        disabled={disabled}
        error={Boolean(errorOf("trigger"))}
        helperText={errorOf("trigger")}
        data-testid="trigger-kind"
      />
      {current && (
        <Text as="p" size={3} color="default2">
          {text.kindHelp(current.kind)}{" "}
          {text.kindTiming(current.kind, current.eventDriven)}
        </Text>
      )}
      {current?.parameters.map((p) => {
        const label = text.paramLabel(p.name) + (p.required ? " *" : "");
        const field = `trigger.${p.name}`;
        const value = params[p.name];
        if (p.type === "INT") {
          const range =
            p.min !== null && p.max !== null
              ? t("params.range", { min: p.min, max: p.max })
              : p.min !== null
                ? t("params.min", { min: p.min })
                : undefined;
          const hint = text.paramHint(kind, p.name);
          return (
            <Input
              key={p.name}
              type="number"
              label={label}
              value={typeof value === "string" ? value : ""}
              min={p.min ?? undefined}
              max={p.max ?? undefined}
              step={1}
              onChange={(e) => onParamChange(p.name, e.target.value)}
              disabled={disabled}
              error={Boolean(errorOf(field))}
              helperText={errorOf(field) ?? [hint, range].filter(Boolean).join(" · ")}
              data-testid={`param-${p.name}`}
            />
          );
        }
        if (p.type === "SEGMENT")
          return (
            <SegmentSelect
              key={p.name}
              param={p}
              label={label}
              value={typeof value === "string" ? value : ""}
              onChange={(v) => onParamChange(p.name, v)}
              channel={channel}
              disabled={disabled}
              error={errorOf(field)}
            />
          );
        if (p.type === "TIER")
          return (
            <TierSelect
              key={p.name}
              param={p}
              label={label}
              value={typeof value === "string" ? value : ""}
              onChange={(v) => onParamChange(p.name, v)}
              channel={channel}
              disabled={disabled}
              error={errorOf(field)}
            />
          );
        if (p.type === "CHOICE") {
          const opts = (p.choices ?? []).map((c) => ({ value: c, label: text.choiceLabel(p.name, c) }));
          return (
            <Select
              key={p.name}
              label={label}
              options={opts}
              value={opts.find((o) => o.value === value) ?? null}
              onChange={(o) => onParamChange(p.name, o?.value ?? "")}
              disabled={disabled}
              error={Boolean(errorOf(field))}
              helperText={errorOf(field)}
              data-testid={`param-${p.name}`}
            />
          );
        }
        return (
          <CataloguePicker
            key={p.name}
            kind={p.type === "PRODUCTS" ? "products" : p.type === "COLLECTIONS" ? "collections" : "categories"}
            label={label}
            value={Array.isArray(value) ? value : []}
            onChange={(ids) => onParamChange(p.name, ids)}
            channel={channel}
            disabled={disabled}
            error={errorOf(field)}
          />
        );
      })}
    </Box>
  );
}
