// The capture file (`capture.safetensors`), Refit's documented interchange format for the compare
// stage (docs/formats.md "Capture file"): attn.{l} [H, K], resid_pre.{l} / resid_mid.{l} [N, D], tokens [N],
// optional ablation.dppl [L, H], ablation.nll [L, H, P], output.logprobs [N, V] and norms.* [L], and `__metadata__` validated by CaptureMetaSchema
// (version 2; version 1 files, Refit runs only, are read and upgraded). Bytes in, bytes out, or a
// file opened by its header and read a layer at a time (openCapture, for the compare stage); either
// way, captures made elsewhere are checked as strictly as Refit's own.
import { verifyChecksum, withRepairHint } from "../artifacts/checksums.ts";
import { InputError } from "../artifacts/input-error.ts";
import { CAPTURE_VERSION, CaptureMetaSchema, CaptureMetaV1Schema, type CaptureMeta } from "../artifacts/capture-meta.ts";
import { decodeSafetensors, encodeSafetensors, openSafetensors, type TensorEntry } from "../artifacts/safetensors.ts";
import { NORM_NAMES, type NormName } from "../model/config.ts";
import { cellIdOf } from "../suite/grid.ts";
import type { z } from "zod";

export interface Capture {
  meta: CaptureMeta;
  /** attn[l]: [H, K] */
  attn: Float32Array[];
  /** residPre[l], residMid[l]: [N, D] */
  residPre: Float32Array[];
  residMid: Float32Array[];
  tokens: Int32Array;
  /** norms[name][l]; absent norms (e.g. W_in of an attention-only model) are left out. */
  norms: Partial<Record<NormName, Float32Array>>;
  /** ablation.dppl, flat [L * H]: dPPL per zero-ablated head; absent when not measured. */
  ablation?: Float32Array;
  /** ablation.nll, flat [L * H * P]: each head's fingerprint, the per-probe mean NLL change when it is zero-ablated. */
  ablationNll?: Float32Array;
  /** output.logprobs, flat [N * V]: next-token log-probabilities at every probe position; absent for large vocabularies. */
  logprobs?: Float32Array;
}

// Plain-string metadata values are stored as they are; structured ones (numbers, objects) as JSON.
// (runId is version 1's.)
const RAW_STRING_KEYS = new Set(["format", "family", "tokenizer", "backend", "runId"]);

const triangleSize = (t: number) => (t * (t + 1)) / 2;

export function encodeCapture(c: Capture): Uint8Array {
  const { nLayers, nHeads, dModel } = c.meta.config.model;
  const K = c.meta.probeLengths.reduce((s, t) => s + triangleSize(t), 0);
  const N = c.tokens.length;
  const tensors = new Map<string, TensorEntry>();
  for (let l = 0; l < nLayers; l++) {
    tensors.set(`attn.${l}`, { dtype: "F32", shape: [nHeads, K], data: c.attn[l] });
    tensors.set(`resid_pre.${l}`, { dtype: "F32", shape: [N, dModel], data: c.residPre[l] });
    tensors.set(`resid_mid.${l}`, { dtype: "F32", shape: [N, dModel], data: c.residMid[l] });
  }
  tensors.set("tokens", { dtype: "I32", shape: [N], data: c.tokens });
  if (c.ablation) tensors.set("ablation.dppl", { dtype: "F32", shape: [nLayers, nHeads], data: c.ablation });
  if (c.ablationNll) tensors.set("ablation.nll", { dtype: "F32", shape: [nLayers, nHeads, c.meta.probeLengths.length], data: c.ablationNll });
  if (c.logprobs) tensors.set("output.logprobs", { dtype: "F32", shape: [N, c.logprobs.length / N], data: c.logprobs });
  for (const [name, values] of Object.entries(c.norms)) tensors.set(`norms.${name}`, { dtype: "F32", shape: [nLayers], data: values });
  const meta: Record<string, string> = {};
  for (const [k, v] of Object.entries(c.meta)) meta[k] = RAW_STRING_KEYS.has(k) ? String(v) : JSON.stringify(v);
  return encodeSafetensors(tensors, meta);
}

/** The first problem of a zod parse as "file: __metadata__.path: message". */
function metaError(error: z.ZodError, source: string): InputError {
  const issue = error.issues[0];
  return new InputError(`${source}: __metadata__.${issue.path.join(".")}: ${issue.message}`);
}

/** Version 1 (Refit runs, full config and backend required) as version 2: its family is its cell's ID. */
function upgradeV1(v1: z.infer<typeof CaptureMetaV1Schema>): CaptureMeta {
  const { runId, config, version: _, ...rest } = v1;
  return { ...rest, version: CAPTURE_VERSION, family: cellIdOf(config, rest.probeSet.id), source: { kind: "refit", runId }, config, tokenizer: config.data.tokenizer };
}

function parseMeta(raw: Record<string, string>, source: string): CaptureMeta {
  const decoded: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    try {
      decoded[k] = RAW_STRING_KEYS.has(k) ? v : JSON.parse(v);
    } catch {
      throw new InputError(`${source}: __metadata__.${k} is not valid JSON`);
    }
  }
  if (decoded.format !== "refit.capture") throw new InputError(`${source}: __metadata__.format: expected "refit.capture", got ${JSON.stringify(decoded.format)}`);
  if (decoded.version === 1) {
    const v1 = CaptureMetaV1Schema.safeParse(decoded);
    if (!v1.success) throw metaError(v1.error, source);
    return upgradeV1(v1.data);
  }
  if (decoded.version !== CAPTURE_VERSION) {
    throw new InputError(`${source}: __metadata__.version: ${JSON.stringify(decoded.version)} is not a capture format version this Refit reads (1 or ${CAPTURE_VERSION})`);
  }
  const r = CaptureMetaSchema.safeParse(decoded);
  if (!r.success) throw metaError(r.error, source);
  return r.data;
}

/** The per-layer tensors, the bulk of a capture: attn.{l}, resid_pre.{l}, resid_mid.{l}. */
export type LayerTensor = "attn" | "resid_pre" | "resid_mid";

interface TensorSpec {
  name: string;
  dtype: "F32" | "I32";
  /** null: any size (the vocabulary of output.logprobs is the model's own). */
  shape: (number | null)[];
  optional: boolean;
}

/** The tensors a capture with this metadata holds, in the order they are checked. */
function captureTensors(meta: CaptureMeta): TensorSpec[] {
  const { nLayers, nHeads, dModel } = meta.config.model;
  const K = meta.probeLengths.reduce((s, t) => s + triangleSize(t), 0);
  const N = meta.probeLengths.reduce((s, t) => s + t, 0);
  const f32 = (name: string, shape: (number | null)[], optional = false): TensorSpec => ({ name, dtype: "F32", shape, optional });
  const layers = Array.from({ length: nLayers }, (_, l) => l);
  return [
    ...NORM_NAMES.map((n) => f32(`norms.${n}`, [nLayers], true)),
    ...layers.map((l) => f32(`attn.${l}`, [nHeads, K])),
    ...layers.map((l) => f32(`resid_pre.${l}`, [N, dModel])),
    ...layers.map((l) => f32(`resid_mid.${l}`, [N, dModel])),
    { name: "tokens", dtype: "I32", shape: [N], optional: false },
    f32("ablation.dppl", [nLayers, nHeads], true),
    f32("ablation.nll", [nLayers, nHeads, meta.probeLengths.length], true),
    f32("output.logprobs", [N, null], true),
  ];
}

/**
 * The capture's metadata, once every tensor it implies is checked against the header: present
 * (unless optional) with the right dtype and shape. Errors name the file and the field or tensor.
 */
function checkCapture(
  header: { tensors: ReadonlyMap<string, { dtype: string; shape: number[] }>; metadata: Record<string, string> },
  source: string,
): CaptureMeta {
  const meta = parseMeta(header.metadata, source);
  for (const { name, ...want } of captureTensors(meta)) {
    const t = header.tensors.get(name);
    if (!t && want.optional) continue;
    if (!t) throw new InputError(`${source}: missing tensor "${name}"`);
    const fits = t.shape.length === want.shape.length && want.shape.every((n, i) => n === null || n === t.shape[i]);
    if (t.dtype !== want.dtype || !fits) {
      throw new InputError(`${source}: tensor "${name}" is ${t.dtype} [${t.shape}], expected ${want.dtype} [${want.shape.map((n) => n ?? "any")}]`);
    }
  }
  return meta;
}

/** The small tensors of a checked capture (tokens, norms, ablation), whichever way `get` reads one. */
function smallTensors(tensors: ReadonlyMap<string, unknown>, get: (name: string) => unknown, source: string): Pick<Capture, "tokens" | "norms" | "ablation" | "ablationNll" | "logprobs"> {
  const norms: Capture["norms"] = {};
  for (const n of NORM_NAMES) if (tensors.has(`norms.${n}`)) norms[n] = finite(get(`norms.${n}`) as Float32Array, `norms.${n}`, source);
  return {
    tokens: get("tokens") as Int32Array,
    norms,
    ...(tensors.has("ablation.dppl") ? { ablation: get("ablation.dppl") as Float32Array } : {}),
    ...(tensors.has("ablation.nll") ? { ablationNll: finite(get("ablation.nll") as Float32Array, "ablation.nll", source) } : {}),
    ...(tensors.has("output.logprobs") ? { logprobs: finite(get("output.logprobs") as Float32Array, "output.logprobs", source) } : {}),
  };
}

/**
 * `values` of tensor `name`, refused when one is NaN or infinite: a pattern or residual with one
 * poisons every statistic it enters. The scan costs far less than the comparisons that follow.
 */
function finite(values: Float32Array, name: string, source: string): Float32Array {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new InputError(`${source}: tensor "${name}" has a non-finite value (${values[i]}) at flat index ${i}`);
  }
  return values;
}

/**
 * How far a softmax row of float32 values may sum from 1: rounding in a row of a few thousand
 * values stays near 1e-4, while any damage that matters (a flipped sign, a shifted byte) moves it
 * far more.
 */
export const ROW_SUM_TOLERANCE = 1e-3;

/**
 * Layer `layer`'s attention `values` ([H, K]), refused unless every row of every probe's triangle
 * is a softmax: no value below 0, sum within ROW_SUM_TOLERANCE of 1. A capture that passes its
 * shape checks but not this one is damaged or was not made by softmax attention; either way its
 * patterns would be compared as if they were. The error names file, tensor, layer and head.
 */
export function checkPatterns(values: Float32Array, meta: Pick<CaptureMeta, "probeLengths" | "config">, layer: number, source: string): Float32Array {
  const H = meta.config.model.nHeads;
  const K = values.length / H;
  for (let h = 0; h < H; h++) {
    let at = h * K;
    for (let p = 0; p < meta.probeLengths.length; p++) {
      for (let r = 0; r < meta.probeLengths[p]; r++) {
        let sum = 0;
        let low = 0;
        for (let i = 0; i <= r; i++) {
          sum += values[at + i];
          low = Math.min(low, values[at + i]);
        }
        at += r + 1;
        if (low >= 0 && Math.abs(sum - 1) <= ROW_SUM_TOLERANCE) continue;
        const what = low < 0 ? `has a negative value (${low})` : `sums to ${sum}`;
        throw new InputError(`${source}: tensor "attn.${layer}" (layer ${layer + 1}, head ${h + 1}), probe ${p + 1}, row ${r + 1} ${what}, but attention rows are >= 0 and sum to 1`);
      }
    }
  }
  return values;
}

/** A per-layer tensor, checked as it enters the compare stage: finite, and attention rows softmax rows. */
function layerValues(values: Float32Array, tensor: LayerTensor, layer: number, meta: CaptureMeta, source: string): Float32Array {
  finite(values, `${tensor}.${layer}`, source);
  return tensor === "attn" ? checkPatterns(values, meta, layer, source) : values;
}

export function decodeCapture(bytes: Uint8Array, source: string): Capture {
  const st = decodeSafetensors(bytes, source);
  const meta = checkCapture(st, source);
  const get = (name: string) => st.tensors.get(name)!.data;
  const layers = (prefix: LayerTensor) =>
    Array.from({ length: meta.config.model.nLayers }, (_, l) => layerValues(get(`${prefix}.${l}`) as Float32Array, prefix, l, meta, source));
  return {
    meta,
    attn: layers("attn"),
    residPre: layers("resid_pre"),
    residMid: layers("resid_mid"),
    ...smallTensors(st.tensors, get, source),
  };
}

/**
 * A capture opened from disk for the compare stage: metadata and small tensors in memory, the
 * per-layer tensors (the bulk of the file) read on demand, so a cell's refits are never all in
 * memory at once.
 */
export interface CaptureReader extends Pick<Capture, "meta" | "tokens" | "norms" | "ablation" | "ablationNll" | "logprobs"> {
  /** attn.{layer} [H, K], or resid_pre.{layer} / resid_mid.{layer} [N, D], read from the file (a fresh array each call). */
  read(tensor: LayerTensor, layer: number): Float32Array;
}

/**
 * Opens a capture file reading only its header and small tensors; validates as decodeCapture does,
 * after checking the whole file against its recorded SHA-256 where it has one (a capture of Refit's
 * cache; captures from elsewhere have none and rely on the value checks).
 */
export function openCapture(file: string): CaptureReader {
  verifyChecksum(file);
  return withRepairHint(file, () => {
    const st = openSafetensors(file);
    const meta = checkCapture(st, file);
    return {
      meta,
      ...smallTensors(st.tensors, (name) => st.read(name), file),
      read: (tensor, layer) => withRepairHint(file, () => layerValues(st.read(`${tensor}.${layer}`) as Float32Array, tensor, layer, meta, file)),
    };
  });
}
