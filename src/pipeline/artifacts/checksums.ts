// SHA-256 of every cached file, recorded when it is written and checked whenever it is reused, so
// a damaged capture, checkpoint or record stops the pipeline instead of becoming a published number.
// The record is a sidecar `<file>.sha256` in `sha256sum` format ("<hex>  <name>"), so
// `sha256sum -c` checks a cache without Refit. Sidecars are written after their file (a file is
// never newer than its record's claim about it), and removed before a file is replaced, so a kill
// between the two leaves a file without a record, never a record that lies. A file without one
// (from a Refit before checksums, or cut off there) is read as it always was, its values checked as
// they are read; `refit verify` checks such a file whole and then records it.
import * as fs from "node:fs";
import * as path from "node:path";
import { createHash } from "node:crypto";
import { InputError } from "./input-error.ts";
import { canonicalJson } from "./hash.ts";
import { writeFileAtomic } from "./store.ts";

export const SIDECAR_SUFFIX = ".sha256";
export const sidecarOf = (file: string) => `${file}${SIDECAR_SUFFIX}`;

/** A file whose bytes are not the ones recorded when it was written: exit 2, with the command that repairs it. */
export class IntegrityError extends InputError {
  override name = "IntegrityError";
}

const hashes = new Map<string, { stamp: string; hex: string }>();
const stampOf = (st: fs.Stats) => `${st.ino}:${st.size}:${st.mtimeMs}`;

/** SHA-256 of a file's bytes, read in chunks; remembered per process while the file is unchanged (inode, size, mtime). */
export function sha256File(file: string): string {
  const stamp = stampOf(fs.statSync(file));
  const known = hashes.get(file);
  if (known?.stamp === stamp) return known.hex;
  const hash = createHash("sha256");
  const fd = fs.openSync(file, "r");
  try {
    const chunk = Buffer.allocUnsafe(1 << 22);
    for (let n; (n = fs.readSync(fd, chunk, 0, chunk.length, null)) > 0; ) hash.update(chunk.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  const hex = hash.digest("hex");
  hashes.set(file, { stamp, hex });
  return hex;
}

/** Records a file's SHA-256 in its sidecar (from the bytes just written, or read back). */
export function recordChecksum(file: string, hex = sha256File(file)): void {
  writeFileAtomic(sidecarOf(file), `${hex}  ${path.basename(file)}\n`);
}

/** Writes a file atomically and then its checksum; an older file's record goes first. */
export function writeRecorded(file: string, contents: Uint8Array | string): void {
  fs.rmSync(sidecarOf(file), { force: true });
  writeFileAtomic(file, contents);
  recordChecksum(file, createHash("sha256").update(contents).digest("hex"));
}

/** writeRecorded for JSON, pretty-printed with keys sorted as writeJsonAtomic does. */
export function writeJsonRecorded(file: string, value: unknown): void {
  writeRecorded(file, `${JSON.stringify(JSON.parse(canonicalJson(value)), null, 2)}\n`);
}

/** The recorded SHA-256 of a file: a hex string, null without a sidecar, or "unreadable" for a sidecar that is not one. */
export function recordedChecksum(file: string): string | null | "unreadable" {
  let text: string;
  try {
    text = fs.readFileSync(sidecarOf(file), "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
  const m = /^([0-9a-f]{64}) [ *](.+)\n?$/.exec(text);
  return m && m[2] === path.basename(file) ? m[1] : "unreadable";
}

export type ChecksumState = { state: "ok" | "unrecorded" } | { state: "damaged"; problem: string };

/** Compares a file with its record, without throwing. */
export function checkChecksum(file: string): ChecksumState {
  const expected = recordedChecksum(file);
  if (expected === null) return { state: "unrecorded" };
  if (expected === "unreadable") return { state: "damaged", problem: `its checksum record ${path.basename(sidecarOf(file))} is unreadable` };
  const found = sha256File(file);
  return found === expected ? { state: "ok" } : { state: "damaged", problem: `SHA-256 is ${found.slice(0, 16)}…, expected ${expected.slice(0, 16)}… (recorded when it was written)` };
}

/**
 * The output folder (`--out`) a cached file belongs to, from where the pipeline puts files:
 * runs/<backend>/<runId>/..., captures/<family>/..., results/<suite>/...; null elsewhere.
 */
export function outDirOf(file: string): string | null {
  const parts = path.resolve(file).split(path.sep);
  for (let i = parts.length - 1; i >= 0; i--) {
    const depth = parts.length - 1 - i;
    const ok = (parts[i] === "runs" && depth >= 3) || ((parts[i] === "captures" || parts[i] === "results") && depth === 2);
    if (ok) return parts.slice(0, i).join(path.sep) || path.sep;
  }
  return null;
}

/** What to run to repair a damaged cached file: `refit verify --repair` on its output folder, or a fresh copy elsewhere. */
export function repairHint(file: string): string {
  const out = outDirOf(file);
  if (out === null) return "replace it with an undamaged copy";
  const rel = path.relative(process.cwd(), out);
  const shown = rel === "" ? "." : rel.startsWith("..") ? out : rel;
  return `repair with: refit verify --out ${shown} --repair`;
}

/** Throws an IntegrityError when a file differs from its recorded checksum; a file with no record passes. */
export function verifyChecksum(file: string): void {
  const c = checkChecksum(file);
  if (c.state === "damaged") throw new IntegrityError(`${file}: damaged: ${c.problem}; ${repairHint(file)}`);
}

/** Runs `read`, adding the repair command to an InputError about a cached file (truncated, bad header, bad JSON). */
export function withRepairHint<T>(file: string, read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (!(e instanceof InputError) || e instanceof IntegrityError || outDirOf(file) === null) throw e;
    throw new InputError(`${e.message.split("\n")[0]}; ${repairHint(file)}`, { cause: e });
  }
}
