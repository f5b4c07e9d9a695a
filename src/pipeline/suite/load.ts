// Suite files: YAML parsed with node positions, validated by SuiteSchema, expanded into cells
// and runs (or, for a suite of `models`, its families). Every problem becomes one
// `file:line:col: key: message` line and all of them are reported at once (Starlight's
// parseWithFriendlyErrors, in spirit), so a file is fixed in one pass.
import { readFile } from "node:fs/promises";
import * as path from "node:path";
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from "yaml";
import type { core } from "zod";
import { canonicalJson, sha256Hex } from "../artifacts/hash.ts";
import { planFamilies, type PlannedFamily } from "./families.ts";
import { expandGrid, GridError, runsOf, type Cell, type Run } from "./grid.ts";
import { describeValue, issueMessage, missingKeyMessage, unknownKeyMessage } from "./issues.ts";
import { SuiteSchema, type Suite } from "../artifacts/suite.ts";

export interface LoadedSuite {
  file: string;
  /** The resolved suite (defaults filled, overrides applied): what `hash` covers. */
  suite: Suite;
  /** SHA-256 (hex) of the canonical JSON of `suite`. */
  hash: string;
  /** Trained cells and their runs; none in a suite of `models`. */
  cells: Cell[];
  runs: Run[];
  /** The suite's `models`: families trained elsewhere, one cell each, captured rather than trained. */
  families: PlannedFamily[];
}

export interface LoadOptions {
  /** Replaces the file's `seeds` (e.g. from `--seeds`); part of the resolved suite and its hash. */
  seeds?: number;
}

/** Bad suite input. `message` has one line per problem; the CLI maps this error to exit code 2. */
export class SuiteError extends Error {
  readonly problems: readonly string[];
  constructor(problems: string[]) {
    super(problems.join("\n"));
    this.name = "SuiteError";
    this.problems = problems;
  }
}

type Path = (string | number)[];
type Issue = core.$ZodIssue;

interface Source {
  file: string;
  doc: Document;
  lines: LineCounter;
  raw: unknown;
}

interface Problem {
  line: number;
  col: number;
  path: Path;
  message: string;
}

export async function loadSuite(file: string, opts: LoadOptions = {}): Promise<LoadedSuite> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "file not found" : code === "EISDIR" ? "is a directory, not a suite file" : `cannot read: ${(err as Error).message}`;
    throw new SuiteError([`${file}: ${why}`]);
  }
  return parseSuite(text, file, opts);
}

export function parseSuite(text: string, file: string, opts: LoadOptions = {}): LoadedSuite {
  const source = readYaml(text, file);
  const parsed = SuiteSchema.safeParse(source.raw);
  if (!parsed.success) fail(source, parsed.error.issues.flatMap((issue) => problemsOf(source, issue)));

  const unplottable = figureProblems(source, parsed.data);
  if (unplottable.length > 0) fail(source, unplottable);
  if (parsed.data.models) return loadFamilies(source, parsed.data, opts);
  const suite = withSeeds(parsed.data, opts.seeds, file);
  const overlaps = gridOverlaps(source, suite);
  if (overlaps.length > 0) fail(source, overlaps);

  let cells: Cell[];
  try {
    cells = expandGrid(suite);
  } catch (err) {
    if (!(err instanceof GridError)) throw err;
    fail(source, err.issues.flatMap((issue) => problemsOf(source, issue)));
  }
  return { file, suite, hash: suiteHash(suite), cells, runs: cells.flatMap((cell) => runsOf(cell, suite.seeds)), families: [] };
}

/** What a suite of `models` may not say: it trains nothing. */
const TRAINING_KEYS = ["seeds", "data", "train", "model", "grid"] as const;

/**
 * A suite of `models`: no training keys, no `--seeds`, family names and checkpoint names unique
 * (each names a capture file). Its `seeds` is its largest family's size, what the site shows.
 */
function loadFamilies(source: Source, parsed: Suite, opts: LoadOptions): LoadedSuite {
  const raw = source.raw as Record<string, unknown>;
  const problems: Problem[] = TRAINING_KEYS.filter((k) => Object.hasOwn(raw, k)).map((k) => ({
    ...locate(source, [k], "key"),
    path: [k],
    message: `a suite that lists \`models\` trains nothing, so it takes no \`${k}\`; put trained cells in another suite`,
  }));
  const families = planFamilies(parsed.models!, path.dirname(source.file));
  families.forEach((f, i) => {
    const first = families.findIndex((g) => g.name === f.name);
    if (first < i) problems.push({ ...locate(source, ["models", i, "family"], "value"), path: ["models", i, "family"], message: `family "${f.name}" is also models[${first}]; a family is one cell` });
    f.members.forEach((m, j) => {
      const twin = f.members.findIndex((n) => n.name === m.name);
      if (twin < j) problems.push({ ...locate(source, ["models", i, "checkpoints", j], "value"), path: ["models", i, "checkpoints", j], message: `its name "${m.name}" is also checkpoints[${twin}]'s; their captures would overwrite each other` });
    });
  });
  if (problems.length > 0) fail(source, problems);
  if (opts.seeds !== undefined) throw new SuiteError([`${source.file}: seeds: a suite of models has the seeds its checkpoints have; --seeds ${opts.seeds} cannot change them`]);
  const suite = { ...parsed, seeds: Math.max(...families.map((f) => f.members.length)) };
  return { file: source.file, suite, hash: suiteHash(suite), cells: [], runs: [], families };
}

function readYaml(text: string, file: string): Source {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const source: Source = { file, doc, lines, raw: undefined };
  if (doc.errors.length > 0) {
    fail(
      source,
      doc.errors.map((e) => ({ ...lines.linePos(e.pos[0]), path: [], message: e.message })),
      "YAML syntax",
    );
  }
  try {
    source.raw = doc.toJS();
  } catch (err) {
    fail(source, [{ line: 1, col: 1, path: [], message: (err as Error).message }], "YAML");
  }
  if (!isPlainObject(source.raw)) {
    const top = Object.keys(SuiteSchema.shape).join(", ");
    const found = doc.contents === null ? "an empty file" : describeValue(source.raw);
    fail(source, [{ ...locate(source, [], "value"), path: [], message: `expected a mapping of suite keys (${top}), found ${found}` }]);
  }
  return source;
}

function fail(source: Source, problems: Problem[], rootKey = "(top level)"): never {
  const sorted = [...problems].sort((a, b) => a.line - b.line || a.col - b.col);
  throw new SuiteError(sorted.map((p) => `${source.file}:${p.line}:${p.col}: ${dotted(p.path) || rootKey}: ${p.message}`));
}

function withSeeds(suite: Suite, seeds: number | undefined, file: string): Suite {
  if (seeds === undefined) return suite;
  const checked = SuiteSchema.shape.seeds.safeParse(seeds);
  if (!checked.success) throw new SuiteError([`${file}: seeds: override ${seeds} is invalid: ${checked.error.issues[0].message}`]);
  return { ...suite, seeds: checked.data };
}

/** The suite hash: the resolved suite less its figure, which only says how the site draws it, so declaring one keeps a suite's results. */
function suiteHash(suite: Suite): string {
  return sha256Hex(canonicalJson({ ...suite, figure: undefined }));
}

/** Each axis a figure names must be one of the suite's grid axes, and x, series and facet different ones. */
function figureProblems(source: Source, suite: Suite): Problem[] {
  const axes = Object.keys(suite.grid ?? {});
  const named = Object.entries(suite.figure ?? {}) as [string, string][];
  return named.flatMap(([role, axis], i) => {
    const path = ["figure", role];
    const at = { ...locate(source, path, "value"), path };
    if (!axes.includes(axis)) {
      const why = axes.length === 0 ? "cannot be plotted: the suite has no grid" : `is not a grid axis of this suite (its axes: ${axes.join(", ")})`;
      return [{ ...at, message: `\`${axis}\` ${why}` }];
    }
    const twin = named.findIndex(([, other]) => other === axis);
    return twin < i ? [{ ...at, message: `\`${axis}\` is also figure.${named[twin][0]}; x, series and facet name different axes` }] : [];
  });
}

/** A field set both in its section and as a grid axis is ambiguous (the grid would silently win). */
function gridOverlaps(source: Source, suite: Suite): Problem[] {
  const raw = source.raw as Record<string, unknown>;
  return Object.keys(suite.grid ?? {}).flatMap((key) => {
    const [section, field] = key.split(".");
    const given = raw[section];
    if (!isPlainObject(given) || !Object.hasOwn(given, field)) return [];
    const path = [section, field];
    return [{ ...locate(source, path, "key"), path, message: `also swept by grid key \`${key}\`; set it in one place` }];
  });
}

function problemsOf(source: Source, issue: Issue): Problem[] {
  const path = issue.path.map((seg) => (typeof seg === "number" ? seg : String(seg)));
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => {
      const at = [...path, key];
      return { ...locate(source, at, "key"), path: at, message: unknownKeyMessage(path, key) };
    });
  }
  if (issue.code === "invalid_union") {
    // When the value has the right shape for exactly one alternative, that alternative's own issues say what is wrong.
    const matching = issue.errors.filter((branch) => !branch.some((i) => i.path.length === 0 && (i.code === "invalid_type" || i.code === "invalid_value")));
    if (matching.length === 1) return matching[0].flatMap((sub) => problemsOf(source, { ...sub, path: [...issue.path, ...sub.path] } as Issue));
  }
  // A grid axis is named by its key, so problems with the key or the whole axis point at the key.
  const target = issue.code === "invalid_key" || (path[0] === "grid" && path.length === 2) ? "key" : "value";
  const where = locate(source, path, target);
  const message = where.found ? issueMessage(issue, path, valueAt(source.raw, path)) : missingKeyMessage(issue, path);
  return [{ ...where, path, message }];
}

/**
 * Position of the YAML node at `path` (its key when `target` is "key"); when the path does not
 * exist, the position of the deepest mapping or list that does, with `found` false.
 */
function locate(source: Source, path: Path, target: "key" | "value"): { line: number; col: number; found: boolean } {
  let node: unknown = source.doc.contents;
  let at = node;
  for (const [i, seg] of path.entries()) {
    if (isAlias(node)) node = node.resolve(source.doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (pair === undefined) return { ...positionOf(source, node), found: false };
      at = node = pair.value ?? pair.key;
      if (i === path.length - 1 && target === "key") at = pair.key;
    } else if (isSeq(node) && typeof seg === "number" && seg < node.items.length) {
      at = node = node.items[seg];
    } else {
      return { ...positionOf(source, node), found: false };
    }
  }
  return { ...positionOf(source, at), found: true };
}

function positionOf(source: Source, node: unknown): { line: number; col: number } {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range === undefined ? { line: 1, col: 1 } : source.lines.linePos(range[0]);
}

function valueAt(raw: unknown, path: Path): unknown {
  return path.reduce<unknown>((v, seg) => (v !== null && typeof v === "object" ? (v as Record<string, unknown>)[seg] : undefined), raw);
}

function dotted(path: Path): string {
  return path.map((seg, i) => (typeof seg === "number" ? `[${seg}]` : i === 0 ? seg : `.${seg}`)).join("");
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
