/**
 * Choose Saleor products, categories or collections (searched through Saleor's
 * main API); the chosen ones are chips with their names.
 */
import { Box, Chip, Input, Text } from "@saleor/macaw-ui";
import { X } from "lucide-react";
import { useEffect, useState } from "react";

import { useCrmQuery } from "../../api/hooks";
import { useT } from "../../i18n";

export type CatalogueKind = "products" | "categories" | "collections";

/** Two queries per kind — by search text, and the names of chosen IDs — so neither
 * sends the other's filter as null (Saleor reads `where: {ids: null}` as "none"). */
function pickerQuery(kind: CatalogueKind, mode: "search" | "ids"): string {
  const channelVar = kind === "categories" ? "" : ", $channel: String";
  const channelArg = kind === "categories" ? "" : ", channel: $channel";
  const name = `CrmPick${kind.charAt(0).toUpperCase()}${kind.slice(1)}${mode === "ids" ? "Names" : ""}`;
  if (mode === "search") {
    const arg = kind === "products" ? "search: $search" : "filter: { search: $search }";
    return `query ${name}($search: String${channelVar}) {
    ${kind}(first: 20, ${arg}${channelArg}) { edges { node { id name } } }
  }`;
  }
  const arg = kind === "products" ? "where: { ids: $ids }" : "filter: { ids: $ids }";
  return `query ${name}($ids: [ID!]${channelVar}) {
    ${kind}(first: 100, ${arg}${channelArg}) { edges { node { id name } } }
  }`;
}

interface Connection {
  [kind: string]: { edges: { node: { id: string; name: string } }[] } | null;
}

export function CataloguePicker({
  kind,
  label,
  value,
  onChange,
  channel,
  disabled,
  error,
  helperText,
}: {
  kind: CatalogueKind;
  label: string;
  value: string[];
  onChange: (ids: string[]) => void;
  channel?: string;
  disabled?: boolean;
  error?: string;
  helperText?: string;
}) {
  const t = useT("coupons");
  const [search, setSearch] = useState("");
  const [debounced, setDebounced] = useState("");
  const [names, setNames] = useState<Record<string, string>>({});
  useEffect(() => {
    const h = window.setTimeout(() => setDebounced(search.trim()), 250);
    return () => window.clearTimeout(h);
  }, [search]);
  // categories are not per channel: their queries take no channel
  const channelVars = kind === "categories" ? {} : { channel: channel || null };
  // names of what is chosen already
  const missing = value.filter((id) => !names[id]);
  const chosen = useCrmQuery<Connection>(
    pickerQuery(kind, "ids"),
    { ids: missing, ...channelVars },
    { api: "saleor", skip: missing.length === 0 },
  );
  const found = useCrmQuery<Connection>(
    pickerQuery(kind, "search"),
    { search: debounced, ...channelVars },
    { api: "saleor", skip: debounced === "" || disabled },
  );
  useEffect(() => {
    const edges = [...(chosen.data?.[kind]?.edges ?? []), ...(found.data?.[kind]?.edges ?? [])];
    if (edges.length)
      setNames((n) => {
        const next = { ...n };
        for (const e of edges) next[e.node.id] = e.node.name;
        return next;
      });
  }, [chosen.data, found.data, kind]);

  const options = (found.data?.[kind]?.edges ?? []).map((e) => e.node).filter((n) => !value.includes(n.id));
  return (
    <Box display="flex" flexDirection="column" gap={2}>
      <Input
        label={label}
        value={search}
        onChange={(e) => setSearch(e.target.value)}
        disabled={disabled}
        error={Boolean(error)}
        helperText={error ?? helperText ?? t("picker.searchHint")}
        size="small"
      />
      {debounced && !disabled && (
        <Box
          borderStyle="solid"
          borderWidth={1}
          borderColor="default1"
          borderRadius={3}
          __maxHeight="180px"
          overflowY="auto"
          role="listbox"
          aria-label={label}
        >
          {found.loading && (
            <Text as="p" padding={2} size={2} color="default2">
              {t("ui.loading")}
            </Text>
          )}
          {!found.loading && options.length === 0 && (
            <Text as="p" padding={2} size={2} color="default2">
              {t("picker.noResults")}
            </Text>
          )}
          {options.map((o) => (
            <Box
              key={o.id}
              as="button"
              type="button"
              role="option"
              aria-selected={false}
              display="block"
              width="100%"
              textAlign="left"
              padding={2}
              backgroundColor={{ default: "default1", hover: "default1Hovered" }}
              borderWidth={0}
              cursor="pointer"
              onClick={() => {
                onChange([...value, o.id]);
                setSearch("");
              }}
            >
              <Text size={3}>{o.name}</Text>
            </Box>
          ))}
        </Box>
      )}
      {value.length > 0 && (
        <Box display="flex" gap={2} flexWrap="wrap">
          {value.map((id) => (
            <Chip key={id} size="large" data-testid="picked">
              <Box display="flex" alignItems="center" gap={1}>
                <Text size={2}>{names[id] ?? id}</Text>
                {!disabled && (
                  <Box
                    as="button"
                    type="button"
                    aria-label={t("picker.remove", { name: names[id] ?? id })}
                    onClick={() => onChange(value.filter((v) => v !== id))}
                    backgroundColor="transparent"
                    borderWidth={0}
                    cursor="pointer"
                    display="flex"
                    padding={0}
                  >
                    <X size={12} />
                  </Box>
                )}
              </Box>
            </Chip>
          ))}
        </Box>
      )}
    </Box>
  );
}
