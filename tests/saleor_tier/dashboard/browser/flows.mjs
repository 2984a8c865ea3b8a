// Browser flows of the CRM Dashboard app against a live Saleor + plugin (run by
// test_dashboard_browser.py, which prepares the data and the tokens).
//   node flows.mjs <config.json>
// Prints one JSON line {"ok": true, "checks": [...]} or exits non-zero with the
// failed check. Screenshots go to config.artifacts.
import { readFileSync, mkdirSync } from "node:fs";
import http from "node:http";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const cfg = JSON.parse(readFileSync(process.argv[2], "utf8"));
const ext = path.resolve(here, "../../../../dashboard_extension");
const { chromium } = createRequire(path.join(ext, "package.json"))("playwright-core");
const catalogue = (locale, ns) =>
  JSON.parse(readFileSync(path.join(ext, "src/i18n", locale, `${ns}.json`), "utf8"));
const en = {
  common: catalogue("en", "common"),
  customer: catalogue("en", "customer"),
  segments: catalogue("en", "segments"),
  coupons: catalogue("en", "coupons"),
  loyalty: catalogue("en", "loyalty"),
};
// a catalogue message with its {placeholders} filled in
const fill = (message, values) => message.replace(/\{(\w+)\}/g, (_, key) => String(values[key]));
const number = (n) => new Intl.NumberFormat("en").format(n);
// as the app's formatters do for "en" (src/format.ts)
const money = (m) => new Intl.NumberFormat("en-US", { style: "currency", currency: m.currency }).format(Number(m.amount));
// the flows to run (config.flows; default: all but the ones that change data)
const want = (flow) => (cfg.flows ? cfg.flows.includes(flow) : !["coupon", "loyalty"].includes(flow));
const ja = { common: catalogue("ja", "common") };

const APP = `${cfg.base}/plugins/saleor-crm-plugin/app/`;
const CRM = "/plugins/saleor-crm-plugin/graphql";
// The page playing the Dashboard: served by this script on the loopback, another
// origin than the app's, as the Dashboard is (a page Playwright answers itself has
// no address, and Chromium's local network access checks refuse to frame a
// loopback app from it).
const hostServer = http.createServer((request, response) => {
  response.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
  response.end(readFileSync(path.join(here, "host.html"), "utf8"));
});
await new Promise((resolve) => hostServer.listen(0, "127.0.0.1", resolve));
const HOST = `http://127.0.0.1:${hostServer.address().port}/dashboard-host.html`;
const TIMEOUT = 30_000;
const checks = [];
const facts = {}; // figures the UI showed, for the Python side to hold against the database
const consoleLines = [];
let current = null; // the page of the flow running now, for a screenshot on failure
function check(name, ok, detail = "") {
  checks.push({ name, ok: Boolean(ok), detail: String(detail).slice(0, 300) });
  if (!ok) throw new Error(`check failed: ${name} ${detail}`);
}
mkdirSync(cfg.artifacts, { recursive: true });
const shot = (page, name) => page.screenshot({ path: path.join(cfg.artifacts, `${name}.png`), fullPage: true });

function crmRequests(page) {
  current = page;
  page.on("console", (message) => consoleLines.push(`${message.type()}: ${message.text()}`.slice(0, 300)));
  page.on("pageerror", (error) => consoleLines.push(`pageerror: ${String(error)}`.slice(0, 300)));
  page.on("requestfailed", (request) =>
    consoleLines.push(`requestfailed: ${request.url().slice(0, 120)} ${request.failure()?.errorText}`),
  );
  page.on("response", async (response) => {
    if (response.request().method() === "POST") {
      const body = await response.text().catch(() => "");
      if (body.includes('"errors"')) consoleLines.push(`graphql errors ${response.url().slice(0, 80)}: ${body.slice(0, 400)}`);
    }
    if (response.status() >= 400 || response.request().isNavigationRequest()) {
      const h = response.headers();
      consoleLines.push(
        `response ${response.status()} ${response.url().slice(0, 120)} xfo=${h["x-frame-options"] || ""} csp=${h["content-security-policy"] || ""}`,
      );
    }
  });
  const seen = [];
  page.on("request", (request) => {
    if (new URL(request.url()).pathname.startsWith(CRM)) {
      seen.push({ auth: request.headers()["authorization"] || "", body: request.postData() || "" });
    }
  });
  return seen;
}
// macaw's Select (a downshift combobox): open it, click the option, and see the
// combobox show it (tried again if a click landed while the menu was re-rendering)
async function choose(page, combobox, name) {
  const shown = () =>
    combobox.evaluate((el) => `${el.textContent || ""} ${el.value || ""} ${[...el.querySelectorAll("input")].map((i) => i.value).join(" ")}`);
  for (let attempt = 0; attempt < 3; attempt++) {
    await combobox.click();
    const option = page.getByRole("option", { name, exact: true });
    if (!(await option.waitFor({ timeout: 10_000 }).then(() => true, () => false))) continue;
    await option.click().catch(() => undefined);
    if (await until(async () => (await shown()).includes(name), `"${name}" chosen`, 10_000).then(() => true, () => false)) return;
  }
  throw new Error(`could not choose "${name}": the combobox shows "${await shown()}"`);
}
async function signIn(page, who) {
  await page.goto(APP, { waitUntil: "domcontentloaded" });
  await page.locator('input[type="email"]').waitFor({ timeout: TIMEOUT });
  await page.locator('input[type="email"]').fill(who.email);
  await page.locator('input[type="password"]').fill(who.password);
  await page.locator('button[type="submit"]').click();
  await page.getByRole("link", { name: en.common.nav.segments, exact: true }).waitFor({ timeout: TIMEOUT });
}
// the plugin's API asked directly, with a staff token of its own (tokenCreate)
async function staffApi(who) {
  const post = async (url, query, variables, token) => {
    const headers = { "Content-Type": "application/json" };
    if (token) headers.Authorization = `Bearer ${token}`;
    const res = await fetch(url, { method: "POST", headers, body: JSON.stringify({ query, variables }) });
    const body = await res.json();
    if (body.errors) throw new Error(`${url}: ${JSON.stringify(body.errors).slice(0, 300)}`);
    return body.data;
  };
  const { tokenCreate } = await post(
    `${cfg.base}/graphql/`,
    "mutation T($email: String!, $password: String!) { tokenCreate(email: $email, password: $password) { token errors { code } } }",
    who,
  );
  if (!tokenCreate.token) throw new Error(`tokenCreate: ${JSON.stringify(tokenCreate.errors)}`);
  return { crm: (query, variables) => post(`${cfg.base}${CRM}`, query, variables, tokenCreate.token) };
}
async function until(predicate, what, timeout = TIMEOUT) {
  const end = Date.now() + timeout;
  while (Date.now() < end) {
    if (await predicate()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const browser = await chromium.launch({
  executablePath: cfg.chromium,
  headless: true,
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
try {
  // 1. standalone: the sign-in form, Saleor's tokenCreate, the Overview
  if (want("standalone")) {
    const context = await browser.newContext({ locale: "en-US", viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const crm = crmRequests(page);
    const assets = [];
    page.on("response", (response) => {
      if (response.url().includes("/app/assets/")) assets.push(response.headers()["cache-control"] || "");
    });
    await page.goto(APP, { waitUntil: "domcontentloaded" });
    await page.locator('input[type="email"]').waitFor({ timeout: TIMEOUT });
    check("standalone: sign-in form", await page.getByText(en.common.signIn.title).first().isVisible());
    await shot(page, "standalone-sign-in-en");
    await page.locator('input[type="email"]').fill(cfg.staff.email);
    await page.locator('input[type="password"]').fill(cfg.staff.password);
    await page.locator('button[type="submit"]').click();
    await page.getByText(en.common.nav.segments).first().waitFor({ timeout: TIMEOUT });
    await until(() => crm.some((r) => r.auth.startsWith("Bearer ")), "a CRM request with a token");
    check("standalone: signed in, CRM API called with the staff token", crm[0].auth.startsWith("Bearer "));
    check(
      "standalone: hashed assets cached as immutable",
      assets.length > 0 && assets.every((c) => c.includes("immutable")),
      assets.join(" | "),
    );
    await page.waitForLoadState("networkidle").catch(() => undefined);
    await shot(page, "standalone-overview-en");
    // a deep link survives a reload (the session is kept in sessionStorage)
    await page.goto(`${APP}rfm`, { waitUntil: "domcontentloaded" });
    await page.getByText(en.common.nav.overview).first().waitFor({ timeout: TIMEOUT });
    check("standalone: deep link /rfm after reload, still signed in", !(await page.locator('input[type="password"]').count()));
    await context.close();
  }

  // 2. embedded in a page playing the Dashboard: handshake, locale ja, dark theme,
  //    token refresh, routing
  if (want("embedded")) {
    const context = await browser.newContext({ locale: "en-US", viewport: { width: 1300, height: 900 } });
    const page = await context.newPage();
    const crm = crmRequests(page);
    const src =
      `${APP}overview?` +
      new URLSearchParams({ domain: new URL(cfg.base).host, saleorApiUrl: `${cfg.base}/graphql/`, id: cfg.appId, theme: "light" });
    const host = { src, token: cfg.pageToken, locale: "ja", theme: "dark", saleorVersion: cfg.saleorVersion };
    await page.goto(`${HOST}#${encodeURIComponent(JSON.stringify(host))}`);
    const frame = page.frameLocator("#app");
    await frame.getByText(ja.common.nav.segments).first().waitFor({ timeout: TIMEOUT });
    check("embedded: the ja locale renders Japanese", await frame.getByText(ja.common.nav.overview).first().isVisible());
    await until(() => frame.locator('[data-theme="dark"]').count(), "the dark theme");
    check("embedded: dark theme followed", true);
    const received = await page.evaluate(() => window.received.map((m) => m.type));
    check("embedded: the app sent notifyReady", received.includes("notifyReady"), received.join(","));
    await until(() => crm.length > 0, "a CRM request from the iframe");
    check(
      "embedded: CRM API called with the token from the handshake",
      crm.every((r) => r.auth === `Bearer ${cfg.pageToken}`),
      crm.map((r) => r.auth.slice(-12)).join(","),
    );
    await page.waitForLoadState("networkidle").catch(() => undefined);
    await shot(page, "embedded-overview-ja-dark");

    // the Dashboard pushes a fresh token; the next requests use it
    const before = crm.length;
    await page.evaluate((token) => {
      window.token = token;
      window.hostPost({ type: "tokenRefresh", payload: { token } });
    }, cfg.refreshedToken);
    await page.evaluate(() => window.hostPost({ type: "redirect", payload: { path: "/rfm" } }));
    await until(
      async () => (await page.evaluate(() => window.received)).some((m) => m.type === "updateRouting" && m.payload.newRoute === "/rfm"),
      "updateRouting /rfm",
    );
    await page.evaluate(() => window.hostPost({ type: "redirect", payload: { path: "/overview" } }));
    await until(() => crm.length > before, "a CRM request after the token refresh");
    const after = crm.slice(before);
    check(
      "embedded: requests after tokenRefresh carry the new token",
      after.every((r) => r.auth === `Bearer ${cfg.refreshedToken}`),
      after.map((r) => r.auth.slice(-12)).join(","),
    );
    const routes = (await page.evaluate(() => window.received))
      .filter((m) => m.type === "updateRouting")
      .map((m) => m.payload.newRoute);
    check("embedded: routes reported to the Dashboard (deep links)", routes.includes("/overview") && routes.includes("/rfm"), routes.join(","));
    await context.close();
  }

  // 3. the customer widget of a loyalty member, with the token Saleor minted for its
  //    extension: their tier, the progress to the next one and their points
  if (want("widget")) {
    const context = await browser.newContext({ locale: "en-US", viewport: { width: 600, height: 700 } });
    const page = await context.newPage();
    const crm = crmRequests(page);
    const src =
      `${APP}widgets/customer?` +
      new URLSearchParams({
        domain: new URL(cfg.base).host,
        saleorApiUrl: `${cfg.base}/graphql/`,
        id: cfg.appId,
        theme: "light",
        customerId: cfg.customerId,
      });
    const host = { src, token: cfg.widgetToken, locale: "en", theme: "light", saleorVersion: cfg.saleorVersion };
    await page.goto(`${HOST}#${encodeURIComponent(JSON.stringify(host))}`);
    const frame = page.frameLocator("#app");
    const tier = frame.getByTestId("tier");
    await tier.getByText(cfg.member.tier, { exact: true }).waitFor({ timeout: TIMEOUT });
    check("widget: the member's tier is shown", true, cfg.member.tier);
    check(
      "widget: the progress to the next tier",
      (await tier.getByRole("progressbar", { name: fill(en.customer.tier.progress, { tier: cfg.member.nextTier }) }).count()) === 1,
      await tier.textContent(),
    );
    const points = (await frame.getByTestId("points").textContent()) || "";
    check(
      "widget: the member's available points are shown",
      points.includes(`${en.customer.points.available}${number(cfg.member.points)}`),
      points,
    );
    check(
      "widget: the customer's profile is shown (orders section)",
      (await frame.getByText(en.customer.profile.title, { exact: true }).count()) > 0,
    );
    const received = await page.evaluate(() => window.received.map((m) => m.type));
    check("widget: no route reported by a widget", !received.includes("updateRouting"), received.join(","));
    check(
      "widget: CRM API called with the extension token",
      crm.length > 0 && crm.every((r) => r.auth === `Bearer ${cfg.widgetToken}`),
      crm.map((r) => r.auth.slice(-12)).join(","),
    );
    await page.waitForLoadState("networkidle").catch(() => undefined);
    await shot(page, "widget-member-en");
    await context.close();
  }

  // 4. standalone: a segment built by clicking (Segments -> Create segment -> Add
  //    condition -> "Paid orders" "at least" 1); its live count is the API's
  if (want("segment")) {
    const context = await browser.newContext({ locale: "en-US", viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    const crm = crmRequests(page);
    await signIn(page, cfg.staff);
    await page.getByRole("link", { name: en.common.nav.segments, exact: true }).click();
    // the list's own button (the ready-made segment cards below carry the same label)
    await page.getByTestId("segment-create").click();
    const editor = page.getByTestId("rule-editor");
    await editor.waitFor({ timeout: TIMEOUT });
    check("segment: the builder opened from the list", new URL(page.url()).pathname.endsWith("/segments/new"), page.url());
    await editor.getByRole("button", { name: en.segments.group.addCondition, exact: true }).click();
    await editor.getByTestId("value-input").waitFor({ timeout: TIMEOUT });
    await choose(page, editor.getByRole("combobox").nth(0), en.segments.field.paid_orders_count);
    await choose(page, editor.getByRole("combobox").nth(1), en.segments.operator.gte);
    await editor.getByTestId("value-input").fill("1");
    const expected = fill(cfg.segment.count === 1 ? en.segments.count.customers_one : en.segments.count.customers_other, {
      n: number(cfg.segment.count),
    });
    const liveCount = page.getByTestId("live-count");
    await until(async () => (await liveCount.count()) > 0 && (await liveCount.textContent()) === expected, `the live count "${expected}"`);
    const previews = crm.filter((r) => r.body.includes("CrmSegmentPreview"));
    const lastRule = previews.length ? JSON.parse(previews.at(-1).body).variables.rule : null;
    check(
      "segment: the live count is the API's for the rule clicked together",
      JSON.stringify(lastRule) === JSON.stringify({ and: [{ field: "paid_orders_count", op: "gte", value: 1 }] }),
      `${expected} ${JSON.stringify(lastRule)}`,
    );
    const share = (await page.getByTestId("live-share").textContent()) || "";
    check("segment: the share is of the channel's customers", share.includes(number(cfg.segment.total)), share);
    const card = (await page.getByTestId("live-count-card").textContent()) || "";
    check(
      "segment: counted in the channel the builder shows",
      card.includes(fill(en.segments.count.scope, { channel: cfg.segment.channelName })),
      card,
    );
    await shot(page, "segment-builder-paid-orders-en");
    await context.close();
  }

  // 5. standalone: a staff member with MANAGE_USERS only is not offered the coupon
  //    rules and, on a rule's deep link, gets the permission notice — no form to save,
  //    no switch-on, no raw API error
  if (want("viewer")) {
    const context = await browser.newContext({ locale: "en-US", viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    crmRequests(page);
    await signIn(page, cfg.viewer);
    const nav = page.getByRole("navigation", { name: en.common.nav.label });
    check(
      "coupons without MANAGE_DISCOUNTS: no coupon rules tab",
      (await nav.getByRole("link", { name: en.common.nav.coupons, exact: true }).count()) === 0 &&
        (await nav.getByRole("link", { name: en.common.nav.loyalty, exact: true }).count()) === 0,
      (await nav.textContent()) || "",
    );
    await page.goto(`${APP}coupons/${encodeURIComponent(cfg.ruleId)}`, { waitUntil: "domcontentloaded" });
    await page.getByText(en.coupons.ui.noPermissionTitle, { exact: true }).waitFor({ timeout: TIMEOUT });
    await page.waitForLoadState("networkidle").catch(() => undefined);
    const body = (await page.locator("body").textContent()) || "";
    check(
      "coupons without MANAGE_DISCOUNTS: the rule's link shows the permission notice, nothing to change",
      (await page.getByTestId("save").count()) === 0 &&
        (await page.getByTestId("activate").count()) === 0 &&
        (await page.getByTestId("dry-run-button").count()) === 0 &&
        body.includes(en.coupons.ui.noPermission.MANAGE_DISCOUNTS) &&
        !body.includes("You need one of the following permissions"),
      body.slice(0, 300),
    );
    await shot(page, "coupon-rule-without-manage-discounts-en");
    await context.close();
  }
  // 6. standalone: a coupon rule for a segment, created in the editor (schedule
  //    trigger, the segment, 10 %, nobody held out), its dry run seen before
  //    switching on — the figures the API's dry run gives, in the card and in the
  //    switch-on dialog — then switched on
  if (want("coupon")) {
    const context = await browser.newContext({ locale: "en-US", viewport: { width: 1400, height: 1100 } });
    const page = await context.newPage();
    const crm = crmRequests(page);
    await signIn(page, cfg.staff);
    await page.getByRole("link", { name: en.common.nav.coupons, exact: true }).click();
    await page.getByTestId("create-rule").click();
    await page.getByTestId("field-name").waitFor({ timeout: TIMEOUT });
    check("coupon: the editor opened from the list", new URL(page.url()).pathname.endsWith("/coupons/new"), page.url());
    await page.getByTestId("field-name").fill(cfg.coupon.name);
    await choose(page, page.getByRole("combobox", { name: en.coupons.fields.trigger, exact: true }), en.coupons.triggers.SCHEDULE.label);
    const segmentOption = fill(en.coupons.params.segmentOption, { name: cfg.coupon.segment, count: cfg.coupon.members });
    await choose(page, page.getByRole("combobox", { name: en.coupons.params.segmentId, exact: true }), segmentOption);
    await page.getByTestId("field-discountValue").fill("10");
    await page.getByTestId("field-controlPercent").fill("0");
    check("coupon: nothing to dry-run before saving", (await page.getByTestId("dry-run-button").count()) === 0);
    await page.getByTestId("save").click();
    await until(() => /\/coupons\/(?!new)[^/]+$/.test(new URL(page.url()).pathname), "the saved rule's page");
    const ruleId = decodeURIComponent(new URL(page.url()).pathname.split("/").at(-1));
    // the saved rule's own page loaded afresh (its deep link): nothing left over from
    // the form that created it, which shows the new rule while the page reloads it
    await page.reload({ waitUntil: "domcontentloaded" });
    await page.getByTestId("activate").waitFor({ timeout: TIMEOUT });
    check(
      "coupon: saved as a draft, with a switch-on",
      (await page.getByTestId("status").textContent()) === en.coupons.status.DRAFT &&
        (await page.getByTestId("field-name").inputValue()) === cfg.coupon.name,
      ruleId,
    );

    // the API's dry run, asked apart from the app (a staff token of our own)
    const api = await staffApi(cfg.staff);
    const dry = (
      await api.crm(
        `query D($id: ID!) { crmCouponRuleDryRun(id: $id) {
          onActivation { codes customers heldOut estimatedCost { amount currency } }
          replayedWindow { codes customers heldOut estimatedCost { amount currency } } } }`,
        { id: ruleId },
      )
    ).crmCouponRuleDryRun;
    check("coupon: the API's dry run issues to the segment's members on switch-on", dry.onActivation.codes === cfg.coupon.members, JSON.stringify(dry));
    const figures = (part) =>
      `${en.coupons.dryRun.codes}${number(part.codes)}${en.coupons.dryRun.customers}${number(part.customers)}` +
      `${en.coupons.dryRun.heldOut}${number(part.heldOut)}${en.coupons.dryRun.cost}${money(part.estimatedCost)}`;

    await page.getByTestId("dry-run-button").click();
    const card = page.getByTestId("dry-run");
    await card.waitFor({ timeout: TIMEOUT });
    const cardText = (await card.textContent()) || "";
    check(
      "coupon: the dry run shown is the API's (on switch-on and over the replayed window)",
      cardText.includes(`${en.coupons.dryRun.onActivation}${figures(dry.onActivation)}`) && cardText.includes(figures(dry.replayedWindow)),
      `${cardText.slice(0, 200)} | want ${figures(dry.onActivation)}`,
    );
    await shot(page, "coupon-rule-dry-run-en");

    await page.getByTestId("activate").click();
    const dialog = page.getByTestId("activate-dialog");
    await dialog.getByTestId("dry-run").waitFor({ timeout: TIMEOUT });
    const dialogText = (await dialog.getByTestId("dry-run").textContent()) || "";
    check(
      "coupon: the switch-on dialog shows the dry run first, the API's figures",
      dialogText.includes(`${en.coupons.dryRun.onActivation}${figures(dry.onActivation)}`),
      dialogText.slice(0, 200),
    );
    await shot(page, "coupon-rule-switch-on-en");
    await dialog.getByTestId("confirm-activate").click();
    await page.getByTestId("status").getByText(en.coupons.status.ACTIVE, { exact: true }).waitFor({ timeout: TIMEOUT });
    await dialog.waitFor({ state: "detached", timeout: TIMEOUT });
    const after = (await api.crm(`query R($id: ID!) { crmCouponRule(id: $id) { status issuedCount controlCount } }`, { id: ruleId }))
      .crmCouponRule;
    check(
      "coupon: switched on, the API says ACTIVE with the codes the dry run showed",
      after.status === "ACTIVE" && after.issuedCount === dry.onActivation.codes && after.controlCount === dry.onActivation.heldOut,
      JSON.stringify(after),
    );
    check("coupon: the app asked for the dry run", crm.some((r) => r.body.includes("CrmCouponRuleDryRun")));
    facts.coupon = {
      ruleId,
      codes: dry.onActivation.codes,
      customers: dry.onActivation.customers,
      heldOut: dry.onActivation.heldOut,
      cost: dry.onActivation.estimatedCost.amount,
    };
    await page.waitForLoadState("networkidle").catch(() => undefined);
    await shot(page, "coupon-rule-active-en");
    await context.close();
  }

  // 7. standalone: the Loyalty screen — a tier's threshold changed, saving held
  //    back until the preview of who moves is seen (the API's preview of that
  //    ladder), then saved
  if (want("loyalty")) {
    const context = await browser.newContext({ locale: "en-US", viewport: { width: 1400, height: 1100 } });
    const page = await context.newPage();
    const crm = crmRequests(page);
    await signIn(page, cfg.staff);
    await page.getByRole("link", { name: en.common.nav.loyalty, exact: true }).click();
    await page.getByTestId("tier-0-name").waitFor({ timeout: TIMEOUT });
    const names = await page.locator('[data-testid$="-name"][data-testid^="tier-"]').evaluateAll((els) => els.map((e) => e.value));
    const index = names.indexOf(cfg.loyalty.tier);
    check("loyalty: the ladder is shown", index >= 0, names.join(","));
    const threshold = page.getByTestId(`tier-${index}-threshold`);
    await threshold.fill(cfg.loyalty.threshold);
    const save = page.getByTestId("save-loyalty");
    await page.getByTestId("preview-first").waitFor({ timeout: TIMEOUT });
    check("loyalty: saving waits for the preview", await save.isDisabled());
    await page.getByTestId("preview").click();
    const preview = page.getByTestId("loyalty-preview");
    await preview.waitFor({ timeout: TIMEOUT });
    const want_ = cfg.loyalty.preview;
    const rows = [];
    for (const tier of want_.tiers) {
      const delta = tier.customers - tier.currentCustomers;
      const expected = `${tier.name}${number(tier.currentCustomers)}${number(tier.customers)}${delta > 0 ? `+${number(delta)}` : number(delta)}${money(tier.estimatedDiscount)}`;
      const shown = ((await preview.getByTestId(`preview-${tier.name}`).textContent()) || "").trim();
      rows.push({ expected, shown });
    }
    const text = (await preview.textContent()) || "";
    const totals = [
      `${en.loyalty.preview.withoutTier}${number(want_.customersWithoutTierNow)} → ${number(want_.customersWithoutTier)}`,
      `${en.loyalty.preview.totalDiscount}${money(want_.estimatedDiscountTotal)}`,
      `${en.loyalty.preview.points}${number(want_.estimatedPoints)}`,
      `${en.loyalty.preview.orders}${number(want_.ordersConsidered)}`,
    ];
    check(
      "loyalty: the preview shown is the API's (per tier now / after / change / discount, and the totals)",
      rows.every((r) => r.shown === r.expected) && totals.every((x) => text.includes(x)),
      JSON.stringify(rows) + " " + totals.filter((x) => !text.includes(x)).join(" | "),
    );
    const asked = crm.filter((r) => r.body.includes("CrmLoyaltyPreview")).map((r) => JSON.parse(r.body).variables.input.tiers);
    const proposed = asked.at(-1) || [];
    check(
      "loyalty: the preview was asked for the edited ladder",
      proposed.some((t) => t.name === cfg.loyalty.tier && Number(t.threshold) === Number(cfg.loyalty.threshold)),
      JSON.stringify(proposed),
    );
    check("loyalty: saving is offered once the preview is seen", await save.isEnabled());
    await shot(page, "loyalty-tier-preview-en");
    await save.click();
    await page.getByText(en.loyalty.saved, { exact: true }).first().waitFor({ timeout: TIMEOUT });
    // the screen reads the program again: the new threshold, nothing left to save
    await until(
      async () =>
        Number(await page.getByTestId(`tier-${index}-threshold`).inputValue()) === Number(cfg.loyalty.threshold) &&
        (await page.getByTestId("save-loyalty").isDisabled()),
      "the saved ladder shown again",
    );
    check("loyalty: saved, the screen shows the stored threshold", true);
    await shot(page, "loyalty-tier-saved-en");
    await context.close();
  }
  console.log(JSON.stringify({ ok: true, checks, facts }));
} catch (error) {
  let received = null;
  if (current) {
    await shot(current, "failure").catch(() => undefined);
    received = await current.evaluate(() => window.received || null).catch(() => null);
  }
  console.log(
    JSON.stringify({
      ok: false,
      error: String(error && error.stack ? error.stack : error),
      checks,
      received,
      console: consoleLines.slice(-40),
    }),
  );
  process.exitCode = 1;
} finally {
  await browser.close();
  hostServer.close();
}
