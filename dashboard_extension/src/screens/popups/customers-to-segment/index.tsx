/**
 * Popup on the Dashboard's customer list selection (CUSTOMER_OVERVIEW_MORE_ACTIONS): add the
 * selected customers (?customerIds=a,b,...) to a static segment, or to a new one.
 */
import { Box, Button, Input, Select, Text } from "@saleor/macaw-ui";
import { type FormEvent, useMemo, useState } from "react";
import { useSearchParams } from "react-router-dom";

import { type TypedError, payloadErrors } from "../../../api/client";
import { useErrorMessage } from "../../../api/errors";
import { useCrmMutation, useCrmQuery } from "../../../api/hooks";
import { useNotify } from "../../../api/notify";
import { useHasPermission } from "../../../auth/AuthProvider";
import { useChannel } from "../../../components/channel";
import { Empty, ErrorState, Loading } from "../../../components/states";
import { useFormat } from "../../../format";
import { useT } from "../../../i18n";
import { useDashboardNavigation } from "../../../shell/dashboard";
import { customerIdsFromParams } from "../../widgets/customer";
import { PopupFrame } from "../PopupFrame";

export const STATIC_SEGMENTS = `query CrmStaticSegments($search: String) {
  crmSegments(first: 100, filter: { kind: STATIC, search: $search }) {
    edges { node { id name channel membersCount } }
  }
}`;

const ADD = `mutation CrmSegmentMembersAdd($id: ID!, $customerIds: [ID!]!) {
  crmSegmentMembersAdd(id: $id, customerIds: $customerIds) {
    segment { id name membersCount }
    added skippedCustomerIds
    errors { field code message }
  }
}`;

const CREATE = `mutation CrmStaticSegmentCreate($input: CRMSegmentInput!) {
  crmSegmentCreate(input: $input) { segment { id name } errors { field code message } }
}`;

/** A rule no customer matches: a static segment that holds hand-picked customers only. */
export const HAND_PICKED_RULE = { and: [{ field: "orders_count", op: "lt", value: 0 }] };

interface Segment {
  id: string;
  name: string;
  channel: string | null;
  membersCount: number;
}
interface SegmentsData {
  crmSegments: { edges: { node: Segment }[] } | null;
}
interface AddData {
  crmSegmentMembersAdd: {
    segment: { id: string; name: string; membersCount: number } | null;
    added: number;
    skippedCustomerIds: string[];
    errors: TypedError[];
  } | null;
}
interface CreateData {
  crmSegmentCreate: { segment: { id: string; name: string } | null; errors: TypedError[] } | null;
}

export default function CustomersToSegmentPopup() {
  const t = useT("customer");
  const tc = useT("common");
  const f = useFormat();
  const notify = useNotify();
  const msg = useErrorMessage();
  const go = useDashboardNavigation();
  const [params] = useSearchParams();
  const customerIds = useMemo(() => customerIdsFromParams(params), [params]);
  const canManage = useHasPermission("MANAGE_USERS");
  const { channels, channel: defaultChannel } = useChannel();
  const { data, loading, error, refetch } = useCrmQuery<SegmentsData>(STATIC_SEGMENTS, { search: null }, { skip: !canManage });
  const segments = useMemo(() => data?.crmSegments?.edges.map((e) => e.node) ?? [], [data]);
  const NEW = "__new__";
  const [target, setTarget] = useState<string | null>(null);
  const [name, setName] = useState("");
  const [channelSlug, setChannelSlug] = useState<string | null>(null);
  const [errors, setErrors] = useState<TypedError[]>([]);
  const [result, setResult] = useState<NonNullable<AddData["crmSegmentMembersAdd"]> | null>(null);
  const [add, { loading: adding }] = useCrmMutation<AddData>(ADD);
  const [create, { loading: creating }] = useCrmMutation<CreateData>(CREATE);
  const chosen = target ?? (segments[0]?.id ?? NEW);
  const newChannel = channelSlug ?? defaultChannel?.slug ?? null;
  const channelName = (s: string | null) => (s ? (channels.find((c) => c.slug === s)?.name ?? s) : t("toSegment.allChannels"));
  const options = [
    ...segments.map((s) => ({ value: s.id, label: `${s.name} · ${channelName(s.channel)} · ${t("toSegment.members", { n: f.number(s.membersCount) })}` })),
    { value: NEW, label: t("toSegment.new") },
  ];
  const valid = customerIds.length > 0 && (chosen !== NEW || (name.trim() !== "" && newChannel));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!valid) return;
    setErrors([]);
    try {
      let id = chosen;
      if (chosen === NEW) {
        const res = await create({ input: { name: name.trim(), channel: newChannel, kind: "STATIC", rule: HAND_PICKED_RULE } });
        const errs = payloadErrors(res.crmSegmentCreate);
        if (errs.length || !res.crmSegmentCreate?.segment) {
          setErrors(errs);
          return;
        }
        id = res.crmSegmentCreate.segment.id;
        refetch();
        setTarget(id);
      }
      const res = await add({ id, customerIds });
      const errs = payloadErrors(res.crmSegmentMembersAdd);
      setErrors(errs);
      if (errs.length || !res.crmSegmentMembersAdd) return;
      setResult(res.crmSegmentMembersAdd);
      notify({ status: "success", title: t("toSegment.done", { added: f.number(res.crmSegmentMembersAdd.added), segment: res.crmSegmentMembersAdd.segment?.name ?? "" }) });
    } catch (err) {
      notify({ status: "error", title: t("toSegment.failed"), text: msg(err) });
    }
  };

  let body;
  if (!customerIds.length) body = <Empty title={t("toSegment.noneSelected")} />;
  else if (!canManage) body = <Empty title={tc("readOnly", { permission: "MANAGE_USERS" })} />;
  else if (error) body = <ErrorState error={error} onRetry={refetch} />;
  else if (loading && !data) body = <Loading rows={3} />;
  else
    body = (
      <Box as="form" onSubmit={submit} display="flex" flexDirection="column" gap={4}>
        <Select label={t("toSegment.segment")} options={options} value={options.find((o) => o.value === chosen) ?? null} onChange={(o) => o && setTarget(typeof o === "string" ? o : o.value)} />
        {chosen === NEW && (
          <>
            <Input label={t("toSegment.name")} value={name} onChange={(e) => setName(e.target.value)} required maxLength={255} />
            <Select
              label={tc("channel")}
              options={channels.map((c) => ({ value: c.slug, label: c.name }))}
              value={channels.filter((c) => c.slug === newChannel).map((c) => ({ value: c.slug, label: c.name }))[0] ?? null}
              onChange={(o) => o && setChannelSlug(typeof o === "string" ? o : o.value)}
            />
            <Text size={2} color="default2">
              {t("toSegment.newHelp")}
            </Text>
          </>
        )}
        {errors.length > 0 && (
          <Text color="critical1" role="alert">
            {errors.map((e) => msg(e)).join(" ")}
          </Text>
        )}
        {result && (
          <Box padding={3} borderRadius={3} backgroundColor="success1" role="status" data-testid="to-segment-result">
            <Text as="p">{t("toSegment.done", { added: f.number(result.added), segment: result.segment?.name ?? "" })}</Text>
            {result.skippedCustomerIds.length > 0 && <Text as="p">{t("toSegment.skipped", { n: f.number(result.skippedCustomerIds.length) })}</Text>}
            {result.segment && (
              <Button type="button" variant="tertiary" size="small" onClick={() => void go.appRoute(`/segments/${encodeURIComponent(result.segment!.id)}`)}>
                {t("toSegment.open")}
              </Button>
            )}
          </Box>
        )}
        <Box>
          <Button type="submit" disabled={!valid || adding || creating}>
            {t("toSegment.submit", { count: customerIds.length, n: f.number(customerIds.length) })}
          </Button>
        </Box>
      </Box>
    );

  return (
    <PopupFrame title={t("toSegment.title")} subtitle={t("toSegment.selected", { count: customerIds.length, n: f.number(customerIds.length) })}>
      {body}
    </PopupFrame>
  );
}
