/** Standalone mode: sign-in with Saleor's tokenCreate, me{userPermissions}, token refresh. */
import { ThemeProvider } from "@saleor/macaw-ui";
import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { MemoryRouter } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";

import { AppBody } from "../App";
import { crmRequest } from "../api/client";
import { OVERVIEW_DATA } from "../test/fixtures/overview";
import { TEST_CHANNELS, mockGraphQL } from "../test/render";
import { AuthProvider } from "./AuthProvider";
import { msUntilRefresh } from "./standalone";
import { getSession } from "./store";

const b64 = (o: object) => btoa(JSON.stringify(o)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const jwt = (claims: object) => `${b64({ alg: "RS256" })}.${b64(claims)}.sig`;

function renderStandalone() {
  return render(
    <ThemeProvider>
      <AuthProvider>
        <MemoryRouter initialEntries={["/overview"]}>
          <AppBody />
        </MemoryRouter>
      </AuthProvider>
    </ThemeProvider>,
  );
}

afterEach(() => vi.unstubAllGlobals());

describe("standalone sign-in", () => {
  it("signs in with tokenCreate, reads the permissions from me and keeps the tokens in sessionStorage", async () => {
    const token = jwt({ exp: Math.floor(Date.now() / 1000) + 300 });
    const calls = mockGraphQL({
      CrmTokenCreate: { tokenCreate: { token, refreshToken: "refresh-1", errors: [] } },
      CrmMe: { me: { email: "staff@example.com", isStaff: true, userPermissions: [{ code: "MANAGE_USERS" }] } },
      CrmChannels: TEST_CHANNELS,
      CrmOverview: OVERVIEW_DATA,
    });
    renderStandalone();
    fireEvent.change(await screen.findByLabelText("E-mail"), { target: { value: "staff@example.com" } });
    fireEvent.change(screen.getByLabelText("Password"), { target: { value: "secret" } });
    fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByTestId("kpi-revenue")).toBeTruthy();
    expect(calls.find((c) => c.operation === "CrmTokenCreate")).toMatchObject({ url: "/graphql/", variables: { email: "staff@example.com", password: "secret" } });
    expect(getSession().permissions).toEqual(["MANAGE_USERS"]);
    expect(sessionStorage.getItem("saleor-crm.token")).toBe(token);
    expect(sessionStorage.getItem("saleor-crm.refreshToken")).toBe("refresh-1");
    // the standalone toolbar offers the language switch
    fireEvent.click(screen.getByRole("button", { name: "日本語" }));
    expect(await screen.findByText("リピート購入率")).toBeTruthy();
    expect(localStorage.getItem("saleor-crm.locale")).toBe("ja");
  });

  it("refuses wrong credentials and non-staff accounts with a message", async () => {
    mockGraphQL({
      CrmTokenCreate: (v) =>
        v.password === "wrong"
          ? { tokenCreate: { token: null, refreshToken: null, errors: [{ field: "email", code: "INVALID_CREDENTIALS", message: "Please, enter valid credentials" }] } }
          : { tokenCreate: { token: jwt({}), refreshToken: "r", errors: [] } },
      CrmMe: { me: { email: "shopper@example.com", isStaff: false, userPermissions: [] } },
    });
    renderStandalone();
    fireEvent.change(await screen.findByLabelText("E-mail"), { target: { value: "a@b.c" } });
    fireEvent.change(screen.getByLabelText("Password"), { target: { value: "wrong" } });
    fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByText("The e-mail or password is not correct.")).toBeTruthy();
    fireEvent.change(screen.getByLabelText("Password"), { target: { value: "right" } });
    fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByText("This account is not a staff member of the shop.")).toBeTruthy();
    expect(getSession().status).toBe("signedOut");
  });

  it("resumes a stored session and refreshes an expired token once", async () => {
    const fresh = jwt({ exp: Math.floor(Date.now() / 1000) + 300, n: 2 });
    sessionStorage.setItem("saleor-crm.token", "expired");
    sessionStorage.setItem("saleor-crm.refreshToken", "refresh-1");
    const calls = mockGraphQL({
      CrmMe: { me: { email: "staff@example.com", isStaff: true, userPermissions: [{ code: "MANAGE_USERS" }, { code: "MANAGE_DISCOUNTS" }] } },
      CrmTokenRefresh: { tokenRefresh: { token: fresh, errors: [] } },
      CrmChannels: TEST_CHANNELS,
      CrmOverview: OVERVIEW_DATA,
      CrmX: () => new Error("Signature has expired"),
    });
    renderStandalone();
    expect(await screen.findByTestId("kpi-revenue")).toBeTruthy();
    expect(getSession().permissions).toContain("MANAGE_DISCOUNTS");
    // an API call answered "expired" is retried once after tokenRefresh
    await expect(crmRequest("query CrmX { x }")).rejects.toMatchObject({ code: "TOKEN_EXPIRED" });
    await waitFor(() => expect(calls.filter((c) => c.operation === "CrmTokenRefresh").length).toBeGreaterThan(0));
    expect(getSession().token).toBe(fresh);
    expect(calls.filter((c) => c.operation === "CrmX")).toHaveLength(2);
  });

  it("schedules the refresh 30 s before the token expires", () => {
    const now = Date.now();
    expect(msUntilRefresh(jwt({ exp: Math.floor(now / 1000) + 300 }), now)).toBeGreaterThan(269_000);
    expect(msUntilRefresh(jwt({ exp: Math.floor(now / 1000) + 10 }), now)).toBe(0);
    expect(msUntilRefresh("not-a-jwt", now)).toBeNull();
  });
});
