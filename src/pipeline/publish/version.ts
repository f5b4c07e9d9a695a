// Immutable content versions (docs/formats.md "Published content"): ids like 2026-11-25.1 (UTC date
// of creation, then the next free number that day), a version folder built whole in a hidden temp
// folder and renamed into place, and latest.json replaced atomically last. A crash at any point
// leaves latest.json at the old version and, at worst, a hidden .<id>.<pid>.<random>.tmp folder the
// site ignores.
import * as fs from "node:fs";
import * as path from "node:path";
import { SCHEMA_VERSION } from "../artifacts/conventions.ts";
import { ContentManifestSchema, VersionIdSchema, type LatestPointer } from "../artifacts/manifest.ts";
import { canonicalJson } from "../artifacts/hash.ts";
import { readJson, syncDir, temporaryFor, writeJsonAtomic } from "../artifacts/store.ts";

export const versionsDir = (content: string) => path.join(content, "versions");
export const latestFile = (content: string) => path.join(content, "latest.json");

/** Published version ids (hidden temp folders excluded), in name order. */
export function listVersions(content: string): string[] {
  const dir = versionsDir(content);
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((d) => !d.startsWith(".")).sort() : [];
}

/** `<UTC date>.<n>` with n one more than the largest already used that day. */
export function nextVersionId(existing: readonly string[], createdAt: Date): string {
  const day = createdAt.toISOString().slice(0, 10);
  const used = existing.flatMap((id) => {
    const m = /^(\d{4}-\d{2}-\d{2})\.(\d+)$/.exec(id);
    return m && m[1] === day ? [Number(m[2])] : [];
  });
  return `${day}.${Math.max(0, ...used) + 1}`;
}

/** Newest createdAt among published versions (the site orders versions by it), or null. */
export function newestCreatedAt(content: string): string | null {
  const times = listVersions(content).map((id) => readJson(path.join(versionsDir(content), id, "manifest.json"), ContentManifestSchema).createdAt);
  return times.length === 0 ? null : times.sort().at(-1)!;
}

export class VersionExistsError extends Error {
  override name = "VersionExistsError";
}

export interface VersionFile {
  /** A plain file name inside the version folder. */
  name: string;
  contents: string;
}

function writeDurably(file: string, contents: string): void {
  const fd = fs.openSync(file, "wx");
  try {
    fs.writeFileSync(fd, contents);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Writes a new version folder content/versions/<id>/ holding exactly `files`, all or nothing.
 * Refuses an id that already exists; the caller holds the content lock, so no one else is adding one.
 */
export function writeVersion(content: string, id: string, files: readonly VersionFile[]): string {
  const checked = VersionIdSchema.safeParse(id);
  if (!checked.success) throw new Error(`version id "${id}": ${checked.error.issues[0].message}`);
  const target = path.join(versionsDir(content), id);
  if (fs.existsSync(target)) throw new VersionExistsError(`version ${id} already exists in ${versionsDir(content)}; published versions are never overwritten`);
  fs.mkdirSync(versionsDir(content), { recursive: true });
  const temp = temporaryFor(target);
  fs.mkdirSync(temp);
  try {
    for (const f of files) {
      if (path.basename(f.name) !== f.name || f.name.startsWith(".")) throw new Error(`version file name "${f.name}" must be a plain file name`);
      writeDurably(path.join(temp, f.name), f.contents);
    }
    syncDir(temp);
    fs.renameSync(temp, target);
  } catch (e) {
    fs.rmSync(temp, { recursive: true, force: true });
    throw e;
  }
  syncDir(versionsDir(content));
  return target;
}

const pointerTo = (id: string): LatestPointer => ({ schemaVersion: SCHEMA_VERSION, kind: "refit.latest", version: id });

/** Points content/latest.json at `id`, replacing the file atomically. */
export function pointLatest(content: string, id: string): void {
  writeJsonAtomic(latestFile(content), pointerTo(id));
}

/**
 * Why content/latest.json is not the file `refit aggregate` last wrote (byte for byte the pointer
 * to the newest version), or null when it is or there is none. Replacing a pointer someone edited
 * would hide the edit; the caller refuses unless told to rewrite it.
 */
export function latestProblem(content: string): string | null {
  const file = latestFile(content);
  if (!fs.existsSync(file)) return null;
  const byTime = listVersions(content).map((id) => [readJson(path.join(versionsDir(content), id, "manifest.json"), ContentManifestSchema).createdAt, id]);
  const newest = byTime.sort().at(-1)?.[1];
  if (newest === undefined) return `${file} exists but ${versionsDir(content)} holds no version`;
  const expected = `${JSON.stringify(JSON.parse(canonicalJson(pointerTo(newest))), null, 2)}\n`;
  return fs.readFileSync(file, "utf8") === expected ? null : `${file} is not the pointer refit aggregate writes (to the newest version, ${newest}): it was edited or written by something else`;
}
