/**
 * Picks products, categories or collections by searching Saleor's catalogue on its
 * main API (`products(filter: {search})` ...). The rule keeps database IDs; the
 * picker shows names (looked up once by `filter: {ids}`).
 */
import { Box, Button, DynamicCombobox, Text } from "@saleor/macaw-ui";
import { useEffect, useState } from "react";
import { PickerItem, PickerKind, catalogueSearchQuery, fromGlobalId, toGlobalId } from "./api";
import { saleorRequest } from "../../api/client";
import { useT } from "../../i18n";
import { useDebounced } from "./hooks";

type Found = { [kind: string]: { edges: { node: { id: string; name: string } }[] } };

const names = new Map<string, string>();

function keyOf(kind: PickerKind, id: number) {
  return `${kind}:${id}`;
}

export function ItemPicker({
  kind,
  ids,
  onChange,
  disabled,
  error,
}: {
  kind: PickerKind;
  ids: number[];
  onChange: (ids: number[]) => void;
  disabled?: boolean;
  error?: string;
}) {
  const t = useT("segments");
  const [query, setQuery] = useState("");
  const search = useDebounced(query, 300);
  const [options, setOptions] = useState<{ value: string; label: string }[]>([]);
  const [loading, setLoading] = useState(false);
  const [, setKnown] = useState(0);

  // names of the picked items not seen yet
  const missing = ids.filter((id) => !names.has(keyOf(kind, id)));
  const missingKey = missing.join(",");
  useEffect(() => {
    if (!missing.length) return;
    const controller = new AbortController();
    saleorRequest<Found>(
      catalogueSearchQuery(kind),
      { ids: missing.map((id) => toGlobalId(kind, id)), first: Math.min(100, missing.length) },
      { signal: controller.signal },
    ).then(
      (data) => {
        for (const { node } of data[kind]?.edges ?? []) {
          const id = fromGlobalId(kind, node.id);
          if (id) names.set(keyOf(kind, id), node.name);
        }
        setKnown((n) => n + 1);
      },
      () => undefined,
    );
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [kind, missingKey]);

  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    saleorRequest<Found>(catalogueSearchQuery(kind), { search: search || null, first: 20 }, { signal: controller.signal }).then(
      (data) => {
        const found: PickerItem[] = [];
        for (const { node } of data[kind]?.edges ?? []) {
          const id = fromGlobalId(kind, node.id);
          if (id) {
            names.set(keyOf(kind, id), node.name);
            found.push({ id, name: node.name });
          }
        }
        setOptions(found.filter((f) => !ids.includes(f.id)).map((f) => ({ value: String(f.id), label: f.name })));
        setLoading(false);
      },
      () => {
        if (!controller.signal.aborted) {
          setOptions([]);
          setLoading(false);
        }
      },
    );
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [kind, search, ids.join(",")]);

  const label = (id: number) => names.get(keyOf(kind, id)) ?? t("purchase.unknownItem", { id });
  return (
    <Box display="flex" flexDirection="column" gap={2}>
      {ids.length > 0 && (
        <Box display="flex" gap={1} flexWrap="wrap" data-testid="picked-items">
          {ids.map((id) => (
            <Box
              key={id}
              display="flex"
              alignItems="center"
              gap={1}
              paddingLeft={2}
              borderRadius={3}
              backgroundColor="default2"
              borderStyle="solid"
              borderWidth={1}
              borderColor="default1"
            >
              <Text size={2}>{label(id)}</Text>
              {!disabled && (
                <Button
                  variant="tertiary"
                  size="small"
                  aria-label={t("purchase.remove", { name: label(id) })}
                  onClick={() => onChange(ids.filter((x) => x !== id))}
                >
                  ×
                </Button>
              )}
            </Box>
          ))}
        </Box>
      )}
      <DynamicCombobox
        __width="320px"
        size="small"
        label={t("purchase.search", { kind: t(`purchase.${kind}`) })}
        options={options}
        value={null}
        loading={loading}
        disabled={disabled}
        error={Boolean(error)}
        helperText={error}
        locale={{ loadingText: t("purchase.loading") }}
        onInputValueChange={setQuery}
        onChange={(option) => {
          if (!option) return;
          const id = Number(option.value);
          if (!ids.includes(id)) onChange([...ids, id]);
          setQuery("");
        }}
      >
        <DynamicCombobox.NoOptions>
          <Text size={2} padding={2}>{t("purchase.noResults")}</Text>
        </DynamicCombobox.NoOptions>
      </DynamicCombobox>
    </Box>
  );
}
