/**
 * Small SVG charts (no chart library: a few kB, themed by macaw's CSS variables so they follow
 * light / dark). Every mark has a <title> for hover and an accessible label; clickable marks
 * are buttons for the keyboard too.
 *
 *   <BarChart data={[{ key, label, value, title?, onClick? }]} format={f.number} />
 *   <HBarChart data={...} format=... />                 horizontal bars with labels
 *   <LineChart labels={[...]} series={[{ name, values, color? }]} format=... />
 *   heatColor(share)                                     background for heat-map cells
 */
import { Box, Text, vars } from "@saleor/macaw-ui";
import { type KeyboardEvent, type ReactNode, type RefObject, useEffect, useRef, useState } from "react";

export interface Datum {
  key: string;
  label: string;
  value: number;
  /** Tooltip / accessible text; defaults to "label: formatted value". */
  title?: string;
  onClick?: () => void;
}

export const chartColors = [
  vars.colors.background.accent1,
  vars.colors.text.success1,
  vars.colors.text.warning1,
  vars.colors.text.critical2,
  vars.colors.text.info1,
];

/** A cell background for a 0..1 intensity, readable on light and dark themes. */
export function heatColor(intensity: number | null | undefined): string {
  if (intensity === null || intensity === undefined || Number.isNaN(intensity)) return "transparent";
  const pct = Math.round(8 + Math.max(0, Math.min(1, intensity)) * 72);
  return `color-mix(in srgb, ${vars.colors.background.accent1} ${pct}%, transparent)`;
}

/** Text colour on a heat cell: white on the darkest cells. */
export function heatTextColor(intensity: number | null | undefined): string {
  return (intensity ?? 0) > 0.55 ? "#fff" : vars.colors.text.default1;
}

/** The rendered width of an element (charts draw in real pixels so text is not stretched). */
export function useWidth<T extends Element>(fallback = 600): [RefObject<T>, number] {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(fallback);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => {
      const w = el.getBoundingClientRect().width;
      if (w > 0) setWidth(Math.round(w));
    };
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return [ref, width];
}

/** A "nice" axis maximum (1, 2, 2.5, 5 × 10^k) at or above `max`. */
export function niceMax(max: number): number {
  if (!(max > 0)) return 1;
  const exp = Math.pow(10, Math.floor(Math.log10(max)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * exp >= max) return m * exp;
  return 10 * exp;
}

/** The y-axis gridlines (0, half, max) with their labels; the half line is dropped
 * when its label would repeat a neighbour's (a count axis up to 1 would read "0, 1, 1"). */
export function axisTicks(max: number, format: (v: number) => string): { q: number; label: string }[] {
  const ticks = [0, 0.5, 1].map((q) => ({ q, label: format(max * q) }));
  return ticks.filter((t, i) => i !== 1 || (t.label !== ticks[0].label && t.label !== ticks[2].label));
}

function YAxis({ width, top, plotH, max, left, format }: { width: number; top: number; plotH: number; max: number; left: number; format: (v: number) => string }) {
  return (
    <g aria-hidden>
      {axisTicks(max, format).map(({ q, label }) => {
        const y = top + plotH - q * plotH;
        return (
          <g key={q}>
            <line x1={left} x2={width} y1={y} y2={y} stroke={vars.colors.border.default1} strokeDasharray={q ? "3 3" : undefined} />
            <text x={left - 6} y={y + 4} textAnchor="end" fontSize={11} fill={vars.colors.text.default2}>
              {label}
            </text>
          </g>
        );
      })}
    </g>
  );
}

function keyActivate(onClick?: () => void) {
  return onClick
    ? (e: KeyboardEvent) => {
        if (e.key === "Enter" || e.key === " ") {
          e.preventDefault();
          onClick();
        }
      }
    : undefined;
}

export function ChartEmpty({ children }: { children: ReactNode }) {
  return (
    <Box display="flex" alignItems="center" justifyContent="center" style={{ minHeight: 120 }}>
      <Text color="default2">{children}</Text>
    </Box>
  );
}

/** Vertical bars over time or categories. */
export function BarChart({
  data,
  format,
  height = 180,
  ariaLabel,
  maxLabels = 8,
  axisFormat,
}: {
  data: Datum[];
  format: (v: number) => string;
  height?: number;
  ariaLabel: string;
  maxLabels?: number;
  /** Y-axis labels (e.g. compact money); defaults to `format`. */
  axisFormat?: (v: number) => string;
}) {
  const [ref, W] = useWidth<HTMLDivElement>();
  const top = 8;
  const bottom = 22;
  const left = 56;
  const max = niceMax(Math.max(0, ...data.map((d) => d.value)));
  const n = Math.max(1, data.length);
  const slot = (W - left) / n;
  const bw = Math.max(1, slot * 0.72);
  const every = Math.max(1, Math.ceil(n / maxLabels));
  const plotH = height - top - bottom;
  return (
    <div ref={ref} style={{ width: "100%" }}>
    <svg viewBox={`0 0 ${W} ${height}`} width={W} height={height} role="img" aria-label={ariaLabel} style={{ display: "block", overflow: "visible" }}>
      <YAxis width={W} top={top} plotH={plotH} max={max} left={left} format={axisFormat ?? format} />
      {data.map((d, i) => {
        const h = (Math.max(0, d.value) / max) * plotH;
        const x = left + i * slot + (slot - bw) / 2;
        const title = d.title ?? `${d.label}: ${format(d.value)}`;
        return (
          <g
            key={d.key}
            onClick={d.onClick}
            onKeyDown={keyActivate(d.onClick)}
            role={d.onClick ? "button" : undefined}
            tabIndex={d.onClick ? 0 : undefined}
            aria-label={d.onClick ? title : undefined}
            style={{ cursor: d.onClick ? "pointer" : undefined }}
          >
            <title>{title}</title>
            <rect x={left + i * slot} y={top} width={slot} height={plotH} fill="transparent" />
            <rect x={x} y={top + plotH - h} width={bw} height={Math.max(h, d.value > 0 ? 1 : 0)} rx={2} fill={chartColors[0]} />
            {i % every === 0 && (
              <text x={x + bw / 2} y={height - 6} textAnchor="middle" fontSize={11} fill={vars.colors.text.default2}>
                {d.label}
              </text>
            )}
          </g>
        );
      })}
    </svg>
    </div>
  );
}

/** Horizontal bars with their label and value: categories (RFM groups, tiers). */
export function HBarChart({
  data,
  format,
  ariaLabel,
  secondary,
}: {
  data: Datum[];
  format: (v: number) => string;
  ariaLabel: string;
  /** Extra text after the value (e.g. customers). */
  secondary?: (d: Datum) => string;
}) {
  const max = Math.max(0, ...data.map((d) => d.value)) || 1;
  return (
    <Box as="ul" role="list" aria-label={ariaLabel} display="flex" flexDirection="column" gap={1.5} margin={0} padding={0} style={{ listStyle: "none" }}>
      {data.map((d) => {
        const pct = (Math.max(0, d.value) / max) * 100;
        const title = d.title ?? `${d.label}: ${format(d.value)}`;
        return (
          <Box
            as="li"
            key={d.key}
            display="grid"
            alignItems="center"
            gap={2}
            style={{ gridTemplateColumns: "minmax(90px, 11rem) 1fr minmax(90px, auto)" }}
          >
            <Text size={2} style={{ overflow: "hidden", textOverflow: "ellipsis", whiteSpace: "nowrap" }} title={d.label}>
              {d.label}
            </Text>
            <Box
              as={d.onClick ? "button" : "div"}
              onClick={d.onClick}
              title={title}
              aria-label={title}
              padding={0}
              borderWidth={0}
              backgroundColor="default2"
              borderRadius={2}
              cursor={d.onClick ? "pointer" : undefined}
              style={{ height: 16, width: "100%", display: "block", textAlign: "left" }}
            >
              <Box as="span" display="block" borderRadius={2} style={{ width: `${pct}%`, height: "100%", background: chartColors[0], minWidth: d.value > 0 ? 2 : 0 }} />
            </Box>
            <Text size={2} style={{ textAlign: "right", whiteSpace: "nowrap", fontVariantNumeric: "tabular-nums" }}>
              {format(d.value)}
              {secondary && (
                <Text as="span" size={1} color="default2">
                  {" · "}
                  {secondary(d)}
                </Text>
              )}
            </Text>
          </Box>
        );
      })}
    </Box>
  );
}

export interface Series {
  name: string;
  values: (number | null)[];
  color?: string;
}

/** Lines over shared x labels, with a legend. */
export function LineChart({
  labels,
  series,
  format,
  height = 180,
  ariaLabel,
  maxLabels = 8,
  axisFormat,
}: {
  labels: string[];
  series: Series[];
  format: (v: number) => string;
  height?: number;
  ariaLabel: string;
  maxLabels?: number;
  axisFormat?: (v: number) => string;
}) {
  const [ref, W] = useWidth<HTMLDivElement>();
  const top = 8;
  const bottom = 22;
  const left = 56;
  const plotH = height - top - bottom;
  const all = series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const max = niceMax(Math.max(0, ...all));
  const n = Math.max(1, labels.length);
  const x = (i: number) => (n === 1 ? (W + left) / 2 : (i / (n - 1)) * (W - left - 16) + left + 8);
  const y = (v: number) => top + plotH - (v / max) * plotH;
  const every = Math.max(1, Math.ceil(n / maxLabels));
  return (
    <Box ref={ref} width="100%">
      <svg viewBox={`0 0 ${W} ${height}`} width={W} height={height} role="img" aria-label={ariaLabel} style={{ display: "block", overflow: "visible" }}>
        <YAxis width={W} top={top} plotH={plotH} max={max} left={left} format={axisFormat ?? format} />
        {series.map((s, si) => {
          const color = s.color ?? chartColors[si % chartColors.length];
          const segments: string[] = [];
          let current = "";
          s.values.forEach((v, i) => {
            if (v === null) {
              if (current) segments.push(current);
              current = "";
            } else current += `${current ? "L" : "M"}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
          });
          if (current) segments.push(current);
          return (
            <g key={s.name}>
              {segments.map((d, k) => (
                <path key={k} d={d} fill="none" stroke={color} strokeWidth={2} />
              ))}
              {s.values.map((v, i) =>
                v === null ? null : (
                  <circle key={i} cx={x(i)} cy={y(v)} r={n > 40 ? 1.5 : 3} fill={color}>
                    <title>{`${labels[i]} · ${s.name}: ${format(v)}`}</title>
                  </circle>
                ),
              )}
            </g>
          );
        })}
        {labels.map((l, i) =>
          i % every === 0 ? (
            <text key={i} x={x(i)} y={height - 6} textAnchor="middle" fontSize={11} fill={vars.colors.text.default2}>
              {l}
            </text>
          ) : null,
        )}
      </svg>
      <Box display="flex" gap={4} flexWrap="wrap" marginTop={2}>
        {series.map((s, si) => (
          <Box key={s.name} display="flex" alignItems="center" gap={1.5}>
            <Box as="span" borderRadius={2} style={{ width: 10, height: 10, background: s.color ?? chartColors[si % chartColors.length] }} />
            <Text size={2} color="default2">
              {s.name}
            </Text>
          </Box>
        ))}
      </Box>
    </Box>
  );
}
