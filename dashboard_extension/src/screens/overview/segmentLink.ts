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
