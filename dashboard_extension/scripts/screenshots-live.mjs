/**
 * The README's screenshots from a real shop (the demo's data), in English and Japanese:
 * the app in standalone mode against a running Saleor + plugin, signed in as staff.
 *
 *   scripts/demo &      # or any server on a populated store
 *   node scripts/screenshots-live.mjs --base http://127.0.0.1:8000 --out ../docs/screenshots \
 *     [--staff admin@example.com:admin] [--only overview]
 *
 * The channel shown: --channel (default the demo's default-channel, USD).
 * Shots: overview (en, ja, ja dark), segments list, segment builder (the largest dynamic
 * segment with a rule of its own), coupon rule (the channel's rule with the most codes, its
 * dry run opened), loyalty (a tier's threshold
 * changed by 10 % and the preview of the change shown — nothing is saved), RFM, customer
 * widget (the customer with the most orders). Chromium: /usr/bin/chromium, or $CHROMIUM.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";

import { chromium } from "playwright-core";

const { values: args } = parseArgs({
  options: {
    base: { type: "string", default: "http://127.0.0.1:8000" },
    out: { type: "string", default: "screenshots" },
    staff: { type: "string", default: "admin@example.com:admin" },
    only: { type: "string" },
    channel: { type: "string", default: "default-channel" },
  },
});
const [email, password] = [args.staff.slice(0, args.staff.indexOf(":")), args.staff.slice(args.staff.indexOf(":") + 1)];
const APP = `${args.base}/plugins/saleor-crm-plugin/app`;

async function post(url, query, variables, token) {
  const headers = { "Content-Type": "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  const res = await fetch(url, { method: "POST", headers, body: JSON.stringify({ query, variables }) });
  const body = await res.json();
  if (body.errors) throw new Error(`${url}: ${JSON.stringify(body.errors).slice(0, 300)}`);
  return body.data;
}
const { tokenCreate } = await post(
  `${args.base}/graphql/`,
  "mutation T($email: String!, $password: String!) { tokenCreate(email: $email, password: $password) { token refreshToken errors { message } } }",
  { email, password },
);
if (!tokenCreate.token) throw new Error(`tokenCreate: ${JSON.stringify(tokenCreate.errors)}`);
const crm = (query) => post(`${args.base}/plugins/saleor-crm-plugin/graphql`, query, {}, tokenCreate.token);
const segments = (await crm("{ crmSegments(first: 100) { edges { node { id kind membersCount preset } } } }")).crmSegments.edges.map((e) => e.node);
// a segment with a rule of its own (not a playbook one) shows the rule editor
const segment =
  segments.filter((s) => s.kind === "DYNAMIC" && !s.preset).sort((a, b) => b.membersCount - a.membersCount)[0] ??
  segments.filter((s) => s.kind === "DYNAMIC").sort((a, b) => b.membersCount - a.membersCount)[0];
const rules = (await crm("{ crmCouponRules(first: 50) { edges { node { id channel issuedCount } } } }")).crmCouponRules.edges.map((e) => e.node);
const rule = rules.filter((r) => r.channel === args.channel).sort((a, b) => b.issuedCount - a.issuedCount)[0] ?? rules[0];
const customer = (
  await post(`${args.base}/graphql/`, "{ customers(first: 1, sortBy: {field: ORDER_COUNT, direction: DESC}) { edges { node { id } } } }", {}, tokenCreate.token)
).customers.edges[0]?.node;

const SHOTS = [
  { name: "overview", path: "/overview", ready: '[data-testid="rfm-grid"]', themes: ["light", "dark"] },
  { name: "segments", path: "/segments", ready: '[data-testid="segments-table"] tbody tr' },
  { name: "segments-builder", path: `/segments/${encodeURIComponent(segment?.id ?? "new")}`, ready: '[data-testid="live-count"]' },
  {
    name: "coupon-rule",
    path: `/coupons/${encodeURIComponent(rule?.id ?? "new")}`,
    ready: '[data-testid="status"]',
    act: async (page) => {
      await page.getByTestId("dry-run-button").click();
      await page.getByTestId("dry-run").waitFor({ timeout: 30_000 });
    },
  },
  {
    name: "loyalty",
    path: "/loyalty",
    ready: '[data-testid="tier-1-threshold"]',
    act: async (page) => {
      // the last tier's threshold 10 % lower, and the preview of who would move
      const inputs = page.locator('[data-testid$="-threshold"]');
      const last = inputs.nth((await inputs.count()) - 1);
      const value = Number(await last.inputValue());
      await last.fill(String(Math.round(value * 0.9)));
      await page.getByTestId("preview").click();
      await page.getByTestId("loyalty-preview").waitFor({ timeout: 30_000 });
    },
  },
  { name: "rfm", path: "/rfm", ready: '[data-testid="rfm-sizes"]' },
  {
    name: "widget-customer",
    path: `/widgets/customer?${new URLSearchParams({ customerId: customer?.id ?? "" })}`,
    ready: '[data-testid="profile"]',
    viewport: { width: 380, height: 700 },
  },
];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
mkdirSync(args.out, { recursive: true });
for (const shot of SHOTS) {
  if (args.only && !shot.name.includes(args.only)) continue;
  for (const locale of ["en", "ja"]) {
    for (const theme of shot.themes ?? ["light"]) {
      if (theme === "dark" && locale === "en") continue; // the README shows ja dark
      const context = await browser.newContext({ viewport: shot.viewport ?? { width: 1280, height: 900 }, locale: locale === "ja" ? "ja-JP" : "en-US" });
      await context.addInitScript(
        ([token, refreshToken, locale, theme, channel]) => {
          localStorage.setItem("saleor-crm.channel", channel);
          sessionStorage.setItem("saleor-crm.token", token);
          if (refreshToken) sessionStorage.setItem("saleor-crm.refreshToken", refreshToken);
          localStorage.setItem("saleor-crm.locale", locale);
          localStorage.setItem("saleor-crm.theme", theme);
        },
        [tokenCreate.token, tokenCreate.refreshToken, locale, theme, args.channel],
      );
      const page = await context.newPage();
      const problems = [];
      page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
      page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
      await page.goto(`${APP}${shot.path}`);
      await page.locator(shot.ready).first().waitFor({ timeout: 30_000 });
      if (shot.act) await shot.act(page);
      await page.waitForLoadState("networkidle");
      await page.waitForTimeout(400);
      const file = join(args.out, `${shot.name}-${locale}${theme === "dark" ? "-dark" : ""}.png`);
      await page.screenshot({ path: file, fullPage: true });
      console.log(file, problems.length ? problems.join(" | ") : "");
      await context.close();
    }
  }
}
await browser.close();
