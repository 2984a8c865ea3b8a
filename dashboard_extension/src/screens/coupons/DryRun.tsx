/**
 * The dry run of a rule (writes nothing): what switching it on now issues, and
 * what it would have issued over the replayed window — who, how many, the
 * estimated cost.
 */
import { Box, Text } from "@saleor/macaw-ui";

import { useFormat } from "../../format";
import { hasKey, translate, useLocale, useT, type Vars } from "../../i18n";
import type { Money } from "./form";

export interface DryRow {
  customerId: string | null;
  email: string;
  control: boolean;
  estimatedCost: Money;
}
interface DryPart {
  codes: number;
  customers: number;
  heldOut: number;
  budgetLimited: boolean;
  estimatedCost: Money;
  sample: DryRow[];
}
/** Why the on-activation figures (the API's CRMCouponDryRunExplanationCodeEnum and its parameters). */
export interface DryRunExplanation {
  /** the API's English sentence (kept for API users; the fallback for a code this app does not know) */
  explanation: string;
  explanationCode?: string | null;
  explanationParams?: { trigger: string | null; since: string | null; startsAt: string | null } | null;
}
export interface DryRunResult {
  onActivation: DryPart & DryRunExplanation;
  replayedWindow: DryPart & { from: string; to: string };
}

/**
 * The explanation in the locale: `dryRun.explanation.<CODE>` with `{what}` (`dryRun.what.<TRIGGER>`),
 * `{since}` and `{startsAt}` formatted for the locale. A code or trigger the catalogues do not
 * have (an API newer than the app) falls back to the API's English sentence.
 */
export function explanationText(
  locale: string,
  part: DryRunExplanation,
  dateTime: (v: string) => string,
): string {
  const code = part.explanationCode;
  const params = part.explanationParams ?? { trigger: null, since: null, startsAt: null };
  const known = (key: string) => hasKey(locale, "coupons", key);
  if (!code || !known(`dryRun.explanation.${code}`)) return part.explanation ?? "";
  if (params.trigger && !known(`dryRun.what.${params.trigger}`)) return part.explanation ?? "";
  const vars: Vars = {
    what: params.trigger ? translate(locale, "coupons", `dryRun.what.${params.trigger}`) : "",
    since: params.since ? dateTime(params.since) : "",
    startsAt: params.startsAt ? dateTime(params.startsAt) : "",
  };
  return translate(locale, "coupons", `dryRun.explanation.${code}`, vars);
}

function Figures({ part }: { part: DryPart }) {
  const t = useT("coupons");
  const f = useFormat();
  return (
    <Box display="grid" __gridTemplateColumns="repeat(4, minmax(0, 1fr))" gap={3}>
      {[
        [t("dryRun.codes"), f.number(part.codes)],
        [t("dryRun.customers"), f.number(part.customers)],
        [t("dryRun.heldOut"), f.number(part.heldOut)],
        [t("dryRun.cost"), f.money(part.estimatedCost)],
      ].map(([k, v]) => (
        <Box key={k} display="flex" flexDirection="column" gap={0.5}>
          <Text size={2} color="default2">
            {k}
          </Text>
          <Text size={5} fontWeight="bold">
            {v}
          </Text>
        </Box>
      ))}
    </Box>
  );
}

function Sample({ rows }: { rows: DryRow[] }) {
  const t = useT("coupons");
  const f = useFormat();
  if (!rows.length) return null;
  return (
    <Box as="details">
      <Box as="summary" cursor="pointer">
        <Text size={3}>{t("dryRun.sample", { count: rows.length })}</Text>
      </Box>
      <Box as="table" width="100%" marginTop={2} style={{ borderCollapse: "collapse" }}>
        <tbody>
          {rows.map((r, i) => (
            <tr key={`${r.email}-${i}`}>
              <Box as="td" paddingY={1}>
                <Text size={2}>{r.email}</Text>
              </Box>
              <Box as="td" paddingY={1}>
                <Text size={2} color="default2">
                  {r.control ? t("dryRun.controlRow") : ""}
                </Text>
              </Box>
              <Box as="td" paddingY={1} textAlign="right">
                <Text size={2}>{r.control ? "—" : f.money(r.estimatedCost)}</Text>
              </Box>
            </tr>
          ))}
        </tbody>
      </Box>
    </Box>
  );
}

export function DryRunView({ result }: { result: DryRunResult }) {
  const t = useT("coupons");
  const f = useFormat();
  const locale = useLocale();
  const { onActivation: now, replayedWindow: past } = result;
  // a schedule and points expiring replay what is due now (coupons/issuing.py _replay_start):
  // the window starts where it ends, so it is said as "now", not as "from 9:43 to 9:43"
  const replayedNow = Date.parse(past.from) === Date.parse(past.to);
  return (
    <Box display="flex" flexDirection="column" gap={5} data-testid="dry-run">
      <Box display="flex" flexDirection="column" gap={3}>
        <Text as="h3" size={4} fontWeight="bold">
          {t("dryRun.onActivation")}
        </Text>
        <Figures part={now} />
        {/* the explanation's code and parameters, said in the locale (the API's sentence is English) */}
        {(now.explanationCode || now.explanation) && (
          <Text as="p" size={3} color="default2" data-testid="dry-run-explanation">
            {explanationText(locale, now, (v) => f.dateTime(v))}
          </Text>
        )}
        {now.budgetLimited && (
          <Text as="p" size={3} color="warning1">
            {t("dryRun.budgetLimited")}
          </Text>
        )}
        <Sample rows={now.sample} />
      </Box>
      <Box display="flex" flexDirection="column" gap={3}>
        <Text as="h3" size={4} fontWeight="bold">
          {replayedNow ? t("dryRun.replayedNow") : t("dryRun.replayed", { from: f.dateTime(past.from), to: f.dateTime(past.to) })}
        </Text>
        <Figures part={past} />
        {past.budgetLimited && (
          <Text as="p" size={3} color="warning1">
            {t("dryRun.budgetLimited")}
          </Text>
        )}
        <Sample rows={past.sample} />
      </Box>
    </Box>
  );
}
