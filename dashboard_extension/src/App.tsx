import { Box, ThemeProvider, useTheme } from "@saleor/macaw-ui";
import { type ReactNode, Suspense, useEffect } from "react";
import { BrowserRouter, Navigate, Outlet, Route, Routes } from "react-router-dom";

import { Toasts } from "./api/notify";
import { AuthProvider, useSession } from "./auth/AuthProvider";
import { SignIn } from "./auth/SignIn";
import { ChannelProvider } from "./components/channel";
import { Empty, Loading } from "./components/states";
import { useT } from "./i18n";
import * as R from "./routes";
import { Nav } from "./shell/Nav";
import { RouteSync } from "./shell/RouteSync";
import { StandaloneToolbar } from "./shell/Toolbar";

function ThemeSync() {
  const { theme } = useSession();
  const { setTheme } = useTheme();
  useEffect(() => {
    setTheme(theme === "dark" ? "defaultDark" : "defaultLight");
    document.documentElement.style.colorScheme = theme;
  }, [theme, setTheme]);
  return null;
}

/** Pages: tabs + content, with padding like the Dashboard's pages. */
function PageLayout() {
  const { mode } = useSession();
  return (
    <Box padding={6} style={{ maxWidth: 1400, margin: "0 auto" }}>
      {mode === "standalone" && <StandaloneToolbar />}
      <Nav />
      <Suspense fallback={<Loading rows={5} />}>
        <Outlet />
      </Suspense>
    </Box>
  );
}

/** Widgets and popups: no tabs, compact. */
function BareLayout() {
  return (
    <Suspense fallback={<Loading rows={2} />}>
      <Outlet />
    </Suspense>
  );
}

function NotFound() {
  const t = useT("common");
  return <Empty title={t("notFound.title")} text={t("notFound.text")} />;
}

function Gate({ children }: { children: ReactNode }) {
  const { status, mode } = useSession();
  if (status === "signedOut" && mode === "standalone") return <SignIn />;
  if (status !== "ready") return <Loading rows={4} />;
  return <>{children}</>;
}

export function AppRoutes() {
  return (
    <Routes>
      <Route element={<BareLayout />}>
        <Route path="widgets/customer" element={<R.CustomerWidget />} />
        <Route path="widgets/home" element={<R.HomeWidget />} />
        <Route path="popups/customer-actions" element={<R.CustomerActionsPopup />} />
        <Route path="popups/customers-to-segment" element={<R.CustomersToSegmentPopup />} />
      </Route>
      <Route element={<PageLayout />}>
        <Route index element={<R.Overview />} />
        <Route path="overview" element={<R.Overview />} />
        <Route path="segments/*" element={<R.Segments />} />
        <Route path="coupons/*" element={<R.Coupons />} />
        <Route path="loyalty/*" element={<R.Loyalty />} />
        <Route path="rfm/*" element={<R.Rfm />} />
        <Route path="index.html" element={<Navigate to="/" replace />} />
        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}

/** Everything below the session: channel, routes, toasts (also used by tests with a MemoryRouter). */
export function AppBody() {
  const { theme } = useSession();
  return (
    <Box backgroundColor="default1" color="default1" style={{ minHeight: "100vh" }} data-theme={theme}>
      <Gate>
        <ChannelProvider>
          <RouteSync />
          <AppRoutes />
        </ChannelProvider>
      </Gate>
      <Toasts />
    </Box>
  );
}

export function App() {
  return (
    <ThemeProvider>
      <AuthProvider>
        <ThemeSync />
        <BrowserRouter basename={R.BASENAME}>
          <AppBody />
        </BrowserRouter>
      </AuthProvider>
    </ThemeProvider>
  );
}
