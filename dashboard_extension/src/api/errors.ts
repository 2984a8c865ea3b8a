/** API error -> translated message (catalogue namespace "errors", keys = error codes). */
import { useCallback } from "react";

import { hasKey, translate } from "../i18n";
import { useLocale } from "../i18n";
import { ApiError, type TypedError } from "./client";

export function errorMessage(locale: string, error: unknown): string {
  let code = "UNKNOWN";
  let fallback: string | null = null;
  if (error instanceof ApiError) {
    code = error.code;
    fallback = error.message;
  } else if (error && typeof error === "object" && "code" in error) {
    const te = error as TypedError;
    code = String(te.code);
    fallback = te.message ?? null;
  } else if (error instanceof Error) {
    fallback = error.message;
  }
  if (hasKey(locale, "errors", code)) return translate(locale, "errors", code);
  if (code.startsWith("HTTP")) return translate(locale, "errors", "HTTP_ERROR");
  return fallback && locale === "en" ? fallback : translate(locale, "errors", "UNKNOWN");
}

/** `const msg = useErrorMessage(); msg(error)` — also for typed payload errors {field, code, message}. */
export function useErrorMessage(): (error: unknown) => string {
  const locale = useLocale();
  return useCallback((error: unknown) => errorMessage(locale, error), [locale]);
}
