/** Small layout pieces of the segment screens, in the Dashboard's style. */
import { Box, Button, Modal, Text } from "@saleor/macaw-ui";
import type { ReactNode } from "react";

export function Card({
  title,
  subtitle,
  actions,
  children,
  testId,
}: {
  title?: ReactNode;
  subtitle?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  testId?: string;
}) {
  return (
    <Box
      display="flex"
      flexDirection="column"
      gap={4}
      padding={5}
      borderStyle="solid"
      borderWidth={1}
      borderColor="default1"
      borderRadius={4}
      backgroundColor="default1"
      data-testid={testId}
    >
      {(title || actions) && (
        <Box display="flex" alignItems="flex-start" gap={3} justifyContent="space-between" flexWrap="wrap">
          <Box display="flex" flexDirection="column" gap={1}>
            {title && (
              <Text as="h2" size={5} fontWeight="bold">
                {title}
              </Text>
            )}
            {subtitle && (
              <Text size={2} color="default2">
                {subtitle}
              </Text>
            )}
          </Box>
          {actions && (
            <Box display="flex" gap={2} flexWrap="wrap">
              {actions}
            </Box>
          )}
        </Box>
      )}
      {children}
    </Box>
  );
}

export function KindChip({ kind, label }: { kind: "DYNAMIC" | "STATIC"; label: string }) {
  return (
    <Box
      as="span"
      display="inline-block"
      paddingX={2}
      paddingY={0.5}
      borderRadius={3}
      backgroundColor={kind === "DYNAMIC" ? "info1" : "default2"}
    >
      <Text size={1} fontWeight="medium">
        {label}
      </Text>
    </Box>
  );
}

export function ConfirmModal({
  open,
  onClose,
  title,
  text,
  confirmLabel,
  cancelLabel,
  onConfirm,
  busy,
}: {
  open: boolean;
  onClose: () => void;
  title: string;
  text: string;
  confirmLabel: string;
  cancelLabel: string;
  onConfirm: () => void;
  busy?: boolean;
}) {
  return (
    <Modal open={open} onChange={(o) => !o && onClose()}>
      <Modal.Content>
        <Box
          backgroundColor="default1"
          boxShadow="defaultModal"
          borderRadius={4}
          padding={6}
          display="flex"
          flexDirection="column"
          gap={4}
          __left="50%"
          __top="50%"
          position="fixed"
          __width="min(440px, 90vw)"
          __transform="translate(-50%, -50%)"
          role="dialog"
          aria-label={title}
        >
          <Text size={6} fontWeight="bold">
            {title}
          </Text>
          <Text size={3}>{text}</Text>
          <Box display="flex" gap={2} justifyContent="flex-end">
            <Button variant="secondary" onClick={onClose}>
              {cancelLabel}
            </Button>
            <Button variant="error" onClick={onConfirm} disabled={busy}>
              {confirmLabel}
            </Button>
          </Box>
        </Box>
      </Modal.Content>
    </Modal>
  );
}
