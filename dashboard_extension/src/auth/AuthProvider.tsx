/**
 * Session provider: AppBridge in the Dashboard iframe, sign-in form standalone.
 *
 *   const { token, permissions, locale, theme, saleorApiUrl, mode } = useSession();
 *   const canEdit = useHasPermission("MANAGE_DISCOUNTS");
 *   const { signIn, signOut, setLocale, setTheme } = useSessionActions();
 */
import { type ReactNode, createContext, useContext, useEffect, useMemo, useSyncExternalStore } from "react";

import { getBridge, isInIframe } from "./bridge";
import {
  SignInError,
  fetchMe,
  loadTokens,
  msUntilRefresh,
  saveTokens,
  tokenCreate,
  tokenRefresh,
} from "./standalone";
import { type Session, type ThemeName, decodeJwt, getSession, normaliseLocale, setSession, subscribeSession } from "./store";

export function useSession(): Session {
  return useSyncExternalStore(subscribeSession, getSession, getSession);
}

export function useHasPermission(...perms: string[]): boolean {
  const { permissions } = useSession();
  return perms.every((p) => permissions.includes(p));
}

const LOCALE_KEY = "saleor-crm.locale";
const THEME_KEY = "saleor-crm.theme";

function readPref(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}
function writePref(key: string, value: string) {
  try {
    localStorage.setItem(key, value);
  } catch {
    /* ignore */
  }
}

export interface SessionActions {
  signIn(email: string, password: string): Promise<void>;
  signOut(): void;
  setLocale(locale: string): void;
  setTheme(theme: ThemeName): void;
  /** Standalone: get a fresh access token with the refresh token; returns it or null. */
  refresh(): Promise<string | null>;
}

const ActionsContext = createContext<SessionActions | null>(null);

export function useSessionActions(): SessionActions {
  const ctx = useContext(ActionsContext);
  if (!ctx) throw new Error("useSessionActions outside <AuthProvider>");
  return ctx;
}

let refreshInFlight: Promise<string | null> | null = null;

/** Standalone token refresh shared by the timer and the API client (one request at a time). */
export function refreshStandaloneToken(): Promise<string | null> {
  const s = getSession();
  if (s.mode !== "standalone") return Promise.resolve(s.token);
  const refreshToken = loadTokens()?.refreshToken;
  if (!refreshToken) return Promise.resolve(null);
  refreshInFlight ??= tokenRefresh(s.saleorApiUrl, refreshToken)
    .then((token) => {
      if (token) {
        saveTokens({ token, refreshToken });
        setSession({ token });
      }
      return token;
    })
    .catch(() => null)
    .finally(() => {
      refreshInFlight = null;
    });
  return refreshInFlight;
}

async function startStandalone(): Promise<void> {
  const prefLocale = readPref(LOCALE_KEY) ?? navigator.language;
  const prefTheme = readPref(THEME_KEY);
  const theme: ThemeName =
    prefTheme === "dark" || prefTheme === "light"
      ? prefTheme
      : typeof window.matchMedia === "function" && window.matchMedia("(prefers-color-scheme: dark)").matches
        ? "dark"
        : "light";
  setSession({ mode: "standalone", locale: normaliseLocale(prefLocale), theme, saleorApiUrl: "/graphql/" });
  const stored = loadTokens();
  if (!stored) {
    setSession({ status: "signedOut" });
    return;
  }
  setSession({ token: stored.token });
  let me = await fetchMe("/graphql/", stored.token).catch(() => null);
  if (!me) {
    const token = await refreshStandaloneToken();
    if (token) me = await fetchMe("/graphql/", token).catch(() => null);
  }
  if (!me || !me.isStaff) {
    saveTokens(null);
    setSession({ status: "signedOut", token: null, permissions: [] });
    return;
  }
  setSession({ status: "ready", email: me.email, permissions: me.permissions });
}

/**
 * What this token may do: Saleor's app / extension tokens carry `permissions` = the app's (or
 * extension's) permissions the staff member also holds, next to `user_permissions` (all of the
 * staff member's). The UI follows the first, so it never offers what the API would refuse.
 */
export function tokenPermissions(token: string, userPermissions?: string[]): string[] {
  const claims = decodeJwt(token);
  if (claims && Array.isArray(claims.permissions)) return claims.permissions.map(String);
  return userPermissions ?? [];
}

function startIframe(): () => void {
  const bridge = getBridge();
  const initial = bridge.getState();
  setSession({
    mode: "iframe",
    bridge,
    appId: initial.id || null,
    locale: normaliseLocale(initial.locale),
    theme: initial.theme === "dark" ? "dark" : "light",
    saleorApiUrl: initial.saleorApiUrl || "/graphql/",
  });
  const applyToken = (token: string) => {
    const state = bridge.getState();
    setSession({
      token,
      status: "ready",
      permissions: tokenPermissions(token, state.user?.permissions),
      email: state.user?.email ?? null,
      saleorApiUrl: state.saleorApiUrl || getSession().saleorApiUrl,
    });
  };
  const unsubscribers = [
    bridge.subscribe("handshake", (p) => applyToken(p.token)),
    bridge.subscribe("tokenRefresh", (p) => applyToken(p.token)),
    bridge.subscribe("theme", (p) => setSession({ theme: p.theme === "dark" ? "dark" : "light" })),
    bridge.subscribe("localeChanged", (p) => setSession({ locale: normaliseLocale(p.locale) })),
  ];
  // Subscribed: now ask the Dashboard for the (repeated) handshake.
  bridge.sendNotifyReadyAction();
  return () => unsubscribers.forEach((u) => u());
}

/** `start={false}` (tests): keep the session as set with setSession, start neither bridge nor sign-in. */
export function AuthProvider({ children, start = true }: { children: ReactNode; start?: boolean }) {
  useEffect(() => {
    if (!start) return;
    if (isInIframe()) return startIframe();
    void startStandalone();
    return undefined;
  }, [start]);

  const session = useSession();

  // Standalone: refresh the access token shortly before it expires.
  useEffect(() => {
    if (session.mode !== "standalone" || !session.token) return;
    const ms = msUntilRefresh(session.token);
    if (ms === null) return;
    const id = window.setTimeout(() => void refreshStandaloneToken(), ms);
    return () => window.clearTimeout(id);
  }, [session.mode, session.token]);

  // <html lang> follows the UI locale (fonts, screen readers).
  useEffect(() => {
    document.documentElement.lang = session.locale;
  }, [session.locale]);

  const actions = useMemo<SessionActions>(
    () => ({
      async signIn(email, password) {
        const api = getSession().saleorApiUrl;
        const tokens = await tokenCreate(api, email, password);
        const me = await fetchMe(api, tokens.token);
        if (!me?.isStaff) throw new SignInError("NOT_STAFF", "");
        saveTokens(tokens);
        setSession({ token: tokens.token, status: "ready", email: me.email, permissions: me.permissions });
      },
      signOut() {
        saveTokens(null);
        setSession({ token: null, status: "signedOut", permissions: [], email: null });
      },
      setLocale(locale) {
        writePref(LOCALE_KEY, locale);
        setSession({ locale: normaliseLocale(locale) });
      },
      setTheme(theme) {
        writePref(THEME_KEY, theme);
        setSession({ theme });
      },
      refresh: refreshStandaloneToken,
    }),
    [],
  );

  return <ActionsContext.Provider value={actions}>{children}</ActionsContext.Provider>;
}
