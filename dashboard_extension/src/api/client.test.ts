import { afterEach, describe, expect, it, vi } from "vitest";

import { setSession } from "../auth/store";
import { ApiError, CRM_API_PATH, crmRequest, payloadErrors } from "./client";
import { errorMessage } from "./errors";

function respond(body: unknown, status = 200) {
  const fn = vi.fn(async () => new Response(JSON.stringify(body), { status }));
  vi.stubGlobal("fetch", fn);
  return fn;
}

afterEach(() => vi.unstubAllGlobals());

describe("crmRequest", () => {
  it("posts to the plugin endpoint with the Bearer token", async () => {
    setSession({ token: "abc", mode: "iframe", status: "ready" });
    const fn = respond({ data: { ok: 1 } });
    await expect(crmRequest("query X { ok }", { a: 1 })).resolves.toEqual({ ok: 1 });
    const [url, init] = fn.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe(CRM_API_PATH);
    expect((init.headers as Record<string, string>).Authorization).toBe("Bearer abc");
    expect(JSON.parse(String(init.body)).variables).toEqual({ a: 1 });
  });

  it("turns a permission error into a translated message", async () => {
    setSession({ token: "abc", mode: "iframe", status: "ready" });
    respond({
      data: null,
      errors: [{ message: "You need one of the following permissions: MANAGE_DISCOUNTS", extensions: { exception: { code: "PermissionDenied" } } }],
    });
    const err = (await crmRequest("query X { ok }").catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe("PERMISSION_DENIED");
    expect(errorMessage("ja", err)).toBe("この操作を行う権限がありません。");
    expect(errorMessage("en", err)).toBe("You do not have the permission for this action.");
  });

  it("reports network failures", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => Promise.reject(new TypeError("Failed to fetch"))));
    const err = (await crmRequest("query X { ok }").catch((e: unknown) => e)) as ApiError;
    expect(err.code).toBe("NETWORK");
    expect(errorMessage("ja", err)).toContain("サーバーに接続できません");
  });

  it("maps typed payload errors by CRMErrorCode", () => {
    const errs = payloadErrors({ errors: [{ field: "rule", code: "TOO_COMPLEX", message: "depth > 8" }] });
    expect(errorMessage("en", errs[0])).toMatch(/too complex/);
    expect(errorMessage("ja", { code: "SOMETHING_NEW", message: "x" })).toBe("予期しないエラーが発生しました。もう一度お試しください。");
    expect(errorMessage("en", { code: "SOMETHING_NEW", message: "server text" })).toBe("server text");
  });
});
