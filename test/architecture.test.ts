// The pipeline's stages import one way: every import from one stage folder of src/pipeline (or a
// top-level file such as run.ts) into another points to a lower stage in STAGES, so no stage
// depends on one that consumes its output; the site reads the pipeline and never the reverse; and
// the compare stage stays pure maths (no tfjs, no Node APIs). docs/design.md explains the order.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "..");
const SRC = path.join(ROOT, "src");

/** Lowest first; stages on one line share a rank and may not import each other. */
const STAGES: readonly (readonly string[])[] = [
  ["artifacts", "kernels"],
  ["suite"],
  ["data"],
  ["model"],
  ["train"],
  ["capture"],
  ["compare"],
  ["assemble"],
  ["orchestrate"],
  ["publish"],
  ["run", "report", "site"],
  ["commands"],
  ["cli"],
];
const rank = new Map(STAGES.flatMap((names, i) => names.map((n) => [n, i] as const)));

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return /\.(ts|astro|mjs)$/.test(e.name) ? [p] : [];
  });
}

/** src/site/** -> "site"; src/pipeline/<stage>/** -> stage; src/pipeline/<file>.ts -> file name. */
function stageOf(file: string): string {
  const [top, second, third] = path.relative(SRC, file).split(path.sep);
  if (top === "site") return "site";
  return third === undefined ? second.replace(/\.ts$/, "") : second;
}

/** Module specifiers a file imports or re-exports, statically or dynamically. */
function specifiers(file: string): string[] {
  const text = fs.readFileSync(file, "utf8");
  const pattern = /^\s*(?:import|export)\s[^;]*?\bfrom\s*["']([^"']+)["']|^\s*import\s*["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)/gm;
  return [...text.matchAll(pattern)].map((m) => m[1] ?? m[2] ?? m[3]);
}

const files = sourceFiles(SRC);

describe("the import graph of src/", () => {
  it("knows the stage of every file", () => {
    const unknown = [...new Set(files.map(stageOf))].filter((s) => !rank.has(s));
    expect(unknown).toEqual([]);
  });

  it("has no arrow from a lower stage to a higher one, or between stages of one rank", () => {
    const upward: string[] = [];
    for (const file of files) {
      const from = stageOf(file);
      for (const spec of specifiers(file).filter((s) => s.startsWith("."))) {
        const target = path.resolve(path.dirname(file), spec);
        if (!target.startsWith(SRC + path.sep)) continue;
        const to = stageOf(target);
        if (to !== from && rank.get(to)! >= rank.get(from)!) upward.push(`${path.relative(ROOT, file)} (${from}) imports ${spec} (${to})`);
      }
    }
    expect(upward).toEqual([]);
  });

  it("keeps compare/ free of tfjs and Node APIs", () => {
    const impure = files
      .filter((f) => stageOf(f) === "compare")
      .flatMap((f) => specifiers(f).filter((s) => !s.startsWith(".")).map((s) => `${path.relative(ROOT, f)} imports ${s}`));
    expect(impure).toEqual([]);
  });
});
