/**
 * GraphQL over fetch with the session's Bearer token.
 *
 *   crmRequest<T>(query, variables)    -> the plugin's API, /plugins/saleor-crm-plugin/graphql
 *   saleorRequest<T>(query, variables) -> Saleor's main API (catalogue pickers, channels, me)
 *
 * Top-level GraphQL errors, HTTP and network failures throw ApiError. Typed errors of a
 * mutation payload (`errors { field code message }`) are data: read them with `payloadErrors`.
 */
import { refreshStandaloneToken } from "../auth/AuthProvider";
import { getSession } from "../auth/store";

export const PLUGIN_ID = "saleor-crm-plugin";
export const CRM_API_PATH = `/plugins/${PLUGIN_ID}/graphql`;

export type ApiErrorKind = "network" | "http" | "graphql" | "auth";

export class ApiError extends Error {
  constructor(
    public kind: ApiErrorKind,
    message: string,
    /** A code for the errors catalogue (e.g. PERMISSION_DENIED, NETWORK, HTTP_500). */
    public code: string,
    public status?: number,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export interface TypedError {
  field?: string | null;
  code: string;
  message?: string | null;
}

interface GraphQLResponse<T> {
  data?: T;
  errors?: { message: string; extensions?: { exception?: { code?: string }; code?: string } }[];
}

function graphQLErrorCode(e: NonNullable<GraphQLResponse<unknown>["errors"]>[number]): string {
  const raw = e.extensions?.exception?.code ?? e.extensions?.code ?? "";
  if (/PermissionDenied/i.test(raw) || /permission/i.test(e.message)) return "PERMISSION_DENIED";
  if (/ExpiredSignature|InvalidToken|JWT/i.test(raw) || /signature has expired/i.test(e.message)) return "TOKEN_EXPIRED";
  return raw ? raw.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase() : "GRAPHQL_ERROR";
}

export interface RequestOptions {
  signal?: AbortSignal;
}

async function request<T>(url: string, query: string, variables: object | undefined, opts: RequestOptions, retried = false): Promise<T> {
  const { token } = getSession();
  const headers: Record<string, string> = { "Content-Type": "application/json", Accept: "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  let res: Response;
  try {
    res = await fetch(url, { method: "POST", headers, body: JSON.stringify({ query, variables: variables ?? {} }), signal: opts.signal });
  } catch (e) {
    if ((e as Error).name === "AbortError") throw e;
    throw new ApiError("network", (e as Error).message, "NETWORK");
  }
  if (res.status === 401 || res.status === 403) {
    if (!retried && getSession().mode === "standalone" && (await refreshStandaloneToken())) {
      return request(url, query, variables, opts, true);
    }
    throw new ApiError("auth", `HTTP ${res.status}`, res.status === 401 ? "TOKEN_EXPIRED" : "PERMISSION_DENIED", res.status);
  }
  let body: GraphQLResponse<T>;
  try {
    body = await res.json();
  } catch {
    throw new ApiError("http", `HTTP ${res.status}`, `HTTP_ERROR`, res.status);
  }
  if (body.errors?.length) {
    const code = graphQLErrorCode(body.errors[0]);
    if (code === "TOKEN_EXPIRED" && !retried && getSession().mode === "standalone" && (await refreshStandaloneToken())) {
      return request(url, query, variables, opts, true);
    }
    throw new ApiError(code === "PERMISSION_DENIED" ? "auth" : "graphql", body.errors[0].message, code, res.status);
  }
  if (!res.ok || body.data === undefined) throw new ApiError("http", `HTTP ${res.status}`, "HTTP_ERROR", res.status);
  return body.data;
}

export function crmRequest<T>(query: string, variables?: object, opts: RequestOptions = {}): Promise<T> {
  return request<T>(CRM_API_PATH, query, variables, opts);
}

export function saleorRequest<T>(query: string, variables?: object, opts: RequestOptions = {}): Promise<T> {
  return request<T>(getSession().saleorApiUrl || "/graphql/", query, variables, opts);
}

/** The typed errors of a mutation payload (`errors`, older `crmErrors`), or []. */
export function payloadErrors(payload: { errors?: TypedError[] | null; crmErrors?: TypedError[] | null } | null | undefined): TypedError[] {
  return payload?.errors ?? payload?.crmErrors ?? [];
}
