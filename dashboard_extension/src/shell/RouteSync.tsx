/**
 * Deep links inside the Dashboard: after each navigation the app tells the Dashboard its route
 * (AppBridge `updateRouting`), so the Dashboard URL becomes /extensions/app/<id>/<route> and a
 * reload opens the iframe at appUrl + <route>. The Dashboard's `redirect` event navigates here.
 */
import { actions } from "@saleor/app-sdk/app-bridge";
import { useEffect } from "react";
import { useLocation, useNavigate } from "react-router-dom";

import { useSession } from "../auth/AuthProvider";

const APP_ROUTE = /^\/(overview|segments|coupons|loyalty|rfm)(\/|$)/;

/**
 * The app route in a path the Dashboard sends with its `redirect` event: that path is the
 * Dashboard URL with /extensions/app/<id> stripped — but for widgets and popups (and when the
 * stripping does not match) it is a Dashboard path such as /customers/<id>. Only an app page
 * route is returned; anything else is null (ignored).
 */
export function appRouteFromDashboardPath(path: string, appId: string | null): string | null {
  let p = path.split("?")[0].split("#")[0];
  const markers = appId ? [`/extensions/app/${encodeURIComponent(appId)}`, `/extensions/app/${appId}`, `/apps/${encodeURIComponent(appId)}/app`] : [];
  for (const m of markers) {
    const i = p.indexOf(m);
    if (i >= 0) {
      p = p.slice(i + m.length) || "/";
      break;
    }
  }
  return APP_ROUTE.test(p) ? p : null;
}

export function RouteSync() {
  const { pathname, search } = useLocation();
  const navigate = useNavigate();
  const { bridge, mode, status } = useSession();

  useEffect(() => {
    if (mode !== "iframe" || !bridge || status !== "ready") return;
    // widgets and popups are mounted elsewhere in the Dashboard: they must not move its URL
    if (pathname.startsWith("/widgets/") || pathname.startsWith("/popups/")) return;
    const params = new URLSearchParams(search);
    // the Dashboard's own iframe parameters are not part of the app route
    ["id", "saleorApiUrl", "domain", "theme", "locale", "appParams"].forEach((k) => params.delete(k));
    const q = params.toString();
    bridge.dispatch(actions.UpdateRouting({ newRoute: pathname + (q ? `?${q}` : "") })).catch(() => undefined);
  }, [pathname, search, bridge, mode, status]);

  const { appId } = useSession();
  const current = useLocation().pathname;
  useEffect(() => {
    if (mode !== "iframe" || !bridge) return;
    if (current.startsWith("/widgets/") || current.startsWith("/popups/")) return;
    return bridge.subscribe("redirect", ({ path }) => {
      const route = appRouteFromDashboardPath(path, appId);
      if (route && route !== current) navigate(route);
    });
  }, [bridge, mode, navigate, appId, current]);

  return null;
}
