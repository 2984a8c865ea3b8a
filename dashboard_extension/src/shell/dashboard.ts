/**
 * Links out of the app into the Saleor Dashboard, and into app pages from widgets / popups.
 *
 *   const go = useDashboardNavigation();
 *   go.customer(customerId)        // the Dashboard's customer page
 *   go.appRoute("/segments/123")   // an app page (from a widget: the Dashboard opens the app there)
 *   customerUrl(id)                // href for <a> (standalone: the Dashboard is not around -> null)
 */
import { actions } from "@saleor/app-sdk/app-bridge";
import { useCallback, useMemo } from "react";
import { useNavigate } from "react-router-dom";

import { getSession } from "../auth/store";

/** The Dashboard path of an app route: /extensions/app/<appId>/<route>. */
export function dashboardAppPath(appId: string, route: string): string {
  return `/extensions/app/${encodeURIComponent(appId)}${route.startsWith("/") ? route : `/${route}`}`;
}

export function dashboardCustomerPath(customerId: string): string {
  return `/customers/${encodeURIComponent(customerId)}`;
}

export function useDashboardNavigation() {
  const navigate = useNavigate();
  const redirect = useCallback((to: string, newContext = false) => {
    const { bridge } = getSession();
    if (bridge) return bridge.dispatch(actions.Redirect({ to, newContext })).catch(() => undefined);
    return Promise.resolve(undefined);
  }, []);
  return useMemo(
    () => ({
      /** The Dashboard's page of a customer (iframe only; no-op standalone). */
      customer: (customerId: string, newContext = false) => redirect(dashboardCustomerPath(customerId), newContext),
      /** An app page: inside a page, client-side; from a widget/popup, through the Dashboard. */
      appRoute: (route: string) => {
        const { mode, appId } = getSession();
        const inPage = !window.location.pathname.includes("/widgets/") && !window.location.pathname.includes("/popups/");
        if (mode === "iframe" && appId && !inPage) return redirect(dashboardAppPath(appId, route));
        navigate(route);
        return Promise.resolve(undefined);
      },
    }),
    [navigate, redirect],
  );
}
