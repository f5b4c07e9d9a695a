// The built site in a real browser: builds test/fixtures/content under a sub-path (as on GitHub
// Pages), serves dist/ on 127.0.0.1 and drives Debian's chromium through playwright-core.
// Checks sorting and filtering, a cell page's charts against the fixture's numbers, the attention
// viewer, links, that a suite description's markup stays text, and axe-core. Screenshots go to test/output/site/.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { buildSite } from "../../src/pipeline/commands/site.ts";
import { loadContent } from "../../src/site/lib/content.ts";
import { missingExecutable, skipUnless } from "../helpers/requires.ts";
import { serveStatic, type Served } from "./serve.ts";

const CHROMIUM = "/usr/bin/chromium";
const FIXTURE = "test/fixtures/content";
const BASE = "/refit/";
const SHOTS = "test/output/site";
const fixture = loadContent(path.resolve(FIXTURE));
const latest = fixture.latest!;

describe.skipIf(skipUnless(missingExecutable(CHROMIUM, "chromium")))("site in chromium", () => {
  let served: Served;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "refit-site-"));
    // Vitest fills process.env with import.meta.env values (BASE_URL "/"), which Astro's prerender would pick up over the configured base.
    delete process.env.BASE_URL;
    await buildSite({ content: FIXTURE, base: BASE, out });
    served = await serveStatic(out, BASE);
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on("pageerror", (e) => errors.push(e.message));
    fs.mkdirSync(SHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await served?.close();
  });

  const visit = async (rel: string, shot?: string) => {
    const res = await page.goto(new URL(rel, served.url).href);
    expect(res?.status()).toBe(200);
    if (shot) await page.screenshot({ path: path.join(SHOTS, `${shot}.png`), fullPage: true });
  };
  const visibleColumn = (n: number) => page.$$eval(`table[data-leaderboard] tbody tr:not([hidden]) > :nth-child(${n})`, (cells) => cells.map((c) => c.textContent!.trim()));

  it("sorts and filters the leaderboard without a reload", async () => {
    await visit("", "leaderboard");
    const nCells = latest.suites.reduce((n, s) => n + s.result.cells.length, 0);
    expect(await page.locator("table[data-leaderboard] tbody tr").count()).toBe(nCells);
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 1));
    await page.click('button[data-sort="stability"]');
    const ascending = (await visibleColumn(10)).map((t) => Number.parseFloat(t));
    expect(ascending).toEqual([...ascending].sort((a, b) => a - b));
    await page.click('button[data-sort="stability"]');
    const descending = (await visibleColumn(10)).map((t) => Number.parseFloat(t));
    expect(descending).toEqual([...ascending].reverse());
    await page.selectOption('select[data-filter="optimizer"]', "adamw");
    expect(await visibleColumn(6)).toEqual(["adamw", "adamw"]);
    await expect.poll(() => page.textContent(".count")).toBe(`2 of ${nCells} cells shown`);
    await page.selectOption('select[data-filter="nLayers"]', "1");
    expect(await visibleColumn(4)).toEqual(["1"]);
    expect(await page.evaluate(() => (window as unknown as { marker: number }).marker)).toBe(1); // same document: no reload
  });

  it("renders a cell page's charts with the fixture's numbers", async () => {
    const suite = latest.suites.find((s) => s.name === "tiny-grid")!;
    const cell = suite.result.cells.find((c) => c.config.model.nLayers === 2)!;
    await visit(`v/${latest.id}/cell/tiny-grid/${cell.cellId}/`, "cell");
    expect(await page.locator("figure svg").count()).toBeGreaterThanOrEqual(4);
    const titles = await page.$$eval("figure svg title", (ts) => ts.map((t) => t.textContent));
    const stats = cell.stats!;
    for (const [l, row] of stats.headStability.entries()) {
      for (const [h, v] of row.entries()) expect(titles).toContain(`layer ${l + 1}, head ${h + 1}: ${v.toFixed(3)}`);
    }
    expect(titles).toContain(`head stability S(l), layer 2: ${stats.layers[1].stability.toFixed(3)}`);
    expect(await page.textContent('[data-metric="stability"]')).toContain(((stats.layers[0].stability + stats.layers[1].stability) / 2).toFixed(3));
  });

  it("changes head and probe in the attention viewer", async () => {
    await visit(`v/${latest.id}/attention/`, "attention");
    const status = page.locator("[data-status]");
    const anchorTitle = () => page.textContent(".panel.anchor h2");
    expect(await anchorTitle()).toContain("layer 1, head 1");
    await page.focus('select[data-control="head"]');
    await page.keyboard.press("ArrowDown"); // keyboard alone changes the head
    await expect.poll(() => status.textContent()).toContain("head 2, probe 1");
    expect(await anchorTitle()).toContain("layer 1, head 2");
    const cell = latest.suites.find((s) => s.attention)!.attention!.cells[0];
    const match = cell.matches[0][1][0];
    const captions = await page.$$eval(".panel .caption", (ps) => ps.map((p) => p.textContent));
    expect(captions).toContain(`cos on this probe ${match.paper.cos[0].toFixed(3)}, cbar over all probes ${match.paper.cbar.toFixed(3)}`);
    await page.selectOption('select[data-control="probe"]', "1");
    await expect.poll(() => status.textContent()).toContain("head 2, probe 2");
    const ticks = await page.$$eval(".panel.anchor svg [aria-label='y-axis tick label'] text", (ts) => ts.map((t) => t.textContent).join(""));
    expect(ticks).toBe(cell.probes[1].tokens.join(""));
    expect(errors).toEqual([]);
  });

  it("shows a suite description's markup as text", async () => {
    await visit("");
    const description = await page.textContent(".suites");
    expect(description).toContain("<script>window.__injected = true</script> <b>not bold</b>");
    expect(await page.evaluate(() => (window as unknown as { __injected?: boolean }).__injected)).toBeUndefined();
    expect(await page.locator(".suites b").count()).toBe(0);
  });

  it("has no broken links", async () => {
    const seen = new Set<string>();
    const queue: [string, string][] = [[served.url, "(start)"]];
    while (queue.length > 0) {
      const [url, from] = queue.shift()!;
      if (seen.has(url)) continue;
      seen.add(url);
      const res = await page.request.get(url);
      expect(res.status(), `${url}, linked from ${from}`).toBe(200);
      if (!(res.headers()["content-type"] ?? "").startsWith("text/html")) continue;
      // Links are read from the HTML as served (no navigation, so /latest/'s redirect cannot interrupt).
      for (const [, h] of (await res.text()).matchAll(/\s(?:href|src)="([^"#]+)[^"]*"/g)) {
        const u = new URL(h.replaceAll("&amp;", "&"), url);
        u.search = "";
        if (u.origin === new URL(served.url).origin) queue.push([u.href, url]);
      }
    }
    expect(seen.size).toBeGreaterThan(20);
  });

  it("passes axe-core with no serious or critical violations", async () => {
    const axe = fs.readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
    const pages: [string, string][] = [
      ["", "home"], [`v/${latest.id}/findings/`, "findings"], [`v/${latest.id}/attention/`, "attention-axe"],
      [`v/${latest.id}/cell/tiny/${latest.suites[0].result.cells[0].cellId}/`, "cell-tiny"], ["versions/", "versions"],
      [`diff/${fixture.versions[0].id}/${latest.id}/`, "diff"], ["methodology/", "methodology"], ["downloads/", "downloads"],
    ];
    for (const [rel, shot] of pages) {
      await visit(rel, shot);
      await page.addScriptTag({ content: axe });
      const violations = await page.evaluate(async () => {
        const result = await (window as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe.run();
        return result.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
      });
      expect(violations, rel || "home").toEqual([]);
    }
  });
});
