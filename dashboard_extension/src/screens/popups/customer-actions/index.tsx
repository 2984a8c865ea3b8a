/**
 * Popup on the Dashboard's customer page (CUSTOMER_DETAILS_MORE_ACTIONS): adjust the customer's
 * points and override their tier, per channel with a loyalty program. ?customerId=<User ID>.
 */
import { Box, Button, Input, Select, Text } from "@saleor/macaw-ui";
import { type FormEvent, useMemo, useState } from "react";
import { useSearchParams } from "react-router-dom";

import { payloadErrors, type TypedError } from "../../../api/client";
import { useErrorMessage } from "../../../api/errors";
import { useCrmMutation, useCrmQuery } from "../../../api/hooks";
import { useNotify } from "../../../api/notify";
import { useHasPermission } from "../../../auth/AuthProvider";
import { useChannel } from "../../../components/channel";
import { Empty, ErrorState, Loading } from "../../../components/states";
import { useFormat } from "../../../format";
import { useT } from "../../../i18n";
import { customerIdsFromParams } from "../../widgets/customer";
import { CUSTOMER_360_QUERY, type Customer360Channel, type Customer360Data } from "../../widgets/customer/queries";
import { PopupFrame } from "../PopupFrame";

const ADJUST = `mutation CrmPointsAdjust($channel: String!, $customerId: ID!, $points: Int!, $reason: String!, $idempotencyKey: String) {
  crmPointsAdjust(channel: $channel, customerId: $customerId, points: $points, reason: $reason, idempotencyKey: $idempotencyKey) {
    points { available pending expiringSoon }
    errors { field code message }
  }
}`;

const OVERRIDE = `mutation CrmTierOverride($channel: String!, $customerId: ID!, $tierId: ID, $reason: String!, $expiresAt: DateTime) {
  crmTierOverride(channel: $channel, customerId: $customerId, tierId: $tierId, reason: $reason, expiresAt: $expiresAt) {
    tier { id name }
    errors { field code message }
  }
}`;

interface AdjustData {
  crmPointsAdjust: { points: { available: number; pending: number; expiringSoon: number } | null; errors: TypedError[] } | null;
}
interface OverrideData {
  crmTierOverride: { tier: { id: string; name: string } | null; errors: TypedError[] } | null;
}

function newKey(): string {
  return typeof crypto !== "undefined" && "randomUUID" in crypto ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`;
}

/** End of the given calendar day as an ISO instant with the browser's offset. */
export function endOfDay(date: string): string {
  return new Date(`${date}T23:59:59`).toISOString();
}

function FieldErrors({ errors, field }: { errors: TypedError[]; field?: string }) {
  const msg = useErrorMessage();
  const list = errors.filter((e) => field === undefined || e.field === field);
  if (!list.length) return null;
  return (
    <Text size={2} color="critical1" role="alert">
      {list.map((e) => msg(e)).join(" ")}
    </Text>
  );
}

function PointsForm({ customerId, ch, onDone }: { customerId: string; ch: Customer360Channel; onDone: () => void }) {
  const t = useT("customer");
  const f = useFormat();
  const notify = useNotify();
  const msg = useErrorMessage();
  const [points, setPoints] = useState("");
  const [reason, setReason] = useState("");
  const [errors, setErrors] = useState<TypedError[]>([]);
  const [key, setKey] = useState(newKey);
  const [run, { loading }] = useCrmMutation<AdjustData>(ADJUST);
  const value = Number(points);
  const valid = points.trim() !== "" && Number.isInteger(value) && value !== 0 && reason.trim() !== "";

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!valid) return;
    try {
      const res = await run({ channel: ch.channel, customerId, points: value, reason: reason.trim(), idempotencyKey: key });
      const errs = payloadErrors(res.crmPointsAdjust);
      setErrors(errs);
      if (errs.length) return;
      notify({ status: "success", title: t("actions.points.done", { n: f.number(res.crmPointsAdjust?.points?.available ?? 0) }) });
      setPoints("");
      setReason("");
      setKey(newKey());
      onDone();
    } catch (err) {
      notify({ status: "error", title: t("actions.failed"), text: msg(err) });
    }
  };

  return (
    <Box as="form" onSubmit={submit} display="flex" flexDirection="column" gap={3} data-testid="points-form">
      <Text as="h2" size={5} fontWeight="bold">
        {t("actions.points.title")}
      </Text>
      <Text size={2} color="default2">
        {t("actions.points.balance", { available: f.number(ch.loyalty?.points.available ?? 0), pending: f.number(ch.loyalty?.points.pending ?? 0) })}
      </Text>
      <Input
        type="number"
        step={1}
        label={t("actions.points.amount")}
        helperText={t("actions.points.amountHelp")}
        value={points}
        onChange={(e) => setPoints(e.target.value)}
        error={errors.some((e) => e.field === "points")}
      />
      <FieldErrors errors={errors} field="points" />
      <Input label={t("actions.reason")} value={reason} onChange={(e) => setReason(e.target.value)} maxLength={255} required error={errors.some((e) => e.field === "reason")} />
      <FieldErrors errors={errors.filter((e) => e.field !== "points")} />
      <Box>
        <Button type="submit" disabled={!valid || loading}>
          {!valid || !value
            ? t("actions.points.submit")
            : value < 0
              ? t("actions.points.take", { n: f.number(Math.abs(value)) })
              : t("actions.points.add", { n: f.number(value) })}
        </Button>
      </Box>
    </Box>
  );
}

function TierForm({ customerId, ch, onDone }: { customerId: string; ch: Customer360Channel; onDone: () => void }) {
  const t = useT("customer");
  const f = useFormat();
  const notify = useNotify();
  const msg = useErrorMessage();
  const loyalty = ch.loyalty!;
  const NONE = "__none__";
  // "no override" is only a choice when there is one to clear
  const options = [
    ...(loyalty.override ? [{ value: NONE, label: t("actions.tier.clear") }] : []),
    ...[...loyalty.program.tiers].sort((a, b) => a.rank - b.rank).map((tier) => ({ value: tier.id, label: tier.name })),
  ];
  const [tierId, setTierId] = useState<string>(loyalty.override?.tier?.id ?? loyalty.tier?.id ?? options[0]?.value ?? NONE);
  const [reason, setReason] = useState("");
  const [until, setUntil] = useState("");
  const [errors, setErrors] = useState<TypedError[]>([]);
  const [run, { loading }] = useCrmMutation<OverrideData>(OVERRIDE);
  const valid = reason.trim() !== "";

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!valid) return;
    try {
      const res = await run({
        channel: ch.channel,
        customerId,
        tierId: tierId === NONE ? null : tierId,
        reason: reason.trim(),
        expiresAt: until && tierId !== NONE ? endOfDay(until) : null,
      });
      const errs = payloadErrors(res.crmTierOverride);
      setErrors(errs);
      if (errs.length) return;
      notify({ status: "success", title: t("actions.tier.done", { tier: res.crmTierOverride?.tier?.name ?? t("tier.none") }) });
      setReason("");
      onDone();
    } catch (err) {
      notify({ status: "error", title: t("actions.failed"), text: msg(err) });
    }
  };

  return (
    <Box as="form" onSubmit={submit} display="flex" flexDirection="column" gap={3} data-testid="tier-form">
      <Text as="h2" size={5} fontWeight="bold">
        {t("actions.tier.title")}
      </Text>
      <Text size={2} color="default2">
        {t("actions.tier.current", { tier: loyalty.tier?.name ?? t("tier.none"), earned: loyalty.earnedTier?.name ?? t("tier.none") })}
        {loyalty.override?.expiresAt ? ` · ${t("tier.overrideUntil", { date: f.date(loyalty.override.expiresAt, loyalty.program.timeZone) })}` : ""}
      </Text>
      <Select
        label={t("actions.tier.tier")}
        options={options}
        value={options.find((o) => o.value === tierId) ?? null}
        onChange={(o) => o && setTierId(typeof o === "string" ? o : o.value)}
      />
      <FieldErrors errors={errors} field="tierId" />
      {tierId !== NONE && (
        <Input type="date" label={t("actions.tier.until")} helperText={t("actions.tier.untilHelp")} value={until} onChange={(e) => setUntil(e.target.value)} />
      )}
      <Input label={t("actions.reason")} value={reason} onChange={(e) => setReason(e.target.value)} maxLength={255} required />
      <FieldErrors errors={errors.filter((e) => e.field !== "tierId")} />
      <Box>
        <Button type="submit" disabled={!valid || loading}>
          {tierId === NONE ? t("actions.tier.submitClear") : t("actions.tier.submit")}
        </Button>
      </Box>
    </Box>
  );
}

export default function CustomerActionsPopup() {
  const t = useT("customer");
  const tc = useT("common");
  const [params] = useSearchParams();
  const customerId = customerIdsFromParams(params)[0] ?? null;
  const canManage = useHasPermission("MANAGE_USERS");
  const { channels: saleorChannels } = useChannel();
  const { data, loading, error, refetch } = useCrmQuery<Customer360Data>(CUSTOMER_360_QUERY, { customerId }, { skip: !customerId });
  const withProgram = useMemo(
    () => (data?.crmCustomer360?.channels ?? []).filter((c) => c.loyalty?.program.isActive),
    [data],
  );
  const [slug, setSlug] = useState<string | null>(null);
  const ch = withProgram.find((c) => c.channel === slug) ?? withProgram[0];
  const channelName = (s: string) => saleorChannels.find((c) => c.slug === s)?.name ?? s;

  let body;
  if (!customerId) body = <Empty title={t("noCustomer")} />;
  else if (!canManage) body = <Empty title={tc("readOnly", { permission: "MANAGE_USERS" })} />;
  else if (error) body = <ErrorState error={error} onRetry={refetch} />;
  else if (loading && !data) body = <Loading rows={5} />;
  else if (!ch) body = <Empty title={t("actions.noProgram.title")} text={t("actions.noProgram.text")} />;
  else
    body = (
      <Box display="flex" flexDirection="column" gap={6}>
        {withProgram.length > 1 && (
          <Select
            label={tc("channel")}
            options={withProgram.map((c) => ({ value: c.channel, label: channelName(c.channel) }))}
            value={{ value: ch.channel, label: channelName(ch.channel) }}
            onChange={(o) => o && setSlug(typeof o === "string" ? o : o.value)}
          />
        )}
        <PointsForm key={`p-${ch.channel}`} customerId={customerId} ch={ch} onDone={refetch} />
        <Box borderTopStyle="solid" borderTopWidth={1} borderColor="default1" />
        <TierForm key={`t-${ch.channel}`} customerId={customerId} ch={ch} onDone={refetch} />
      </Box>
    );

  return (
    <PopupFrame title={t("actions.title")} subtitle={data?.crmCustomer360?.email}>
      {body}
    </PopupFrame>
  );
}
