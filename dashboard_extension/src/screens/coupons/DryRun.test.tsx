/**
 * The dry run's explanation said in the locale: every explanation code of the backend
 * (coupons/issuing.py EXPLANATIONS) and every trigger its sentences name (_WHAT) has an en and
 * a ja message; the view renders the code with its parameters, and falls back to the API's
 * English sentence for a code the app does not know.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { catalogues, LOCALES } from "../../i18n";
import { renderWithSession } from "../../test/render";
import { DryRunView, explanationText, type DryRunResult } from "./DryRun";

const ISSUING = readFileSync(join(__dirname, "../../../../saleor_crm_plugin/coupons/issuing.py"), "utf8");

/** The keys of a Python dict literal `NAME = {` … `}` at the module's top level. */
function dictKeys(name: string): string[] {
  const block = new RegExp(`^${name} = \\{\\n([\\s\\S]*?)\\n\\}`, "m").exec(ISSUING)?.[1] ?? "";
  return [...block.matchAll(/^ {4}"([a-z_]+)":/gm)].map((m) => m[1]);
}

const CODES = dictKeys("EXPLANATIONS").map((c) => c.toUpperCase());
const TRIGGERS = dictKeys("_WHAT").map((c) => c.toUpperCase());

const money = (amount: number) => ({ amount, currency: "USD" });
const part = { codes: 0, customers: 0, heldOut: 0, budgetLimited: false, estimatedCost: money(0), sample: [] };

function result(explanation: DryRunResult["onActivation"] extends infer P ? Partial<P> : never): DryRunResult {
  return {
    onActivation: { ...part, explanation: "", ...explanation },
    replayedWindow: { ...part, from: "2026-11-30T00:00:00Z", to: "2026-12-07T00:00:00Z" },
  };
}

describe("dry run explanation codes", () => {
  it("reads the backend's codes and triggers", () => {
    expect(CODES).toContain("NO_BACKLOG");
    expect(CODES).toContain("COUNTS_SINCE_SWITCH_ON");
    expect(CODES.length).toBeGreaterThanOrEqual(9);
    expect(TRIGGERS).toContain("DAYS_WITHOUT_ORDER");
    expect(TRIGGERS.length).toBeGreaterThanOrEqual(7);
  });

  for (const locale of LOCALES) {
    it(`${locale}: has a message for every explanation code and every trigger it names`, () => {
      const cat = catalogues[locale].coupons;
      expect(CODES.filter((c) => !cat[`dryRun.explanation.${c}`]), `${locale}/coupons.json dryRun.explanation`).toEqual([]);
      expect(TRIGGERS.filter((c) => !cat[`dryRun.what.${c}`]), `${locale}/coupons.json dryRun.what`).toEqual([]);
    });
  }

  it("the English catalogue says what the API's English sentence says (the trigger's phrase included)", () => {
    const what = (trigger: string) => catalogues.en.coupons[`dryRun.what.${trigger}`];
    const py = (key: string) => new RegExp(`^ {4}"${key}": "([^"]+)"`, "m").exec(ISSUING)?.[1];
    for (const trigger of TRIGGERS) expect(what(trigger), trigger).toBe(py(trigger.toLowerCase()));
  });

  it("renders a code with its parameters in Japanese, and in English", () => {
    const noBacklog = {
      explanation: "Counts only first paid orders after the switch-on: …",
      explanationCode: "NO_BACKLOG",
      explanationParams: { trigger: "FIRST_ORDER", since: null, startsAt: null },
    };
    const fmt = (v: string) => `<${v}>`;
    expect(explanationText("ja", noBacklog, fmt)).toBe(
      "オンにした後の初回の支払い済み注文だけを数えます。それ以前の分はさかのぼらないため、オンにしても今は何も発行されません。",
    );
    expect(explanationText("en", noBacklog, fmt)).toBe(
      "Counts only first paid orders after the switch-on: nothing that happened before is caught up, so switching on issues nothing now.",
    );
    const since = {
      explanation: "Counts tier upgrades since the switch-on (2026-12-01 09:00 UTC).",
      explanationCode: "COUNTS_SINCE_SWITCH_ON",
      explanationParams: { trigger: "TIER_UPGRADE", since: "2026-12-01T09:00:00Z", startsAt: null },
    };
    expect(explanationText("ja", since, fmt)).toBe("オンにした時点（<2026-12-01T09:00:00Z>）以降のティアの昇格を数えます。");
    const starts = {
      explanation: "The rule starts at …",
      explanationCode: "NOT_STARTED",
      explanationParams: { trigger: null, since: null, startsAt: "2026-12-10T00:00:00Z" },
    };
    expect(explanationText("en", starts, fmt)).toBe("The rule starts at <2026-12-10T00:00:00Z>: nothing is issued before.");
  });

  it("falls back to the API's sentence for a code or a trigger the app does not know", () => {
    const fmt = (v: string) => v;
    expect(
      explanationText("ja", { explanation: "Something new.", explanationCode: "SOMETHING_NEW", explanationParams: null }, fmt),
    ).toBe("Something new.");
    expect(
      explanationText(
        "ja",
        {
          explanation: "Counts only wishlist drops after the switch-on.",
          explanationCode: "NO_BACKLOG",
          explanationParams: { trigger: "WISHLIST_PRICE_DROP", since: null, startsAt: null },
        },
        fmt,
      ),
    ).toBe("Counts only wishlist drops after the switch-on.");
    // an API without the code (older): its sentence as before
    expect(explanationText("en", { explanation: "Old sentence." }, fmt)).toBe("Old sentence.");
  });

  it("the dry run view shows the explanation in the Dashboard's language", async () => {
    renderWithSession(
      <DryRunView
        result={result({
          explanation: "The schedule's run due now issues to the segment's current members.",
          explanationCode: "SCHEDULE_SEGMENT_MEMBERS",
          explanationParams: { trigger: null, since: null, startsAt: null },
        })}
      />,
      { locale: "ja" },
    );
    expect((await screen.findByTestId("dry-run-explanation")).textContent).toBe(
      "今回のスケジュール実行では、セグメントの現在のメンバーに発行します。",
    );
  });

  // a schedule and points expiring replay what is due now (coupons/issuing.py _replay_start): the
  // window starts and ends at the same instant, and "from 9:43 AM to 9:43 AM" says nothing
  for (const [locale, now, window] of [
    ["en", "Had it been on now", /^Had it been on from .+ to .+$/],
    ["ja", "現時点で有効だった場合", /^.+ 〜 .+ に有効だった場合$/],
  ] as const) {
    it(`${locale}: a zero-length replayed window reads "had it been on now"; a window with a length keeps its dates`, async () => {
      const at = "2026-12-07T09:43:12.345678+00:00";
      const zero = result({});
      zero.replayedWindow = { ...zero.replayedWindow, from: at, to: at };
      const { unmount } = renderWithSession(<DryRunView result={zero} />, { locale });
      const headings = (await screen.findByTestId("dry-run")).querySelectorAll("h3");
      expect(headings[1].textContent).toBe(now);
      unmount();

      renderWithSession(<DryRunView result={result({})} />, { locale });
      const dated = (await screen.findByTestId("dry-run")).querySelectorAll("h3");
      expect(dated[1].textContent).toMatch(window);
      expect(dated[1].textContent).not.toBe(now);
    });
  }
});
