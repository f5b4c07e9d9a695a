// Content hashing for IDs and caches: a canonical JSON text (keys sorted at every depth,
// no whitespace) so that equal values always hash equally, whatever order they were built in.
// Number text follows ECMAScript's Number-to-String, which is the same on every platform.
import { createHash } from "node:crypto";

/** JSON with object keys sorted recursively and no whitespace; undefined object fields are dropped, as JSON.stringify does. */
export function canonicalJson(value: unknown): string {
  return write(value, "$");
}

function write(value: unknown, at: string): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false";
    case "string":
      return JSON.stringify(value);
    case "number":
      // NaN and Infinity have no JSON form; JSON.stringify would silently write null.
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: non-finite number ${value} at ${at}`);
      return JSON.stringify(value);
    case "object":
      if (Array.isArray(value)) return `[${value.map((v, i) => write(v, `${at}[${i}]`)).join(",")}]`;
      if (ArrayBuffer.isView(value)) throw new TypeError(`canonicalJson: typed array at ${at}; convert it to a plain array first`);
      return writeObject(value as Record<string, unknown>, at);
    default:
      throw new TypeError(`canonicalJson: cannot encode ${typeof value} at ${at}`);
  }
}

function writeObject(obj: Record<string, unknown>, at: string): string {
  const proto = Object.getPrototypeOf(obj);
  if (proto !== Object.prototype && proto !== null) {
    throw new TypeError(`canonicalJson: only plain objects are allowed, found ${proto?.constructor?.name ?? "object"} at ${at}`);
  }
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort(); // UTF-16 code unit order: the same everywhere, unlike localeCompare
  return `{${keys.map((k) => `${JSON.stringify(k)}:${write(obj[k], `${at}.${k}`)}`).join(",")}}`;
}

/** Lowercase hex SHA-256 of a string (as UTF-8) or of raw bytes. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}
