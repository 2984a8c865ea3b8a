/** Common frame of the popups: title, body, a Close button (AppBridge popupClose in the Dashboard). */
import { actions } from "@saleor/app-sdk/app-bridge";
import { Box, Button, Text } from "@saleor/macaw-ui";
import type { ReactNode } from "react";

import { useSession } from "../../auth/AuthProvider";
import { useT } from "../../i18n";

export function closePopup(bridge: ReturnType<typeof useSession>["bridge"]) {
  if (bridge) void bridge.dispatch(actions.PopupClose()).catch(() => undefined);
}

export function PopupFrame({ title, subtitle, children }: { title: string; subtitle?: ReactNode; children: ReactNode }) {
  const tc = useT("common");
  const { bridge, mode } = useSession();
  return (
    <Box padding={6} display="flex" flexDirection="column" gap={4} style={{ maxWidth: 720, margin: "0 auto" }}>
      <Box display="flex" justifyContent="space-between" alignItems="flex-start" gap={3}>
        <Box display="flex" flexDirection="column" gap={1}>
          <Text as="h1" size={7} fontWeight="bold">
            {title}
          </Text>
          {subtitle && <Text color="default2">{subtitle}</Text>}
        </Box>
        {mode === "iframe" && (
          <Button variant="tertiary" onClick={() => closePopup(bridge)}>
            {tc("close")}
          </Button>
        )}
      </Box>
      {children}
    </Box>
  );
}
