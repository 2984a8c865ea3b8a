/**
 * Catalogue completeness: every key exists in en and ja (all namespaces), no empty message,
 * the same {placeholders} on both sides, every CRMErrorCode of the backend has a message, and
 * every literal key used in the sources — `const t = useT("ns")` then `t("key")` — exists.
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

import { describe, expect, it } from "vitest";

import { LOCALES, NAMESPACES, catalogues } from ".";

const SRC = join(__dirname, "..");
const PLURAL = /_(zero|one|two|few|many|other)$/;
const base = (k: string) => k.replace(PLURAL, "");
const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return /\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) ? [p] : [];
  });
}

describe("message catalogues", () => {
  it("has every namespace file in every locale", () => {
    for (const locale of LOCALES) {
      for (const ns of NAMESPACES) {
        expect(catalogues[locale]?.[ns], `${locale}/${ns}.json`).toBeTypeOf("object");
      }
    }
  });

  for (const ns of NAMESPACES) {
    it(`${ns}: the same keys in en and ja, none empty, same placeholders`, () => {
      const en = catalogues.en[ns];
      const ja = catalogues.ja[ns];
      const enKeys = new Set(Object.keys(en).map(base));
      const jaKeys = new Set(Object.keys(ja).map(base));
      expect([...enKeys].filter((k) => !jaKeys.has(k)), `keys missing in ja/${ns}.json`).toEqual([]);
      expect([...jaKeys].filter((k) => !enKeys.has(k)), `keys missing in en/${ns}.json`).toEqual([]);
      for (const [k, v] of [...Object.entries(en), ...Object.entries(ja)]) {
        expect(v.trim(), `${ns}:${k} is empty`).not.toBe("");
      }
      for (const k of Object.keys(en)) {
        if (k in ja) expect(placeholders(ja[k]), `${ns}:${k} placeholders`).toEqual(placeholders(en[k]));
      }
    });
  }

  it("translates every CRMErrorCode of the backend", () => {
    const py = readFileSync(join(SRC, "../../saleor_crm_plugin/domain/errors.py"), "utf8");
    const block = /class CRMErrorCode\(Enum\):([\s\S]*?)\n\S/.exec(py)?.[1] ?? "";
    const codes = [...block.matchAll(/^\s+([A-Z_]+)\s*=/gm)].map((m) => m[1]);
    expect(codes.length).toBeGreaterThan(5);
    for (const locale of LOCALES) {
      expect(codes.filter((c) => !(c in catalogues[locale].errors)), `${locale}/errors.json`).toEqual([]);
    }
  });

  it("names every RFM group of the backend", () => {
    const py = readFileSync(join(SRC, "../../saleor_crm_plugin/domain/rfm.py"), "utf8");
    const groups = [...py.matchAll(/^\s+\("([a-z_]+)", \(\d/gm)].map((m) => m[1]);
    expect(groups.length).toBeGreaterThanOrEqual(10);
    for (const locale of LOCALES) {
      expect(groups.filter((g) => !(`rfmGroup.${g}` in catalogues[locale].common)), `${locale}/common.json rfmGroup`).toEqual([]);
    }
  });

  it("has every literal key the sources use", () => {
    const missing: string[] = [];
    let checked = 0;
    for (const file of sourceFiles(SRC)) {
      const text = readFileSync(file, "utf8");
      const vars = new Map<string, string>();
      for (const m of text.matchAll(/const\s+(\w+)\s*=\s*useT\(\s*"(\w+)"\s*\)/g)) vars.set(m[1], m[2]);
      for (const [v, ns] of vars) {
        const re = new RegExp(`(?<![\\w.])${v}\\(\\s*["'\`]([^"'\`$]+)["'\`]`, "g");
        for (const m of text.matchAll(re)) {
          checked++;
          const key = m[1];
          for (const locale of LOCALES) {
            const cat = catalogues[locale][ns] ?? {};
            if (!(key in cat) && !Object.keys(cat).some((k) => base(k) === key)) {
              missing.push(`${relative(SRC, file)}: ${locale}/${ns}.json lacks "${key}"`);
            }
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(10);
    expect(missing).toEqual([]);
  });
});
