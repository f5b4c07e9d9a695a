// safetensors encode/decode (no tfjs), following the format spec as summarised in
// docs/formats.md "safetensors": u64 LE header length, UTF-8 JSON header padded with spaces to 8
// bytes, then row-major little-endian data whose tensors tile the buffer exactly. Decoding is
// strict because capture files from any source are accepted by `refit compare`; a file can also
// be opened header-only and read one tensor at a time, with the same validation.
import * as fs from "node:fs";
import { InputError } from "./input-error.ts";
import { writeFileAtomicFrom } from "./store.ts";

export type Dtype = "F32" | "F64" | "I32" | "I64" | "U8";
export type TensorData = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;

export interface TensorEntry {
  dtype: Dtype;
  /** Row-major dims; [] is a scalar (one element). */
  shape: number[];
  data: TensorData;
}

export interface Safetensors {
  tensors: Map<string, TensorEntry>;
  metadata: Record<string, string>;
}

/** The spec's cap on header size; a larger length field means a corrupt or hostile file. */
export const MAX_HEADER_BYTES = 100_000_000;

const ARRAYS = {
  F32: Float32Array,
  F64: Float64Array,
  I32: Int32Array,
  I64: BigInt64Array,
  U8: Uint8Array,
} as const;

const METADATA_KEY = "__metadata__";

// Typed arrays use host byte order; every platform Node ships for is little-endian, so the
// check only guards against silently writing big-endian files.
const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function assertLittleEndianHost(): void {
  if (!HOST_IS_LITTLE_ENDIAN) throw new Error("safetensors: big-endian hosts are not supported");
}

function isDtype(x: unknown): x is Dtype {
  return typeof x === "string" && Object.hasOwn(ARRAYS, x);
}

function elementCount(shape: number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

/**
 * Serialise tensors to safetensors bytes. Tensors are laid out by element size (largest first),
 * then by name, so every tensor starts aligned to its element size and output is deterministic.
 */
export function encodeSafetensors(
  tensors: Map<string, TensorEntry> | Record<string, TensorEntry>,
  metadata?: Record<string, string>,
): Uint8Array {
  const entries = tensors instanceof Map ? [...tensors] : Object.entries(tensors);
  for (const [name, t] of entries) checkEntry(name, t);
  const { header, order, dataBytes } = layoutOf(entries, metadata);
  const out = new Uint8Array(header.length + dataBytes);
  out.set(header, 0);
  let at = header.length;
  for (const [, t] of order) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
  }
  return out;
}

/** A tensor whose values are read only when writeSafetensors comes to it. */
export interface DeferredEntry {
  dtype: Dtype;
  shape: number[];
  data: () => Promise<TensorData>;
}

/**
 * Writes to `file`, atomically, the bytes encodeSafetensors gives for the same tensors, reading
 * one tensor at a time: the file's contents are never all in memory (training checkpoints).
 */
export async function writeSafetensors(file: string, tensors: Map<string, DeferredEntry>, metadata?: Record<string, string>): Promise<void> {
  const { header, order } = layoutOf([...tensors], metadata);
  async function* parts(): AsyncGenerator<Uint8Array> {
    yield header;
    for (const [name, t] of order) {
      const data = await t.data();
      checkEntry(name, { ...t, data });
      yield new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    }
  }
  await writeFileAtomicFrom(file, parts());
}

/** The header bytes (length, JSON, padding) for tensors in file order, that order, and the data's bytes. */
function layoutOf<T extends { dtype: Dtype; shape: number[] }>(entries: [string, T][], metadata?: Record<string, string>): { header: Uint8Array; order: [string, T][]; dataBytes: number } {
  assertLittleEndianHost();
  const bytesOf = (t: T) => elementCount(t.shape) * ARRAYS[t.dtype].BYTES_PER_ELEMENT;
  const order = [...entries].sort(([a, ta], [b, tb]) => {
    const bySize = ARRAYS[tb.dtype].BYTES_PER_ELEMENT - ARRAYS[ta.dtype].BYTES_PER_ELEMENT;
    return bySize !== 0 ? bySize : a < b ? -1 : a > b ? 1 : 0;
  });
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== "string") throw new Error(`safetensors: metadata "${k}" must be a string, got ${typeof v}`);
    }
    header[METADATA_KEY] = metadata;
  }
  let offset = 0;
  for (const [name, t] of order) {
    const end = offset + bytesOf(t);
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, end] };
    offset = end;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil(json.length / 8) * 8;
  const bytes = new Uint8Array(8 + headerLength);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(headerLength), true);
  bytes.set(json, 8);
  bytes.fill(0x20, 8 + json.length);
  return { header: bytes, order, dataBytes: offset };
}

function checkEntry(name: string, t: TensorEntry): void {
  if (name === "" || name === METADATA_KEY) throw new Error(`safetensors: invalid tensor name "${name}"`);
  if (!isDtype(t.dtype)) throw new Error(`safetensors: tensor "${name}": unsupported dtype ${String(t.dtype)}`);
  if (!(t.data instanceof ARRAYS[t.dtype])) {
    throw new Error(`safetensors: tensor "${name}": dtype ${t.dtype} needs a ${ARRAYS[t.dtype].name}, got ${t.data.constructor.name}`);
  }
  if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new Error(`safetensors: tensor "${name}": shape [${t.shape}] must hold non-negative integers`);
  }
  if (elementCount(t.shape) !== t.data.length) {
    throw new Error(`safetensors: tensor "${name}": shape [${t.shape}] has ${elementCount(t.shape)} elements but data has ${t.data.length}`);
  }
}

/** A tensor as the header describes it: data_offsets [begin, end) are relative to the data section. */
export interface TensorSpan {
  dtype: Dtype;
  shape: number[];
  begin: number;
  end: number;
}

/** A validated header: every tensor's span (in data order) and the metadata. */
export interface SafetensorsHeader {
  /** Where the data section starts in the file: 8 + header length. */
  dataStart: number;
  tensors: Map<string, TensorSpan>;
  metadata: Record<string, string>;
}

/**
 * Parse and validate a header through `read(position, length)`, which returns that many bytes of a
 * file of `fileLength` bytes. The one validation behind both the in-memory decoder and the file
 * reader: the spans must tile the data section exactly, so later reads stay inside the file.
 */
function readHeader(read: (position: number, length: number) => Uint8Array, fileLength: number, source: string): SafetensorsHeader {
  assertLittleEndianHost();
  function fail(msg: string): never {
    throw new InputError(`${source}: ${msg}`);
  }
  if (fileLength < 8) fail(`not a safetensors file: ${fileLength} bytes, shorter than the 8-byte header length`);
  const lengthField = read(0, 8);
  const n = new DataView(lengthField.buffer, lengthField.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) fail(`header length ${n} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  const headerLength = Number(n);
  if (8 + headerLength > fileLength) fail(`truncated: header length ${headerLength} but only ${fileLength - 8} bytes follow`);

  let text = "";
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(read(8, headerLength));
  } catch {
    fail("header is not valid UTF-8");
  }
  if (!text.startsWith("{")) fail('header must be a JSON object starting with "{"');
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    fail(`header is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) fail("header must be a JSON object");
  const duplicate = firstDuplicateKey(text);
  if (duplicate !== undefined) fail(`duplicate tensor name "${duplicate}" in header`);

  const dataStart = 8 + headerLength;
  const dataLength = fileLength - dataStart;
  const metadata: Record<string, string> = {};
  const spans: (TensorSpan & { name: string })[] = [];
  for (const [name, info] of Object.entries(header as Record<string, unknown>)) {
    if (name === METADATA_KEY) {
      if (typeof info !== "object" || info === null || Array.isArray(info)) fail("__metadata__ must be an object of strings");
      for (const [k, v] of Object.entries(info as Record<string, unknown>)) {
        if (typeof v !== "string") fail(`__metadata__ "${k}" must be a string, got ${JSON.stringify(v)}`);
        metadata[k] = v as string;
      }
      continue;
    }
    spans.push({ name, ...parseEntry(info, (msg) => fail(`tensor "${name}": ${msg}`)) });
  }

  spans.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const s of spans) {
    if (s.begin < cursor) fail(`tensor "${s.name}": data_offsets [${s.begin}, ${s.end}] overlap the previous tensor (ends at ${cursor})`);
    if (s.begin > cursor) fail(`tensor "${s.name}": hole in data: bytes [${cursor}, ${s.begin}) belong to no tensor`);
    cursor = s.end;
  }
  if (cursor > dataLength) {
    const last = spans[spans.length - 1];
    fail(`truncated: tensor "${last.name}" ends at data byte ${cursor} but the data holds ${dataLength} bytes`);
  }
  if (cursor < dataLength) fail(`hole in data: ${dataLength - cursor} trailing bytes after the last tensor belong to no tensor`);

  return { dataStart, tensors: new Map(spans.map(({ name, ...span }) => [name, span])), metadata };
}

/**
 * Parse and validate safetensors bytes. Returned arrays are views into `bytes` when the tensor is
 * aligned to its element size, otherwise copies; errors name `source` and the offending tensor.
 */
export function decodeSafetensors(bytes: Uint8Array, source = "<bytes>"): Safetensors {
  const { dataStart, tensors, metadata } = readHeader((at, length) => bytes.subarray(at, at + length), bytes.length, source);
  const entries = new Map<string, TensorEntry>();
  for (const [name, s] of tensors) {
    entries.set(name, { dtype: s.dtype, shape: s.shape, data: typedView(bytes, dataStart + s.begin, s.end - s.begin, s.dtype) });
  }
  return { tensors: entries, metadata };
}

/** A safetensors file whose header is read and validated; tensor data stays on disk until read. */
export interface SafetensorsFile extends SafetensorsHeader {
  /** Reads one tensor from disk into a fresh array (each call reads again). */
  read(name: string): TensorData;
}

/**
 * Open a safetensors file reading only its header, with decodeSafetensors' validation, so a large
 * file can be read one tensor at a time. The file is reopened per read rather than held open, so
 * nothing needs closing; a file that shrank since it was opened gives a "truncated" error.
 */
export function openSafetensors(file: string): SafetensorsFile {
  const header = withFile(file, (fd) => readHeader((at, length) => readAt(fd, at, length, file), fs.fstatSync(fd).size, file));
  return {
    ...header,
    read(name) {
      const s = header.tensors.get(name);
      if (!s) throw new InputError(`${file}: no tensor "${name}"`);
      const bytes = withFile(file, (fd) => readAt(fd, header.dataStart + s.begin, s.end - s.begin, file));
      return typedView(bytes, 0, bytes.length, s.dtype);
    },
  };
}

// fs errors say what failed but not always which file (readSync never does), so they are wrapped
// as store.readBytes wraps them.
const cannotRead = (file: string, e: unknown) => new InputError(`cannot read ${file}: ${(e as Error).message}`, { cause: e });

function withFile<T>(file: string, use: (fd: number) => T): T {
  let fd: number;
  try {
    fd = fs.openSync(file, "r");
  } catch (e) {
    throw cannotRead(file, e);
  }
  try {
    return use(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Exactly `length` bytes at `position` into a fresh (hence aligned) buffer; readSync may return fewer per call. */
function readAt(fd: number, position: number, length: number, file: string): Uint8Array {
  const out = new Uint8Array(length);
  for (let done = 0; done < length; ) {
    let n: number;
    try {
      n = fs.readSync(fd, out, done, length - done, position + done);
    } catch (e) {
      throw cannotRead(file, e);
    }
    if (n === 0) throw new InputError(`${file}: truncated: needs bytes [${position}, ${position + length}) but the file ends at byte ${position + done}`);
    done += n;
  }
  return out;
}

function parseEntry(info: unknown, fail: (msg: string) => never): TensorSpan {
  if (typeof info !== "object" || info === null || Array.isArray(info)) return fail("entry must be an object");
  const { dtype, shape, data_offsets: offsets, ...rest } = info as Record<string, unknown>;
  const unknownKeys = Object.keys(rest);
  if (unknownKeys.length > 0) fail(`unknown key "${unknownKeys[0]}" (expected dtype, shape, data_offsets)`);
  if (!isDtype(dtype)) return fail(`unsupported dtype ${JSON.stringify(dtype)} (expected one of ${Object.keys(ARRAYS).join(", ")})`);
  const isIndex = (d: unknown): d is number => Number.isSafeInteger(d) && (d as number) >= 0;
  if (!Array.isArray(shape) || !shape.every(isIndex)) return fail(`shape ${JSON.stringify(shape)} must be an array of non-negative integers`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isIndex) || offsets[0] > offsets[1]) {
    return fail(`data_offsets ${JSON.stringify(offsets)} must be [begin, end] with 0 <= begin <= end`);
  }
  const [begin, end] = offsets as number[];
  const expected = elementCount(shape) * ARRAYS[dtype].BYTES_PER_ELEMENT;
  if (end - begin !== expected) {
    fail(`shape [${shape}] of ${dtype} needs ${expected} bytes but data_offsets [${begin}, ${end}] span ${end - begin}`);
  }
  return { dtype, shape: [...shape], begin, end };
}

function typedView(bytes: Uint8Array, at: number, byteLength: number, dtype: Dtype): TensorData {
  const Ctor = ARRAYS[dtype];
  const count = byteLength / Ctor.BYTES_PER_ELEMENT;
  const absolute = bytes.byteOffset + at;
  if (absolute % Ctor.BYTES_PER_ELEMENT === 0) return new Ctor(bytes.buffer as ArrayBuffer, absolute, count);
  // Typed arrays cannot start at a misaligned byte offset, so copy into a fresh buffer.
  const copy = new Uint8Array(bytes.subarray(at, at + byteLength));
  return new Ctor(copy.buffer, 0, count);
}

/**
 * JSON.parse keeps the last of duplicate keys silently, so scan the top-level object's keys
 * (strings at nesting depth 1 followed by a colon) to reject headers that name a tensor twice.
 */
function firstDuplicateKey(json: string): string | undefined {
  const seen = new Set<string>();
  let depth = 0;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") depth--;
    else if (c === '"') {
      let j = i + 1;
      while (json[j] !== '"') j += json[j] === "\\" ? 2 : 1;
      let k = j + 1;
      while (/\s/.test(json[k] ?? "")) k++;
      if (depth === 1 && json[k] === ":") {
        const key = JSON.parse(json.slice(i, j + 1)) as string;
        if (seen.has(key)) return key;
        seen.add(key);
      }
      i = j;
    }
  }
  return undefined;
}
