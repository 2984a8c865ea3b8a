/**
 * A saved segment's members (paged, each linking to the customer in the Dashboard),
 * entries and exits, CSV export (email / postal), refresh; for a static segment
 * customers are added and removed by hand.
 */
import { actions } from "@saleor/app-sdk/app-bridge";
import { Box, Button, Checkbox, Dropdown, List, Select, Text, Textarea } from "@saleor/macaw-ui";
import { Download, RefreshCw, UserMinus } from "lucide-react";
import { useState } from "react";

import { payloadErrors } from "../../api/client";
import { useErrorMessage } from "../../api/errors";
import { useCrmMutation, useCrmQuery } from "../../api/hooks";
import { useNotify } from "../../api/notify";
import { useSession } from "../../auth/AuthProvider";
import { useChannel } from "../../components/channel";
import { Empty, ErrorState, Loading } from "../../components/states";
import { Table } from "../../components/Table";
import { useFormat } from "../../format";
import { useT } from "../../i18n";
import {
  Connection,
  CrmError,
  EVENTS_QUERY,
  EXPORT_MUTATION,
  MEMBERS_ADD_MUTATION,
  MEMBERS_QUERY,
  MEMBERS_REMOVE_MUTATION,
  Member,
  REFRESH_MUTATION,
  Segment,
  SegmentEvent,
} from "./api";
import { Card } from "./ui";

export const MEMBERS_PAGE = 25;

/** Opens a customer in the Dashboard (AppBridge redirect); null outside the Dashboard. */
export function useOpenCustomer(): ((customerId: string) => void) | null {
  const { bridge, mode } = useSession();
  if (mode !== "iframe" || !bridge) return null;
  return (customerId: string) => {
    bridge.dispatch(actions.Redirect({ to: `/customers/${encodeURIComponent(customerId)}` })).catch(() => undefined);
  };
}

/** A customer's name in the UI's order (family name first in Japanese). */
export function fullName(p: { firstName: string | null; lastName: string | null }, locale: string): string {
  const parts = locale === "ja" ? [p.lastName, p.firstName] : [p.firstName, p.lastName];
  return parts.filter(Boolean).join(" ");
}

function useChannelName(): (slug: string) => string {
  const { channels } = useChannel();
  return (slug) => channels.find((c) => c.slug === slug)?.name ?? slug;
}

/** first/after paging with a stack of cursors. */
function usePages() {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  return {
    after: cursors[cursors.length - 1],
    page: cursors.length,
    next: (end: string | null | undefined) => end && setCursors((c) => [...c, end]),
    previous: () => setCursors((c) => (c.length > 1 ? c.slice(0, -1) : c)),
    reset: () => setCursors([null]),
  };
}

function Pager({
  pages,
  hasNext,
  endCursor,
  loading,
}: {
  pages: ReturnType<typeof usePages>;
  hasNext: boolean;
  endCursor: string | null | undefined;
  loading: boolean;
}) {
  const t = useT("segments");
  if (pages.page === 1 && !hasNext) return null;
  return (
    <Box display="flex" gap={2} justifyContent="flex-end">
      <Button variant="secondary" size="small" disabled={pages.page === 1 || loading} onClick={pages.previous}>
        {t("list.previous")}
      </Button>
      <Button variant="secondary" size="small" disabled={!hasNext || loading} onClick={() => pages.next(endCursor)}>
        {t("list.next")}
      </Button>
    </Box>
  );
}

function CustomerCell({
  customerId,
  email,
  name,
  open,
}: {
  customerId: string | null;
  email: string;
  name: string;
  open: ((id: string) => void) | null;
}) {
  const t = useT("segments");
  const label = name || email;
  return (
    <Box display="flex" flexDirection="column" as="span">
      {customerId && open ? (
        <Text
          as="a"
          href="#"
          color="accent1"
          fontWeight="medium"
          aria-label={t("detail.openCustomer", { name: label })}
          onClick={(e) => {
            e.preventDefault();
            e.stopPropagation();
            open(customerId);
          }}
        >
          {label}
        </Text>
      ) : (
        <Text fontWeight="medium">{label}</Text>
      )}
      {name && (
        <Text size={2} color="default2">
          {email}
        </Text>
      )}
      {!customerId && (
        <Text size={1} color="default2">
          {t("detail.guest")}
        </Text>
      )}
    </Box>
  );
}

export function SegmentMembers({ segment, onChanged }: { segment: Segment; onChanged: () => void }) {
  const t = useT("segments");
  const f = useFormat();
  const message = useErrorMessage();
  const notify = useNotify();
  const open = useOpenCustomer();
  const channelName = useChannelName();
  const pages = usePages();
  const members = useCrmQuery<{ crmSegment: { membersCount: number; members: Connection<Member> } | null }>(MEMBERS_QUERY, {
    id: segment.id,
    first: MEMBERS_PAGE,
    after: pages.after,
  });
  const [removeMembers, { loading: removing }] = useCrmMutation<{ crmSegmentMembersRemove: { errors: CrmError[] } }>(
    MEMBERS_REMOVE_MUTATION,
  );
  const isStatic = segment.kind === "STATIC";
  const conn = members.data?.crmSegment?.members;
  const rows = conn?.edges.map((e) => e.node) ?? [];
  const total = members.data?.crmSegment?.membersCount ?? segment.membersCount;

  const removeOne = async (m: Member) => {
    if (!m.customerId) return;
    try {
      const res = await removeMembers({ id: segment.id, customerIds: [m.customerId] });
      const errors = payloadErrors(res.crmSegmentMembersRemove);
      if (errors.length) {
        notify({ status: "error", title: message(errors[0]), text: errors[0].message ?? undefined });
        return;
      }
      notify({ status: "success", title: t("detail.membersRemoved", { count: 1, n: f.number(1) }) });
      members.refetch();
      onChanged();
    } catch (failure) {
      notify({ status: "error", title: message(failure) });
    }
  };

  let body;
  if (members.error) body = <ErrorState error={members.error} onRetry={members.refetch} />;
  else if (members.loading && !conn) body = <Loading rows={5} />;
  else if (!rows.length) body = <Empty title={t("detail.noMembers")} />;
  else
    body = (
      <Box data-testid="members-table" opacity={members.loading ? "0.6" : "1"}>
        <Table
          caption={t("detail.tabMembers")}
          rows={rows}
          rowKey={(m) => m.id}
          columns={[
            {
              key: "customer",
              header: t("detail.customer"),
              render: (m) => <CustomerCell customerId={m.customerId} email={m.email} name={fullName(m, f.locale)} open={open} />,
            },
            { key: "channel", header: t("detail.channel"), render: (m) => channelName(m.channel) },
            { key: "paid", header: t("detail.paidOrders"), align: "right", render: (m) => f.number(m.paidOrdersCount) },
            { key: "spent", header: t("detail.netSpent"), align: "right", render: (m) => f.money(m.netSpent) },
            { key: "last", header: t("detail.lastOrder"), render: (m) => f.date(m.lastOrderAt) },
            {
              key: "rfm",
              header: t("detail.rfmGroup"),
              render: (m) => (m.rfmGroup ? rfmLabel(t, m.rfmGroup) : "—"),
            },
            ...(isStatic
              ? [
                  {
                    key: "remove",
                    header: "",
                    align: "right" as const,
                    render: (m: Member) =>
                      m.customerId ? (
                        <Button
                          variant="tertiary"
                          size="small"
                          icon={<UserMinus size={16} />}
                          title={t("detail.removeMember")}
                          aria-label={t("detail.removeMember")}
                          disabled={removing}
                          onClick={() => removeOne(m)}
                        />
                      ) : null,
                  },
                ]
              : []),
          ]}
        />
      </Box>
    );

  return (
    <Box display="flex" flexDirection="column" gap={6}>
      <Card
        title={t("detail.tabMembers")}
        subtitle={t("detail.members", { count: total, n: f.number(total) })}
        testId="segment-members"
      >
        {body}
        <Pager pages={pages} hasNext={Boolean(conn?.pageInfo.hasNextPage)} endCursor={conn?.pageInfo.endCursor} loading={members.loading} />
      </Card>
      {isStatic ? (
        <AddMembers
          segment={segment}
          onAdded={() => {
            members.refetch();
            onChanged();
          }}
        />
      ) : (
        <Text size={2} color="default2">
          {t("detail.staticOnly")}
        </Text>
      )}
    </Box>
  );
}

export function rfmLabel(t: (k: string) => string, group: string): string {
  const key = `choice.rfm_group.${group}`;
  const text = t(key);
  return text === key ? group : text;
}

/** Customer IDs as typed: Saleor global IDs (`VXNlcjox`) or the number in one. */
export function parseCustomerIds(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split(/[\s,;]+/)) {
    const s = raw.trim();
    if (!s) continue;
    // a Dashboard URL pasted whole: .../customers/<id>
    const fromUrl = /\/customers\/([^/?#]+)/.exec(s);
    const id = fromUrl ? decodeURIComponent(fromUrl[1]) : s;
    const global = /^\d+$/.test(id) ? btoa(`User:${id}`) : id;
    if (!out.includes(global)) out.push(global);
  }
  return out;
}

function AddMembers({ segment, onAdded }: { segment: Segment; onAdded: () => void }) {
  const t = useT("segments");
  const f = useFormat();
  const message = useErrorMessage();
  const notify = useNotify();
  const [text, setText] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [add, { loading }] = useCrmMutation<{
    crmSegmentMembersAdd: { added: number; skippedCustomerIds: string[]; errors: CrmError[] };
  }>(
    MEMBERS_ADD_MUTATION,
  );
  const ids = parseCustomerIds(text);
  const submit = async () => {
    if (!ids.length) return;
    setError(null);
    try {
      const res = await add({ id: segment.id, customerIds: ids });
      const errors = payloadErrors(res.crmSegmentMembersAdd);
      if (errors.length) {
        const e = errors[0];
        setError(`${message(e)} ${e.message ?? ""}`.trim());
        return;
      }
      const { added, skippedCustomerIds } = res.crmSegmentMembersAdd;
      notify({
        status: skippedCustomerIds.length ? "warning" : "success",
        title: t("detail.membersAdded", { count: added, n: f.number(added) }),
        text: skippedCustomerIds.length
          ? t("detail.membersSkipped", { count: skippedCustomerIds.length, n: f.number(skippedCustomerIds.length) })
          : undefined,
      });
      setText("");
      onAdded();
    } catch (failure) {
      setError(message(failure));
    }
  };
  return (
    <Card title={t("detail.addMembers")} subtitle={t("detail.addMembersHint")} testId="add-members">
      <Textarea
        rows={3}
        aria-label={t("detail.addMembers")}
        value={text}
        error={Boolean(error)}
        helperText={error ?? undefined}
        onChange={(e) => setText(e.target.value)}
        data-testid="add-members-input"
      />
      <Box>
        <Button variant="primary" disabled={!ids.length || loading} onClick={submit}>
          {t("detail.addMembersButton")}
        </Button>
      </Box>
    </Card>
  );
}

export function SegmentEvents({ segment }: { segment: Segment }) {
  const t = useT("segments");
  const f = useFormat();
  const open = useOpenCustomer();
  const channelName = useChannelName();
  const pages = usePages();
  const [kind, setKind] = useState("ALL");
  const events = useCrmQuery<{ crmSegmentEvents: Connection<SegmentEvent> }>(EVENTS_QUERY, {
    segment: segment.id,
    kind: kind === "ALL" ? null : kind,
    first: MEMBERS_PAGE,
    after: pages.after,
  });
  const conn = events.data?.crmSegmentEvents;
  const rows = conn?.edges.map((e) => e.node) ?? [];
  let body;
  if (events.error) body = <ErrorState error={events.error} onRetry={events.refetch} />;
  else if (events.loading && !conn) body = <Loading rows={5} />;
  else if (!rows.length) body = <Empty title={t("detail.noEvents")} />;
  else
    body = (
      <Box data-testid="events-table" opacity={events.loading ? "0.6" : "1"}>
        <Table
          caption={t("detail.tabEvents")}
          rows={rows}
          rowKey={(e) => e.id}
          columns={[
            {
              key: "kind",
              header: t("detail.event"),
              render: (e) => (
                <Text color={e.kind === "ENTER" ? "success1" : "critical1"} fontWeight="medium">
                  {t(`detail.${e.kind}`)}
                </Text>
              ),
            },
            {
              key: "customer",
              header: t("detail.customer"),
              render: (e) => <CustomerCell customerId={e.customerId} email={e.email} name={fullName(e, f.locale)} open={open} />,
            },
            { key: "channel", header: t("detail.channel"), render: (e) => channelName(e.channel) },
            { key: "when", header: t("detail.when"), render: (e) => f.dateTime(e.createdAt) },
          ]}
        />
      </Box>
    );
  return (
    <Card
      title={t("detail.tabEvents")}
      testId="segment-events"
      actions={
        <Select
          __width="180px"
          size="small"
          aria-label={t("detail.event")}
          options={[
            { value: "ALL", label: t("detail.allEvents") },
            { value: "ENTER", label: t("detail.ENTER") },
            { value: "EXIT", label: t("detail.EXIT") },
          ]}
          value={kind}
          onChange={(v: string) => {
            setKind(v);
            pages.reset();
          }}
        />
      }
    >
      {body}
      <Pager pages={pages} hasNext={Boolean(conn?.pageInfo.hasNextPage)} endCursor={conn?.pageInfo.endCursor} loading={events.loading} />
    </Card>
  );
}

/** Refresh now and export (email / postal CSV through a signed 15-minute URL). */
export function SegmentActions({ segment, onRefreshed }: { segment: Segment; onRefreshed: () => void }) {
  const t = useT("segments");
  const f = useFormat();
  const message = useErrorMessage();
  const notify = useNotify();
  const { locale } = useSession();
  const [open, setOpen] = useState(false);
  const [bom, setBom] = useState(locale === "ja");
  const [refresh, { loading: refreshing }] = useCrmMutation<{
    crmSegmentRefresh: { entered: number | null; exited: number | null; errors: CrmError[] };
  }>(REFRESH_MUTATION);
  const [exportCsv, { loading: exporting }] = useCrmMutation<{
    crmSegmentExport: { url: string | null; errors: CrmError[] };
  }>(EXPORT_MUTATION);

  const doRefresh = async () => {
    try {
      const res = await refresh({ id: segment.id });
      const errors = payloadErrors(res.crmSegmentRefresh);
      if (errors.length) {
        notify({ status: "error", title: message(errors[0]), text: errors[0].message ?? undefined });
        return;
      }
      notify({
        status: "success",
        title: t("detail.refreshed", {
          entered: f.number(res.crmSegmentRefresh.entered ?? 0),
          exited: f.number(res.crmSegmentRefresh.exited ?? 0),
        }),
      });
      onRefreshed();
    } catch (failure) {
      notify({ status: "error", title: message(failure) });
    }
  };
  const doExport = async (format: "EMAIL" | "POSTAL") => {
    setOpen(false);
    try {
      const res = await exportCsv({ id: segment.id, format, bom });
      const errors = payloadErrors(res.crmSegmentExport);
      const url = res.crmSegmentExport.url;
      if (errors.length || !url) {
        const e = errors[0];
        notify({ status: "error", title: e ? message(e) : t("detail.export"), text: e?.message ?? undefined });
        return;
      }
      // the iframe may download (sandbox allow-downloads): follow the signed link
      const a = document.createElement("a");
      a.href = url;
      a.rel = "noopener";
      a.setAttribute("download", "");
      document.body.appendChild(a);
      a.click();
      a.remove();
      notify({ status: "success", title: t("detail.exportReady") });
    } catch (failure) {
      notify({ status: "error", title: message(failure) });
    }
  };

  return (
    <>
      <Button variant="secondary" icon={<RefreshCw size={16} />} onClick={doRefresh} disabled={refreshing} data-testid="refresh">
        {t("detail.refresh")}
      </Button>
      <Dropdown open={open} onOpenChange={setOpen}>
        <Dropdown.Trigger>
          <Button variant="secondary" icon={<Download size={16} />} disabled={exporting} data-testid="export">
            {t("detail.export")}
          </Button>
        </Dropdown.Trigger>
        <Dropdown.Content align="end">
          <List padding={2} borderRadius={3} boxShadow="defaultOverlay" backgroundColor="default1" __minWidth="260px">
            <Dropdown.Item>
              <List.Item paddingX={2} paddingY={2} borderRadius={3} onClick={() => doExport("EMAIL")}>
                <Text>{t("detail.exportEmail")}</Text>
              </List.Item>
            </Dropdown.Item>
            <Dropdown.Item>
              <List.Item paddingX={2} paddingY={2} borderRadius={3} onClick={() => doExport("POSTAL")}>
                <Text>{t("detail.exportPostal")}</Text>
              </List.Item>
            </Dropdown.Item>
            <Box paddingX={2} paddingY={2} borderTopStyle="solid" borderTopWidth={1} borderColor="default1">
              <Checkbox checked={bom} onCheckedChange={(v) => setBom(v === true)}>
                <Text size={2}>{t("detail.exportBom")}</Text>
              </Checkbox>
            </Box>
          </List>
        </Dropdown.Content>
      </Dropdown>
    </>
  );
}
