import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { TEST_CHANNELS, mockGraphQL, renderApp } from "../test/render";

describe("app shell", () => {
  it("shows the coupon and loyalty tabs only with MANAGE_DISCOUNTS", async () => {
    mockGraphQL({ CrmChannels: TEST_CHANNELS });
    renderApp("/segments", { permissions: ["MANAGE_USERS"] });
    const nav = await screen.findByRole("navigation", { name: "CRM pages" });
    expect(within(nav).getByText("Segments")).toBeTruthy();
    expect(within(nav).queryByText("Coupon rules")).toBeNull();
    expect(within(nav).queryByText("Loyalty")).toBeNull();
  });

  it("shows only the discount tabs with MANAGE_DISCOUNTS alone", async () => {
    mockGraphQL({ CrmChannels: TEST_CHANNELS });
    renderApp("/coupons", { permissions: ["MANAGE_DISCOUNTS"] });
    const nav = await screen.findByRole("navigation", { name: "CRM pages" });
    expect(within(nav).getAllByRole("link").map((a) => a.textContent)).toEqual(["Coupon rules", "Loyalty"]);
  });

  it("shows all tabs in Japanese with both permissions", async () => {
    mockGraphQL({ CrmChannels: TEST_CHANNELS });
    renderApp("/rfm", { locale: "ja" });
    const nav = await screen.findByRole("navigation", { name: "CRM ページ" });
    for (const label of ["概要", "セグメント", "クーポンルール", "ロイヤルティ", "RFM"]) {
      expect(within(nav).getByText(label)).toBeTruthy();
    }
  });

  it("asks for sign-in standalone without a session", async () => {
    mockGraphQL({});
    renderApp("/overview", { status: "signedOut", token: null, permissions: [] });
    expect(await screen.findByRole("button", { name: "Sign in" })).toBeTruthy();
  });

  it("sends the Bearer token and loads the channels", async () => {
    const calls = mockGraphQL({ CrmChannels: TEST_CHANNELS });
    renderApp("/overview");
    await waitFor(() => expect(calls.some((c) => c.operation === "CrmChannels")).toBe(true));
    const call = calls.find((c) => c.operation === "CrmChannels")!;
    expect(call.url).toBe("/graphql/");
    expect(call.headers.Authorization).toBe("Bearer test-token");
  });

  it("shows a not-found page for unknown routes", async () => {
    mockGraphQL({ CrmChannels: TEST_CHANNELS });
    renderApp("/nope");
    expect(await screen.findByText("Page not found")).toBeTruthy();
  });
});
