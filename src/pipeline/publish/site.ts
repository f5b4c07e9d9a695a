// Builds the static leaderboard (Astro, astro.config.mjs) from published content. The content
// root, base path and output folder reach the build as environment variables, which
// astro.config.mjs and src/site/lib/content.ts read. Used by `refit site` (which first refuses a
// content root with no published version) and the site benchmark.
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { InputError } from "../artifacts/input-error.ts";
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
    await build({ root: REPO_ROOT, logLevel: "warn" });
    moveInto(staging, out);
  } finally {
    process.chdir(cwd);
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** Replaces `to` with `from`: a rename where both are on one file system, else a copy. */
function moveInto(from: string, to: string): void {
  fs.rmSync(to, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(to), { recursive: true });
  try {
    fs.renameSync(from, to);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EXDEV") throw e;
    fs.cpSync(from, to, { recursive: true });
  }
}
