/**
 * /coupons — the coupon rules: status, trigger, reward, codes issued and the
 * headline result (conversion uplift) of each rule, with filters.
 */
import { Box, Button, Input, Select, Text } from "@saleor/macaw-ui";
import { useState } from "react";
import { Link, useNavigate } from "react-router-dom";

import { useHasPermission } from "../../auth/AuthProvider";
import { useChannel } from "../../components/channel";
import { useCrmQuery } from "../../api/hooks";
import { useFormat } from "../../format";
import { useT } from "../../i18n";
import { REPORT_QUERY, RULES_QUERY } from "./queries";
import type { Report } from "./ReportCard";
import { StatusChip } from "./RuleScreen";
import { useTriggerText } from "./TriggerFields";
import { EmptyState, PageHeader, QueryStates, ReadOnlyBanner } from "./ui";

interface RuleRow {
  id: string;
  name: string;
  channel: string;
  status: string;
  isRunning: boolean;
  trigger: { kind: string };
  discountType: string;
  discountValue: number;
  minSpend: { currency: string };
  issuedCount: number;
  controlCount: number;
  activatedAt: string | null;
}
interface RulesData {
  crmCouponRules: {
    totalCount: number | null;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    edges: { node: RuleRow }[];
  } | null;
}

const PAGE = 25;

/** The headline result of a rule: conversion uplift and its interval. */
function Headline({ rule }: { rule: RuleRow }) {
  const t = useT("coupons");
  const f = useFormat();
  const has = rule.issuedCount + rule.controlCount > 0;
  const { data, loading } = useCrmQuery<{ crmCouponRuleReport: Report | null }>(
    REPORT_QUERY,
    { id: rule.id },
    { skip: !has },
  );
  if (!has) return <Text size={2} color="default2">{t("list.noResults")}</Text>;
  if (loading) return <Text size={2} color="default2">…</Text>;
  const u = data?.crmCouponRuleReport?.conversionUplift;
  if (!u) return <Text size={2} color="default2">{t("report.notEnough")}</Text>;
  const pts = (v: number) => `${v > 0 ? "+" : ""}${f.number(v * 100, 1)}`;
  return (
    <Box display="flex" flexDirection="column">
      <Text size={3} fontWeight="bold" color={u.low > 0 ? "success1" : u.high < 0 ? "critical1" : "default1"}>
        {t("list.uplift", { value: pts(u.estimate) })}
      </Text>
      <Text size={1} color="default2">
        {t("list.interval", { low: pts(u.low), high: pts(u.high) })}
      </Text>
    </Box>
  );
}

export function ListScreen() {
  const t = useT("coupons");
  const f = useFormat();
  const navigate = useNavigate();
  const text = useTriggerText();
  const canEdit = useHasPermission("MANAGE_DISCOUNTS");
  const { channels } = useChannel();
  const [status, setStatus] = useState("");
  const [channel, setChannel] = useState("");
  const [search, setSearch] = useState("");
  const [after, setAfter] = useState<string[]>([]);
  const filter = {
    ...(status ? { status } : {}),
    ...(channel ? { channelSlug: channel } : {}),
    ...(search.trim() ? { search: search.trim() } : {}),
  };
  const { data, loading, error, refetch } = useCrmQuery<RulesData>(RULES_QUERY, {
    first: PAGE,
    after: after[after.length - 1] ?? null,
    filter,
  });
  const conn = data?.crmCouponRules;
  const rows = conn?.edges.map((e) => e.node) ?? [];
  const filtered = Boolean(status || channel || search.trim());

  const statusOptions = [
    { value: "", label: t("list.allStatuses") },
    ...["DRAFT", "ACTIVE", "PAUSED"].map((s) => ({ value: s, label: t(`status.${s}`) })),
  ];
  const channelOptions = [
    { value: "", label: t("list.allChannels") },
    ...channels.map((c) => ({ value: c.slug, label: c.name })),
  ];
  const reward = (r: RuleRow) =>
    r.discountType === "PERCENTAGE"
      ? t("discount.percentValue", { value: f.number(r.discountValue, 3) })
      : r.discountType === "FIXED"
        ? t("discount.fixedValue", { value: f.money(r.discountValue, r.minSpend.currency) })
        : t("discount.FREE_SHIPPING");

  return (
    <Box>
      <PageHeader
        title={t("list.title")}
        actions={
          canEdit && (
            <Button onClick={() => navigate("/coupons/new")} data-testid="create-rule">
              {t("list.create")}
            </Button>
          )
        }
      />
      <Box display="flex" flexDirection="column" gap={4}>
        {!canEdit && data && <ReadOnlyBanner />}
        <Box display="grid" __gridTemplateColumns="2fr 1fr 1fr" gap={3}>
          <Input
            label={t("list.search")}
            value={search}
            onChange={(e) => {
              setSearch(e.target.value);
              setAfter([]);
            }}
            size="small"
          />
          <Select
            label={t("list.status")}
            options={statusOptions}
            value={statusOptions.find((o) => o.value === status) ?? statusOptions[0]}
            onChange={(o) => {
              setStatus(o?.value ?? "");
              setAfter([]);
            }}
            size="small"
          />
          <Select
            label={t("fields.channel")}
            options={channelOptions}
            value={channelOptions.find((o) => o.value === channel) ?? channelOptions[0]}
            onChange={(o) => {
              setChannel(o?.value ?? "");
              setAfter([]);
            }}
            size="small"
          />
        </Box>
        <QueryStates loading={loading} error={error} hasData={Boolean(data)} refetch={refetch} permission="MANAGE_DISCOUNTS">
          {() =>
            rows.length === 0 ? (
              <EmptyState
                title={filtered ? t("list.noMatch") : t("list.emptyTitle")}
                text={filtered ? undefined : t("list.emptyText")}
                action={
                  !filtered &&
                  canEdit && (
                    <Button onClick={() => navigate("/coupons/new")}>{t("list.create")}</Button>
                  )
                }
              />
            ) : (
              <Box>
                <Box as="table" width="100%" style={{ borderCollapse: "collapse" }} data-testid="rules-table">
                  <thead>
                    <tr>
                      {[
                        t("list.name"),
                        t("list.status"),
                        t("fields.trigger"),
                        t("list.reward"),
                        t("list.issued"),
                        t("list.result"),
                      ].map((h, i) => (
                        <Box
                          as="th"
                          key={h}
                          textAlign={i === 4 ? "right" : "left"}
                          paddingY={2}
                          paddingX={2}
                          borderBottomStyle="solid"
                          borderBottomWidth={1}
                          borderColor="default1"
                        >
                          <Text size={2} color="default2" fontWeight="medium">
                            {h}
                          </Text>
                        </Box>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {rows.map((r) => (
                      <Box
                        as="tr"
                        key={r.id}
                        backgroundColor={{ default: "default1", hover: "default1Hovered" }}
                        cursor="pointer"
                        onClick={() => navigate(`/coupons/${encodeURIComponent(r.id)}`)}
                      >
                        <Box as="td" paddingY={3} paddingX={2} borderBottomStyle="solid" borderBottomWidth={1} borderColor="default1">
                          <Link
                            to={`/coupons/${encodeURIComponent(r.id)}`}
                            style={{ color: "inherit", textDecoration: "none" }}
                            onClick={(e) => e.stopPropagation()}
                          >
                            <Text size={3} fontWeight="medium">
                              {r.name}
                            </Text>
                          </Link>
                          <Text as="p" size={1} color="default2">
                            {channels.find((c) => c.slug === r.channel)?.name ?? r.channel}
                          </Text>
                        </Box>
                        <Box as="td" paddingX={2} borderBottomStyle="solid" borderBottomWidth={1} borderColor="default1">
                          <StatusChip status={r.status} isRunning={r.isRunning} />
                        </Box>
                        <Box as="td" paddingX={2} borderBottomStyle="solid" borderBottomWidth={1} borderColor="default1">
                          <Text size={3}>{text.kindLabel(r.trigger.kind)}</Text>
                        </Box>
                        <Box as="td" paddingX={2} borderBottomStyle="solid" borderBottomWidth={1} borderColor="default1">
                          <Text size={3}>{reward(r)}</Text>
                        </Box>
                        <Box as="td" paddingX={2} textAlign="right" borderBottomStyle="solid" borderBottomWidth={1} borderColor="default1">
                          <Text size={3}>{f.number(r.issuedCount)}</Text>
                          {r.controlCount > 0 && (
                            <Text as="p" size={1} color="default2">
                              {t("list.heldOutCount", { count: r.controlCount })}
                            </Text>
                          )}
                        </Box>
                        <Box as="td" paddingX={2} borderBottomStyle="solid" borderBottomWidth={1} borderColor="default1">
                          <Headline rule={r} />
                        </Box>
                      </Box>
                    ))}
                  </tbody>
                </Box>
                <Box display="flex" justifyContent="space-between" alignItems="center" marginTop={4}>
                  <Text size={2} color="default2">
                    {conn?.totalCount !== null && conn?.totalCount !== undefined
                      ? t("list.total", { count: conn.totalCount })
                      : ""}
                  </Text>
                  <Box display="flex" gap={2}>
                    <Button variant="secondary" size="small" disabled={!after.length} onClick={() => setAfter(after.slice(0, -1))}>
                      {t("list.previous")}
                    </Button>
                    <Button
                      variant="secondary"
                      size="small"
                      disabled={!conn?.pageInfo.hasNextPage}
                      onClick={() => conn?.pageInfo.endCursor && setAfter([...after, conn.pageInfo.endCursor])}
                    >
                      {t("list.next")}
                    </Button>
                  </Box>
                </Box>
              </Box>
            )
          }
        </QueryStates>
      </Box>
    </Box>
  );
}
