/** /segments: the segments (name, kind, channel, members, last refresh), paged with
 * first/after, searchable and filtered by kind; the ready-made segments below. */
import { Box, Button, SearchInput, Select, Text } from "@saleor/macaw-ui";
import { Plus } from "lucide-react";
import { useState } from "react";
import { useNavigate } from "react-router-dom";

import { useCrmQuery } from "../../api/hooks";
import { useChannel } from "../../components/channel";
import { PageHeader } from "../../components/PageHeader";
import { Empty, ErrorState, Loading } from "../../components/states";
import { Table } from "../../components/Table";
import { useFormat } from "../../format";
import { useT } from "../../i18n";
import { Connection, SEGMENTS_QUERY, SegmentRow } from "./api";
import { useDebounced } from "./hooks";
import { PresetGallery } from "./PresetGallery";
import { Card, KindChip } from "./ui";

export const PAGE_SIZE = 20;

export function SegmentList() {
  const t = useT("segments");
  const f = useFormat();
  const navigate = useNavigate();
  const { channels } = useChannel();
  const channelName = (slug: string) => channels.find((c) => c.slug === slug)?.name ?? slug;
  const [search, setSearch] = useState("");
  const [kind, setKind] = useState("ALL");
  const query = useDebounced(search.trim(), 250);
  // the cursors of the pages up to the current one (first/after paging; null: page 1)
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const after = cursors[cursors.length - 1];
  const filter = { ...(query ? { search: query } : {}), ...(kind !== "ALL" ? { kind } : {}) };
  const list = useCrmQuery<{ crmSegments: Connection<SegmentRow> }>(SEGMENTS_QUERY, { first: PAGE_SIZE, after, filter });
  const page = list.data?.crmSegments;
  const rows = page?.edges.map((e) => e.node) ?? [];
  const filtered = Boolean(query) || kind !== "ALL";
  const open = (id: string) => navigate(`/segments/${encodeURIComponent(id)}`);

  let body;
  if (list.error) {
    body = <ErrorState error={list.error} onRetry={list.refetch} title={t("list.loadError")} />;
  } else if (list.loading && !page) {
    body = <Loading rows={5} />;
  } else if (!rows.length) {
    body = filtered ? (
      <Empty title={t("list.noMatch")} />
    ) : (
      <Empty
        title={t("list.empty")}
        text={t("list.emptyHint")}
        action={
          <Button variant="primary" onClick={() => navigate("/segments/new")}>
            {t("create")}
          </Button>
        }
      />
    );
  } else {
    body = (
      <Box data-testid="segments-table" opacity={list.loading ? "0.6" : "1"}>
        <Table
          caption={t("title")}
          rows={rows}
          rowKey={(s) => s.id}
          onRowClick={(s) => open(s.id)}
          columns={[
            {
              key: "name",
              header: t("list.name"),
              render: (s) => (
                <Box display="flex" flexDirection="column" as="span">
                  <Text fontWeight="medium">{s.name}</Text>
                  {s.description && (
                    <Text size={2} color="default2" ellipsis __maxWidth="480px">
                      {s.description}
                    </Text>
                  )}
                </Box>
              ),
            },
            { key: "kind", header: t("list.kind"), render: (s) => <KindChip kind={s.kind} label={t(`kind.${s.kind}`)} /> },
            { key: "channel", header: t("list.channel"), render: (s) => (s.channel ? channelName(s.channel) : t("list.allChannels")) },
            { key: "members", header: t("list.members"), align: "right", render: (s) => f.number(s.membersCount) },
            {
              key: "computedAt",
              header: t("list.lastRefresh"),
              render: (s) =>
                s.computedAt ? (
                  f.dateTime(s.computedAt)
                ) : (
                  <Text color="default2">{t("list.never")}</Text>
                ),
            },
          ]}
        />
      </Box>
    );
  }

  return (
    <Box display="flex" flexDirection="column" gap={6} data-testid="segment-list">
      <PageHeader
        title={t("title")}
        subtitle={t("subtitle")}
        actions={
          <Button
            variant="primary"
            icon={<Plus size={16} />}
            onClick={() => navigate("/segments/new")}
            data-testid="segment-create"
          >
            {t("create")}
          </Button>
        }
      />
      <Card>
        <Box display="flex" gap={3} flexWrap="wrap" alignItems="center">
          <Box __width="320px">
            <SearchInput
              size="small"
              placeholder={t("list.search")}
              aria-label={t("list.search")}
              value={search}
              onChange={(e) => {
                setSearch(e.target.value);
                setCursors([null]);
              }}
            />
          </Box>
          <Select
            __width="200px"
            size="small"
            aria-label={t("list.kind")}
            options={[
              { value: "ALL", label: t("list.allKinds") },
              { value: "DYNAMIC", label: t("kind.DYNAMIC") },
              { value: "STATIC", label: t("kind.STATIC") },
            ]}
            value={kind}
            onChange={(v: string) => {
              setKind(v);
              setCursors([null]);
            }}
          />
          {page?.totalCount != null && (
            <Text size={2} color="default2" marginLeft="auto" data-testid="segments-total">
              {t("list.count", { count: page.totalCount, n: f.number(page.totalCount) })}
            </Text>
          )}
        </Box>
        {body}
        {(cursors.length > 1 || page?.pageInfo.hasNextPage) && (
          <Box display="flex" gap={2} justifyContent="flex-end">
            <Button
              variant="secondary"
              size="small"
              disabled={cursors.length <= 1 || list.loading}
              onClick={() => setCursors((c) => c.slice(0, -1))}
            >
              {t("list.previous")}
            </Button>
            <Button
              variant="secondary"
              size="small"
              disabled={!page?.pageInfo.hasNextPage || list.loading}
              onClick={() => {
                const end = page?.pageInfo.endCursor;
                if (end) setCursors((c) => [...c, end]);
              }}
            >
              {t("list.next")}
            </Button>
          </Box>
        )}
      </Card>
      <PresetGallery />
    </Box>
  );
}
