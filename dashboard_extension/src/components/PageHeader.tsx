import { Box, Text } from "@saleor/macaw-ui";
import type { ReactNode } from "react";

export function PageHeader({ title, subtitle, actions }: { title: ReactNode; subtitle?: ReactNode; actions?: ReactNode }) {
  return (
    <Box display="flex" flexWrap="wrap" alignItems="center" justifyContent="space-between" gap={3} paddingBottom={4}>
      <Box display="flex" flexDirection="column" gap={1}>
        <Text as="h1" size={8} fontWeight="bold">
          {title}
        </Text>
        {subtitle && <Text color="default2">{subtitle}</Text>}
      </Box>
      {actions && (
        <Box display="flex" gap={2} alignItems="center" flexWrap="wrap">
          {actions}
        </Box>
      )}
    </Box>
  );
}
