/**
 * The rule's "Deliveries" card: each recipient's message (email or LINE / SMS
 * webhook) with its status and, when it was skipped or failed, the reason;
 * paged, filtered by status, and exported as a signed CSV link.
 */
import { Box, Button, Select, Text } from "@saleor/macaw-ui";
import { useState } from "react";

import { payloadErrors, type TypedError } from "../../api/client";
import { useErrorMessage } from "../../api/errors";
import { useCrmMutation, useCrmQuery } from "../../api/hooks";
import { useNotify } from "../../api/notify";
import { useFormat } from "../../format";
import { hasKey, useLocale, useT } from "../../i18n";
import { DELIVERIES_EXPORT_MUTATION, DELIVERIES_QUERY } from "./queries";
import { Card, EmptyState, ErrorState, Loading } from "./ui";

export const DELIVERY_STATUSES = ["QUEUED", "SENT", "FAILED", "SKIPPED"] as const;
export const DELIVERY_METHODS = ["EMAIL", "MESSAGE_WEBHOOK", "ISSUE"] as const;
/** Why a message was not sent (domain/messages.py SKIP_*). */
export const SKIP_REASONS = ["no_consent", "frequency_cap", "open_codes_cap", "no_email", "no_phone_or_line_id"] as const;
export const PAGE_SIZE = 20;

interface DeliveryNode {
  id: string;
  customerId: string | null;
  email: string | null;
  code: string | null;
  method: string;
  status: string;
  reason: string;
  attempts: number;
  createdAt: string;
  updatedAt: string;
  sentAt: string | null;
}

interface DeliveriesData {
  crmCouponDeliveries: {
    totalCount: number | null;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    edges: { node: DeliveryNode }[];
  } | null;
}

export function DeliveriesCard({ ruleId }: { ruleId: string }) {
  const t = useT("coupons");
  const f = useFormat();
  const locale = useLocale();
  const notify = useNotify();
  const errorMessage = useErrorMessage();
  const [status, setStatus] = useState<string>("");
  const [after, setAfter] = useState<string[]>([]);
  const [link, setLink] = useState<{ url: string; expiresAt: string } | null>(null);
  const filter: Record<string, unknown> = { rule: [ruleId] };
  if (status) filter.status = status;
  const q = useCrmQuery<DeliveriesData>(DELIVERIES_QUERY, {
    first: PAGE_SIZE,
    after: after[after.length - 1] ?? null,
    filter,
  });
  const [exportCsv, exportState] = useCrmMutation<{
    crmCouponDeliveriesExport: { url: string | null; expiresAt: string | null; errors: TypedError[] };
  }>(DELIVERIES_EXPORT_MUTATION);
  const conn = q.data?.crmCouponDeliveries;
  const rows = conn?.edges.map((e) => e.node) ?? [];

  const reasonText = (d: DeliveryNode) => {
    if (!d.reason) return "";
    // the skip reasons are codes; a failure's reason is the sender's error text
    return hasKey(locale, "coupons", `deliveries.reason.${d.reason}`) ? t(`deliveries.reason.${d.reason}`) : d.reason;
  };

  async function doExport() {
    try {
      const p = (await exportCsv({ id: ruleId, bom: true })).crmCouponDeliveriesExport;
      const errors = payloadErrors(p);
      if (errors.length || !p.url) {
        notify({ status: "error", title: t("notify.failed"), text: errors[0] ? errorMessage(errors[0]) : undefined });
        return;
      }
      setLink({ url: p.url, expiresAt: p.expiresAt ?? "" });
      notify({ status: "success", title: t("notify.exportReady") });
    } catch (e) {
      notify({ status: "error", title: t("notify.failed"), text: errorMessage(e) });
    }
  }

  const statusOptions = [
    { value: "", label: t("deliveries.allStatuses") },
    ...DELIVERY_STATUSES.map((s) => ({ value: s, label: t(`deliveries.status.${s}`) })),
  ];

  return (
    <Card
      title={t("deliveries.title")}
      description={t("deliveries.description")}
      actions={
        <Button variant="secondary" size="small" onClick={doExport} disabled={exportState.loading} data-testid="deliveries-export">
          {t("deliveries.export")}
        </Button>
      }
    >
      <Box data-testid="deliveries-card" display="flex" flexDirection="column" gap={3}>
        {link && (
          <Box padding={3} borderRadius={4} backgroundColor="default2" display="flex" flexDirection="column" gap={1}>
            <a href={link.url} target="_blank" rel="noreferrer" data-testid="deliveries-export-link">
              <Text size={3} fontWeight="bold" color="accent1">
                {t("deliveries.download")}
              </Text>
            </a>
            <Text size={2} color="default2">
              {t("export.expires", { at: f.dateTime(link.expiresAt) })}
            </Text>
          </Box>
        )}
        <Box __maxWidth="260px">
          <Select
            label={t("deliveries.filterStatus")}
            options={statusOptions}
            value={statusOptions.find((o) => o.value === status) ?? statusOptions[0]}
            onChange={(o) => {
              setStatus(o?.value ?? "");
              setAfter([]);
            }}
            data-testid="deliveries-status"
          />
        </Box>
        {q.error && !conn ? (
          <ErrorState error={q.error} onRetry={q.refetch} />
        ) : q.loading && !conn ? (
          <Loading rows={3} />
        ) : rows.length === 0 ? (
          <EmptyState title={t("deliveries.empty")} />
        ) : (
          <Box as="table" width="100%" style={{ borderCollapse: "collapse" }}>
            <thead>
              <tr>
                {["recipient", "method", "status", "reason", "attempts", "updatedAt"].map((c) => (
                  <Box as="th" key={c} textAlign="left" paddingY={2} paddingRight={3}>
                    <Text size={2} color="default2">
                      {t(`deliveries.columns.${c}`)}
                    </Text>
                  </Box>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((d) => (
                <Box as="tr" key={d.id} borderTopStyle="solid" borderTopWidth={1} borderColor="default1" data-testid="delivery-row">
                  <Box as="td" paddingY={2} paddingRight={3}>
                    <Text size={3}>{d.email ?? d.customerId ?? "—"}</Text>
                    {d.code && (
                      <Text size={2} color="default2" display="block">
                        {d.code}
                      </Text>
                    )}
                  </Box>
                  <Box as="td" paddingY={2} paddingRight={3}>
                    <Text size={3}>{t(`deliveries.method.${d.method}`)}</Text>
                  </Box>
                  <Box as="td" paddingY={2} paddingRight={3}>
                    <Text
                      size={3}
                      fontWeight="bold"
                      color={d.status === "FAILED" ? "critical1" : d.status === "SENT" ? "success1" : "default1"}
                    >
                      {t(`deliveries.status.${d.status}`)}
                    </Text>
                  </Box>
                  <Box as="td" paddingY={2} paddingRight={3}>
                    <Text size={3}>{reasonText(d)}</Text>
                  </Box>
                  <Box as="td" paddingY={2} paddingRight={3}>
                    <Text size={3}>{f.number(d.attempts)}</Text>
                  </Box>
                  <Box as="td" paddingY={2}>
                    <Text size={3}>{f.dateTime(d.sentAt ?? d.updatedAt)}</Text>
                  </Box>
                </Box>
              ))}
            </tbody>
          </Box>
        )}
        <Box display="flex" justifyContent="space-between" alignItems="center">
          <Text size={2} color="default2" data-testid="deliveries-total">
            {conn?.totalCount !== null && conn?.totalCount !== undefined ? t("deliveries.total", { count: conn.totalCount }) : ""}
          </Text>
          <Box display="flex" gap={2}>
            <Button variant="secondary" size="small" disabled={!after.length} onClick={() => setAfter(after.slice(0, -1))} data-testid="deliveries-previous">
              {t("list.previous")}
            </Button>
            <Button
              variant="secondary"
              size="small"
              disabled={!conn?.pageInfo.hasNextPage}
              onClick={() => conn?.pageInfo.endCursor && setAfter([...after, conn.pageInfo.endCursor])}
              data-testid="deliveries-next"
            >
              {t("list.next")}
            </Button>
          </Box>
        </Box>
      </Box>
    </Card>
  );
}
