// The browser side of bench_dashboard.py: headless Chromium (playwright-core from
// dashboard_extension/node_modules, Debian's /usr/bin/chromium) against a running
// Saleor + plugin on a populated store, the CRM app in standalone mode.
//   node dashboard_bench.mjs <config.json>
// The config's "screens" (optional) names the screens to measure; [] measures
// only the live count.
// Prints one JSON line {"ok": true, "screens": {...}, "liveCount": {...}} (or
// {"ok": false, "error": ...}).
//
// "Usable": every selector of the screen's main data is in the DOM (checked by a
// MutationObserver the page runs from its first script), timed at the next
// animation frame after that, with performance.now() — milliseconds from the
// navigation start of the document. Each sample is a full page load of the
// screen's deep link in the same tab (the browser's HTTP cache warm after the first
// one: hashed assets are cached as immutable), as when the Dashboard mounts the app.
//
// The live count: in the segment builder, one condition "Paid orders at least N";
// N is retyped (Backspace, digit) and the time is from the keydown of the last
// keystroke to the first animation frame where the live count shows the API's
// count for the new N and is no longer marked busy.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const cfg = JSON.parse(readFileSync(process.argv[2], "utf8"));
const ext = path.resolve(here, "../dashboard_extension");
const { chromium } = createRequire(path.join(ext, "package.json"))("playwright-core");
const catalogue = (ns) => JSON.parse(readFileSync(path.join(ext, "src/i18n/en", `${ns}.json`), "utf8"));
const en = { common: catalogue("common"), segments: catalogue("segments") };
const fill = (message, values) => message.replace(/\{(\w+)\}/g, (_, key) => String(values[key]));
const number = (n) => new Intl.NumberFormat("en").format(n);

const APP = `${cfg.base}/plugins/saleor-crm-plugin/app/`;
const CRM = `${cfg.base}/plugins/saleor-crm-plugin/graphql`;
const TIMEOUT = 60_000;

async function post(url, query, variables, token) {
  const headers = { "Content-Type": "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  const res = await fetch(url, { method: "POST", headers, body: JSON.stringify({ query, variables }) });
  const body = await res.json();
  if (body.errors) throw new Error(`${url}: ${JSON.stringify(body.errors).slice(0, 300)}`);
  return body.data;
}
const { tokenCreate } = await post(
  `${cfg.base}/graphql/`,
  "mutation T($email: String!, $password: String!) { tokenCreate(email: $email, password: $password) { token errors { code message } } }",
  cfg.staff,
);
if (!tokenCreate.token) throw new Error(`tokenCreate: ${JSON.stringify(tokenCreate.errors)}`);
const token = tokenCreate.token;
const crm = (query, variables) => post(CRM, query, variables, token);

// what the screens show: a segment to open in the builder, a customer for the widget
const segments = (
  await crm("{ crmSegments(first: 100) { edges { node { id name kind channel membersCount preset } } } }")
).crmSegments.edges.map((e) => e.node);
const segment = segments.filter((s) => s.kind === "DYNAMIC").sort((a, b) => b.membersCount - a.membersCount)[0] ?? segments[0];
// the customer widget's customer (the one with the most orders; only when that
// screen is measured: on a store of a million accounts the sort is not free)
const widget = !cfg.screens || cfg.screens.includes("customer widget");
const customer = !widget ? undefined : (
  await post(
    `${cfg.base}/graphql/`,
    "{ customers(first: 1, sortBy: {field: ORDER_COUNT, direction: DESC}) { edges { node { id email } } } }",
    {},
    token,
  )
).customers.edges[0]?.node;
const channels = (await post(`${cfg.base}/graphql/`, "{ channels { slug name } }", {}, token)).channels;

const SCREENS = [
  { name: "overview", path: "overview", selectors: ['[data-testid="kpi-revenue"]', '[data-testid="rfm-grid"]'] },
  { name: "segments list", path: "segments", selectors: ['[data-testid="segments-table"] tbody tr'] },
  {
    name: "segment builder",
    path: segment ? `segments/${encodeURIComponent(segment.id)}` : "segments/new",
    // a playbook segment opens in its thresholds editor, any other in the rule editor
    selectors: ['[data-testid="rule-editor"], [data-testid="preset-editor"]', '[data-testid="live-count"]'],
  },
  { name: "coupon rules", path: "coupons", selectors: ['[data-testid="rules-table"] tbody tr'] },
  { name: "loyalty", path: "loyalty", selectors: ['[data-testid="tier-0-name"]'] },
  { name: "rfm", path: "rfm", selectors: ['[data-testid="rfm-map"]', '[data-testid="rfm-sizes"]'] },
  {
    name: "customer widget",
    path: `widgets/customer?${new URLSearchParams({ customerId: customer?.id ?? "" })}`,
    selectors: ['[data-testid="customer-widget"] [data-testid="profile"]'],
  },
];

// runs before the app's scripts in every document of the tab: waits for the
// selectors named in sessionStorage "__bench" and records when they are all there
function observer() {
  const raw = sessionStorage.getItem("__bench");
  if (!raw) return;
  const { selectors } = JSON.parse(raw);
  const ready = () => selectors.every((s) => document.querySelector(s));
  const seen = () => {
    if (window.__dom !== undefined || !ready()) return;
    window.__dom = performance.now();
    requestAnimationFrame(() => {
      window.__usable = performance.now();
    });
    mo.disconnect();
  };
  const mo = new MutationObserver(seen);
  mo.observe(document, { childList: true, subtree: true, attributes: true, characterData: true });
}

// the live count: a keydown timestamp, and the first frame the count is final
function liveCountWatch() {
  window.__keys = [];
  document.addEventListener("keydown", () => window.__keys.push(performance.now()), true);
  window.__expectCount = null;
  window.__shown = [];
  const look = () => {
    if (window.__expectCount === null) return;
    const el = document.querySelector('[data-testid="live-count"]');
    if (!el) return;
    const busy = el.closest('[aria-busy="true"]');
    if (!busy && el.textContent === window.__expectCount) {
      const expect = window.__expectCount;
      window.__expectCount = null;
      const dom = performance.now();
      requestAnimationFrame(() => window.__shown.push({ text: expect, dom, frame: performance.now() }));
    }
  };
  new MutationObserver(look).observe(document, { childList: true, subtree: true, attributes: true, characterData: true });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const round = (x) => Math.round(x * 10) / 10;
const stats = (xs) => ({ median: round(median(xs)), max: round(Math.max(...xs)), min: round(Math.min(...xs)), samples: xs.map(round) });

const browser = await chromium.launch({
  executablePath: cfg.chromium,
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const out = { ok: true, segment, customer: customer ? { id: customer.id } : null, channels, screens: {}, liveCount: null };
try {
  const context = await browser.newContext({ locale: "en-US", viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.addInitScript(observer);
  // sign in once (standalone: Saleor's tokenCreate; the session is kept in the tab)
  await page.goto(APP, { waitUntil: "domcontentloaded" });
  await page.locator('input[type="email"]').waitFor({ timeout: TIMEOUT });
  await page.locator('input[type="email"]').fill(cfg.staff.email);
  await page.locator('input[type="password"]').fill(cfg.staff.password);
  await page.locator('button[type="submit"]').click();
  await page.getByRole("link", { name: en.common.nav.segments, exact: true }).waitFor({ timeout: TIMEOUT });

  // cfg.screens: the names of the screens to measure (absent: all of them)
  for (const screen of SCREENS.filter((s) => !cfg.screens || cfg.screens.includes(s.name))) {
    const samples = [];
    const dom = [];
    for (let i = 0; i < cfg.warmup + cfg.runs; i++) {
      await page.evaluate((s) => sessionStorage.setItem("__bench", JSON.stringify({ selectors: s })), screen.selectors);
      await page.goto(APP + screen.path, { waitUntil: "commit" });
      await page.waitForFunction(() => window.__usable !== undefined, null, { timeout: TIMEOUT, polling: 50 });
      const t = await page.evaluate(() => ({ usable: window.__usable, dom: window.__dom }));
      if (i >= cfg.warmup) {
        samples.push(t.usable);
        dom.push(t.dom);
      }
    }
    const nav = await page.evaluate(() => {
      const n = performance.getEntriesByType("navigation")[0];
      return n ? { domContentLoaded: n.domContentLoadedEventEnd, load: n.loadEventEnd } : null;
    });
    out.screens[screen.name] = { path: screen.path, selectors: screen.selectors, usableMs: stats(samples), domMs: stats(dom), lastNavigation: nav };
    console.error(`${screen.name}: usable median ${round(median(samples))} ms, max ${round(Math.max(...samples))} ms`);
  }
  await page.evaluate(() => sessionStorage.removeItem("__bench"));

  // the live count in the builder
  await page.addInitScript(liveCountWatch);
  await page.goto(APP + "segments/new", { waitUntil: "domcontentloaded" });
  const editor = page.getByTestId("rule-editor");
  await editor.waitFor({ timeout: TIMEOUT });
  const channelName = await page.getByTestId("live-count-card").textContent();
  await editor.getByRole("button", { name: en.segments.group.addCondition, exact: true }).click();
  await editor.getByTestId("value-input").waitFor({ timeout: TIMEOUT });
  await choose(page, editor.getByRole("combobox").nth(0), en.segments.field.paid_orders_count);
  await choose(page, editor.getByRole("combobox").nth(1), en.segments.operator.gte);
  const input = editor.getByTestId("value-input");
  // the channel the builder counts in: the one the app shows (first channel)
  const scope = channels.find((c) => (channelName || "").includes(c.name)) ?? channels[0];
  const expected = {};
  const values = cfg.liveValues;
  // the counts, asked apart: three rounds over the values, each request timed
  // from this process (the API's share of the live count, without the browser)
  const apiMs = [];
  for (let round = 0; round < 3; round++) {
    for (const v of new Set(values)) {
      const t0 = performance.now();
      const r = (
        await crm(
          "query P($channel: String, $rule: JSON) { crmSegmentPreview(channel: $channel, rule: $rule) { result { count total } errors { code message } } }",
          { channel: scope.slug, rule: { and: [{ field: "paid_orders_count", op: "gte", value: v }] } },
        )
      ).crmSegmentPreview;
      apiMs.push(performance.now() - t0);
      if (!r.result) throw new Error(`crmSegmentPreview: ${JSON.stringify(r.errors)}`);
      if (v in expected && expected[v] !== r.result.count) throw new Error(`crmSegmentPreview: ${v} gave two counts`);
      expected[v] = r.result.count;
    }
  }
  const text = (count) => fill(count === 1 ? en.segments.count.customers_one : en.segments.count.customers_other, { n: number(count) });
  await input.click();
  const latencies = [];
  let previous = null;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (previous !== null && expected[v] === expected[previous]) throw new Error("consecutive values with the same count");
    await page.evaluate((t) => {
      window.__expectCount = t;
      window.__keys = [];
    }, text(expected[v]));
    await input.press("Control+a");
    await input.press("Backspace");
    await page.keyboard.type(String(v));
    await page.waitForFunction((n) => window.__shown.length >= n, i + 1, { timeout: TIMEOUT, polling: 20 });
    const { keys, shown } = await page.evaluate(() => ({ keys: window.__keys, shown: window.__shown }));
    const last = keys.at(-1);
    const s = shown.at(-1);
    if (i >= cfg.warmup) latencies.push(s.frame - last);
    previous = v;
  }
  out.liveCount = {
    channel: scope.slug,
    rule: "paid_orders_count gte N",
    values,
    expectedCounts: expected,
    debounceMs: 250,
    afterLastKeystrokeMs: stats(latencies),
    // crmSegmentPreview alone (node's fetch, the staff token), every value
    apiRequestMs: stats(apiMs),
  };
  console.error(`live count: median ${round(median(latencies))} ms, max ${round(Math.max(...latencies))} ms`);
  out.pageErrors = errors.slice(0, 10);
  await context.close();
} catch (error) {
  out.ok = false;
  out.error = String(error && error.stack ? error.stack : error);
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
if (!out.ok) process.exitCode = 1;

// macaw's Select (a downshift combobox), as the browser test chooses options
async function choose(page, combobox, name) {
  const shown = () =>
    combobox.evaluate((el) => `${el.textContent || ""} ${el.value || ""} ${[...el.querySelectorAll("input")].map((i) => i.value).join(" ")}`);
  for (let attempt = 0; attempt < 3; attempt++) {
    await combobox.click();
    const option = page.getByRole("option", { name, exact: true });
    if (!(await option.waitFor({ timeout: 10_000 }).then(() => true, () => false))) continue;
    await option.click().catch(() => undefined);
    const end = Date.now() + 10_000;
    while (Date.now() < end) {
      if ((await shown()).includes(name)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`could not choose "${name}"`);
}
