/**
 * Links that open the segment builder pre-filled (from the overview's charts, the
 * RFM grid, the presets gallery):
 *
 *   /segments/new?preset=<key>[&params=<base64url JSON>]
 *   /segments/new?rule=<base64url JSON rule tree>
 *   ... &channel=<slug> &name=<text> &kind=static|dynamic
 *
 * base64url is of the UTF-8 JSON, without padding.
 */

export interface Prefill {
  rule?: unknown;
  preset?: string;
  params?: Record<string, unknown>;
  channel?: string;
  name?: string;
  kind?: "DYNAMIC" | "STATIC";
}

export function encodeBase64Url(value: unknown): string {
  const bytes = new TextEncoder().encode(JSON.stringify(value));
  let binary = "";
  bytes.forEach((b) => (binary += String.fromCharCode(b)));
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function decodeBase64Url(text: string): unknown {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const padded = b64 + "=".repeat((4 - (b64.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

/** The builder's URL (below the app's base) for a pre-filled new segment. */
export function segmentBuilderUrl(prefill: Prefill): string {
  const q = new URLSearchParams();
  if (prefill.preset) {
    q.set("preset", prefill.preset);
    if (prefill.params && Object.keys(prefill.params).length) q.set("params", encodeBase64Url(prefill.params));
  } else if (prefill.rule !== undefined) {
    q.set("rule", encodeBase64Url(prefill.rule));
  }
  if (prefill.channel) q.set("channel", prefill.channel);
  if (prefill.name) q.set("name", prefill.name);
  if (prefill.kind) q.set("kind", prefill.kind.toLowerCase());
  const s = q.toString();
  return s ? `/segments/new?${s}` : "/segments/new";
}

/** What a builder URL's query asks for; `error` when a part cannot be read (the
 * builder says so and opens empty). */
export function parsePrefill(search: string): { prefill: Prefill; error: boolean } {
  const q = new URLSearchParams(search);
  const prefill: Prefill = {};
  let error = false;
  const preset = q.get("preset");
  if (preset) {
    prefill.preset = preset;
    const params = q.get("params");
    if (params) {
      try {
        const value = decodeBase64Url(params);
        if (value && typeof value === "object" && !Array.isArray(value)) {
          prefill.params = value as Record<string, unknown>;
        } else error = true;
      } catch {
        error = true;
      }
    }
  } else {
    const rule = q.get("rule");
    if (rule) {
      try {
        prefill.rule = decodeBase64Url(rule);
      } catch {
        error = true;
      }
    }
  }
  const channel = q.get("channel");
  if (channel) prefill.channel = channel;
  const name = q.get("name");
  if (name) prefill.name = name;
  const kind = q.get("kind");
  if (kind === "static" || kind === "dynamic") prefill.kind = kind.toUpperCase() as Prefill["kind"];
  return { prefill, error };
}
