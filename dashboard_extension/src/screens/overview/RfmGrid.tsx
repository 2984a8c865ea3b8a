/**
 * The RFM map: recency (rows, best on top) × frequency (columns, best on the right); each named
 * group covers its score ranges (domain/rfm.py GROUPS), coloured by its share of scored customers.
 * "Can't lose" (R 1–2, F 4–5, high monetary) is drawn in the low-R / high-F corner it lives in;
 * the rest of that corner belongs to "at risk".
 */
import { Box, Text } from "@saleor/macaw-ui";

import { heatColor, heatTextColor } from "../../components/charts";
import { useFormat } from "../../format";
import { useT } from "../../i18n";

/** group -> [first row, last row + 1, first column, last column + 1] on a 5×5 CSS grid. */
export const RFM_LAYOUT: Record<string, [number, number, number, number]> = {
  champions: [1, 3, 4, 6],
  potential_loyalists: [1, 3, 2, 4],
  new: [1, 3, 1, 2],
  loyal: [3, 4, 3, 6],
  needs_attention: [3, 4, 2, 3],
  promising: [3, 4, 1, 2],
  at_risk: [4, 6, 3, 4],
  cant_lose: [4, 6, 4, 6],
  hibernating: [4, 5, 1, 3],
  lost: [5, 6, 1, 3],
};

export function RfmGrid({
  groups,
  onSelect,
}: {
  groups: { group: string; customers: number }[];
  onSelect?: (group: string) => void;
}) {
  const t = useT("overview");
  const tc = useT("common");
  const f = useFormat();
  const total = groups.reduce((s, g) => s + g.customers, 0);
  const maxShare = Math.max(0, ...groups.map((g) => (total ? g.customers / total : 0))) || 1;
  const placed = groups.filter((g) => RFM_LAYOUT[g.group]);
  const others = groups.filter((g) => !RFM_LAYOUT[g.group]);
  return (
    <Box>
      <Text size={1} color="default2" as="p" style={{ margin: "0 0 4px" }}>
        {t("rfm.recencyAxis")}
      </Text>
      <Box>
        <Box
          display="grid"
          gap={1}
          style={{ gridTemplateColumns: "repeat(5, 1fr)", gridTemplateRows: "repeat(5, minmax(44px, auto))" }}
          role="list"
          aria-label={t("rfm.gridLabel")}
          data-testid="rfm-grid"
        >
          {placed.map((g) => {
            const [r0, r1, c0, c1] = RFM_LAYOUT[g.group];
            const share = total ? g.customers / total : 0;
            const intensity = share / maxShare;
            const label = tc(`rfmGroup.${g.group}`);
            const title = t("rfm.cellTitle", { group: label, customers: f.number(g.customers), share: f.percent(share) });
            return (
              <Box
                as="button"
                role="listitem"
                key={g.group}
                onClick={onSelect ? () => onSelect(g.group) : undefined}
                title={`${title}\n${t("rfm.cellAction")}`}
                aria-label={title}
                data-group={g.group}
                display="flex"
                flexDirection="column"
                justifyContent="space-between"
                padding={2}
                borderRadius={3}
                borderStyle="solid"
                borderWidth={1}
                borderColor="default1"
                cursor={onSelect ? "pointer" : undefined}
                textAlign="left"
                style={{
                  gridRow: `${r0} / ${r1}`,
                  gridColumn: `${c0} / ${c1}`,
                  background: heatColor(intensity),
                  color: heatTextColor(intensity),
                  font: "inherit",
                  minWidth: 0,
                }}
              >
                <span style={{ fontSize: 12, fontWeight: 600, lineHeight: 1.25, overflowWrap: "anywhere" }}>{label}</span>
                <span style={{ fontSize: 12, fontVariantNumeric: "tabular-nums" }}>
                  {f.number(g.customers)} · {f.percent(share)}
                </span>
              </Box>
            );
          })}
        </Box>
        <Box display="flex" justifyContent="flex-end" marginTop={1}>
          <Text size={1} color="default2">
            {t("rfm.frequencyAxis")}
          </Text>
        </Box>
      </Box>
      {others.length > 0 && (
        <Box display="flex" gap={2} flexWrap="wrap" marginTop={2}>
          {others.map((g) => (
            <Text key={g.group} size={2}>
              {g.group}: {f.number(g.customers)}
            </Text>
          ))}
        </Box>
      )}
    </Box>
  );
}
