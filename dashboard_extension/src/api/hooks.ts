/**
 *   const { data, loading, error, refetch } = useCrmQuery<Data>(QUERY, { channel }, { skip: !channel });
 *   const [run, { loading, error }] = useCrmMutation<Data, Vars>(MUTATION);
 *   const res = await run({ id });  // throws ApiError; typed payload errors are in the data
 * Pass { api: "saleor" } for Saleor's main API.
 */
import { useCallback, useEffect, useRef, useState } from "react";

import { useSession } from "../auth/AuthProvider";
import { crmRequest, saleorRequest } from "./client";

export interface QueryState<T> {
  data: T | undefined;
  loading: boolean;
  error: unknown;
  refetch: () => void;
}

export interface QueryOptions {
  skip?: boolean;
  api?: "crm" | "saleor";
}

export function useCrmQuery<T>(query: string, variables?: object, opts: QueryOptions = {}): QueryState<T> {
  const { token } = useSession();
  const varsKey = JSON.stringify(variables ?? {});
  const [state, setState] = useState<{ data: T | undefined; loading: boolean; error: unknown }>({
    data: undefined,
    loading: !opts.skip,
    error: undefined,
  });
  const [tick, setTick] = useState(0);
  const hasToken = Boolean(token);
  const api = opts.api ?? "crm";

  useEffect(() => {
    if (opts.skip || !hasToken) {
      setState((s) => ({ ...s, loading: !opts.skip && !hasToken }));
      return;
    }
    const controller = new AbortController();
    setState((s) => ({ data: s.data, loading: true, error: undefined }));
    const send = api === "saleor" ? saleorRequest<T> : crmRequest<T>;
    send(query, JSON.parse(varsKey), { signal: controller.signal }).then(
      (data) => {
        if (!controller.signal.aborted) setState({ data, loading: false, error: undefined });
      },
      (error) => {
        if (!controller.signal.aborted) setState((s) => ({ data: s.data, loading: false, error }));
      },
    );
    return () => controller.abort();
    // the token changes on refresh: no refetch needed for that, only whether we have one
  }, [query, varsKey, opts.skip, hasToken, api, tick]);

  const refetch = useCallback(() => setTick((n) => n + 1), []);
  return { ...state, refetch };
}

export interface MutationState<T> {
  data: T | undefined;
  loading: boolean;
  error: unknown;
}

export function useCrmMutation<T, V extends object = Record<string, unknown>>(
  mutation: string,
  opts: { api?: "crm" | "saleor" } = {},
): [(variables: V) => Promise<T>, MutationState<T>] {
  const [state, setState] = useState<MutationState<T>>({ data: undefined, loading: false, error: undefined });
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);
  const api = opts.api ?? "crm";
  const run = useCallback(
    async (variables: V) => {
      setState((s) => ({ ...s, loading: true, error: undefined }));
      try {
        const data = await (api === "saleor" ? saleorRequest<T> : crmRequest<T>)(mutation, variables);
        if (mounted.current) setState({ data, loading: false, error: undefined });
        return data;
      } catch (error) {
        if (mounted.current) setState((s) => ({ ...s, loading: false, error }));
        throw error;
      }
    },
    [mutation, api],
  );
  return [run, state];
}
