import { useEffect, useRef, useState } from "react";

import { crmRequest } from "../../api/client";
import { CrmError, Count, PREVIEW_QUERY } from "./api";

export interface PreviewInput {
  rule?: unknown;
  preset?: string;
  presetParams?: Record<string, unknown>;
  channel?: string | null;
}

export interface PreviewState {
  result: Count | null;
  errors: CrmError[];
  failure: unknown;
  loading: boolean;
}

export const PREVIEW_DEBOUNCE_MS = 250;

/** The live count of an unsaved rule or preset (`crmSegmentPreview`, a query): asked
 * PREVIEW_DEBOUNCE_MS after the last edit; a newer edit aborts the older request and
 * only the latest answer is shown. `input` null: nothing to count (incomplete rule). */
export function usePreview(input: PreviewInput | null): PreviewState {
  const [state, setState] = useState<PreviewState>({ result: null, errors: [], failure: null, loading: false });
  const key = input ? JSON.stringify(input) : "";
  const latest = useRef(0);
  useEffect(() => {
    const run = ++latest.current;
    if (!input) {
      setState({ result: null, errors: [], failure: null, loading: false });
      return;
    }
    const controller = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    const timer = window.setTimeout(() => {
      crmRequest<{ crmSegmentPreview: { result: Count | null; errors: CrmError[] } }>(
        PREVIEW_QUERY,
        {
          rule: input.rule ?? null,
          preset: input.preset ?? null,
          presetParams: input.presetParams ?? null,
          channel: input.channel ?? null,
        },
        { signal: controller.signal },
      ).then(
        (data) => {
          if (run !== latest.current) return;
          const payload = data.crmSegmentPreview;
          setState({ result: payload.result, errors: payload.errors ?? [], failure: null, loading: false });
        },
        (failure) => {
          if (run !== latest.current || controller.signal.aborted) return;
          setState({ result: null, errors: [], failure, loading: false });
        },
      );
    }, PREVIEW_DEBOUNCE_MS);
    return () => {
      window.clearTimeout(timer);
      controller.abort();
    };
    // the input is compared by its JSON
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  return state;
}

/** A value that follows `value` `ms` after its last change. */
export function useDebounced<T>(value: T, ms: number): T {
  const [current, setCurrent] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setCurrent(value), ms);
    return () => window.clearTimeout(timer);
  }, [value, ms]);
  return current;
}
