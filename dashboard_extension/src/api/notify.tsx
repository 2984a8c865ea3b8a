/**
 * Notifications: the Dashboard's own toasts (AppBridge `actions.Notification`) in the iframe,
 * a small toast stack standalone (<Toasts/> is mounted by the app shell).
 *
 *   const notify = useNotify();
 *   notify({ status: "success", title: t("saved") });
 */
import { actions } from "@saleor/app-sdk/app-bridge";
import { Box, Text } from "@saleor/macaw-ui";
import { useCallback, useSyncExternalStore } from "react";

import { getSession } from "../auth/store";

export interface Notice {
  status: "info" | "success" | "warning" | "error";
  title?: string;
  text?: string;
}

interface Toast extends Notice {
  id: number;
}

let toasts: Toast[] = [];
let nextId = 1;
const listeners = new Set<() => void>();
const emit = () => listeners.forEach((l) => l());

export function notify(notice: Notice): void {
  const { bridge, mode } = getSession();
  if (mode === "iframe" && bridge) {
    bridge.dispatch(actions.Notification(notice)).catch(() => pushToast(notice));
    return;
  }
  pushToast(notice);
}

function pushToast(notice: Notice) {
  const id = nextId++;
  toasts = [...toasts, { ...notice, id }];
  emit();
  window.setTimeout(() => {
    toasts = toasts.filter((t) => t.id !== id);
    emit();
  }, 5000);
}

export function useNotify(): (notice: Notice) => void {
  return useCallback((notice: Notice) => notify(notice), []);
}

export function Toasts() {
  const list = useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => toasts,
  );
  if (!list.length) return null;
  return (
    <Box position="fixed" bottom={4} right={4} display="flex" flexDirection="column" gap={2} style={{ zIndex: 1000 }} role="status">
      {list.map((t) => (
        <Box
          key={t.id}
          padding={3}
          borderRadius={4}
          borderStyle="solid"
          borderWidth={1}
          borderColor={t.status === "error" ? "critical1" : "default1"}
          backgroundColor={t.status === "error" ? "critical1" : "default1"}
          boxShadow="defaultOverlay"
          style={{ minWidth: 240, maxWidth: 400 }}
        >
          {t.title && (
            <Text as="p" fontWeight="bold">
              {t.title}
            </Text>
          )}
          {t.text && <Text as="p">{t.text}</Text>}
        </Box>
      ))}
    </Box>
  );
}
