import { fireEvent, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { CUSTOMER_360 } from "../../../test/fixtures/customer";
import { TEST_CHANNELS, mockGraphQL, renderApp } from "../../../test/render";
import { customerIdsFromParams, tierProgress } from ".";

describe("customer widget", () => {
  it("shows tier, progress, points, RFM group, segments and coupons of the customer in one request", async () => {
    const calls = mockGraphQL({ CrmChannels: TEST_CHANNELS, CrmCustomer360: CUSTOMER_360 });
    renderApp("/widgets/customer?customerId=VXNlcjo0Mg%3D%3D&id=app&saleorApiUrl=x");
    const tier = await screen.findByTestId("tier");
    expect(tier.textContent).toContain("Silver");
    expect(tier.textContent).toContain("¥37,600 more to reach Gold");
    expect(within(tier).getByRole("progressbar").getAttribute("aria-valuenow")).toBe("75");
    expect(screen.getByTestId("points").textContent).toContain("1,840");
    expect(screen.getByTestId("rfm").textContent).toContain("Champions");
    expect(screen.getByTestId("segments").textContent).toContain("VIP 2026");
    const coupons = screen.getByTestId("coupons");
    expect(coupons.textContent).toContain("CRM-7KQ2-M9XD");
    expect(coupons.textContent).toContain("Open");
    expect(coupons.textContent).toContain("Used");
    const crmCalls = calls.filter((c) => c.url.includes("saleor-crm-plugin"));
    expect(crmCalls).toHaveLength(1);
    expect(crmCalls[0].variables).toEqual({ customerId: "VXNlcjo0Mg==" });
    // no tabs of the app pages inside a widget
    expect(screen.queryByRole("navigation")).toBeNull();
  });

  it("switches channel and renders in Japanese", async () => {
    mockGraphQL({ CrmChannels: TEST_CHANNELS, CrmCustomer360: CUSTOMER_360 });
    renderApp("/widgets/customer?customerId=VXNlcjo0Mg%3D%3D", { locale: "ja" });
    expect((await screen.findByTestId("tier")).textContent).toContain("Goldまであと￥37,600");
    expect(screen.getByTestId("rfm").textContent).toContain("優良顧客");
    fireEvent.click(screen.getByRole("tab", { name: "US store" }));
    expect(await screen.findByText("このチャネルには有効なロイヤルティプログラムがありません。")).toBeTruthy();
    expect(screen.getByTestId("profile").textContent).toContain("$42.50");
  });

  it("says so when the customer has no CRM data", async () => {
    mockGraphQL({ CrmChannels: TEST_CHANNELS, CrmCustomer360: { crmCustomer360: { customerId: "x", email: "a@b.c", channels: [] } } });
    renderApp("/widgets/customer?customerId=x");
    expect(await screen.findByText("No CRM data yet")).toBeTruthy();
  });

  it("shows an error state when the API refuses", async () => {
    mockGraphQL({ CrmChannels: TEST_CHANNELS, CrmCustomer360: () => new Error("You need one of the following permissions: MANAGE_USERS") });
    renderApp("/widgets/customer?customerId=x");
    expect((await screen.findByTestId("error-state")).textContent).toContain("You do not have the permission");
  });

  it("reads customer ids as the Dashboard passes them", () => {
    expect(customerIdsFromParams(new URLSearchParams("customerId=a"))).toEqual(["a"]);
    expect(customerIdsFromParams(new URLSearchParams("customerIds=a,b&customerIds=c"))).toEqual(["a", "b", "c"]);
    expect(customerIdsFromParams(new URLSearchParams(""))).toEqual([]);
  });

  it("computes the progress to the next tier", () => {
    const loyalty = CUSTOMER_360.crmCustomer360!.channels[0].loyalty!;
    expect(tierProgress(loyalty)).toBeCloseTo(0.749, 3);
    expect(tierProgress({ ...loyalty, nextTier: null })).toBeNull();
  });
});
