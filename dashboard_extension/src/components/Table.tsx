/**
 * A plain data table in the Dashboard's look.
 *   <Table columns={[{ key: "name", header: t("name"), render: (r) => r.name }]} rows={rows} rowKey={(r) => r.id} />
 */
import { Box, Text } from "@saleor/macaw-ui";
import type { ReactNode } from "react";

export interface Column<R> {
  key: string;
  header: ReactNode;
  render: (row: R) => ReactNode;
  align?: "left" | "right" | "center";
  width?: string;
}

export interface TableProps<R> {
  columns: Column<R>[];
  rows: R[];
  rowKey: (row: R) => string;
  onRowClick?: (row: R) => void;
  empty?: ReactNode;
  caption?: string;
}

export function Table<R>({ columns, rows, rowKey, onRowClick, empty, caption }: TableProps<R>) {
  if (!rows.length && empty) return <>{empty}</>;
  return (
    <Box as="div" overflowX="auto" width="100%">
      <table style={{ width: "100%", borderCollapse: "collapse" }} aria-label={caption}>
        <thead>
          <tr>
            {columns.map((c) => (
              <Box
                as="th"
                key={c.key}
                paddingX={3}
                paddingY={2}
                borderBottomStyle="solid"
                borderBottomWidth={1}
                borderColor="default1"
                style={{ textAlign: c.align ?? "left", width: c.width, whiteSpace: "nowrap" }}
              >
                <Text size={2} color="default2" fontWeight="medium">
                  {c.header}
                </Text>
              </Box>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <Box
              as="tr"
              key={rowKey(row)}
              cursor={onRowClick ? "pointer" : undefined}
              backgroundColor={onRowClick ? { default: "default1", hover: "default1Hovered" } : undefined}
              onClick={onRowClick ? () => onRowClick(row) : undefined}
            >
              {columns.map((c) => (
                <Box
                  as="td"
                  key={c.key}
                  paddingX={3}
                  paddingY={2}
                  borderBottomStyle="solid"
                  borderBottomWidth={1}
                  borderColor="default1"
                  style={{ textAlign: c.align ?? "left" }}
                >
                  <Text size={3}>{c.render(row)}</Text>
                </Box>
              ))}
            </Box>
          ))}
        </tbody>
      </table>
    </Box>
  );
}
