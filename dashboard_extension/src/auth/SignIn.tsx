/** Standalone sign-in (outside the Dashboard): Saleor staff e-mail and password. */
import { Box, Button, Input, Text } from "@saleor/macaw-ui";
import { type FormEvent, useState } from "react";

import { errorMessage } from "../api/errors";
import { useT } from "../i18n";
import { LocaleSwitch } from "../shell/Toolbar";
import { useSession, useSessionActions } from "./AuthProvider";
import { SignInError } from "./standalone";

export function SignIn() {
  const t = useT("common");
  const { locale } = useSession();
  const { signIn } = useSessionActions();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(email, password);
    } catch (err) {
      if (err instanceof SignInError) {
        setError(err.code === "NOT_STAFF" ? t("signIn.notStaff") : t("signIn.invalid"));
      } else setError(errorMessage(locale, err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Box display="flex" justifyContent="center" alignItems="center" style={{ minHeight: "100vh" }} backgroundColor="default2">
      <Box
        as="form"
        onSubmit={submit}
        display="flex"
        flexDirection="column"
        gap={4}
        padding={8}
        borderRadius={4}
        borderStyle="solid"
        borderWidth={1}
        borderColor="default1"
        backgroundColor="default1"
        style={{ width: 380 }}
        aria-label={t("signIn.title")}
      >
        <Box display="flex" justifyContent="space-between" alignItems="center">
          <Text as="h1" size={7} fontWeight="bold">
            {t("signIn.title")}
          </Text>
          <LocaleSwitch />
        </Box>
        <Text color="default2">{t("signIn.help")}</Text>
        <Input label={t("signIn.email")} type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
        <Input
          label={t("signIn.password")}
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        {error && (
          <Text color="critical1" role="alert">
            {error}
          </Text>
        )}
        <Button type="submit" disabled={busy}>
          {busy ? t("signIn.busy") : t("signIn.submit")}
        </Button>
      </Box>
    </Box>
  );
}
