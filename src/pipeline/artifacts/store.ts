// The pipeline's only file writer: atomic writes (temp file in the same directory, fsync,
// rename), schema-checked JSON reads that refuse other schemaVersions, and a per-directory
// lock file. Follows docs/formats.md "Conventions": a killed process never leaves a
// half file that later passes as finished.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import type { z } from "zod";
import { canonicalJson } from "./hash.ts";
import { InputError } from "./input-error.ts";
import { SCHEMA_VERSION } from "./conventions.ts";

/** A hidden name beside `dest` to write it under first, then rename: `.<name>.<pid>.<random>.tmp`. */
export const temporaryFor = (dest: string): string => path.join(path.dirname(dest), `.${path.basename(dest)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);

/** The folder a checkpoint is built in before it is renamed to `final`; a killed process leaves one behind. */
export const partialFor = (final: string): string => `${final}.partial-${process.pid}`;

/** Whether a name is a folder partialFor made, by this process or another. */
export const isPartial = (name: string): boolean => /\.partial-\d+$/.test(name);

/**
 * The path a user knows for one that may run through temporaries (temporaryFor, partialFor): the
 * file or folder it becomes. An error met while writing names the hidden name the bytes went to,
 * which the user never sees and which is gone once the write fails.
 */
export function destinationOf(p: string): string {
  const named = (part: string) => /^\.(.+)\.\d+\.[0-9a-f]+\.tmp$/.exec(part)?.[1] ?? /^(.+)\.partial-\d+$/.exec(part)?.[1] ?? part;
  return p.split(path.sep).map(named).join(path.sep);
}

/** Write bytes or UTF-8 text so readers see either the old file or the whole new one. */
export function writeFileAtomic(file: string, contents: Uint8Array | string): void {
  const t = tempFor(file);
  try {
    openTemp(t);
    fs.writeFileSync(t.fd!, contents);
    commitTemp(t, file);
  } catch (e) {
    throw failedWrite(t, file, e);
  }
  syncDir(t.dir);
}

/**
 * writeFileAtomic for contents made a part at a time (each part is written before the next is
 * asked for), so a large file is never all in memory: a training checkpoint's tensors.
 */
export async function writeFileAtomicFrom(file: string, parts: AsyncIterable<Uint8Array>): Promise<void> {
  const t = tempFor(file);
  try {
    openTemp(t);
    for await (const part of parts) fs.writeFileSync(t.fd!, part);
    commitTemp(t, file);
  } catch (e) {
    throw failedWrite(t, file, e);
  }
  syncDir(t.dir);
}

/** A hidden temporary file beside the one it will be renamed onto. */
interface TempFile {
  dir: string;
  temp: string;
  fd: number | null;
  created: boolean;
}

function tempFor(file: string): TempFile {
  const dir = path.dirname(file);
  return { dir, temp: temporaryFor(file), fd: null, created: false };
}

function openTemp(t: TempFile): void {
  fs.mkdirSync(t.dir, { recursive: true });
  t.fd = fs.openSync(t.temp, "wx");
  t.created = true;
}

function commitTemp(t: TempFile, file: string): void {
  fs.fsyncSync(t.fd!);
  closeTemp(t);
  fs.renameSync(t.temp, file);
}

function closeTemp(t: TempFile): void {
  if (t.fd === null) return;
  const fd = t.fd;
  t.fd = null;
  fs.closeSync(fd);
}

/** Removes the temporary file; the code and the file (not the hidden temporary one) travel with the error, for the CLI's one line. */
function failedWrite(t: TempFile, file: string, e: unknown): Error {
  try {
    closeTemp(t);
  } finally {
    if (t.created) fs.rmSync(t.temp, { force: true });
  }
  const { code } = e as NodeJS.ErrnoException;
  return Object.assign(new Error(`cannot write ${destinationOf(file)}: ${(e as Error).message}`, { cause: e }), { code, path: file });
}

/** Makes renames and creations in `dir` durable; directories cannot be opened for fsync on Windows. */
export function syncDir(dir: string): void {
  if (process.platform === "win32") return;
  const fd = fs.openSync(dir, "r");
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Pretty-printed JSON with keys sorted at every level, so diffs of artifacts stay reviewable. */
export function writeJsonAtomic(file: string, value: unknown): void {
  // canonicalJson sorts keys (and refuses NaN/Infinity); JSON.parse keeps that order for pretty-printing.
  writeFileAtomic(file, `${JSON.stringify(JSON.parse(canonicalJson(value)), null, 2)}\n`);
}

export function exists(file: string): boolean {
  return fs.existsSync(file);
}

export function readBytes(file: string): Uint8Array {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new InputError(`cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Read and validate a JSON artifact. Files from another schemaVersion are refused with a message
 * saying which side is out of date; other errors name the file and the failing field path.
 */
export function readJson<S extends z.ZodType>(file: string, schema: S): z.infer<S> {
  const text = new TextDecoder().decode(readBytes(file));
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${file}: invalid JSON: ${(e as Error).message}`);
  }
  const version = isRecord(value) ? value.schemaVersion : undefined;
  if (typeof version === "number" && version < SCHEMA_VERSION) {
    throw new InputError(`${file}: written by an older Refit (schemaVersion ${version}); re-run or migrate`);
  }
  if (typeof version === "number" && version > SCHEMA_VERSION) {
    throw new InputError(`${file}: written by a newer Refit (schemaVersion ${version}, this one reads ${SCHEMA_VERSION}); upgrade refit`);
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues;
  if (version === undefined && issues.some((i) => i.path[0] === "schemaVersion")) {
    throw new InputError(`${file}: has no schemaVersion, so it was not written by this Refit format (expected schemaVersion ${SCHEMA_VERSION})`);
  }
  const lines = issues.map((i) => `${file}: ${formatPath(i.path)}: ${i.message}`);
  throw new InputError(lines.join("\n"));
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

function formatPath(p: readonly PropertyKey[]): string {
  if (p.length === 0) return "(top level)";
  return p.map((k, i) => (typeof k === "number" ? `[${k}]` : i === 0 ? String(k) : `.${String(k)}`)).join("");
}

interface LockInfo {
  pid: number;
  host: string;
  token: string;
}

/** How long to wait for another live process's lock (Infinity: while it lives), and where to say whose it is. */
export interface LockWait {
  waitSeconds?: number;
  onWait?: (message: string) => void;
}

/**
 * Run `fn` holding an exclusive `.lock` file in `dir`. A lock left by a dead process on this host
 * is taken over; a live one (or one from another host, which cannot be checked) is waited on for
 * up to `waitSeconds` (Infinity: while its holder lives), telling `onWait` once whose lock it is,
 * then is an error.
 */
export async function withDirLock<T>(dir: string, fn: () => T | Promise<T>, { waitSeconds = 0, onWait }: LockWait = {}): Promise<T> {
  const created = !fs.existsSync(dir);
  const lockFile = path.join(dir, ".lock");
  const mine: LockInfo = { pid: process.pid, host: os.hostname(), token: randomBytes(8).toString("hex") };
  // A live holder may be about to finish (e.g. a worker orphaned by kill -9 stops after its current
  // step), so callers may wait a little before reporting the directory as busy.
  const deadline = Date.now() + waitSeconds * 1000;
  for (;;) {
    try {
      // Made on each try: a holder that failed may have removed the folder it made (below).
      fs.mkdirSync(dir, { recursive: true });
      acquire(lockFile, dir, mine);
      break;
    } catch (e) {
      if (!(e instanceof LockBusyError) || Date.now() >= deadline) throw e;
      onWait?.(`waiting: ${e.message}`);
      onWait = undefined;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  let failed = true;
  try {
    const result = await fn();
    failed = false;
    return result;
  } finally {
    // Only remove the lock if it is still ours, so a mistaken takeover is not made worse.
    if (readLock(lockFile)?.token === mine.token) fs.rmSync(lockFile, { force: true });
    // A folder made only to hold the lock of work that failed before writing anything goes too.
    if (failed && created) removeIfEmpty(dir);
  }
}

function removeIfEmpty(dir: string): void {
  try {
    fs.rmdirSync(dir);
  } catch {
    // not empty (the work wrote something, or another process did): kept
  }
}

/** A folder another live process holds the lock of: code ELOCKED and the lock's path, so it reaches the user as one line. */
export class LockBusyError extends Error {
  override name = "LockBusyError";
  readonly code = "ELOCKED";
  readonly path: string;
  constructor(message: string, lockFile: string) {
    super(message);
    this.path = lockFile;
  }
}

function acquire(lockFile: string, dir: string, mine: LockInfo): void {
  // Two attempts: the second follows removing a stale lock.
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = fs.openSync(lockFile, "wx");
      try {
        fs.writeFileSync(fd, `${JSON.stringify(mine)}\n`);
      } finally {
        fs.closeSync(fd);
      }
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw new Error(`cannot create ${lockFile}: ${(e as Error).message}`);
    }
    const held = readLock(lockFile);
    if (held === undefined) {
      throw new Error(`${lockFile} exists but is unreadable; if no refit process is using ${dir}, delete it`);
    }
    if (held.host !== mine.host || isAlive(held.pid)) {
      const where = held.host === mine.host ? "" : ` on host ${held.host}`;
      throw new LockBusyError(`another refit process (pid ${held.pid}${where}) is using ${dir}; if it is not running, delete ${lockFile}`, lockFile);
    }
    fs.rmSync(lockFile, { force: true });
  }
  throw new Error(`could not acquire ${lockFile}: another process keeps re-creating it`);
}

function readLock(lockFile: string): LockInfo | undefined {
  try {
    const v: unknown = JSON.parse(fs.readFileSync(lockFile, "utf8"));
    if (isRecord(v) && Number.isInteger(v.pid) && typeof v.host === "string" && typeof v.token === "string") return v as unknown as LockInfo;
  } catch {
    // Missing or half-written lock: the caller decides what that means.
  }
  return undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to another user.
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
