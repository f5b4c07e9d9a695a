// Builds the static leaderboard (Astro, astro.config.mjs) from published content. The content
// root, base path and output folder reach the build as environment variables, which
// astro.config.mjs and src/site/lib/content.ts read. Used by `refit site` (which first refuses a
// content root with no published version) and the site benchmark.
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { InputError } from "../artifacts/input-error.ts";
import { temporaryFor } from "../artifacts/store.ts";
import { loadContent } from "./content.ts";

const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

export interface BuildSiteOptions {
  /** Published content root (latest.json, versions/). */
  content: string;
  /** Base path the site is served from, e.g. "/refit/" for a GitHub Pages project site. */
  base: string;
  out: string;
}

/** Why `root` holds no published version (missing folder, no versions/), or null when it holds one. */
export function emptyContentReason(root: string): string | null {
  if (!fs.existsSync(root)) return `${root} does not exist`;
  const versions = path.join(root, "versions");
  if (!fs.existsSync(versions)) return `${root} holds no published version (no versions/ folder)`;
  if (!fs.readdirSync(versions).some((d) => !d.startsWith("."))) return `${versions} is empty`;
  return null;
}

/**
 * Builds into a hidden folder of the project and moves the result to `opts.out`: Astro's
 * prerender bundle imports the site's packages from where it is written, which resolves only
 * inside the project, and a failed build then leaves nothing at `opts.out`, not half a site.
 */
export async function buildSite(opts: BuildSiteOptions): Promise<void> {
  // Checked here first: inside Astro's bundle a ContentError is another class and would reach the
  // user as a stack trace, not as the one line (exit 2) that cli.ts prints for bad content.
  loadContent(path.resolve(opts.content));
  const out = path.resolve(opts.out);
  // The output folder is replaced whole, so it may not hold the project or the content.
  for (const kept of [REPO_ROOT, path.resolve(opts.content)]) {
    if (!path.relative(out, kept).startsWith("..")) throw new InputError(`--out ${out} would replace ${kept}; choose a folder of its own`);
  }
  const staging = path.join(REPO_ROOT, `.site-build-${process.pid}`);
  fs.rmSync(staging, { recursive: true, force: true });
  process.env.REFIT_CONTENT_DIR = path.resolve(opts.content);
  process.env.REFIT_SITE_BASE = opts.base;
  process.env.REFIT_SITE_OUT = staging;
  process.env.ASTRO_TELEMETRY_DISABLED = "1";
  // Astro puts its prerender bundle under the working directory, whence it must import the site's packages.
  const cwd = process.cwd();
  process.chdir(REPO_ROOT);
  try {
    const { build } = await import("astro");
    try {
      await holdingStderr(() => build({ root: REPO_ROOT, logLevel: "warn" }));
    } catch (e) {
      throw buildFailure(e, out);
    }
    moveInto(staging, out);
  } finally {
    process.chdir(cwd);
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** The build failed inside Astro or its bundler: nothing reached --out. One line; the cause is kept for REFIT_DEBUG=1. */
export class SiteBuildError extends Error {
  override name = "SiteBuildError";
}

/**
 * One line for a failed build: the error's first line and, where a bundler wrapped an
 * operating-system error deeper in its message (rolldown's "File too large (os error 27)"), that line.
 */
function buildFailure(e: unknown, out: string): SiteBuildError {
  const lines = String(e instanceof Error ? e.message : e)
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "");
  const os = lines.slice(1).find((l) => /\(os error \d+\)|\bE[A-Z]{3,}\b/.test(l));
  const what = [lines[0] ?? "no message", os].filter((l) => l !== undefined).join(" … ");
  return new SiteBuildError(`the site build failed (${what}); --out ${out} was left as it was (REFIT_DEBUG=1 shows the whole error)`, { cause: e });
}

/**
 * Runs `fn` with what it writes to stderr held back: Astro logs a failed build as lines of its own
 * before it throws, so those are dropped for the one line cli.ts prints, and a build that succeeds
 * has its warnings written after it. REFIT_DEBUG=1 lets everything through as it comes.
 */
async function holdingStderr<T>(fn: () => Promise<T>): Promise<T> {
  if (process.env.REFIT_DEBUG === "1") return fn();
  const write = process.stderr.write.bind(process.stderr);
  const held: (string | Uint8Array)[] = [];
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    held.push(chunk);
    const done = rest.find((r) => typeof r === "function") as (() => void) | undefined;
    done?.();
    return true;
  }) as typeof process.stderr.write;
  try {
    const result = await fn();
    process.stderr.write = write;
    for (const chunk of held) write(chunk);
    return result;
  } finally {
    process.stderr.write = write;
  }
}

/**
 * Replaces `to` with `from`. The new site is put beside `to` first (a rename on one file system,
 * else a copy), so a copy that fails, e.g. on a full disk, leaves `to` as it was and no half site.
 */
function moveInto(from: string, to: string): void {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  const beside = temporaryFor(to);
  try {
    fs.renameSync(from, beside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EXDEV") throw e;
    try {
      copyTree(from, beside);
    } catch (copying) {
      fs.rmSync(beside, { recursive: true, force: true });
      throw copying;
    }
  }
  fs.rmSync(to, { recursive: true, force: true });
  fs.renameSync(beside, to);
}

/**
 * Copies a folder file by file. Not fs.cpSync: on a full file system its native copy reports EIO
 * with no code, where copyFileSync reports ENOSPC; the error names the file being written.
 */
function copyTree(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const [source, target] = [path.join(from, entry.name), path.join(to, entry.name)];
    if (entry.isDirectory()) {
      copyTree(source, target);
      continue;
    }
    try {
      fs.copyFileSync(source, target);
    } catch (e) {
      const { code } = e as NodeJS.ErrnoException;
      throw Object.assign(new Error(`cannot write ${target}: ${(e as Error).message}`, { cause: e }), { code, path: target });
    }
  }
}
