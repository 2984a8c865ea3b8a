/**
 * The keys the segment screens build at run time (`t(spec.labelKey)`,
 * `t(\`operator.${op}\`)` ...) exist in both languages for everything the API's
 * catalogue and the presets list: a field or operator added to the API without its
 * label fails here.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { describe, expect, it } from "vitest";

import { catalogues } from "../../i18n";
import apiFields from "./__fixtures__/crmSegmentFields.json";
import { FALLBACK_CATALOGUE, fromApi } from "./catalogue";

const catalogue = fromApi(apiFields.data.crmSegmentFields, apiFields.data.crmSegmentConditions);
// the ready-made segments and their thresholds, read from the backend's PRESETS
// (domain/segments.py), so that a preset added there without its labels fails here
const PRESETS_PY = readFileSync(join(__dirname, "../../../../saleor_crm_plugin/domain/segments.py"), "utf8");
const PRESETS_BLOCK = /^PRESETS: dict\[str, Preset\] = \{([\s\S]*?)^\}/m.exec(PRESETS_PY)?.[1] ?? "";
const PRESET_KEYS = [...PRESETS_BLOCK.matchAll(/^ {4}"([a-z_]+)": Preset\(/gm)].map((m) => m[1]);
const THRESHOLDS = [
  ...new Set([...PRESETS_BLOCK.matchAll(/\{([^{}]*)\}/g)].flatMap((m) => [...m[1].matchAll(/"(\w+)":/g)].map((k) => k[1]))),
];

function keys(): string[] {
  const out: string[] = [];
  for (const f of [...catalogue.fields, ...FALLBACK_CATALOGUE.fields]) {
    out.push(f.labelKey, `fieldGroup.${f.group}`);
    for (const op of f.operators) out.push(`operator.${op}`);
    for (const v of f.choices) out.push(`choice.${f.name}.${v}`);
  }
  for (const op of apiFields.data.crmSegmentFields.flatMap((f) => f.operators)) {
    out.push(op.labelKey.replace(/^segments\./, ""));
  }
  for (const c of catalogue.conditions) {
    out.push(`purchase.${c.name}`);
    for (const k of c.itemKinds) out.push(`purchase.${k}`);
  }
  for (const r of catalogue.relations) out.push(`purchase.relation_${r}`);
  for (const p of PRESET_KEYS) out.push(`presets.${p}.title`, `presets.${p}.description`);
  for (const t of THRESHOLDS) out.push(`threshold.${t}`);
  for (const k of ["DYNAMIC", "STATIC"]) out.push(`kind.${k}`);
  for (const k of ["ENTER", "EXIT"]) out.push(`detail.${k}`);
  return [...new Set(out)];
}

describe("segment catalogue labels", () => {
  it("covers the API's catalogue", () => {
    expect(catalogue.fields.length).toBe(apiFields.data.crmSegmentFields.length);
    expect(keys().length).toBeGreaterThan(80);
  });
  it("reads every ready-made segment of the backend", () => {
    expect(PRESET_KEYS).toContain("first_time_buyers");
    expect(PRESET_KEYS).toContain("registered_not_bought");
    expect(PRESET_KEYS.length).toBeGreaterThanOrEqual(10);
    expect(THRESHOLDS).toEqual(expect.arrayContaining(["within_days", "since", "joined_within_days"]));
  });
  it.each(["en", "ja"])("has every label in %s", (locale) => {
    const cat = catalogues[locale].segments;
    expect(keys().filter((k) => !(k in cat))).toEqual([]);
  });
});
