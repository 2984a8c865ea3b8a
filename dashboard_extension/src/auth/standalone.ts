/** Standalone sign-in: Saleor's tokenCreate / tokenRefresh / me on the main API. */
import { decodeJwt } from "./store";

const ACCESS_KEY = "saleor-crm.token";
const REFRESH_KEY = "saleor-crm.refreshToken";

export interface StoredTokens {
  token: string;
  refreshToken: string | null;
}

export function loadTokens(): StoredTokens | null {
  try {
    const token = sessionStorage.getItem(ACCESS_KEY);
    if (!token) return null;
    return { token, refreshToken: sessionStorage.getItem(REFRESH_KEY) };
  } catch {
    return null;
  }
}

export function saveTokens(tokens: StoredTokens | null): void {
  try {
    if (!tokens) {
      sessionStorage.removeItem(ACCESS_KEY);
      sessionStorage.removeItem(REFRESH_KEY);
      return;
    }
    sessionStorage.setItem(ACCESS_KEY, tokens.token);
    if (tokens.refreshToken) sessionStorage.setItem(REFRESH_KEY, tokens.refreshToken);
  } catch {
    /* storage disabled: the session lives in memory only */
  }
}

async function post<T>(apiUrl: string, query: string, variables: object, token?: string): Promise<T> {
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  const res = await fetch(apiUrl, { method: "POST", headers, body: JSON.stringify({ query, variables }) });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const body = await res.json();
  if (body.errors?.length) throw new Error(body.errors[0].message);
  return body.data as T;
}

export class SignInError extends Error {
  constructor(
    public code: string,
    message: string,
  ) {
    super(message);
  }
}

const TOKEN_CREATE = `mutation CrmTokenCreate($email: String!, $password: String!) {
  tokenCreate(email: $email, password: $password) {
    token refreshToken
    errors { field code message }
  }
}`;

export async function tokenCreate(apiUrl: string, email: string, password: string): Promise<StoredTokens> {
  const data = await post<{
    tokenCreate: { token: string | null; refreshToken: string | null; errors: { code: string; message: string }[] };
  }>(apiUrl, TOKEN_CREATE, { email, password });
  const r = data.tokenCreate;
  if (r.errors.length || !r.token) {
    const e = r.errors[0];
    throw new SignInError(e?.code ?? "INVALID_CREDENTIALS", e?.message ?? "");
  }
  return { token: r.token, refreshToken: r.refreshToken };
}

const TOKEN_REFRESH = `mutation CrmTokenRefresh($refreshToken: String!) {
  tokenRefresh(refreshToken: $refreshToken) { token errors { code message } }
}`;

export async function tokenRefresh(apiUrl: string, refreshToken: string): Promise<string | null> {
  const data = await post<{ tokenRefresh: { token: string | null } }>(apiUrl, TOKEN_REFRESH, { refreshToken });
  return data.tokenRefresh.token;
}

const ME = `query CrmMe { me { email isStaff userPermissions { code } } }`;

export async function fetchMe(
  apiUrl: string,
  token: string,
): Promise<{ email: string; isStaff: boolean; permissions: string[] } | null> {
  const data = await post<{
    me: { email: string; isStaff: boolean; userPermissions: { code: string }[] | null } | null;
  }>(apiUrl, ME, {}, token);
  if (!data.me) return null;
  return {
    email: data.me.email,
    isStaff: data.me.isStaff,
    permissions: (data.me.userPermissions ?? []).map((p) => p.code),
  };
}

/** Milliseconds until the token should be refreshed (30 s before it expires), or null. */
export function msUntilRefresh(token: string, now = Date.now()): number | null {
  const exp = decodeJwt(token)?.exp;
  if (typeof exp !== "number") return null;
  return Math.max(0, exp * 1000 - now - 30_000);
}
