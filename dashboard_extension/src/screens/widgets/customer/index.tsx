/**
 * Customer widget (Dashboard customer page, CUSTOMER_DETAILS_WIDGETS): the CRM view of one
 * customer in one request (crmCustomer360): tier and progress, points, RFM group, figures,
 * segments, coupons. The Dashboard passes ?customerId=<User global ID>; the iframe is resized
 * to the content.
 */
import { Box, Chip, Text } from "@saleor/macaw-ui";
import { useMemo, useRef, useState } from "react";
import { useSearchParams } from "react-router-dom";

import { useCrmQuery } from "../../../api/hooks";
import { useHasPermission } from "../../../auth/AuthProvider";
import { useChannel } from "../../../components/channel";
import { Empty, ErrorState, Loading } from "../../../components/states";
import { useFormat } from "../../../format";
import { useT } from "../../../i18n";
import { useDashboardNavigation } from "../../../shell/dashboard";
import { useWidgetResize } from "../../../shell/useWidgetResize";
import { CUSTOMER_360_QUERY, type Customer360Channel, type Customer360Data, type Loyalty } from "./queries";

/** Customer IDs from the Dashboard's query string (`customerId`, or `customerIds` comma-joined / repeated). */
export function customerIdsFromParams(params: URLSearchParams): string[] {
  const all = [...params.getAll("customerIds"), ...params.getAll("customerId")];
  return [...new Set(all.flatMap((v) => v.split(",")).map((v) => v.trim()).filter(Boolean))];
}

/** 0..1 progress towards the next tier, from its threshold and what is still missing. */
export function tierProgress(loyalty: Loyalty): number | null {
  if (!loyalty.nextTier || !loyalty.missingForNextTier) return null;
  const threshold = Number(loyalty.nextTier.threshold);
  const missing = Number(loyalty.missingForNextTier.amount);
  if (!(threshold > 0) || Number.isNaN(missing)) return null;
  return Math.max(0, Math.min(1, (threshold - missing) / threshold));
}

function Section({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <Box display="flex" flexDirection="column" gap={1.5} paddingY={2} borderTopStyle="solid" borderTopWidth={1} borderColor="default1">
      <Text size={2} color="default2" fontWeight="medium">
        {title}
      </Text>
      {children}
    </Box>
  );
}

function Figure({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <Box display="flex" flexDirection="column" data-testid={testId}>
      <Text size={1} color="default2">
        {label}
      </Text>
      <Text size={4} fontWeight="bold" style={{ fontVariantNumeric: "tabular-nums" }}>
        {value}
      </Text>
    </Box>
  );
}

export function ChannelView({ data }: { data: Customer360Channel }) {
  const t = useT("customer");
  const tc = useT("common");
  const f = useFormat();
  const go = useDashboardNavigation();
  const { profile, loyalty, rfm, segments, coupons } = data;
  const progress = loyalty ? tierProgress(loyalty) : null;
  const missing = loyalty?.missingForNextTier;
  const missingText = missing
    ? missing.metric === "SPEND"
      ? f.money(missing.money ?? Number(missing.amount), profile.currency)
      : missing.metric === "PAID_ORDERS"
        ? t("tier.orders", { n: f.number(Number(missing.amount)) })
        : t("tier.points", { n: f.number(Number(missing.amount)) })
    : "";
  return (
    <Box display="flex" flexDirection="column">
      <Section title={t("tier.title")}>
        {loyalty && loyalty.program.isActive ? (
          <Box display="flex" flexDirection="column" gap={1.5} data-testid="tier">
            <Box display="flex" alignItems="center" gap={2} flexWrap="wrap">
              <Text size={5} fontWeight="bold">
                {loyalty.tier?.name ?? t("tier.none")}
              </Text>
              {loyalty.override && (
                <Chip size="small" title={loyalty.override.reason}>
                  <Text size={1}>
                    {loyalty.override.expiresAt ? t("tier.overrideUntil", { date: f.date(loyalty.override.expiresAt, loyalty.program.timeZone) }) : t("tier.override")}
                  </Text>
                </Chip>
              )}
            </Box>
            {loyalty.nextTier && progress !== null ? (
              <>
                <Box
                  role="progressbar"
                  aria-valuemin={0}
                  aria-valuemax={100}
                  aria-valuenow={Math.round(progress * 100)}
                  aria-label={t("tier.progress", { tier: loyalty.nextTier.name })}
                  backgroundColor="default2"
                  borderRadius={2}
                  style={{ height: 8, overflow: "hidden" }}
                >
                  <Box backgroundColor="accent1" style={{ width: `${progress * 100}%`, height: "100%" }} />
                </Box>
                <Text size={2} color="default2">
                  {t("tier.missing", { amount: missingText, tier: loyalty.nextTier.name })}
                </Text>
              </>
            ) : (
              loyalty.tier && (
                <Text size={2} color="default2">
                  {t("tier.top")}
                </Text>
              )
            )}
            {loyalty.retainedUntil && (
              <Text size={1} color="default2">
                {t("tier.retainedUntil", { date: f.date(loyalty.retainedUntil, loyalty.program.timeZone) })}
              </Text>
            )}
          </Box>
        ) : (
          <Text size={2} color="default2">
            {t("tier.noProgram")}
          </Text>
        )}
      </Section>

      {loyalty && loyalty.program.isActive && (
        <Section title={t("points.title")}>
          <Box display="grid" gap={2} style={{ gridTemplateColumns: "repeat(3, 1fr)" }} data-testid="points">
            <Figure label={t("points.available")} value={f.number(loyalty.points.available)} />
            <Figure label={t("points.pending")} value={f.number(loyalty.points.pending)} />
            <Figure label={t("points.expiring")} value={f.number(loyalty.points.expiringSoon)} />
          </Box>
        </Section>
      )}

      <Section title={t("rfm.title")}>
        {rfm ? (
          <Box display="flex" alignItems="center" gap={2} flexWrap="wrap" data-testid="rfm">
            <Chip size="medium">
              <Text size={2} fontWeight="bold">
                {tc(`rfmGroup.${rfm.group}`)}
              </Text>
            </Chip>
            <Text size={2} color="default2">
              {t("rfm.scores", { r: rfm.recency, f: rfm.frequency, m: rfm.monetary })}
            </Text>
          </Box>
        ) : (
          <Text size={2} color="default2">
            {t("rfm.none")}
          </Text>
        )}
      </Section>

      <Section title={t("profile.title")}>
        <Box display="grid" gap={2} style={{ gridTemplateColumns: "repeat(2, 1fr)" }} data-testid="profile">
          <Figure label={t("profile.orders")} value={f.number(profile.paidOrdersCount)} />
          <Figure label={t("profile.netSpent")} value={f.money(profile.netSpent)} />
          <Figure label={t("profile.aov")} value={f.money(profile.averageOrderValue)} />
          <Figure label={t("profile.lastOrder")} value={f.date(profile.lastOrderAt, loyalty?.program.timeZone)} />
        </Box>
      </Section>

      <Section title={t("segments.title", { n: segments.length })}>
        {segments.length ? (
          <Box display="flex" gap={1.5} flexWrap="wrap" data-testid="segments">
            {segments.map((s) => (
              <Box
                as="button"
                key={s.id}
                onClick={() => void go.appRoute(`/segments/${encodeURIComponent(s.id)}`)}
                title={t("segments.open")}
                borderStyle="solid"
                borderWidth={1}
                borderColor="default1"
                borderRadius={3}
                backgroundColor={{ default: "default1", hover: "default1Hovered" }}
                paddingX={2}
                paddingY={1}
                cursor="pointer"
                style={{ font: "inherit" }}
              >
                <Text size={2}>{s.name}</Text>
              </Box>
            ))}
          </Box>
        ) : (
          <Text size={2} color="default2">
            {t("segments.none")}
          </Text>
        )}
      </Section>

      <Section title={t("coupons.title", { n: coupons.length })}>
        {coupons.length ? (
          <Box as="ul" display="flex" flexDirection="column" gap={1.5} margin={0} padding={0} style={{ listStyle: "none" }} data-testid="coupons">
            {coupons.map((c) => (
              <Box as="li" key={c.grant.id} display="flex" justifyContent="space-between" gap={2} alignItems="baseline">
                <Box display="flex" flexDirection="column" style={{ minWidth: 0 }}>
                  <Text size={2} fontWeight="bold" style={{ fontFamily: "monospace", overflowWrap: "anywhere" }}>
                    {c.grant.code}
                  </Text>
                  <Text size={1} color="default2" style={{ overflowWrap: "anywhere" }}>
                    {c.ruleName}
                    {c.status === "OPEN" && c.grant.expiresAt ? ` · ${t("coupons.expires", { date: f.date(c.grant.expiresAt, loyalty?.program.timeZone) })}` : ""}
                    {c.status === "USED" && c.grant.redeemedAt ? ` · ${f.date(c.grant.redeemedAt, loyalty?.program.timeZone)}` : ""}
                  </Text>
                </Box>
                <Chip size="small" backgroundColor={c.status === "OPEN" ? "info1" : c.status === "USED" ? "success1" : "default2"}>
                  <Text size={1}>{t(`coupons.status.${c.status}`)}</Text>
                </Chip>
              </Box>
            ))}
          </Box>
        ) : (
          <Text size={2} color="default2">
            {t("coupons.none")}
          </Text>
        )}
      </Section>
    </Box>
  );
}

export default function CustomerWidget() {
  const t = useT("customer");
  const tc = useT("common");
  const [params] = useSearchParams();
  const customerId = customerIdsFromParams(params)[0] ?? null;
  const rootRef = useRef<HTMLDivElement>(null);
  useWidgetResize(rootRef);
  const canView = useHasPermission("MANAGE_USERS");
  const { data, loading, error, refetch } = useCrmQuery<Customer360Data>(CUSTOMER_360_QUERY, { customerId }, { skip: !customerId || !canView });
  const channels = useMemo(() => {
    const list = data?.crmCustomer360?.channels ?? [];
    // most recent buyer channel first
    return [...list].sort((a, b) => (b.profile.lastOrderAt ?? "").localeCompare(a.profile.lastOrderAt ?? ""));
  }, [data]);
  const { channels: saleorChannels } = useChannel();
  const channelName = (slug: string) => saleorChannels.find((c) => c.slug === slug)?.name ?? slug;
  const [selected, setSelected] = useState<string | null>(null);
  const current = channels.find((c) => c.channel === selected) ?? channels[0];

  let body;
  if (!customerId) body = <Empty title={t("noCustomer")} />;
  else if (!canView) body = <Empty title={tc("noAccess", { permission: "MANAGE_USERS" })} />;
  else if (error) body = <ErrorState error={error} onRetry={refetch} />;
  else if (loading || !data) body = <Loading rows={4} />;
  else if (!current) body = <Empty title={t("noProfile.title")} text={t("noProfile.text")} />;
  else
    body = (
      <>
        {channels.length > 1 && (
          <Box display="flex" gap={1} flexWrap="wrap" paddingBottom={2} role="tablist" aria-label={t("channels")}>
            {channels.map((c) => (
              <Box
                as="button"
                role="tab"
                aria-selected={c === current}
                key={c.channel}
                onClick={() => setSelected(c.channel)}
                paddingX={2}
                paddingY={1}
                borderRadius={3}
                borderStyle="solid"
                borderWidth={1}
                borderColor={c === current ? "accent1" : "default1"}
                backgroundColor={c === current ? "accent1Hovered" : "default1"}
                cursor="pointer"
                style={{ font: "inherit" }}
              >
                <Text size={2}>{channelName(c.channel)}</Text>
              </Box>
            ))}
          </Box>
        )}
        <ChannelView data={current} />
      </>
    );

  return (
    <Box ref={rootRef} padding={4} paddingTop={2} data-testid="customer-widget">
      {body}
    </Box>
  );
}
