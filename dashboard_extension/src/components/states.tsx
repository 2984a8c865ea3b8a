/** Loading / empty / error states shared by every screen. */
import { Box, Button, Skeleton, Text } from "@saleor/macaw-ui";
import { AlertTriangle, Inbox } from "lucide-react";
import type { ReactNode } from "react";

import { useErrorMessage } from "../api/errors";
import { useT } from "../i18n";

export function Loading({ rows = 3, label }: { rows?: number; label?: string }) {
  const t = useT("common");
  return (
    <Box display="flex" flexDirection="column" gap={3} padding={4} role="status" aria-busy="true" aria-label={label ?? t("loading")}>
      {Array.from({ length: rows }, (_, i) => (
        <Skeleton key={i} style={{ height: 20, width: `${90 - i * 15}%` }} />
      ))}
    </Box>
  );
}

export function Empty({ title, text, action, icon }: { title: string; text?: ReactNode; action?: ReactNode; icon?: ReactNode }) {
  return (
    <Box display="flex" flexDirection="column" alignItems="center" gap={2} padding={8} textAlign="center" data-testid="empty">
      <Box color="default2">{icon ?? <Inbox size={32} aria-hidden />}</Box>
      <Text size={5} fontWeight="bold">
        {title}
      </Text>
      {text && (
        <Text color="default2" as="p">
          {text}
        </Text>
      )}
      {action}
    </Box>
  );
}

export function ErrorState({ error, onRetry, title }: { error: unknown; onRetry?: () => void; title?: string }) {
  const t = useT("common");
  const message = useErrorMessage();
  return (
    <Box
      display="flex"
      flexDirection="column"
      alignItems="center"
      gap={2}
      padding={8}
      textAlign="center"
      role="alert"
      data-testid="error-state"
    >
      <Box color="critical1">
        <AlertTriangle size={32} aria-hidden />
      </Box>
      <Text size={5} fontWeight="bold">
        {title ?? t("error.title")}
      </Text>
      <Text color="default2" as="p">
        {message(error)}
      </Text>
      {onRetry && (
        <Button variant="secondary" onClick={onRetry}>
          {t("retry")}
        </Button>
      )}
    </Box>
  );
}
