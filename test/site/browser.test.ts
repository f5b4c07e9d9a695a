// The built site in a real browser: builds test/fixtures/content, with a pair of versions added
// before it whose diff has a move beyond noise and a retrained cell, under a sub-path (as on GitHub
// Pages), serves dist/ on 127.0.0.1 and drives Debian's chromium through playwright-core.
// Checks sorting, filtering, search and their permalink, a cell page's charts against the fixture's
// numbers, the attention viewer and its permalink, the diff of two chosen versions, links, that a
// suite description's markup stays text, and on every page: no sideways scroll at 390 px, no
// request that fails, and axe-core with no violation. Screenshots go to test/output/site/.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { buildSite } from "../../src/pipeline/publish/site.ts";
import { loadContent } from "../../src/pipeline/publish/content.ts";
import { diffVersions } from "../../src/pipeline/publish/diff.ts";
import { cellChangeLines, diffRowText, reversedText } from "../../src/site/lib/diff.ts";
import { historyPanels, suiteHistories } from "../../src/site/lib/history.ts";
import { OKABE_ITO } from "../../src/site/charts/palette.ts";
import { fmt, fmtInterval } from "../../src/site/lib/format.ts";
import { depthGroups, suiteDepthPoints } from "../../src/site/lib/depth.ts";
import { interestingHead } from "../../src/site/lib/viewer.ts";
import { byExcess, leaderboardRows, leaderboardSummary, LEADERBOARD_COLUMNS, shownColumns } from "../../src/site/lib/leaderboard.ts";
import { axisValueText, studyFigure, studySummary } from "../../src/site/lib/study.ts";
import { missingExecutable, skipUnless } from "../helpers/requires.ts";
import { publish } from "../pipeline/publish/helpers.ts";
import { pointLatest } from "../../src/pipeline/publish/version.ts";
import { freePort, serveStatic, type Served } from "./serve.ts";

const CHROMIUM = "/usr/bin/chromium";
const FIXTURE = path.resolve("test/fixtures/content");
const BASE = "/refit/";
const REPOSITORY = "refit-lab/refit";
const SHOTS = "test/output/site";
/** The browser fetches and draws on a shared 2-core machine: give it time. */
const POLL = { timeout: 15_000 };
const PAIR = { before: "2025-12-01.1", after: "2025-12-02.1" } as const;

/**
 * The site fixture plus a pair of versions published before it (so its latest stays latest), of
 * suite tiny-grid as the fixture's latest has it: in the later one a cell's all-pairs stability
 * drops far past its interval, and another cell is retrained (a new id at the same grid point).
 */
function withDiffPair(): { content: string; moved: string; retrained: { from: string; to: string } } {
  const content = fs.mkdtempSync(path.join(os.tmpdir(), "refit-site-content-"));
  fs.cpSync(FIXTURE, content, { recursive: true });
  const { id, suites } = loadContent(FIXTURE).latest!;
  const grid = suites.find((s) => s.name === "tiny-grid")!;
  const retrained = { from: grid.result.cells[0].cellId, to: "fffffffff001" };
  const before = { id: PAIR.before, suites: [{ name: grid.name, result: structuredClone(grid.result) }] };
  // Retrained: the new id everywhere the result names the cell (its findings' parts too).
  const after = { id: PAIR.after, suites: [{ name: grid.name, result: JSON.parse(JSON.stringify(grid.result).replaceAll(retrained.from, retrained.to)) as typeof grid.result }] };
  const moved = after.suites[0].result.cells[1];
  const headline = moved.stats!.cellEstimates!["meanStability.allPairs"];
  headline.value = headline.value! - 0.2;
  publish(content, before, "2025-12-01T00:00:00.000Z");
  publish(content, after, "2025-12-02T00:00:00.000Z");
  pointLatest(content, id);
  return { content, moved: moved.cellId, retrained };
}

const pair = withDiffPair();
const fixture = loadContent(pair.content);
const latest = fixture.latest!;

describe.skipIf(skipUnless(missingExecutable(CHROMIUM, "chromium")))("site in chromium", () => {
  let served: Served;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  const failed: string[] = [];
  /** Every HTML page, found by the link check. */
  const htmlPages: string[] = [];

  beforeAll(async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "refit-site-"));
    // Vitest fills process.env with import.meta.env values (BASE_URL "/"), which Astro's prerender would pick up over the configured base.
    delete process.env.BASE_URL;
    // The site is built knowing where it is served and whose repository it is, as the Pages workflow builds it.
    const port = await freePort();
    Object.assign(process.env, { REFIT_SITE_URL: `http://127.0.0.1:${port}${BASE}`, REFIT_REPOSITORY: REPOSITORY });
    try {
      await buildSite({ content: pair.content, base: BASE, out });
    } finally {
      delete process.env.REFIT_SITE_URL;
      delete process.env.REFIT_REPOSITORY;
    }
    served = await serveStatic(out, BASE, port);
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("response", (res) => void (res.status() >= 400 && failed.push(`${res.status()} ${res.url()}`)));
    fs.mkdirSync(SHOTS, { recursive: true });
  }, 600_000); // the Astro build alone takes minutes on a loaded 2-core machine
  afterAll(async () => {
    await browser?.close();
    await served?.close();
    fs.rmSync(pair.content, { recursive: true, force: true });
  });

  const visit = async (rel: string, shot?: string) => {
    const res = await page.goto(new URL(rel, served.url).href);
    expect(res?.status()).toBe(200);
    if (shot) await page.screenshot({ path: path.join(SHOTS, `${shot}.png`), fullPage: true });
  };
  /** The visible rows' cells under the header that starts with `header` (found by name, so a new column cannot shift the test onto another). */
  const visibleColumn = async (header: string) => {
    const n = await page.$$eval("table[data-leaderboard] thead th", (ths, h) => ths.findIndex((th) => th.textContent!.trim().startsWith(h)) + 1, header);
    expect(n, `leaderboard column "${header}"`).toBeGreaterThan(0);
    return page.$$eval(`table[data-leaderboard] tbody tr:not([hidden]) > :nth-child(${n})`, (cells) => cells.map((c) => c.textContent!.trim()));
  };

  it("sorts and filters the leaderboard without a reload", async () => {
    await visit("", "leaderboard");
    const nCells = latest.suites.reduce((n, s) => n + s.result.cells.length, 0);
    expect(await page.locator("table[data-leaderboard] tbody tr").count()).toBe(nCells);
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 1));
    await page.click('button[data-sort="stability"]');
    const ascending = (await visibleColumn("Head stability")).map((t) => Number.parseFloat(t));
    expect(ascending).toEqual([...ascending].sort((a, b) => a - b));
    await page.click('button[data-sort="stability"]');
    const descending = (await visibleColumn("Head stability")).map((t) => Number.parseFloat(t));
    expect(descending).toEqual([...ascending].reverse());
    await page.selectOption('select[data-filter="optimizerName"]', "adamw");
    expect(await visibleColumn("Optimizer")).toEqual(["adamw", "adamw"]);
    await expect.poll(() => page.textContent(".count"), POLL).toBe(`2 of ${nCells} cells shown`);
    await page.selectOption('select[data-filter="nLayers"]', "1");
    expect(await visibleColumn("Layers")).toEqual(["1"]);
    expect(await page.evaluate(() => (window as unknown as { marker: number }).marker)).toBe(1); // same document: no reload
  });

  it("searches any config value, and keeps search, filters and sort in a permalink", async () => {
    await visit("");
    await page.fill("input[data-search]", "adamw nlayers=2");
    expect(await visibleColumn("Layers")).toEqual(["2"]);
    expect(await visibleColumn("Optimizer")).toEqual(["adamw"]);
    await page.fill("input[data-search]", "tiny-grid");
    await page.selectOption('select[data-filter="optimizerName"]', "adam + L2");
    await page.click('button[data-sort="stability"]');
    await page.click('button[data-sort="stability"]');
    const url = page.url();
    expect(new URL(url).search).toBe("?q=tiny-grid&sort=stability&dir=desc&optimizerName=adam+%2B+L2");
    const shown = await visibleColumn("Cell");
    expect(shown.length).toBe(2);
    // A fresh page at that address shows the same view.
    const fresh = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await fresh.goto(url);
    expect(await fresh.$$eval("table[data-leaderboard] tbody tr:not([hidden]) > :nth-child(1)", (cells) => cells.map((c) => c.textContent!.trim()))).toEqual(shown);
    expect(await fresh.inputValue("input[data-search]")).toBe("tiny-grid");
    expect(await fresh.inputValue('select[data-filter="optimizerName"]')).toBe("adam + L2");
    expect(await fresh.getAttribute('th:has(button[data-sort="stability"])', "aria-sort")).toBe("descending");
    await fresh.close();
  });

  it("shows every column's definition as text, linked from its heading", async () => {
    await visit("");
    await page.click('a.def[href="#col-excess"]');
    expect(new URL(page.url()).hash).toBe("#col-excess");
    expect(await page.textContent("#col-excess + dd")).toContain("probe-shuffled null");
    expect(await page.locator("dl.columns dt").count()).toBe(await page.locator("table[data-leaderboard] thead th").count());
  });

  it("opens on a one-line summary and the table, ordered by excess, with a column only for settings that vary", async () => {
    await page.setViewportSize({ width: 1400, height: 900 });
    await visit("", "leaderboard-1400");
    const rows = leaderboardRows(latest);
    expect(await page.textContent("[data-summary]")).toBe(leaderboardSummary(rows));
    // The table starts above the fold and fits its box at 1,400 px: nothing clipped, no sideways scroll.
    const box = await page.$eval("table[data-leaderboard]", (t) => ({ top: t.getBoundingClientRect().top, width: t.scrollWidth, room: t.closest(".scroll")!.clientWidth }));
    expect(box.top).toBeLessThan(450);
    expect(box.width).toBeLessThanOrEqual(box.room);
    const heads = await page.$$eval("table[data-leaderboard] thead th", (ths) => ths.map((th) => th.querySelector("button")?.dataset.sort ?? "cell"));
    expect(heads).toEqual(["cell", ...shownColumns(rows).map((c) => c.key)]);
    expect(heads).toContain("dModel"); // the scale fixture varies d_model
    expect(heads).not.toContain("nHeads"); // every fixture cell has 2 heads: said in the summary instead
    expect(heads).not.toContain("untrainedNull");
    expect(LEADERBOARD_COLUMNS.some((c) => c.key === "untrainedNull")).toBe(false);
    expect(await visibleColumn("Cell")).toEqual([...rows].sort(byExcess).map((r) => r.cellId));
    expect(await page.getAttribute('th:has(button[data-sort="excess"])', "aria-sort")).toBe("descending");
    // Intervals are bars; their ends are text that shows when the row's link has focus.
    const first = [...rows].sort(byExcess)[0];
    const ends = page.locator("table[data-leaderboard] tbody tr:first-child td.iv .ends").first();
    expect(await ends.textContent()).toContain(fmtInterval(first.excessInterval));
    expect((await ends.boundingBox())!.width).toBeLessThanOrEqual(1);
    await page.focus("table[data-leaderboard] tbody tr:first-child th a");
    expect((await ends.boundingBox())!.width).toBeGreaterThan(20);
    // On a small screen the header and the cell column stay in view while the table scrolls in its box.
    await page.setViewportSize({ width: 700, height: 400 });
    await page.$eval("table[data-leaderboard]", (t) => t.closest(".scroll")!.scrollBy(200, 200));
    const stuck = await page.$eval("table[data-leaderboard]", (t: HTMLTableElement) => {
      const scroller = t.closest(".scroll")!;
      const box = scroller.getBoundingClientRect();
      const th = t.tHead!.rows[0].cells[3].getBoundingClientRect();
      const cell = t.tBodies[0].rows[8].cells[0].getBoundingClientRect();
      return { scrolled: [scroller.scrollLeft, scroller.scrollTop], header: th.top - box.top, column: cell.left - box.left };
    });
    expect(stuck.scrolled.every((x) => x > 0)).toBe(true);
    expect(Math.abs(stuck.header)).toBeLessThan(2);
    expect(Math.abs(stuck.column)).toBeLessThan(2);
    await page.setViewportSize({ width: 1280, height: 900 });
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
    expect(titles).toContain(`probe-shuffled null, layer 1: ${stats.estimates![0]["null.probeShuffled"].value!.toFixed(3)}`);
    const excess = stats.estimates![0]["excess.informativeNull"];
    expect(titles).toContain(`layer 1: 95% interval [${[excess.lo!, excess.hi!].map((x) => `${x > 0 ? "+" : ""}${x.toFixed(3)}`).join(", ")}]`);
    expect(await page.textContent('[data-metric="stability"]')).toContain(fmt(stats.cellEstimates!["meanStability.allPairs"].value));
    expect(await page.textContent('[data-metric="excess"]')).toContain(fmt(stats.cellEstimates!["meanExcess.informativeNull"].value));
  });

  it("marks, in words, the cells whose heads do not clear the nulls, and filters them", async () => {
    const rows = leaderboardRows(latest);
    const notClearing = rows.filter((r) => r.excessInterval !== null && r.excessInterval[0] <= 0);
    expect(rows.filter((r) => r.clears === "no")).toEqual(notClearing);
    expect(notClearing.length).toBeGreaterThan(0);
    await visit("");
    await page.selectOption('select[data-filter="clears"]', "no");
    expect(await visibleColumn("Cell")).toEqual([...notClearing].sort(byExcess).map((r) => r.cellId));
    expect(new Set(await visibleColumn("Clears the nulls"))).toEqual(new Set(["✗ no"]));
    const [first] = notClearing;
    await visit(`v/${latest.id}/cell/${first.suite}/${first.cellId}/`);
    expect(await page.textContent("[data-clears]")).toContain("does not clear the nulls");
  });

  it("draws the paper's relative-depth figure per suite, and each suite's study figure from its axes, declared or inferred", async () => {
    await visit("");
    // One overlaid figure per suite, every depth group a line on the same axis.
    const withDepth = latest.suites.filter((s) => depthGroups(s.result).length > 0);
    expect(await page.locator('figure[aria-label^="Layer stability against relative depth"]').count()).toBe(withDepth.length);
    const grid = latest.suites.find((s) => s.name === "tiny-grid")!;
    const lines = new Set(suiteDepthPoints(grid.result).map((p) => p.depth));
    expect(lines).toEqual(new Set(["1 layer, optimizer adam", "1 layer, optimizer adamw", "2 layers, optimizer adam", "2 layers, optimizer adamw"]));
    const deep = grid.result.cells.find((c) => c.config.model.nLayers === 2 && c.config.train!.optimizer === "adamw")!;
    const depthFigure = page.locator('figure[aria-label="Layer stability against relative depth, suite tiny-grid"]');
    const titles = await depthFigure.locator("svg title").allTextContents();
    expect(titles).toContain(`2 layers, optimizer adamw, layer 1 (l/L 0.50): S(l) ${deep.stats!.layers[0].stability.toFixed(3)}`);
    // Every suite whose cells vary gets its study figure, with no suite known to the site by name.
    const studies = latest.suites.flatMap((s) => (studyFigure(s.result) ? [{ name: s.name, figure: studyFigure(s.result)! }] : []));
    expect(studies.map((s) => s.name).sort()).toEqual(["prompt-length", "scale", "tiny-grid"]);
    for (const { name, figure } of studies) {
      const drawn = page.locator(`figure[aria-label="Study figure, suite ${name}"]`);
      const facets = new Set(figure.points.map((p) => p.facet)).size;
      expect(await drawn.locator("svg[class^='plot']").count()).toBe(2 * facets);
      const titles = await drawn.locator("svg title").allTextContents();
      for (const p of figure.points) expect(titles.some((t) => t.includes(`: stability ${fmt(p.stability)}`) && t.includes(` ${axisValueText(p.x)}: `))).toBe(true);
    }
    // The prompt-length suite's one line is summed up in words, from the data, in its caption.
    const lengths = studies.find((s) => s.name === "prompt-length")!.figure;
    expect(await page.locator('figure[aria-label="Study figure, suite prompt-length"] figcaption').textContent()).toContain(studySummary(lengths)!);
    await visit("methodology/", "methodology");
    expect(await page.locator("#study-figures + p").textContent()).toContain("the axis with the most values as x");
  });

  it("tabulates every finding's verdict per suite on the findings page, linking to its card", async () => {
    await visit(`v/${latest.id}/findings/`, "findings");
    const heads = await page.$$eval("table.scorecard thead th", (ths) => ths.map((t) => t.textContent!.trim()));
    expect(heads).toEqual(["Finding", ...latest.suites.map((s) => s.name)]);
    const cells = await page.$$eval("table.scorecard tbody tr", (trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.querySelector(".verdict")!.textContent!.trim())));
    expect(cells.slice(0, 5)).toEqual(
      [1, 2, 3, 4, 5].map((n) => latest.suites.map((s) => s.result.findings?.find((f) => f.id === `finding${n}`)?.verdict ?? "not evaluated")),
    );
    const target = await page.getAttribute("table.scorecard tbody tr:first-child td a", "href");
    expect(await page.locator(`[id="${target!.slice(1)}"]`).count()).toBe(1);
    // Every scorecard link lands on something: a card, or the suite's section for a control it cannot test.
    const targets = await page.$$eval("table.scorecard a[href^='#']", (as) => as.map((a) => a.getAttribute("href")!.slice(1)));
    expect(targets.length).toBeGreaterThan(0);
    expect(await page.$$eval("table.scorecard a[href^='#']", (as) => as.filter((a) => !document.getElementById(a.getAttribute("href")!.slice(1))).length)).toBe(0);
    // Verdicts differ by colour and by icon, not by text alone.
    const looks = await page.$$eval("table.scorecard .verdict", (vs) =>
      vs.map((v) => ({ text: v.textContent!.trim(), bg: getComputedStyle(v).backgroundColor, icon: getComputedStyle(v, "::before").content })),
    );
    const byVerdict = new Map(looks.filter((l) => l.text !== "not evaluated").map((l) => [l.text, l]));
    expect(byVerdict.size).toBeGreaterThan(1);
    const kinds = [...byVerdict.values()];
    expect(new Set(kinds.map((k) => k.bg)).size).toBe(kinds.length);
    expect(new Set(kinds.map((k) => k.icon)).size).toBe(kinds.length);
    for (const k of kinds) expect(k.icon).not.toBe("none");
    // The finding column stays in view while the scorecard scrolls sideways on a phone.
    await page.setViewportSize({ width: 390, height: 844 });
    const stuck = await page.$eval("table.scorecard", (t: HTMLTableElement) => {
      const scroller = t.closest(".scroll")!;
      scroller.scrollLeft = 200;
      return { scrolled: scroller.scrollLeft, offset: t.tBodies[0].rows[0].cells[0].getBoundingClientRect().left - scroller.getBoundingClientRect().left };
    });
    await page.setViewportSize({ width: 1280, height: 900 });
    expect(stuck.scrolled).toBeGreaterThan(0);
    expect(Math.abs(stuck.offset)).toBeLessThan(2);
  });

  it("gives BibTeX for the version with its absolute address, and for the paper", async () => {
    await visit("");
    // Absolute in the HTML as built, not only after the page's script has run.
    const html = await (await page.request.get(`${served.url}v/${latest.id}/`)).text();
    expect(html).toContain(`howpublished = {\\url{${served.url}v/${latest.id}/}},`);
    const bib = await page.textContent("pre[data-bibtex-path]");
    expect(bib).toContain(`howpublished = {\\url{${served.url}v/${latest.id}/}},`);
    expect(bib).toContain("author = {{refit-lab}},");
    const cff = await page.request.get(`${served.url}CITATION.cff`);
    expect(cff.status()).toBe(200);
    expect(await cff.text()).toContain(`url: "${served.url}"\nrepository-code: "https://github.com/${REPOSITORY}"`);
    expect(await page.textContent("#cite ~ pre:not([data-bibtex-path])")).toContain("eprint = {2602.16740}");
  });

  it("opens the attention viewer on the cell's most telling head, with a legend, and changes head and probe", async () => {
    await visit(`v/${latest.id}/attention/`, "attention");
    const status = page.locator("[data-status]");
    const anchorTitle = () => page.textContent(".panel.anchor h2");
    const suite = latest.suites.find((s) => s.attention)!;
    const cell = suite.attention!.cells[0];
    const start = interestingHead(suite.result.cells.find((c) => c.cellId === cell.cellId)!.stats);
    expect(start.why).not.toBe("");
    expect(await anchorTitle()).toContain(`layer ${start.layer + 1}, head ${start.head + 1}`);
    expect(await status.textContent()).toContain(start.why);
    expect(await page.locator("figure.legend svg").count()).toBe(1);
    expect(await page.textContent("figure.legend")).toContain("attention weight");
    // Every cell in the menu reads differently.
    const labels = await page.$$eval('select[data-control="cell"] option', (os) => os.map((o) => o.textContent));
    expect(new Set(labels).size).toBe(labels.length);
    await page.focus('select[data-control="head"]');
    const down = start.head + 1 < cell.nHeads;
    await page.keyboard.press(down ? "ArrowDown" : "ArrowUp"); // keyboard alone changes the head
    const head = start.head + (down ? 1 : -1);
    await expect.poll(() => status.textContent(), POLL).toContain(`head ${head + 1}, probe 1`);
    expect(await anchorTitle()).toContain(`layer ${start.layer + 1}, head ${head + 1}`);
    const match = cell.matches[start.layer][head][0];
    const captions = await page.$$eval(".panel .caption", (ps) => ps.map((p) => p.textContent));
    expect(captions).toContain(`cos on this probe ${match.paper.cos[0].toFixed(3)}, cbar over all probes ${match.paper.cbar.toFixed(3)}`);
    await page.selectOption('select[data-control="probe"]', "1");
    await expect.poll(() => status.textContent(), POLL).toContain(`head ${head + 1}, probe 2`);
    const ticks = await page.$$eval(".panel.anchor svg [aria-label='y-axis tick label'] text", (ts) => ts.map((t) => t.textContent).join(""));
    expect(ticks).toBe(cell.probes[1].tokens.join(""));
    expect(errors).toEqual([]);
  });

  it("opens the attention viewer from a permalink and writes the choice back to the address", async () => {
    const suite = latest.suites.find((s) => s.name === "tiny-grid")!;
    const cell = suite.attention!.cells.find((c) => c.nLayers === 2)!;
    await visit(`v/${latest.id}/attention/?suite=tiny-grid&cell=${cell.cellId}&layer=2&head=2&probe=3`);
    const status = page.locator("[data-status]");
    await expect.poll(() => status.textContent(), POLL).toMatch(new RegExp(`^Layer 2, head 2, probe 3 of cell ${cell.cellId}[.:]`));
    expect(await page.textContent(".panel.anchor h2")).toContain("layer 2, head 2");
    const match = cell.matches[1][1][0];
    const captions = await page.$$eval(".panel .caption", (ps) => ps.map((p) => p.textContent));
    expect(captions).toContain(`cos on this probe ${match.paper.cos[2].toFixed(3)}, cbar over all probes ${match.paper.cbar.toFixed(3)}`);
    await page.selectOption('select[data-control="head"]', "0");
    await expect.poll(() => new URL(page.url()).search, POLL).toBe(`?suite=tiny-grid&cell=${cell.cellId}&layer=2&head=1&probe=3`);
    await page.reload();
    await expect.poll(() => status.textContent(), POLL).toMatch(new RegExp(`^Layer 2, head 1, probe 3 of cell ${cell.cellId}[.:]`));
    expect(await page.inputValue('select[data-control="layer"]')).toBe("1");
  });

  it("diffs two versions chosen on the versions page, as refit diff does", async () => {
    const [older, newer] = [fixture.versions[0], latest];
    await visit("versions/");
    await page.selectOption('select[name="from"]', newer.id);
    await page.selectOption('select[name="to"]', older.id);
    await page.click('form.picker button[type="submit"]');
    await expect.poll(() => page.textContent("[data-diff-status]"), POLL).toContain(`Version ${newer.id} to ${older.id}:`);
    expect(new URL(page.url()).search).toBe(`?from=${newer.id}&to=${older.id}`);
    // The newer version given as the "from" one is said plainly, above the table.
    expect(await page.locator("[data-diff-reversed]").isVisible()).toBe(true);
    expect(await page.textContent("[data-diff-reversed]")).toBe(reversedText(diffVersions(newer, older)));
    const want = diffVersions(newer, older).moves.map(diffRowText);
    const rows = await page.$$eval("table.diff tbody tr", (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent!.trim())));
    expect(rows).toEqual(want.map((t) => [t.cell, t.metric, t.before, t.after, t.change, t.interval, t.verdict]));
    expect(rows.some((r) => r[1] === "layer 1 residual CKA")).toBe(true);
    // Only the moves beyond noise show until the reader asks for every row.
    const beyond = diffVersions(newer, older).moves.filter((m) => m.beyondNoise === true).length;
    expect(await page.locator("table.diff tbody tr:visible").count()).toBe(beyond);
    expect(beyond).toBeLessThan(want.length);
    // A sentence stands in for an empty beyond-noise view, and gives way to the table of every row.
    expect(await page.locator("[data-none-beyond]").isVisible()).toBe(beyond === 0);
    await page.check("input[data-all-rows]");
    expect(await page.locator("table.diff tbody tr:visible").count()).toBe(want.length);
    expect(await page.locator("[data-none-beyond]").isVisible()).toBe(false);
    // In publishing order the pair is not reversed; the versions page charts each suite's headline over the versions.
    await visit(`diff/${fixture.versions.at(-2)!.id}/${latest.id}/`);
    expect(await page.locator(".note strong", { hasText: "Reversed order" }).count()).toBe(0);
    await visit("versions/");
    const histories = suiteHistories(fixture).filter((h) => h.points.length > 0);
    const history = page.locator('figure[aria-label="Each suite\'s head stability across published versions"]');
    expect(await history.locator("svg[class^='plot']").count()).toBe(histories.flatMap((h) => historyPanels(h, OKABE_ITO.length)).length);
    const dots = await history.locator("svg title").allTextContents();
    for (const p of histories.flatMap((h) => h.points)) expect(dots.some((t) => t.startsWith(`${p.series}, ${p.version}: ${fmt(p.value)}`))).toBe(true);
    expect(rows.flat().filter((c) => /^[-+]0\.0+$/.test(c))).toEqual([]);
  });

  it("shows, for a pair with a move beyond noise and a retrained cell, that row, the cell's before and after, and the reversed order", async () => {
    const [before, after] = [PAIR.before, PAIR.after].map((id) => fixture.versions.find((v) => v.id === id)!);
    await visit("versions/");
    await page.selectOption('select[name="from"]', after.id);
    await page.selectOption('select[name="to"]', before.id);
    await page.click('form.picker button[type="submit"]');
    await expect.poll(() => page.textContent("[data-diff-status]"), POLL).toContain(`Version ${after.id} to ${before.id}:`);
    const d = diffVersions(after, before);
    expect(await page.textContent("[data-diff-reversed]")).toBe(reversedText(d));
    expect(await page.locator("[data-diff-reversed]").isVisible()).toBe(true);
    // Only the moves beyond noise show, the moved headline among them.
    const beyond = d.moves.filter((m) => m.beyondNoise === true).map(diffRowText);
    const shown = await page.$$eval("table.diff tbody tr", (trs) => trs.filter((tr) => (tr as HTMLElement).offsetParent !== null).map((tr) => [...tr.children].map((c) => c.textContent!.trim())));
    expect(shown).toEqual(beyond.map((t) => [t.cell, t.metric, t.before, t.after, t.change, t.interval, t.verdict]));
    expect(shown).toContainEqual(expect.arrayContaining([`tiny-grid/${pair.moved}`, "head stability (all pairs)", "beyond interval"]));
    expect(await page.locator("[data-none-beyond]").isVisible()).toBe(false);
    // The retrained cell is compared with the one it replaces: a line naming both, and its rows before and after.
    const line = cellChangeLines(d).find((l) => l.label.startsWith("Retrained"))!;
    expect(line.cells.map((c) => c.text)).toEqual([`tiny-grid/${pair.retrained.to} → ${pair.retrained.from}`]);
    expect(await page.textContent("[data-diff-cells]")).toContain(`${line.label}${line.cells[0].text}.`);
    await page.check("input[data-all-rows]");
    const rows = await page.$$eval("table.diff tbody tr th", (ths) => ths.map((th) => th.textContent!.trim()));
    expect(rows).toContain(`tiny-grid/${pair.retrained.from} (retrained; was ${pair.retrained.to})`);
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
      if (!url.endsWith("/latest/")) htmlPages.push(url); // /latest/ only redirects
      // Links are read from the HTML as served (no navigation, so /latest/'s redirect cannot interrupt).
      for (const [, h] of (await res.text()).matchAll(/\s(?:href|src|action)="([^"#]+)[^"]*"/g)) {
        const u = new URL(h.replaceAll("&amp;", "&"), url);
        u.search = "";
        if (u.origin === new URL(served.url).origin) queue.push([u.href, url]);
      }
    }
    expect(seen.size).toBeGreaterThan(20);
  });

  it("fits every page in 390 px without sideways scrolling, chart text at 11 px or more, no broken in-page anchor and no failed request", async () => {
    expect(htmlPages.length).toBeGreaterThan(20);
    await page.setViewportSize({ width: 390, height: 844 });
    const wide: string[] = [];
    const broken: string[] = [];
    const tiny: string[] = [];
    for (const url of htmlPages) {
      await page.goto(url);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      if (width > 390) wide.push(`${url}: ${width} px`);
      // In-page anchors: every link to a place on this page finds an element with that id.
      const missing = await page.$$eval("a[href*='#']", (as) =>
        as.flatMap((a) => {
          const u = new URL((a as HTMLAnchorElement).href);
          const here = u.origin + u.pathname === location.origin + location.pathname;
          return here && u.hash.length > 1 && !document.getElementById(decodeURIComponent(u.hash.slice(1))) ? [u.hash] : [];
        }),
      );
      broken.push(...missing.map((h) => `${url}${h}`));
      // Chart text as drawn on the screen: its font size times the scale the SVG is drawn at.
      const smallest = await page.$$eval("main svg text", (ts) =>
        ts.flatMap((t) => {
          const m = (t as SVGTextElement).getScreenCTM();
          const size = parseFloat(getComputedStyle(t).fontSize) * (m ? Math.hypot(m.a, m.b) : 1);
          return t.textContent!.trim() && t.getClientRects().length > 0 ? [size] : [];
        }),
      );
      if (smallest.length > 0 && Math.min(...smallest) < 11) tiny.push(`${url}: ${Math.min(...smallest).toFixed(1)} px`);
    }
    // The version page's figures (depth, study), the versions page's history and a cell page's
    // charts reflow at 390 px: panels stacked one above the other, none scrolling sideways in its box.
    const grid = latest.suites.find((s) => s.name === "tiny-grid")!;
    const cellPage = `v/${latest.id}/cell/tiny-grid/${grid.result.cells.find((c) => c.config.model.nLayers === 2)!.cellId}/`;
    const layout: { url: string; label: string | null; scrolls: boolean; stacked: boolean }[] = [];
    for (const rel of [`v/${latest.id}/`, "versions/", cellPage]) {
      await page.goto(new URL(rel, served.url).href);
      if (rel === cellPage) await page.screenshot({ path: path.join(SHOTS, "cell-390.png") }); // the first screen a phone shows
      const charts = await page.$$eval("main figure .chart", (cs) =>
        cs.map((c) => {
          const boxes = [...c.querySelectorAll("svg[class^='plot']")].map((s) => s.getBoundingClientRect());
          return { label: c.getAttribute("aria-label"), scrolls: c.scrollWidth > c.clientWidth, stacked: boxes.every((b, i) => i === 0 || b.top >= boxes[i - 1].bottom) };
        }),
      );
      layout.push(...charts.map((c) => ({ url: rel, ...c })));
    }
    expect(layout.filter((l) => l.label?.startsWith("Study figure")).length).toBeGreaterThan(0);
    // Every chart of the cell page: per-layer stability and excess, profile, both heatmaps, importance, cross-layer, history, training curves.
    expect(layout.filter((l) => l.url === cellPage).length).toBeGreaterThanOrEqual(8);
    expect(layout.filter((l) => l.scrolls || !l.stacked)).toEqual([]);
    await page.setViewportSize({ width: 1280, height: 900 });
    expect(wide).toEqual([]);
    expect(broken).toEqual([]);
    expect(tiny).toEqual([]);
    expect(failed).toEqual([]);
  }, 600_000);

  it("passes axe-core with no violations on every kind of page, at 1,400 and 390 px", async () => {
    const axe = fs.readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
    // Every page, except that of a suite's cell pages in one version (one template over like data)
    // only the first is checked: axe takes seconds a page, and the fixture has 23 cell pages.
    const cellSuite = (url: string) => /\/v\/([^/]+)\/cell\/([^/]+)\//.exec(url)?.slice(1).join("/");
    const pages = htmlPages.filter((url, i) => !cellSuite(url) || htmlPages.findIndex((u) => cellSuite(u) === cellSuite(url)) === i);
    expect(pages.length).toBeGreaterThan(20);
    const found: string[] = [];
    for (const [url, width] of pages.flatMap((u) => [[u, 1400], [u, 390]] as const)) {
      await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
      await page.goto(url);
      await page.addScriptTag({ content: axe });
      const violations = await page.evaluate(async () => {
        const axe = (window as unknown as { axe: { run(o: object): Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }> } }).axe;
        const result = await axe.run({ resultTypes: ["violations"] });
        return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
      });
      found.push(...violations.map((v) => `${url} at ${width} px: ${v}`));
    }
    await page.setViewportSize({ width: 1280, height: 900 });
    expect(found).toEqual([]);
  }, 1_200_000);
});
