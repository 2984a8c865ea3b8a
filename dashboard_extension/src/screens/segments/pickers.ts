/** Values for the catalogue's value pickers (`valuePicker`): channel slugs, loyalty tier
 * names, country codes with their names in the UI's language. */
import { useMemo } from "react";

import { useCrmQuery } from "../../api/hooks";
import { useChannel } from "../../components/channel";
import { intlLocale } from "../../format";
import { useLocale } from "../../i18n";

export interface PickerOptions {
  channel: { value: string; label: string }[];
  tier: { value: string; label: string }[];
  country: { value: string; label: string }[];
  /** the segment's channel's currency (money fields), null for all channels */
  currency: string | null;
}

const TIERS_QUERY = /* GraphQL */ `
  query CrmSegmentTierNames {
    crmLoyaltyPrograms { channel tiers { name rank } }
  }
`;

const COUNTRIES_QUERY = /* GraphQL */ `
  query CrmSegmentCountries {
    shop { countries { code country } }
  }
`;

export function usePickerOptions(channel: string | null): PickerOptions {
  const locale = useLocale();
  const { channels } = useChannel();
  const tiers = useCrmQuery<{ crmLoyaltyPrograms: { channel: string; tiers: { name: string; rank: number }[] }[] }>(
    TIERS_QUERY,
  );
  const countries = useCrmQuery<{ shop: { countries: { code: string; country: string }[] } }>(COUNTRIES_QUERY, {}, { api: "saleor" });
  return useMemo(() => {
    const programs = tiers.data?.crmLoyaltyPrograms ?? [];
    const names: string[] = [];
    for (const p of programs) {
      if (channel && p.channel !== channel) continue;
      for (const tier of [...p.tiers].sort((a, b) => a.rank - b.rank)) if (!names.includes(tier.name)) names.push(tier.name);
    }
    let display: Intl.DisplayNames | null = null;
    try {
      display = new Intl.DisplayNames([intlLocale(locale)], { type: "region" });
    } catch {
      display = null;
    }
    const country = (countries.data?.shop.countries ?? [])
      .map((c) => ({ value: c.code, label: `${display?.of(c.code) ?? c.country} (${c.code})` }))
      .sort((a, b) => a.label.localeCompare(b.label, intlLocale(locale)));
    return {
      channel: channels.map((c) => ({ value: c.slug, label: `${c.name} (${c.slug})` })),
      tier: names.map((n) => ({ value: n, label: n })),
      country,
      currency: channels.find((c) => c.slug === channel)?.currencyCode ?? null,
    };
  }, [tiers.data, countries.data, channels, channel, locale]);
}
