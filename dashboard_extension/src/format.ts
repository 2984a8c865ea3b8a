/**
 * Intl formatting for the UI locale, the channel's currency and time zone.
 * Money from the API is {amount, currency}; JPY gets 0 decimals from Intl itself.
 */
import { useMemo } from "react";

import { useSession } from "./auth/AuthProvider";

export interface Money {
  amount: number;
  currency: string;
}

/** BCP 47 tag used for Intl from the UI locale. */
export function intlLocale(locale: string): string {
  return locale === "ja" ? "ja-JP" : "en-US";
}

const DASH = "—";

export function formatNumber(locale: string, value: number | null | undefined, maxFractionDigits = 0): string {
  if (value === null || value === undefined || Number.isNaN(value)) return DASH;
  return new Intl.NumberFormat(intlLocale(locale), { maximumFractionDigits: maxFractionDigits }).format(value);
}

/** `ratio` is a fraction (0.125 -> 12.5 %). */
export function formatPercent(locale: string, ratio: number | null | undefined, fractionDigits = 1): string {
  if (ratio === null || ratio === undefined || Number.isNaN(ratio)) return DASH;
  return new Intl.NumberFormat(intlLocale(locale), {
    style: "percent",
    minimumFractionDigits: 0,
    maximumFractionDigits: fractionDigits,
  }).format(ratio);
}

export function formatMoney(
  locale: string,
  money: Money | number | null | undefined,
  currency?: string,
  opts: { compact?: boolean } = {},
): string {
  if (money === null || money === undefined) return DASH;
  const amount = typeof money === "number" ? money : Number(money.amount);
  const cur = typeof money === "number" ? currency : money.currency || currency;
  if (!cur || Number.isNaN(amount)) return formatNumber(locale, amount, 2);
  return new Intl.NumberFormat(intlLocale(locale), {
    style: "currency",
    currency: cur,
    ...(opts.compact ? { notation: "compact", maximumFractionDigits: 1 } : {}),
  }).format(amount);
}

/** A calendar date ("2026-12-07"): shown as that date whatever the viewer's time zone. */
export function formatDate(
  locale: string,
  value: string | Date | null | undefined,
  timeZone?: string,
  style: "medium" | "short" | "month" = "medium",
): string {
  if (!value) return DASH;
  let date: Date;
  let tz = timeZone;
  if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value)) {
    date = new Date(`${value}T00:00:00Z`);
    tz = "UTC";
  } else {
    date = typeof value === "string" ? new Date(value) : value;
  }
  if (Number.isNaN(date.getTime())) return DASH;
  const options: Intl.DateTimeFormatOptions =
    style === "month"
      ? { year: "numeric", month: "short" }
      : style === "short"
        ? { month: "short", day: "numeric" }
        : { dateStyle: "medium" };
  return new Intl.DateTimeFormat(intlLocale(locale), { ...options, timeZone: tz }).format(date);
}

/** An instant, shown in the channel's time zone (or the browser's). */
export function formatDateTime(locale: string, value: string | Date | null | undefined, timeZone?: string): string {
  if (!value) return DASH;
  const date = typeof value === "string" ? new Date(value) : value;
  if (Number.isNaN(date.getTime())) return DASH;
  return new Intl.DateTimeFormat(intlLocale(locale), {
    dateStyle: "medium",
    timeStyle: "short",
    timeZone,
  }).format(date);
}

/** The formatters bound to the current UI locale. */
export function useFormat() {
  const { locale } = useSession();
  return useMemo(
    () => ({
      locale,
      number: (v: number | null | undefined, digits = 0) => formatNumber(locale, v, digits),
      percent: (v: number | null | undefined, digits = 1) => formatPercent(locale, v, digits),
      money: (m: Money | number | null | undefined, currency?: string, opts?: { compact?: boolean }) =>
        formatMoney(locale, m, currency, opts),
      date: (v: string | Date | null | undefined, tz?: string, style?: "medium" | "short" | "month") =>
        formatDate(locale, v, tz, style),
      dateTime: (v: string | Date | null | undefined, tz?: string) => formatDateTime(locale, v, tz),
    }),
    [locale],
  );
}
