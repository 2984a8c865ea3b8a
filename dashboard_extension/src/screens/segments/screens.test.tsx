import { configure, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";

import { TEST_CHANNELS, mockGraphQL, renderApp } from "../../test/render";
import apiFields from "./__fixtures__/crmSegmentFields.json";
import { segmentBuilderUrl } from "./prefill";

const PRESETS = {
  crmSegmentPresets: [
    { key: "at_risk", title: "At risk", description: "Repeat buyers whose last order is getting old.", defaults: { min_orders: 2, after_days: 90, before_days: 180 } },
    { key: "lapsed_since", title: "Lapsed since a date", description: "No paid order since a given date.", defaults: { since: "2026-01-01T00:00:00+00:00" } },
  ],
};

function segmentRow(i: number, patch: Record<string, unknown> = {}) {
  return {
    id: `Q1JNU2VnbWVudDo${i}`,
    name: `Segment ${i}`,
    description: i === 1 ? "Bought twice, nothing for 90 days" : "",
    channel: i === 1 ? null : "default-channel",
    kind: i % 2 ? "DYNAMIC" : "STATIC",
    preset: null,
    membersCount: 1234 * i,
    computedAt: i === 3 ? null : "2026-12-01T10:30:00+00:00",
    ...patch,
  };
}

function page(rows: unknown[], hasNextPage: boolean, endCursor: string | null, totalCount = rows.length) {
  return {
    crmSegments: {
      edges: rows.map((node) => ({ node })),
      pageInfo: { hasNextPage, hasPreviousPage: false, startCursor: null, endCursor },
      totalCount,
    },
  };
}

// a busy machine: these tests render whole screens and wait for debounced requests
vi.setConfig({ testTimeout: 30000 });
configure({ asyncUtilTimeout: 8000 });
// the first screen of a run also waits for its lazily loaded chunk
const slow = { timeout: 8000 };

const base = {
  CrmChannels: TEST_CHANNELS,
  CrmSegmentPresets: PRESETS,
  CrmSegmentCatalogue: apiFields.data,
};

describe("segment list", () => {
  it("renders name, kind, channel, members and last refresh, and pages with first/after", async () => {
    const calls = mockGraphQL({
      ...base,
      CrmSegments: (vars) =>
        vars.after === "cursor-3"
          ? page([segmentRow(4)], false, "cursor-4", 4)
          : page([segmentRow(1), segmentRow(2), segmentRow(3)], true, "cursor-3", 4),
    });
    renderApp("/segments");
    // the first test also waits for the lazily loaded screen chunk
    const table = await screen.findByTestId("segments-table", {}, slow);
    const rows = within(table).getAllByRole("row");
    expect(rows).toHaveLength(4); // header + 3
    const first = within(rows[1]);
    expect(first.getByText("Segment 1")).toBeTruthy();
    expect(first.getByText("Bought twice, nothing for 90 days")).toBeTruthy();
    expect(first.getByText("Dynamic")).toBeTruthy();
    expect(first.getByText("All channels")).toBeTruthy();
    expect(first.getByText("1,234")).toBeTruthy();
    expect(first.getByText(/Dec 1, 2026/)).toBeTruthy();
    expect(within(rows[2]).getByText("Static")).toBeTruthy();
    // the channel's name, not its slug
    expect(within(rows[2]).getByText(TEST_CHANNELS.channels.find((c) => c.slug === "default-channel")!.name)).toBeTruthy();
    expect(within(rows[3]).getByText("Not computed yet")).toBeTruthy();
    expect(screen.getByTestId("segments-total").textContent).toBe("4 segments");
    const firstCall = calls.find((c) => c.operation === "CrmSegments")!;
    expect(firstCall.variables).toMatchObject({ first: 20, after: null });

    fireEvent.click(screen.getByRole("button", { name: "Next" }));
    await screen.findByText("Segment 4");
    expect(calls.filter((c) => c.operation === "CrmSegments").at(-1)!.variables).toMatchObject({ after: "cursor-3" });
    fireEvent.click(screen.getByRole("button", { name: "Previous" }));
    await screen.findByText("Segment 1");
  });

  it("shows the empty state and the ready-made segments", async () => {
    mockGraphQL({ ...base, CrmSegments: page([], false, null, 0) });
    renderApp("/segments");
    expect(await screen.findByText("No segments yet", {}, slow)).toBeTruthy();
    const gallery = await screen.findByTestId("preset-gallery");
    expect(within(gallery).getByText("At risk")).toBeTruthy();
    expect(within(gallery).getByTestId("threshold-min_orders")).toBeTruthy();
  });

  it("shows a translated error with a retry", async () => {
    mockGraphQL({ ...base, CrmSegments: () => new Error("You need one of the following permissions: MANAGE_USERS") });
    renderApp("/segments");
    const error = await screen.findByTestId("error-state", {}, slow);
    expect(within(error).getByText("You do not have the permission for this action.")).toBeTruthy();
    expect(within(error).getByRole("button", { name: "Try again" })).toBeTruthy();
  });

  it("renders in Japanese", async () => {
    mockGraphQL({ ...base, CrmSegments: page([segmentRow(1)], false, null) });
    renderApp("/segments", { locale: "ja" });
    const table = await screen.findByTestId("segments-table", {}, slow);
    for (const text of ["名前", "種類", "チャネル", "メンバー数", "最終更新", "動的", "全チャネル"]) {
      expect(within(table).getByText(text)).toBeTruthy();
    }
    expect(within(table).getByText("1,234")).toBeTruthy();
    expect(await screen.findByText("離反リスク")).toBeTruthy();
  });
});

describe("segment builder", () => {
  const rule = { and: [{ field: "paid_orders_count", op: "gte", value: 2 }] };

  it("opens a prefilled rule, counts it, and re-counts once per pause while typing", async () => {
    const calls = mockGraphQL({
      ...base,
      CrmSegmentPreview: (vars) => {
        const value = (vars.rule as { and: { value: number }[] }).and[0].value;
        return { crmSegmentPreview: { result: { count: value * 10, total: 1000, share: (value * 10) / 1000 }, errors: [] } };
      },
    });
    renderApp(segmentBuilderUrl({ rule, channel: "default-channel", name: "Repeat buyers" }));
    expect(((await screen.findByTestId("segment-name", {}, slow)) as HTMLInputElement).value).toBe("Repeat buyers");
    expect((await screen.findByTestId("live-count")).textContent).toBe("20 customers");
    expect(screen.getByTestId("live-share").textContent).toBe("2% of 1,000 customers");
    const preview = () => calls.filter((c) => c.operation === "CrmSegmentPreview");
    expect(preview()[0].variables).toMatchObject({ rule, channel: "default-channel" });

    const input = screen.getByTestId("value-input") as HTMLInputElement;
    // three edits within one debounce period (synchronously, so also on a slow machine)
    fireEvent.change(input, { target: { value: "" } });
    fireEvent.change(input, { target: { value: "1" } });
    fireEvent.change(input, { target: { value: "15" } });
    await waitFor(() => expect(screen.getByTestId("live-count").textContent).toBe("150 customers"));
    // "" is incomplete (no request) and "1" was superseded within the debounce
    expect(preview().map((c) => (c.variables.rule as typeof rule).and[0].value)).toEqual([2, 15]);
  });

  it("shows validation messages and does not save an incomplete rule", async () => {
    const calls = mockGraphQL({ ...base, CrmSegmentPreview: { crmSegmentPreview: { result: null, errors: [] } } });
    renderApp(segmentBuilderUrl({ rule: { and: [{ field: "paid_orders_count", op: "gte", value: "1.5" }] }, name: "X" }));
    expect(await screen.findByText("Enter a whole number.", {}, slow)).toBeTruthy();
    expect(screen.getByTestId("count-incomplete")).toBeTruthy();
    fireEvent.change(screen.getByTestId("value-input"), { target: { value: "" } });
    // an empty value is not flagged while editing, only when saving
    await waitFor(() => expect(screen.queryByText("Enter a whole number.")).toBeNull());
    expect(screen.queryByText("Enter a value.")).toBeNull();
    fireEvent.click(screen.getByTestId("save"));
    expect(await screen.findByText("Enter a value.")).toBeTruthy();
    expect(calls.some((c) => c.operation === "CrmSegmentCreate")).toBe(false);
    expect(calls.some((c) => c.operation === "CrmSegmentPreview")).toBe(false);
  });

  it("saves a new segment and shows the API's rule error at its condition", async () => {
    const calls = mockGraphQL({
      ...base,
      CrmSegmentPreview: { crmSegmentPreview: { result: { count: 5, total: 10, share: 0.5 }, errors: [] } },
      CrmSegmentCreate: {
        crmSegmentCreate: {
          segment: null,
          errors: [{ field: "rule", code: "INVALID", message: "and.1.value: Use one of: account, guest." }],
        },
      },
    });
    const twoLeaves = {
      and: [
        { field: "paid_orders_count", op: "gte", value: 2 },
        { field: "email_domain", op: "eq", value: "example.com" },
      ],
    };
    renderApp(segmentBuilderUrl({ rule: twoLeaves, name: "Two", channel: "channel-jpy" }));
    await screen.findByTestId("live-count", {}, slow);
    fireEvent.click(screen.getByTestId("save"));
    expect(await screen.findByText(/Not accepted: The value is not valid\. Use one of: account, guest\./)).toBeTruthy();
    const create = calls.find((c) => c.operation === "CrmSegmentCreate")!;
    expect(create.variables.input).toEqual({
      name: "Two",
      description: "",
      channel: "channel-jpy",
      kind: "DYNAMIC",
      rule: twoLeaves,
    });
  });

  it("opens a ready-made segment from a link with its thresholds and counts it", async () => {
    const calls = mockGraphQL({
      ...base,
      CrmSegmentPreview: { crmSegmentPreview: { result: { count: 42, total: 84, share: 0.5 }, errors: [] } },
    });
    renderApp(segmentBuilderUrl({ preset: "at_risk", params: { min_orders: 3 } }));
    expect(await screen.findByTestId("preset-editor", {}, slow)).toBeTruthy();
    expect(((await screen.findByTestId("segment-name", {}, slow)) as HTMLInputElement).value).toBe("At risk");
    expect(((await screen.findByTestId("threshold-min_orders")) as HTMLInputElement).value).toBe("3");
    expect((await screen.findByTestId("live-count")).textContent).toBe("42 customers");
    const call = calls.find((c) => c.operation === "CrmSegmentPreview")!;
    expect(call.variables).toMatchObject({
      rule: null,
      preset: "at_risk",
      presetParams: { min_orders: 3, after_days: 90, before_days: 180 },
    });
  });
});

describe("segment detail", () => {
  const segment = {
    ...segmentRow(2),
    rule: { and: [{ field: "paid_orders_count", op: "gte", value: 2 }] },
    presetParams: {},
  };
  const member = (i: number, customerId: string | null) => ({
    id: `m${i}`,
    channel: "channel-jpy",
    customerId,
    email: `c${i}@example.com`,
    firstName: i === 1 ? "Hanako" : null,
    lastName: i === 1 ? "Yamada" : null,
    currency: "JPY",
    paidOrdersCount: 3,
    netSpent: { amount: 12500, currency: "JPY" },
    lastOrderAt: "2026-11-02T03:00:00+00:00",
    rfmGroup: "champions",
  });

  it("lists members with money in their currency, and entries and exits", async () => {
    const calls = mockGraphQL({
      ...base,
      CrmSegment: { crmSegment: segment },
      CrmSegmentPreview: { crmSegmentPreview: { result: { count: 2, total: 10, share: 0.2 }, errors: [] } },
      CrmSegmentMembers: {
        crmSegment: {
          id: segment.id,
          membersCount: 2,
          members: {
            edges: [{ node: member(1, "VXNlcjox") }, { node: member(2, null) }],
            pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
            totalCount: 2,
          },
        },
      },
      CrmSegmentEvents: {
        crmSegmentEvents: {
          edges: [
            { node: { id: "e1", kind: "ENTER", createdAt: "2026-12-01T00:00:00Z", customerId: "VXNlcjox", email: "c1@example.com", firstName: "Hanako", lastName: "Yamada", channel: "channel-jpy" } },
            { node: { id: "e2", kind: "EXIT", createdAt: "2026-12-02T00:00:00Z", customerId: null, email: "c2@example.com", firstName: null, lastName: null, channel: "channel-jpy" } },
          ],
          pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
          totalCount: 2,
        },
      },
    });
    renderApp(`/segments/${segment.id}`);
    fireEvent.click(await screen.findByText("Members", {}, slow));
    const table = await screen.findByTestId("members-table");
    expect(within(table).getByText("Hanako Yamada")).toBeTruthy();
    expect(within(table).getAllByText("¥12,500")).toHaveLength(2);
    expect(within(table).getAllByText("Champions")).toHaveLength(2);
    expect(within(table).getByText("Guest")).toBeTruthy();
    expect(calls.find((c) => c.operation === "CrmSegmentMembers")!.variables).toMatchObject({ first: 25, after: null });
    // a static segment takes customers by hand
    expect(screen.getByTestId("add-members")).toBeTruthy();

    fireEvent.click(screen.getByText("Entries and exits"));
    const events = await screen.findByTestId("events-table");
    expect(within(events).getByText("Entered")).toBeTruthy();
    expect(within(events).getByText("Left")).toBeTruthy();
  });
});

describe("rule editor", () => {
  it("builds a rule by clicking: add a condition, type its value, negate it, add a group", async () => {
    const calls = mockGraphQL({
      ...base,
      CrmSegmentPreview: { crmSegmentPreview: { result: { count: 7, total: 70, share: 0.1 }, errors: [] } },
    });
    renderApp("/segments/new?channel=default-channel");
    const editor = await screen.findByTestId("rule-editor", {}, slow);
    expect(screen.getByText("Add a condition to see who matches.")).toBeTruthy();
    fireEvent.click(within(editor).getByRole("button", { name: "Add condition" }));
    // the catalogue's first field and operator; an empty value is not counted yet
    fireEvent.change(await screen.findByTestId("value-input"), { target: { value: "3" } });
    await screen.findByTestId("live-count");
    const lastRule = () => calls.filter((c) => c.operation === "CrmSegmentPreview").at(-1)!.variables.rule;
    await waitFor(() => expect(lastRule()).toEqual({ and: [{ field: "orders_count", op: "eq", value: 3 }] }));
    fireEvent.click(within(editor).getByRole("button", { name: "Negate (NOT)" }));
    await waitFor(() => expect(lastRule()).toEqual({ and: [{ not: { field: "orders_count", op: "eq", value: 3 } }] }));
    expect(within(editor).getByTestId("not")).toBeTruthy();
    fireEvent.click(within(editor).getAllByRole("button", { name: "Add group" }).at(-1)!);
    const group = await within(editor).findByTestId("group-or");
    fireEvent.change(within(group).getByTestId("value-input"), { target: { value: "5" } });
    await waitFor(() =>
      expect(lastRule()).toEqual({
        and: [
          { not: { field: "orders_count", op: "eq", value: 3 } },
          { or: [{ field: "orders_count", op: "eq", value: 5 }] },
        ],
      }),
    );
  });
});
