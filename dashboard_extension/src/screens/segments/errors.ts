/** The API's typed errors of a segment mutation or preview: which belong to the form's
 * inputs, which to the rule (pointed at a node of the editor by their path). */
import type { CrmError } from "./api";

export function splitErrors(errors: CrmError[]): {
  byField: Record<string, CrmError>;
  rule: CrmError[];
  other: CrmError[];
} {
  const byField: Record<string, CrmError> = {};
  const rule: CrmError[] = [];
  const other: CrmError[] = [];
  for (const e of errors) {
    if (e.field && ["name", "description", "channel", "kind"].includes(e.field)) byField[e.field] = e;
    else if (e.field && ["rule", "preset", "presetParams", "preset_params"].includes(e.field)) rule.push(e);
    else other.push(e);
  }
  return { byField, rule, other };
}

/** The rule path of a rule error: `and.2.value: Enter a number.` -> `and.2.value`. */
export function rulePath(error: CrmError): string | null {
  const m = /^([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*): /.exec(error.message ?? "");
  return m ? m[1] : null;
}

/** The API's own sentence after the path (English; shown as a detail). */
export function ruleDetail(error: CrmError): string {
  const path = rulePath(error);
  const message = error.message ?? "";
  return path ? message.slice(path.length + 2) : message;
}
