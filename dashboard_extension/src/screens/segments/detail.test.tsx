import { configure, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";

import { TEST_CHANNELS, mockGraphQL, renderApp } from "../../test/render";
import apiFields from "./__fixtures__/crmSegmentFields.json";
import { parseCustomerIds } from "./SegmentDetail";

vi.setConfig({ testTimeout: 30000 });
configure({ asyncUtilTimeout: 8000 });

const SEGMENT = {
  id: "Q1JNU2VnbWVudDo0",
  name: "Spring mailing",
  description: "",
  channel: "default-channel",
  kind: "STATIC",
  preset: null,
  membersCount: 1,
  computedAt: "2026-11-20T09:00:00Z",
  rule: { and: [{ field: "orders_count", op: "lt", value: 0 }] },
  presetParams: {},
};
const EMPTY_PAGE = { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null };
const MEMBER = {
  id: "m1",
  channel: "default-channel",
  customerId: "VXNlcjoxMQ==",
  email: "hanako@example.jp",
  firstName: "Hanako",
  lastName: "Yamada",
  currency: "JPY",
  paidOrdersCount: 2,
  netSpent: { amount: 5000, currency: "JPY" },
  lastOrderAt: null,
  rfmGroup: null,
};

function mocks(extra: Record<string, unknown> = {}) {
  return mockGraphQL({
    CrmChannels: TEST_CHANNELS,
    CrmSegmentCatalogue: apiFields.data,
    CrmSegmentPresets: { crmSegmentPresets: [] },
    CrmSegment: { crmSegment: SEGMENT },
    CrmSegmentPreview: { crmSegmentPreview: { result: { count: 0, total: 10, share: 0 }, errors: [] } },
    CrmSegmentMembers: {
      crmSegment: { id: SEGMENT.id, membersCount: 1, members: { edges: [{ node: MEMBER }], pageInfo: EMPTY_PAGE, totalCount: 1 } },
    },
    ...extra,
  });
}

describe("static segment members", () => {
  it("adds customers by ID (IDs, numbers and pasted Dashboard URLs) and reports the skipped ones", async () => {
    const calls = mocks({
      CrmSegmentMembersAdd: {
        crmSegmentMembersAdd: { segment: { id: SEGMENT.id, membersCount: 3 }, added: 2, skippedCustomerIds: ["VXNlcjoxMw=="], errors: [] },
      },
    });
    renderApp(`/segments/${SEGMENT.id}?tab=members`);
    const input = await screen.findByTestId("add-members-input");
    fireEvent.change(input, {
      target: { value: "VXNlcjoxMg==, 13\nhttps://shop.example.com/dashboard/customers/VXNlcjoxNA%3D%3D?tab=x" },
    });
    fireEvent.click(screen.getByRole("button", { name: "Add" }));
    await waitFor(() => expect(calls.some((c) => c.operation === "CrmSegmentMembersAdd")).toBe(true));
    const add = calls.find((c) => c.operation === "CrmSegmentMembersAdd")!;
    expect(add.variables).toEqual({ id: SEGMENT.id, customerIds: ["VXNlcjoxMg==", "VXNlcjoxMw==", "VXNlcjoxNA=="] });
    expect(await screen.findByText("2 customers added")).toBeTruthy();
    expect(screen.getByText("1 customer has no order in this segment's channel yet and was left out.")).toBeTruthy();
    // the list is read again
    await waitFor(() => expect(calls.filter((c) => c.operation === "CrmSegmentMembers").length).toBeGreaterThan(1));
  });

  it("shows the API's typed error under the input", async () => {
    mocks({
      CrmSegmentMembersAdd: {
        crmSegmentMembersAdd: {
          segment: null,
          added: 0,
          skippedCustomerIds: [],
          errors: [{ field: "customerIds", code: "NOT_FOUND", message: "No customer with the ID VXNlcjo5OTk=." }],
        },
      },
    });
    renderApp(`/segments/${SEGMENT.id}?tab=members`);
    fireEvent.change(await screen.findByTestId("add-members-input"), { target: { value: "999" } });
    fireEvent.click(screen.getByRole("button", { name: "Add" }));
    expect(await screen.findByText("It does not exist (any more). No customer with the ID VXNlcjo5OTk=.")).toBeTruthy();
  });

  it("removes a member", async () => {
    const calls = mocks({
      CrmSegmentMembersRemove: { crmSegmentMembersRemove: { segment: { id: SEGMENT.id, membersCount: 0 }, removed: 1, errors: [] } },
    });
    renderApp(`/segments/${SEGMENT.id}?tab=members`);
    const table = await screen.findByTestId("members-table");
    fireEvent.click(within(table).getByRole("button", { name: "Remove from segment" }));
    await waitFor(() => expect(calls.some((c) => c.operation === "CrmSegmentMembersRemove")).toBe(true));
    expect(calls.find((c) => c.operation === "CrmSegmentMembersRemove")!.variables).toEqual({
      id: SEGMENT.id,
      customerIds: [MEMBER.customerId],
    });
    expect(await screen.findByText("1 customer removed")).toBeTruthy();
  });

  it("reads customer IDs as typed", () => {
    expect(parseCustomerIds(" 12 ; VXNlcjox,VXNlcjox\n")).toEqual([btoa("User:12"), "VXNlcjox"]);
    expect(parseCustomerIds("")).toEqual([]);
  });
});

describe("segment actions", () => {
  it("refreshes and tells who entered and left", async () => {
    const calls = mocks({
      CrmSegmentRefresh: { crmSegmentRefresh: { segment: SEGMENT, entered: 3, exited: 1, errors: [] } },
    });
    renderApp(`/segments/${SEGMENT.id}`);
    fireEvent.click(await screen.findByTestId("refresh"));
    expect(await screen.findByText("Refreshed: 3 entered, 1 left")).toBeTruthy();
    expect(calls.find((c) => c.operation === "CrmSegmentRefresh")!.variables).toEqual({ id: SEGMENT.id });
  });

  it("deletes after confirming and returns to the list", async () => {
    const calls = mocks({
      CrmSegmentDelete: { crmSegmentDelete: { segment: { id: SEGMENT.id }, errors: [] } },
      CrmSegments: { crmSegments: { edges: [], pageInfo: EMPTY_PAGE, totalCount: 0 } },
    });
    renderApp(`/segments/${SEGMENT.id}`);
    fireEvent.click(await screen.findByRole("button", { name: "Delete" }));
    const dialog = await screen.findByRole("dialog");
    expect(within(dialog).getByText(/Delete the segment “Spring mailing”\?/)).toBeTruthy();
    fireEvent.click(within(dialog).getByRole("button", { name: "Delete segment" }));
    await waitFor(() => expect(screen.getByTestId("location").textContent).toBe("/segments"));
    expect(calls.find((c) => c.operation === "CrmSegmentDelete")!.variables).toEqual({ id: SEGMENT.id });
  });

  it("opens a member in the Dashboard through AppBridge", async () => {
    mocks();
    const dispatch = vi.fn(() => Promise.resolve(true));
    renderApp(`/segments/${SEGMENT.id}?tab=members`, {
      mode: "iframe",
      bridge: { dispatch, subscribe: () => () => undefined } as never,
    });
    const table = await screen.findByTestId("members-table");
    fireEvent.click(within(table).getByRole("link", { name: "Open customer Hanako Yamada" }));
    expect(dispatch).toHaveBeenCalledWith(
      expect.objectContaining({ type: "redirect", payload: expect.objectContaining({ to: "/customers/VXNlcjoxMQ%3D%3D" }) }),
    );
  });
});

describe("export", () => {
  it("asks for a postal CSV (with BOM in Japanese) and follows the signed link", async () => {
    const calls = mocks({
      CrmSegmentExport: {
        crmSegmentExport: { url: "/plugins/saleor-crm-plugin/export/abc", expiresAt: "2026-12-07T04:20:00Z", columns: ["email"], errors: [] },
      },
    });
    const clicked: string[] = [];
    const click = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this.getAttribute("href") ?? "");
    });
    renderApp(`/segments/${SEGMENT.id}`, { locale: "ja" });
    // the menu (Radix) opens on a pointer press
    fireEvent.pointerDown(await screen.findByTestId("export"), { button: 0, ctrlKey: false, pointerType: "mouse" });
    fireEvent.click(await screen.findByText("郵送用リスト (CSV)"));
    await waitFor(() => expect(clicked).toEqual(["/plugins/saleor-crm-plugin/export/abc"]));
    expect(calls.find((c) => c.operation === "CrmSegmentExport")!.variables).toEqual({ id: SEGMENT.id, format: "POSTAL", bom: true });
    expect(await screen.findByText(/CSV の準備ができました/)).toBeTruthy();
    click.mockRestore();
  });
});
