import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { CUSTOMER_360 } from "../../test/fixtures/customer";
import { TEST_CHANNELS, mockGraphQL, renderApp } from "../../test/render";
import { HAND_PICKED_RULE } from "./customers-to-segment";

describe("customer actions popup", () => {
  it("adjusts points with a reason and an idempotency key", async () => {
    const calls = mockGraphQL({
      CrmChannels: TEST_CHANNELS,
      CrmCustomer360: CUSTOMER_360,
      CrmPointsAdjust: { crmPointsAdjust: { points: { available: 1340, pending: 320, expiringSoon: 150 }, errors: [] } },
    });
    renderApp("/popups/customer-actions?customerId=VXNlcjo0Mg%3D%3D");
    const form = await screen.findByTestId("points-form");
    expect(form.textContent).toContain("Available 1,840");
    const submit = within(form).getByRole("button", { name: "Adjust points" });
    expect((submit as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(within(form).getByLabelText("Points"), { target: { value: "-500" } });
    fireEvent.change(within(form).getByLabelText(/Reason/), { target: { value: "Goodwill correction" } });
    expect(within(form).getByRole("button", { name: "Take 500 points" })).toBeTruthy();
    fireEvent.click(within(form).getByRole("button", { name: "Take 500 points" }));
    await waitFor(() => expect(calls.some((c) => c.operation === "CrmPointsAdjust")).toBe(true));
    const call = calls.find((c) => c.operation === "CrmPointsAdjust")!;
    expect(call.variables).toMatchObject({ channel: "default-channel", customerId: "VXNlcjo0Mg==", points: -500, reason: "Goodwill correction" });
    expect(typeof call.variables.idempotencyKey).toBe("string");
    expect(await screen.findByText("Points adjusted: 1,340 available now")).toBeTruthy();
  });

  it("shows a typed error of the API in Japanese", async () => {
    mockGraphQL({
      CrmChannels: TEST_CHANNELS,
      CrmCustomer360: CUSTOMER_360,
      CrmPointsAdjust: { crmPointsAdjust: { points: null, errors: [{ field: "points", code: "INSUFFICIENT_POINTS", message: "Only 1840 points." }] } },
    });
    renderApp("/popups/customer-actions?customerId=VXNlcjo0Mg%3D%3D", { locale: "ja" });
    const form = await screen.findByTestId("points-form");
    fireEvent.change(within(form).getByLabelText("ポイント"), { target: { value: "-5000" } });
    fireEvent.change(within(form).getByLabelText(/理由/), { target: { value: "x" } });
    fireEvent.click(within(form).getByRole("button", { name: "5,000ポイントを減算" }));
    expect(await within(form).findByText("顧客のポイントが不足しています。")).toBeTruthy();
  });

  it("sets a tier override", async () => {
    const calls = mockGraphQL({
      CrmChannels: TEST_CHANNELS,
      CrmCustomer360: CUSTOMER_360,
      CrmTierOverride: { crmTierOverride: { tier: { id: "x", name: "Bronze" }, errors: [] } },
    });
    renderApp("/popups/customer-actions?customerId=VXNlcjo0Mg%3D%3D");
    const form = await screen.findByTestId("tier-form");
    expect(form.textContent).toContain("Now: Silver (earned: Silver)");
    fireEvent.change(within(form).getByLabelText(/Reason/), { target: { value: "VIP event" } });
    // without an override there is nothing to clear: the current tier is preselected
    fireEvent.click(within(form).getByRole("button", { name: "Set tier" }));
    await waitFor(() => expect(calls.some((c) => c.operation === "CrmTierOverride")).toBe(true));
    expect(calls.find((c) => c.operation === "CrmTierOverride")!.variables).toMatchObject({ tierId: "VGllcjoy", reason: "VIP event", expiresAt: null });
  });

  it("offers to clear an existing override", async () => {
    const ch = CUSTOMER_360.crmCustomer360!.channels[0];
    const gold = ch.loyalty!.nextTier!;
    const withOverride = {
      crmCustomer360: {
        ...CUSTOMER_360.crmCustomer360!,
        channels: [{ ...ch, loyalty: { ...ch.loyalty!, tier: gold, override: { tier: gold, reason: "VIP", expiresAt: "2027-01-31T14:59:59+00:00" } } }],
      },
    };
    const calls = mockGraphQL({
      CrmChannels: TEST_CHANNELS,
      CrmCustomer360: withOverride,
      CrmTierOverride: { crmTierOverride: { tier: { id: "VGllcjoy", name: "Silver" }, errors: [] } },
    });
    renderApp("/popups/customer-actions?customerId=VXNlcjo0Mg%3D%3D");
    const form = await screen.findByTestId("tier-form");
    expect(form.textContent).toContain("Set by staff until Jan 31, 2027");
    fireEvent.change(within(form).getByLabelText(/Reason/), { target: { value: "Event over" } });
    fireEvent.click(within(form).getByRole("combobox"));
    fireEvent.click(await screen.findByRole("option", { name: "No override (earned tier applies)" }));
    fireEvent.click(within(form).getByRole("button", { name: "Clear the override" }));
    await waitFor(() => expect(calls.some((c) => c.operation === "CrmTierOverride")).toBe(true));
    expect(calls.find((c) => c.operation === "CrmTierOverride")!.variables).toMatchObject({ tierId: null, reason: "Event over", expiresAt: null });
  });

  it("is read-only without MANAGE_USERS", async () => {
    const calls = mockGraphQL({ CrmChannels: TEST_CHANNELS, CrmCustomer360: CUSTOMER_360 });
    renderApp("/popups/customer-actions?customerId=VXNlcjo0Mg%3D%3D", { permissions: ["MANAGE_DISCOUNTS"] });
    expect(await screen.findByText(/missing permission MANAGE_USERS/)).toBeTruthy();
    expect(screen.queryByTestId("points-form")).toBeNull();
    expect(calls.some((c) => c.operation === "CrmPointsAdjust")).toBe(false);
  });
});

describe("customers to segment popup", () => {
  it("adds the selected customers to a static segment and reports skipped ones", async () => {
    const calls = mockGraphQL({
      CrmChannels: TEST_CHANNELS,
      CrmStaticSegments: { crmSegments: { edges: [{ node: { id: "U2VnbWVudDo3", name: "Coffee lovers", channel: "default-channel", membersCount: 12 } }] } },
      CrmSegmentMembersAdd: {
        crmSegmentMembersAdd: { segment: { id: "U2VnbWVudDo3", name: "Coffee lovers", membersCount: 14 }, added: 2, skippedCustomerIds: ["c"], errors: [] },
      },
    });
    renderApp("/popups/customers-to-segment?customerIds=a,b,c");
    expect(await screen.findByText("3 customers selected")).toBeTruthy();
    fireEvent.click(await screen.findByRole("button", { name: "Add 3 customers" }));
    const result = await screen.findByTestId("to-segment-result");
    expect(result.textContent).toContain("2 added to “Coffee lovers”.");
    expect(result.textContent).toContain("1 skipped");
    expect(calls.find((c) => c.operation === "CrmSegmentMembersAdd")!.variables).toEqual({ id: "U2VnbWVudDo3", customerIds: ["a", "b", "c"] });
  });

  it("creates a hand-picked static segment when there is none", async () => {
    const calls = mockGraphQL({
      CrmChannels: TEST_CHANNELS,
      CrmStaticSegments: { crmSegments: { edges: [] } },
      CrmStaticSegmentCreate: { crmSegmentCreate: { segment: { id: "U2VnbWVudDo5", name: "Event guests" }, errors: [] } },
      CrmSegmentMembersAdd: { crmSegmentMembersAdd: { segment: { id: "U2VnbWVudDo5", name: "Event guests", membersCount: 1 }, added: 1, skippedCustomerIds: [], errors: [] } },
    });
    renderApp("/popups/customers-to-segment?customerId=a", { locale: "ja" });
    fireEvent.change(await screen.findByLabelText("新しいセグメントの名前"), { target: { value: "Event guests" } });
    fireEvent.click(screen.getByRole("button", { name: "1人を追加" }));
    expect((await screen.findByTestId("to-segment-result")).textContent).toContain("「Event guests」に1人を追加しました。");
    expect(calls.find((c) => c.operation === "CrmStaticSegmentCreate")!.variables).toEqual({
      input: { name: "Event guests", channel: "default-channel", kind: "STATIC", rule: HAND_PICKED_RULE },
    });
    expect(calls.find((c) => c.operation === "CrmSegmentMembersAdd")!.variables).toEqual({ id: "U2VnbWVudDo5", customerIds: ["a"] });
  });
});
