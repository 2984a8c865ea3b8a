/**
 * Message catalogues: src/i18n/<locale>/<namespace>.json (nested objects, dot paths as keys).
 *
 *   const t = useT("common");
 *   t("nav.overview")                               // plain
 *   t("readOnly", { permission: "MANAGE_USERS" })   // "{permission}" interpolation; with a numeric
 *                                                   // `count` var, "<key>_<plural category>" is tried first
 *
 * Missing keys fall back to English, then to the key itself (and the catalogue test fails).
 */
import { useCallback } from "react";

import { useSession } from "../auth/AuthProvider";

export const LOCALES = ["en", "ja"] as const;
export type Locale = (typeof LOCALES)[number];
export const NAMESPACES = ["common", "overview", "segments", "coupons", "loyalty", "rfm", "customer", "errors"] as const;
export type Namespace = (typeof NAMESPACES)[number];

type Tree = { [k: string]: string | Tree };

const files = import.meta.glob("./*/*.json", { eager: true, import: "default" }) as Record<string, Tree>;

/** catalogues[locale][namespace] = flat map "a.b.c" -> message */
export const catalogues: Record<string, Record<string, Record<string, string>>> = {};

export function flatten(tree: Tree, prefix = "", out: Record<string, string> = {}): Record<string, string> {
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === "string") out[key] = v;
    else flatten(v, key, out);
  }
  return out;
}

for (const [path, tree] of Object.entries(files)) {
  const m = /\.\/([a-z]+)\/([a-z]+)\.json$/.exec(path);
  if (!m) continue;
  const [, locale, ns] = m;
  (catalogues[locale] ??= {})[ns] = flatten(tree);
}

const pluralRulesCache = new Map<string, Intl.PluralRules>();
function pluralCategory(locale: string, n: number): string {
  let rules = pluralRulesCache.get(locale);
  if (!rules) {
    rules = new Intl.PluralRules(locale);
    pluralRulesCache.set(locale, rules);
  }
  return rules.select(n);
}

export type Vars = Record<string, string | number | null | undefined>;

export function lookup(locale: string, ns: string, key: string, vars?: Vars): string | undefined {
  const cat = catalogues[locale]?.[ns];
  if (!cat) return undefined;
  if (vars && typeof vars.count === "number") {
    const plural = cat[`${key}_${pluralCategory(locale, vars.count)}`] ?? cat[`${key}_other`];
    if (plural !== undefined) return plural;
  }
  return cat[key];
}

export function interpolate(message: string, vars?: Vars): string {
  if (!vars) return message;
  return message.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const v = vars[name];
    return v === undefined || v === null ? whole : String(v);
  });
}

/** Translate outside React (tests, error mapping). */
export function translate(locale: string, ns: string, key: string, vars?: Vars): string {
  const msg = lookup(locale, ns, key, vars) ?? lookup("en", ns, key, vars);
  if (msg === undefined) {
    if (import.meta.env.DEV) console.warn(`[i18n] missing ${ns}:${key}`);
    return key;
  }
  return interpolate(msg, vars);
}

/** Whether a key exists (in the current locale or English). */
export function hasKey(locale: string, ns: string, key: string): boolean {
  return lookup(locale, ns, key) !== undefined || lookup("en", ns, key) !== undefined;
}

export type T = (key: string, vars?: Vars) => string;

export function useLocale(): string {
  return useSession().locale;
}

export function useT(ns: Namespace): T {
  const locale = useLocale();
  return useCallback((key: string, vars?: Vars) => translate(locale, ns, key, vars), [locale, ns]);
}
