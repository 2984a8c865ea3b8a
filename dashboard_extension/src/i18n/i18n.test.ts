import { describe, expect, it } from "vitest";

import { interpolate, translate } from ".";
import { normaliseLocale } from "../auth/store";

describe("translate", () => {
  it("returns the message of the locale and interpolates", () => {
    expect(translate("en", "common", "nav.overview")).toBe("Overview");
    expect(translate("ja", "common", "nav.overview")).toBe("概要");
    expect(translate("ja", "common", "readOnly", { permission: "MANAGE_DISCOUNTS" })).toContain("MANAGE_DISCOUNTS");
  });

  it("falls back to English, then to the key", () => {
    expect(translate("xx", "common", "nav.overview")).toBe("Overview");
    expect(translate("en", "common", "no.such.key")).toBe("no.such.key");
  });

  it("keeps unknown placeholders", () => {
    expect(interpolate("{a} and {b}", { a: 1 })).toBe("1 and {b}");
  });

  it("normalises Saleor locale codes", () => {
    expect(normaliseLocale("JA")).toBe("ja");
    expect(normaliseLocale("ja-JP")).toBe("ja");
    expect(normaliseLocale("EN_US")).toBe("en");
    expect(normaliseLocale("fr")).toBe("en");
    expect(normaliseLocale(undefined)).toBe("en");
  });
});
