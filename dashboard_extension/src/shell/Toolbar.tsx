/** Standalone-only controls: locale, theme, sign out (in the Dashboard these follow the Dashboard). */
import { Box, Button, Text } from "@saleor/macaw-ui";
import { LogOut, Moon, Sun } from "lucide-react";

import { useSession, useSessionActions } from "../auth/AuthProvider";
import { useT } from "../i18n";

export function LocaleSwitch() {
  const { locale } = useSession();
  const { setLocale } = useSessionActions();
  const t = useT("common");
  return (
    <Box display="flex" gap={1} role="group" aria-label={t("language")}>
      {(["en", "ja"] as const).map((l) => (
        <Button key={l} size="small" variant={locale === l ? "primary" : "tertiary"} onClick={() => setLocale(l)} aria-pressed={locale === l}>
          {l === "en" ? "English" : "日本語"}
        </Button>
      ))}
    </Box>
  );
}

export function StandaloneToolbar() {
  const t = useT("common");
  const { theme, email } = useSession();
  const { setTheme, signOut } = useSessionActions();
  return (
    <Box display="flex" gap={3} alignItems="center" justifyContent="flex-end" flexWrap="wrap">
      {email && (
        <Text size={2} color="default2">
          {email}
        </Text>
      )}
      <LocaleSwitch />
      <Button
        size="small"
        variant="tertiary"
        onClick={() => setTheme(theme === "dark" ? "light" : "dark")}
        aria-label={t("theme.toggle")}
        title={t("theme.toggle")}
        icon={theme === "dark" ? <Sun size={16} /> : <Moon size={16} />}
      />
      <Button size="small" variant="tertiary" onClick={signOut} icon={<LogOut size={16} />}>
        {t("signOut")}
      </Button>
    </Box>
  );
}
