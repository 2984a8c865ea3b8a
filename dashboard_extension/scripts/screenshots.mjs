/**
 * Screenshots of the screens with mocked API answers (no Saleor needed), for reviewing the UI
 * in both languages and themes:
 *
 *   npm run build && npx vite preview --port 4173 &
 *   node scripts/screenshots.mjs --base http://127.0.0.1:4173 --out /tmp/shots [--only overview]
 *
 * The app runs standalone with a fake session (the mocked `me` answers as a staff member);
 * GraphQL answers come from src/test/fixtures/*.ts by operation name (bundled with rolldown).
 * Chromium: /usr/bin/chromium (Debian), or $CHROMIUM.
 */
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

import { chromium } from "playwright-core";
import { build } from "rolldown";

const { values: args } = parseArgs({
  options: {
    base: { type: "string", default: "http://127.0.0.1:4173" },
    out: { type: "string", default: "screenshots" },
    only: { type: "string" },
  },
});

const root = resolve(import.meta.dirname, "..");
const tmp = mkdtempSync(join(tmpdir(), "crm-shots-"));
await build({
  input: join(root, "src/test/fixtures/index.ts"),
  output: { file: join(tmp, "fixtures.mjs"), format: "esm" },
  logLevel: "silent",
});
const { SHOTS, SALEOR_MOCKS } = await import(join(tmp, "fixtures.mjs"));

const APP = "/plugins/saleor-crm-plugin/app";
// a JWT-shaped token that never expires (the mocked API does not check it)
const b64 = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
const TOKEN = `${b64({ alg: "none" })}.${b64({ exp: 4102444800, email: "staff@example.com" })}.x`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
mkdirSync(args.out, { recursive: true });

const opName = (body) => /(?:query|mutation)\s+(\w+)/.exec(body?.query ?? "")?.[1] ?? "";

for (const shot of SHOTS) {
  if (args.only && !shot.name.includes(args.only)) continue;
  for (const locale of shot.locales ?? ["en", "ja"]) {
    for (const theme of shot.themes ?? ["light"]) {
      const context = await browser.newContext({ viewport: shot.viewport ?? { width: 1280, height: 900 }, locale: locale === "ja" ? "ja-JP" : "en-US" });
      await context.addInitScript(
        ([token, locale, theme, permissions]) => {
          sessionStorage.setItem("saleor-crm.token", token);
          localStorage.setItem("saleor-crm.locale", locale);
          localStorage.setItem("saleor-crm.theme", theme);
          window.__CRM_PERMISSIONS__ = permissions;
        },
        [TOKEN, locale, theme, shot.permissions ?? ["MANAGE_USERS", "MANAGE_DISCOUNTS"]],
      );
      const page = await context.newPage();
      const problems = [];
      page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
      page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
      const answer = (mocks) => async (route) => {
        const body = route.request().postDataJSON();
        const op = opName(body);
        let data = mocks[op];
        if (data === undefined) {
          problems.push(`no mock for ${op}`);
          return route.fulfill({ json: { errors: [{ message: `no mock for ${op}` }] } });
        }
        if (typeof data === "function") data = data(body.variables ?? {});
        if (shot.delay) await new Promise((r) => setTimeout(r, shot.delay));
        return route.fulfill({ json: { data } });
      };
      const permissions = shot.permissions ?? ["MANAGE_USERS", "MANAGE_DISCOUNTS"];
      await page.route("**/graphql/", answer({ ...SALEOR_MOCKS(permissions), ...(shot.saleor ?? {}) }));
      await page.route("**/plugins/saleor-crm-plugin/graphql", answer(shot.crm ?? {}));
      await page.goto(`${args.base}${APP}${shot.path}`);
      await page.waitForLoadState("networkidle");
      await page.waitForTimeout(shot.wait ?? 400);
      const file = join(args.out, `${shot.name}-${locale}${theme === "dark" ? "-dark" : ""}.png`);
      await page.screenshot({ path: file, fullPage: shot.fullPage ?? true });
      console.log(file, problems.length ? problems.join(" | ") : "");
      await context.close();
    }
  }
}
await browser.close();
