/**
 * Test helpers: render a screen signed in, with a mocked fetch answering GraphQL by operation.
 *
 *   mockGraphQL({ CrmChannels: { channels: [...] }, CrmOverviewKpis: (vars) => ({...}) });
 *   renderApp("/overview", { permissions: ["MANAGE_USERS"], locale: "ja" });
 *   renderWithSession(<MyComponent />, { locale: "ja" });
 */
import { ThemeProvider } from "@saleor/macaw-ui";
import { render } from "@testing-library/react";
import type { ReactElement } from "react";
import { MemoryRouter, useLocation } from "react-router-dom";
import { vi } from "vitest";

import { AppBody } from "../App";
import { AuthProvider } from "../auth/AuthProvider";
import { type Session, setSession } from "../auth/store";

export type Resolver = object | ((variables: Record<string, unknown>) => unknown);

export interface RecordedCall {
  url: string;
  operation: string;
  variables: Record<string, unknown>;
  headers: Record<string, string>;
}

/** Replace fetch: answers `{data: resolvers[operationName]}`; unknown operations fail the test loudly. */
export function mockGraphQL(resolvers: Record<string, Resolver>): RecordedCall[] {
  const calls: RecordedCall[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (url: string, init: RequestInit) => {
      const body = JSON.parse(String(init.body));
      const op = /(?:query|mutation)\s+(\w+)/.exec(body.query)?.[1] ?? "";
      calls.push({ url, operation: op, variables: body.variables, headers: init.headers as Record<string, string> });
      const r = resolvers[op];
      if (r === undefined) {
        return new Response(JSON.stringify({ errors: [{ message: `no mock for ${op}` }] }), { status: 200 });
      }
      const data = typeof r === "function" ? r(body.variables) : r;
      if (data instanceof Error) {
        return new Response(JSON.stringify({ errors: [{ message: data.message }] }), { status: 200 });
      }
      return new Response(JSON.stringify({ data }), { status: 200, headers: { "Content-Type": "application/json" } });
    }),
  );
  return calls;
}

export { TEST_CHANNELS } from "./fixtures/channels";

/** Renders the router's current path + query (read it with screen.getByTestId("location").textContent). */
export function LocationProbe() {
  const { pathname, search } = useLocation();
  return (
    <span data-testid="location" hidden>
      {pathname + search}
    </span>
  );
}

export function signIn(patch: Partial<Session> = {}) {
  setSession({
    mode: "standalone",
    status: "ready",
    token: "test-token",
    permissions: ["MANAGE_USERS", "MANAGE_DISCOUNTS"],
    locale: "en",
    email: "staff@example.com",
    ...patch,
  });
}

export function renderApp(path: string, patch: Partial<Session> = {}) {
  signIn(patch);
  return render(
    <ThemeProvider>
      <AuthProvider start={false}>
        <MemoryRouter initialEntries={[path]}>
          <AppBody />
          <LocationProbe />
        </MemoryRouter>
      </AuthProvider>
    </ThemeProvider>,
  );
}

export function renderWithSession(ui: ReactElement, patch: Partial<Session> = {}, path = "/") {
  signIn(patch);
  return render(
    <ThemeProvider>
      <AuthProvider start={false}>
        <MemoryRouter initialEntries={[path]}>
          {ui}
          <LocationProbe />
        </MemoryRouter>
      </AuthProvider>
    </ThemeProvider>,
  );
}
