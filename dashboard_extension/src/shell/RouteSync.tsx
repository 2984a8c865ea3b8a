/**
 * Deep links inside the Dashboard: after each navigation the app tells the Dashboard its route
 * (AppBridge `updateRouting`), so the Dashboard URL becomes /extensions/app/<id>/<route> and a
 * reload opens the iframe at appUrl + <route>. The Dashboard's `redirect` event navigates here.
 */
import { actions } from "@saleor/app-sdk/app-bridge";
import { useEffect } from "react";
import { useLocation, useNavigate } from "react-router-dom";

import { useSession } from "../auth/AuthProvider";

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

  useEffect(() => {
    if (mode !== "iframe" || !bridge) return;
    return bridge.subscribe("redirect", ({ path }) => {
      if (path.startsWith("/")) navigate(path);
    });
  }, [bridge, mode, navigate]);

  return null;
}
