/**
 * The app's session: token, permissions, locale, theme and API URL.
 *
 * A tiny external store (read with `useSession()` from ./AuthProvider, or `getSession()`
 * outside React, e.g. in the API client). In the Dashboard iframe it is fed by AppBridge;
 * standalone by the sign-in form (tokenCreate / tokenRefresh on Saleor's main API).
 */
import type { AppBridge } from "@saleor/app-sdk/app-bridge";

export type ThemeName = "light" | "dark";
export type Mode = "iframe" | "standalone";
export type Status = "loading" | "ready" | "signedOut";

export interface Session {
  mode: Mode;
  status: Status;
  token: string | null;
  permissions: string[];
  /** Two-letter UI locale: "en" or "ja". */
  locale: string;
  theme: ThemeName;
  /** Saleor's main GraphQL API (absolute or same-origin "/graphql/"). */
  saleorApiUrl: string;
  email: string | null;
  /** Dashboard-side app id (iframe only). */
  appId: string | null;
  bridge: AppBridge | null;
}

type Listener = () => void;

export const initialSession = (): Session => ({
  mode: typeof window !== "undefined" && window.top !== window ? "iframe" : "standalone",
  status: "loading",
  token: null,
  permissions: [],
  locale: "en",
  theme: "light",
  saleorApiUrl: "/graphql/",
  email: null,
  appId: null,
  bridge: null,
});

let session: Session = initialSession();
const listeners = new Set<Listener>();

export function getSession(): Session {
  return session;
}

export function setSession(patch: Partial<Session>): void {
  session = { ...session, ...patch };
  listeners.forEach((l) => l());
}

export function resetSession(next: Partial<Session> = {}): void {
  session = { ...initialSession(), ...next };
  listeners.forEach((l) => l());
}

export function subscribeSession(listener: Listener): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

/** Decode the payload of a JWT (no verification: the server verifies). */
export function decodeJwt(token: string): Record<string, unknown> | null {
  try {
    const part = token.split(".")[1];
    const b64 = part.replace(/-/g, "+").replace(/_/g, "/");
    const padded = b64 + "=".repeat((4 - (b64.length % 4)) % 4);
    const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return null;
  }
}

/** Normalise a Saleor LocaleCode ("JA", "ja-JP", "EN_US") to a UI locale we have catalogues for. */
export function normaliseLocale(raw: string | null | undefined): string {
  const code = (raw || "").toLowerCase().split(/[-_]/)[0];
  return code === "ja" ? "ja" : "en";
}
