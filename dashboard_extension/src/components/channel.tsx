/**
 * The channel the CRM screens look at (Saleor's `channels` query on the main API), shared by
 * all screens and remembered in localStorage.
 *   const { channel, channels, setChannel } = useChannel();   // channel: {slug, name, currencyCode}
 *   <ChannelPicker />
 */
import { Box, Select } from "@saleor/macaw-ui";
import { type ReactNode, createContext, useContext, useEffect, useMemo, useState } from "react";

import { useCrmQuery } from "../api/hooks";
import { useT } from "../i18n";

export interface Channel {
  id: string;
  slug: string;
  name: string;
  currencyCode: string;
  isActive: boolean;
}

interface ChannelCtx {
  channel: Channel | null;
  channels: Channel[];
  setChannel: (slug: string) => void;
  loading: boolean;
  error: unknown;
  refetch: () => void;
}

const Ctx = createContext<ChannelCtx | null>(null);
const KEY = "saleor-crm.channel";

export const CHANNELS_QUERY = `query CrmChannels { channels { id slug name currencyCode isActive } }`;

export function ChannelProvider({ children, initialSlug }: { children: ReactNode; initialSlug?: string | null }) {
  const { data, loading, error, refetch } = useCrmQuery<{ channels: Channel[] | null }>(CHANNELS_QUERY, {}, { api: "saleor" });
  const [slug, setSlug] = useState<string | null>(() => {
    if (initialSlug) return initialSlug;
    try {
      return localStorage.getItem(KEY);
    } catch {
      return null;
    }
  });
  const channels = useMemo(() => data?.channels ?? [], [data]);
  useEffect(() => {
    if (!channels.length) return;
    if (!slug || !channels.some((c) => c.slug === slug)) {
      setSlug((channels.find((c) => c.isActive) ?? channels[0]).slug);
    }
  }, [channels, slug]);
  const value = useMemo<ChannelCtx>(
    () => ({
      channel: channels.find((c) => c.slug === slug) ?? null,
      channels,
      setChannel: (s: string) => {
        setSlug(s);
        try {
          localStorage.setItem(KEY, s);
        } catch {
          /* ignore */
        }
      },
      loading,
      error,
      refetch,
    }),
    [channels, slug, loading, error, refetch],
  );
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useChannel(): ChannelCtx {
  const ctx = useContext(Ctx);
  if (!ctx) throw new Error("useChannel outside <ChannelProvider>");
  return ctx;
}

export function ChannelPicker() {
  const t = useT("common");
  const { channel, channels, setChannel } = useChannel();
  const options = channels.map((c) => ({ value: c.slug, label: `${c.name} (${c.currencyCode})` }));
  const current = options.find((o) => o.value === channel?.slug) ?? null;
  return (
    <Box style={{ minWidth: 220 }} data-testid="channel-picker">
      <Select
        label={t("channel")}
        size="small"
        options={options}
        value={current}
        onChange={(o) => o && setChannel(typeof o === "string" ? o : o.value)}
      />
    </Box>
  );
}
