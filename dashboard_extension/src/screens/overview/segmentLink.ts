/**
 * Links that open the segment builder pre-filled (format agreed with the segments screen,
 * /work/notes/h4.md): /segments/new?rule=<base64url(JSON)>&channel=&name=  or  ?preset=<key>&params=<base64url(JSON)>
 */
export function base64UrlEncode(json: unknown): string {
  const bytes = new TextEncoder().encode(JSON.stringify(json));
  let bin = "";
  bytes.forEach((b) => (bin += String.fromCharCode(b)));
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function base64UrlDecode(value: string): unknown {
  const b64 = value.replace(/-/g, "+").replace(/_/g, "/");
  const bin = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0))));
}

export interface SegmentPrefill {
  rule?: unknown;
  preset?: string;
  params?: Record<string, unknown>;
  channel?: string | null;
  name?: string;
}

export function segmentBuilderUrl({ rule, preset, params, channel, name }: SegmentPrefill): string {
  const q = new URLSearchParams();
  if (preset) {
    q.set("preset", preset);
    if (params && Object.keys(params).length) q.set("params", base64UrlEncode(params));
  } else if (rule !== undefined) {
    q.set("rule", base64UrlEncode(rule));
  }
  if (channel) q.set("channel", channel);
  if (name) q.set("name", name);
  return `/segments/new?${q.toString()}`;
}

export const rfmGroupRule = (group: string) => ({ and: [{ field: "rfm_group", op: "eq", value: group }] });
export const tierRule = (tier: string) => ({ and: [{ field: "tier", op: "eq", value: tier }] });

/**
 * Midnight starting `day` (YYYY-MM-DD) in the IANA time zone `tz`, as an ISO date-time with
 * that zone's offset then ("2026-03-01T00:00:00-08:00"); `endOfPrevious` gives the last
 * microsecond before it instead ("2026-02-28T23:59:59.999999-08:00"), an inclusive end that
 * equals "before midnight" at the database's precision.
 */
export function zonedMidnight(day: string, tz: string, endOfPrevious = false): string {
  const [y, m, d] = day.split("-").map(Number);
  const wall = Date.UTC(y, m - 1, d);
  // the zone's offset at an instant: its wall clock read as UTC, minus the instant
  const offsetAt = (instant: number) => {
    const parts = new Intl.DateTimeFormat("en-US", {
      timeZone: tz,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    }).formatToParts(new Date(instant));
    const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
    const read = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
    // the parts have no milliseconds: offsets are whole minutes
    return Math.round((read - instant) / 60000) * 60000;
  };
  // the instant whose wall clock is the midnight (twice: the offset may change in between)
  let offset = offsetAt(wall);
  offset = offsetAt(wall - offset);
  const sign = offset >= 0 ? "+" : "-";
  const abs = Math.abs(offset) / 60000;
  const zone = `${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
  if (!endOfPrevious) return `${day}T00:00:00${zone}`;
  // the previous day's last microsecond, on that day's wall clock and offset
  const prev = new Date(wall - 86400000).toISOString().slice(0, 10);
  const before = offsetAt(wall - offset - 1);
  const bsign = before >= 0 ? "+" : "-";
  const babs = Math.abs(before) / 60000;
  const bzone = `${bsign}${String(Math.floor(babs / 60)).padStart(2, "0")}:${String(babs % 60).padStart(2, "0")}`;
  return `${prev}T23:59:59.999999${bzone}`;
}

/** The first day (YYYY-MM-DD) of the month `k` months after the month of `month` (YYYY-MM-DD). */
export function addMonths(month: string, k: number): string {
  const [y, m] = month.split("-").map(Number);
  const index = y * 12 + (m - 1) + k;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, "0")}-01`;
}

/**
 * The customers of a cohort cell (domain/analytics.py): first order in month M (the cohort) and,
 * for k ≥ 1, an order in month M + k — months in the channel's time zone, orders not cancelled.
 * Month 0 is the whole cohort (the first order is in M).
 */
export function cohortCellRule(month: string, k: number, tz: string) {
  const start = addMonths(month, 0);
  const next = addMonths(month, 1);
  const rule: Record<string, unknown>[] = [
    { field: "first_order_at", op: "between", value: [zonedMidnight(start, tz), zonedMidnight(next, tz, true)] },
  ];
  if (k > 0) {
    rule.push({ ordered: { from: zonedMidnight(addMonths(month, k), tz), to: zonedMidnight(addMonths(month, k + 1), tz) } });
  }
  return { and: rule };
}
