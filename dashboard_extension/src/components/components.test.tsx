import { fireEvent, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";

import { ApiError } from "../api/client";
import { renderWithSession } from "../test/render";
import { axisTicks, niceMax } from "./charts";
import { presetRange } from "./DateRangePicker";
import { Empty, ErrorState, Loading } from "./states";
import { Table } from "./Table";

describe("shared components", () => {
  it("Table renders rows and reports clicks; shows its empty state without rows", () => {
    const onRowClick = vi.fn();
    const rows = [
      { id: "1", name: "VIP", members: 12 },
      { id: "2", name: "Lapsed", members: 340 },
    ];
    const columns = [
      { key: "name", header: "Name", render: (r: (typeof rows)[number]) => r.name },
      { key: "members", header: "Members", render: (r: (typeof rows)[number]) => String(r.members), align: "right" as const },
    ];
    const { unmount } = renderWithSession(<Table columns={columns} rows={rows} rowKey={(r) => r.id} onRowClick={onRowClick} caption="Segments" />);
    expect(screen.getByRole("table", { name: "Segments" })).toBeTruthy();
    fireEvent.click(screen.getByText("Lapsed"));
    expect(onRowClick).toHaveBeenCalledWith(rows[1]);
    unmount();
    renderWithSession(<Table columns={columns} rows={[]} rowKey={(r) => r.id} empty={<Empty title="No segments yet" />} />);
    expect(screen.getByText("No segments yet")).toBeTruthy();
    expect(screen.queryByRole("table")).toBeNull();
  });

  it("ErrorState translates the error and retries", () => {
    const onRetry = vi.fn();
    renderWithSession(<ErrorState error={new ApiError("network", "Failed to fetch", "NETWORK")} onRetry={onRetry} />, { locale: "ja" });
    expect(screen.getByRole("alert").textContent).toContain("サーバーに接続できません");
    fireEvent.click(screen.getByRole("button", { name: "再試行" }));
    expect(onRetry).toHaveBeenCalled();
  });

  it("Loading is announced", () => {
    renderWithSession(<Loading />, { locale: "ja" });
    expect(screen.getByRole("status", { name: "読み込み中…" })).toBeTruthy();
  });

  it("computes preset periods and nice axis maxima", () => {
    const today = new Date("2026-12-07T12:00:00Z");
    expect(presetRange("30d", today)).toEqual({ gte: "2026-11-08", lte: "2026-12-07" });
    expect(presetRange("12m", today)).toEqual({ gte: "2026-01-01", lte: "2026-12-07" });
    expect(presetRange("ytd", today)).toEqual({ gte: "2026-01-01", lte: "2026-12-07" });
    expect(niceMax(0)).toBe(1);
    expect(niceMax(730)).toBe(1000);
    expect(niceMax(1_340_000)).toBe(2_000_000);
    expect(niceMax(240)).toBe(250);
  });

  it("drops the half gridline of an axis whose label would repeat", () => {
    const whole = (v: number) => String(Math.round(v));
    expect(axisTicks(1, whole).map((t) => t.label)).toEqual(["0", "1"]);
    expect(axisTicks(2, whole).map((t) => t.label)).toEqual(["0", "1", "2"]);
    expect(axisTicks(1, (v) => v.toFixed(1)).map((t) => t.label)).toEqual(["0.0", "0.5", "1.0"]);
  });
});
