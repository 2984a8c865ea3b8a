import { describe, expect, it } from "vitest";

import { formatDate, formatDateTime, formatMoney, formatNumber, formatPercent } from "./format";

// Intl inserts narrow no-break spaces in some locales: compare with plain spaces.
const norm = (s: string) => s.replace(/[\u202f\u00a0]/g, " ");

describe("formatters", () => {
  it("formats numbers per locale", () => {
    expect(formatNumber("en", 1234567)).toBe("1,234,567");
    expect(formatNumber("ja", 1234567)).toBe("1,234,567");
    expect(formatNumber("en", 1.256, 2)).toBe("1.26");
    expect(formatNumber("en", null)).toBe("—");
  });

  it("formats percentages from fractions", () => {
    expect(formatPercent("en", 0.125)).toBe("12.5%");
    expect(formatPercent("ja", 0.5)).toBe("50%");
    expect(formatPercent("en", undefined)).toBe("—");
  });

  it("formats money: JPY without decimals, USD with two", () => {
    expect(formatMoney("ja", { amount: 1234.5, currency: "JPY" })).toBe("￥1,235");
    expect(formatMoney("en", { amount: 1234.5, currency: "JPY" })).toBe("¥1,235");
    expect(formatMoney("en", { amount: 1234.5, currency: "USD" })).toBe("$1,234.50");
    expect(formatMoney("ja", 99, "USD")).toBe("$99.00");
    expect(formatMoney("en", null)).toBe("—");
  });

  it("formats calendar dates without shifting them by the time zone", () => {
    expect(formatDate("en", "2026-01-31", "Pacific/Honolulu")).toBe("Jan 31, 2026");
    expect(formatDate("ja", "2026-01-31")).toBe("2026/01/31");
    expect(formatDate("ja", "2026-01-31", undefined, "month")).toBe("2026年1月");
  });

  it("formats instants in the channel's time zone", () => {
    const iso = "2026-12-06T23:30:00Z";
    expect(norm(formatDateTime("en", iso, "Asia/Tokyo"))).toBe("Dec 7, 2026, 8:30 AM");
    expect(norm(formatDateTime("en", iso, "UTC"))).toBe("Dec 6, 2026, 11:30 PM");
    expect(formatDateTime("ja", iso, "Asia/Tokyo")).toBe("2026/12/07 8:30");
    expect(formatDateTime("en", "not a date")).toBe("—");
  });
});
