/**
 * The Dashboard side of AppBridge, played in jsdom: the app subscribes, sends notifyReady, takes
 * the token from the handshake, follows tokenRefresh, theme and locale events.
 */
import { ThemeProvider } from "@saleor/macaw-ui";
import { act, render, screen, waitFor } from "@testing-library/react";
import { MemoryRouter } from "react-router-dom";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { AppBody } from "../App";
import { crmRequest } from "../api/client";
import { OVERVIEW_DATA } from "../test/fixtures/overview";
import { TEST_CHANNELS, mockGraphQL } from "../test/render";
import { AuthProvider } from "./AuthProvider";
import { setBridgeForTests } from "./bridge";
import { getSession } from "./store";

vi.mock("./bridge", async (importOriginal) => {
  const real = await importOriginal<typeof import("./bridge")>();
  return { ...real, isInIframe: () => true };
});

const DASHBOARD = "https://dashboard.example.com";
const b64 = (o: object) => btoa(JSON.stringify(o)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const jwt = (claims: object) => `${b64({ alg: "RS256" })}.${b64(claims)}.sig`;

function fromDashboard(type: string, payload: object) {
  act(() => {
    window.dispatchEvent(new MessageEvent("message", { data: { type, payload }, origin: DASHBOARD }));
  });
}

describe("AppBridge session", () => {
  const posted: { type: string }[] = [];
  beforeEach(() => {
    setBridgeForTests(null);
    Object.defineProperty(document, "referrer", { value: `${DASHBOARD}/dashboard/customers/`, configurable: true });
    window.history.replaceState(null, "", "/?id=QXBwOjE=&saleorApiUrl=https%3A%2F%2Fshop.example.com%2Fgraphql%2F&theme=light&locale=en");
    vi.spyOn(window.parent, "postMessage").mockImplementation((msg: unknown) => {
      posted.push(msg as { type: string });
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
    setBridgeForTests(null);
    posted.length = 0;
  });

  it("waits for the handshake, then calls the API with the token; follows refresh, theme and locale", async () => {
    const calls = mockGraphQL({ CrmChannels: TEST_CHANNELS, CrmOverview: OVERVIEW_DATA });
    render(
      <ThemeProvider>
        <AuthProvider>
          <MemoryRouter initialEntries={["/overview"]}>
            <AppBody />
          </MemoryRouter>
        </AuthProvider>
      </ThemeProvider>,
    );
    // subscribed first, then notifyReady (the Dashboard answers it with a handshake)
    await waitFor(() => expect(posted.some((m) => m.type === "notifyReady")).toBe(true));
    expect(getSession().status).toBe("loading");
    expect(calls).toHaveLength(0);

    // the staff member holds both, the token (app ∩ user) only MANAGE_USERS
    const token = jwt({ email: "staff@example.com", permissions: ["MANAGE_USERS"], user_permissions: ["MANAGE_USERS", "MANAGE_DISCOUNTS"] });
    fromDashboard("handshake", { token, version: 1 });
    await screen.findByTestId("kpi-revenue");
    expect(getSession().permissions).toEqual(["MANAGE_USERS"]);
    expect(getSession().saleorApiUrl).toBe("https://shop.example.com/graphql/");
    const first = calls.find((c) => c.operation === "CrmOverview")!;
    expect(first.headers.Authorization).toBe(`Bearer ${token}`);
    // main API at the URL the Dashboard gave
    expect(calls.find((c) => c.operation === "CrmChannels")!.url).toBe("https://shop.example.com/graphql/");
    // no coupon tab without MANAGE_DISCOUNTS
    expect(screen.queryByText("Coupon rules")).toBeNull();
    // the route is reported to the Dashboard for deep links
    await waitFor(() => expect(posted.some((m) => m.type === "updateRouting")).toBe(true));
    expect(posted.find((m) => m.type === "updateRouting")).toMatchObject({ payload: { newRoute: "/overview" } });

    const refreshed = jwt({ email: "staff@example.com", permissions: ["MANAGE_USERS"], user_permissions: ["MANAGE_USERS"], n: 2 });
    fromDashboard("tokenRefresh", { token: refreshed });
    expect(getSession().token).toBe(refreshed);
    // later requests carry the new token
    await crmRequest("query CrmOverview { x }");
    expect(calls[calls.length - 1].headers.Authorization).toBe(`Bearer ${refreshed}`);

    fromDashboard("theme", { theme: "dark" });
    expect(getSession().theme).toBe("dark");

    fromDashboard("localeChanged", { locale: "ja" });
    expect(await screen.findByText("リピート購入率")).toBeTruthy();
  });

  it("ignores messages from another origin", async () => {
    mockGraphQL({ CrmChannels: TEST_CHANNELS });
    render(
      <AuthProvider>
        <span />
      </AuthProvider>,
    );
    await waitFor(() => expect(posted.some((m) => m.type === "notifyReady")).toBe(true));
    act(() => {
      window.dispatchEvent(new MessageEvent("message", { data: { type: "handshake", payload: { token: "evil", version: 1 } }, origin: "https://evil.example" }));
    });
    expect(getSession().token).toBeNull();
  });
});

describe("Dashboard redirect paths", () => {
  it("keeps only app page routes", async () => {
    const { appRouteFromDashboardPath } = await import("../shell/RouteSync");
    expect(appRouteFromDashboardPath("/segments/5", "QXBwOjE=")).toBe("/segments/5");
    expect(appRouteFromDashboardPath("/dashboard/extensions/app/QXBwOjE%3D/coupons/2?x=1", "QXBwOjE=")).toBe("/coupons/2");
    expect(appRouteFromDashboardPath("/extensions/app/QXBwOjE=/overview", "QXBwOjE=")).toBe("/overview");
    // widgets and popups get the Dashboard's own page: never a route of the app
    expect(appRouteFromDashboardPath("/customers/VXNlcjo0Mg==", "QXBwOjE=")).toBeNull();
    expect(appRouteFromDashboardPath("/extensions/app/QXBwOjE=", "QXBwOjE=")).toBeNull();
  });
});
