// The pipeline's stages import one way: every import from one stage folder of src/pipeline (or a
// top-level file such as run.ts) into another points to a lower stage in STAGES, so no stage
// depends on one that consumes its output; the site reads the pipeline and never the reverse; and
// the compare stage stays pure maths (no tfjs, no Node APIs). Each artifact format is its own
// module in artifacts/, and a stage imports only the formats FORMATS_OF says it reads or writes.
// No import cycle, and no function or method in src/ over 60 lines. docs/design.md explains the
// order.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { functionSpans } from "./helpers/function-lengths.ts";

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
  ["run", "report", "verify", "site"],
  ["commands"],
  ["cli"],
];
const rank = new Map(STAGES.flatMap((names, i) => names.map((n) => [n, i] as const)));

/**
 * Modules of artifacts/ every stage may import: the conventions all formats share (schemaVersion,
 * backend, provenance), the suite file whose resolved config every artifact records, and the
 * helpers for files, hashes, safetensors and the run folder's layout.
 */
const SHARED_ARTIFACTS = ["conventions", "suite", "store", "checksums", "hash", "input-error", "safetensors", "provenance", "runs"];

/** Stage -> the format modules of artifacts/ it reads or writes; none for a stage not listed. */
const FORMATS_OF: Record<string, readonly string[]> = {
  capture: ["capture-meta"],
  compare: ["cell-stats", "finding"],
  assemble: ["capture-meta", "compare-result", "run-record", "suite-result"],
  orchestrate: ["capture-meta", "measured-rates", "run-record"],
  publish: ["attention-samples", "attestation", "cell-stats", "manifest", "pooled-findings", "published-suite", "run-record"],
  run: ["run-record", "suite-result"],
  verify: ["run-record"],
  report: ["cell-stats", "finding", "suite-result"],
  // `refit run --shard` prints its runs' records.
  commands: ["measured-rates", "run-record"],
  // The downloads page publishes the JSON Schemas of run records and capture metadata too.
  site: ["attention-samples", "capture-meta", "cell-stats", "finding", "manifest", "pooled-findings", "published-suite", "run-record", "suite-result"],
};
const FORMATS = new Set(Object.values(FORMATS_OF).flat());

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
const ARTIFACTS = path.join(SRC, "pipeline", "artifacts");

/** The subpath imports of package.json (`#site/*`, `#pipeline/*`) -> the folders they name. */
const ALIASES: Record<string, string> = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).imports;

/** The file a relative or `#` import of `file` reaches; undefined for a package import. */
function localTarget(file: string, spec: string): string | undefined {
  if (spec.startsWith(".")) return path.resolve(path.dirname(file), spec);
  const alias = Object.keys(ALIASES).find((a) => spec.startsWith(a.replace("*", "")));
  return alias && path.resolve(ROOT, ALIASES[alias].replace("*", spec.slice(alias.length - 1)));
}

/** Files of the project that `file` imports. */
function localImports(file: string): string[] {
  return specifiers(file).flatMap((s) => localTarget(file, s) ?? []);
}

/** The artifacts/ module (file name without .ts) an import of `file` reaches, if any. */
function artifactImported(file: string, spec: string): string | undefined {
  const target = localTarget(file, spec);
  return target !== undefined && path.dirname(target) === ARTIFACTS ? path.basename(target, ".ts") : undefined;
}

describe("the import graph of src/", () => {
  it("knows the stage of every file", () => {
    const unknown = [...new Set(files.map(stageOf))].filter((s) => !rank.has(s));
    expect(unknown).toEqual([]);
  });

  it("has no arrow from a lower stage to a higher one, or between stages of one rank", () => {
    const upward: string[] = [];
    for (const file of files) {
      const from = stageOf(file);
      for (const target of localImports(file).filter((t) => t.startsWith(SRC + path.sep))) {
        const to = stageOf(target);
        if (to !== from && rank.get(to)! >= rank.get(from)!) upward.push(`${path.relative(ROOT, file)} (${from}) imports ${path.relative(SRC, target)} (${to})`);
      }
    }
    expect(upward).toEqual([]);
  });

  it("has no import cycle, counting type-only imports", () => {
    const importsOf = new Map(files.map((f) => [f, localImports(f)]));
    const state = new Map<string, "open" | "done">();
    const cycles: string[] = [];
    const visit = (file: string, trail: string[]) => {
      state.set(file, "open");
      for (const next of importsOf.get(file) ?? []) {
        if (state.get(next) === "open") cycles.push([...trail.slice(trail.indexOf(next)), file, next].map((f) => path.relative(SRC, f)).join(" -> "));
        else if (!state.has(next)) visit(next, [...trail, file]);
      }
      state.set(file, "done");
    };
    for (const file of files) if (!state.has(file)) visit(file, []);
    expect(cycles).toEqual([]);
  });

  it("has verbs that import no other verb, only what commands/command.ts shares", () => {
    const COMMANDS = path.join(SRC, "pipeline", "commands");
    const isVerb = (spec: string) => spec.startsWith(".") && path.dirname(path.resolve(COMMANDS, spec)) === COMMANDS && path.basename(spec) !== "command.ts";
    const crossing = files
      .filter((f) => path.dirname(f) === COMMANDS)
      .flatMap((f) => specifiers(f).filter(isVerb).map((s) => `${path.basename(f)} imports ${s}`));
    expect(crossing).toEqual([]);
  });

  it("keeps compare/ free of tfjs and Node APIs", () => {
    const impure = files
      .filter((f) => stageOf(f) === "compare")
      .flatMap((f) => specifiers(f).filter((s) => localTarget(f, s) === undefined).map((s) => `${path.relative(ROOT, f)} imports ${s}`));
    expect(impure).toEqual([]);
  });

  it("lets the site climb at most one folder by relative path, the rest through #site/ and #pipeline/", () => {
    const climbing = files
      .filter((f) => stageOf(f) === "site")
      .flatMap((f) => specifiers(f).filter((s) => s.startsWith("../../") && localTarget(f, s)!.startsWith(SRC + path.sep)).map((s) => `${path.relative(ROOT, f)} imports ${s}`));
    expect(climbing).toEqual([]);
  });

  it("has no export that no file uses, its own included", () => {
    const everywhere = ["src", "test", "bench", "bin", ".github/scripts"].flatMap((d) => sourceFiles(path.join(ROOT, d)));
    const texts = new Map(everywhere.map((f) => [f, fs.readFileSync(f, "utf8")]));
    const uses = (name: string) => [...texts.values()].reduce((n, t) => n + (t.match(new RegExp(`\\b${name.replace("$", "\\$")}\\b`, "g"))?.length ?? 0), 0);
    const exportPattern = /^export\s+(?:async\s+)?(?:const|let|function\*?|type|interface|class|enum)\s+([A-Za-z_$][\w$]*)/gm;
    const dead = files
      .filter((f) => !f.endsWith(".astro"))
      .flatMap((f) => [...texts.get(f)!.matchAll(exportPattern)].map((m) => [f, m[1]] as const))
      .filter(([, name]) => uses(name) === 1)
      .map(([f, name]) => `${path.relative(ROOT, f)}: ${name}`);
    expect(dead).toEqual([]);
  });
});

describe("the artifact formats", () => {
  it("are each their own module in artifacts/, no longer one schemas.ts", () => {
    const modules = fs
      .readdirSync(ARTIFACTS)
      .filter((f) => f.endsWith(".ts"))
      .map((f) => f.replace(/\.ts$/, ""));
    expect(modules.filter((m) => !SHARED_ARTIFACTS.includes(m) && !FORMATS.has(m))).toEqual([]);
    expect([...FORMATS, ...SHARED_ARTIFACTS].filter((m) => !modules.includes(m))).toEqual([]);
  });

  it("are imported by no file through the removed artifacts/schemas.ts", () => {
    const removed = path.join(ARTIFACTS, "schemas.ts");
    const everywhere = ["src", "test", "bench", "bin", ".github/scripts"].flatMap((d) => sourceFiles(path.join(ROOT, d)));
    const stale = everywhere.flatMap((f) =>
      specifiers(f)
        .filter((s) => localTarget(f, s) === removed)
        .map((s) => `${path.relative(ROOT, f)} imports ${s}`),
    );
    expect(stale).toEqual([]);
  });

  it("are imported by each stage only as FORMATS_OF allows, and each allowance is used", () => {
    const used = new Map<string, Set<string>>();
    const unallowed: string[] = [];
    for (const file of files.filter((f) => stageOf(f) !== "artifacts")) {
      const stage = stageOf(file);
      for (const spec of specifiers(file)) {
        const format = artifactImported(file, spec);
        if (format === undefined || SHARED_ARTIFACTS.includes(format)) continue;
        if (!(FORMATS_OF[stage] ?? []).includes(format)) unallowed.push(`${path.relative(ROOT, file)} (${stage}) imports ${spec}`);
        used.set(stage, (used.get(stage) ?? new Set()).add(format));
      }
    }
    expect(unallowed).toEqual([]);
    const unused = Object.entries(FORMATS_OF).flatMap(([stage, formats]) => formats.filter((f) => !used.get(stage)?.has(f)).map((f) => `${stage}: ${f}`));
    expect(unused).toEqual([]);
  });

  it("are pure schemas: a format module imports only zod and other format modules", () => {
    const formats = [...FORMATS, "conventions", "suite"];
    const impure = formats.flatMap((m) => {
      const file = path.join(ARTIFACTS, `${m}.ts`);
      return specifiers(file)
        .filter((s) => s !== "zod" && !formats.includes(artifactImported(file, s) ?? ""))
        .map((s) => `artifacts/${m}.ts imports ${s}`);
    });
    expect(impure).toEqual([]);
  });
});

const MAX_FUNCTION_LINES = 60;
/** Files whose functions may still run longer, each with the reason; the list is to be emptied, not grown. */
const LONG_FUNCTIONS_ALLOWED: readonly string[] = [];

describe("the functions of src/", () => {
  const measured = files.filter((f) => /\.(ts|mjs)$/.test(f)).map((f) => ({ file: path.relative(ROOT, f), spans: functionSpans(fs.readFileSync(f, "utf8")) }));
  const long = (m: (typeof measured)[number]) => m.spans.filter((s) => s.lines > MAX_FUNCTION_LINES).map((s) => `${m.file}:${s.line} (${s.lines} lines)`);

  it(`are at most ${MAX_FUNCTION_LINES} lines long`, () => {
    expect(measured.filter((m) => !LONG_FUNCTIONS_ALLOWED.includes(m.file)).flatMap(long)).toEqual([]);
  });

  it("are allowed to be longer only in files that still need it", () => {
    expect(LONG_FUNCTIONS_ALLOWED.filter((f) => measured.every((m) => m.file !== f || long(m).length === 0))).toEqual([]);
  });

  it("are measured from the parameter list to the closing brace, past strings, templates, regexes and types", () => {
    const source = [
      "export function a(x: number): { y: number } {", // 1: a, 5 lines
      "  const s = `${x}}{` + '}'; // }",
      "  const r = /[}{]/.test(s);",
      "  return { y: r ? 1 : 2 };",
      "}",
      "const b = async (p: Promise<{ q: 1 }>) => {", // 6: b, 4 lines
      "  if (p) {",
      "  }",
      "};",
      "class C {",
      "  m<T>(", // 11: m, 3 lines
      "    t: T,",
      "  ): void {}",
      "}",
    ].join("\n");
    expect(functionSpans(source)).toEqual([
      { line: 1, lines: 5 },
      { line: 6, lines: 4 },
      { line: 11, lines: 3 },
    ]);
  });
});
