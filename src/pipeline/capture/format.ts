// The capture file (`capture.safetensors`), Refit's documented interchange format for the compare
// stage (docs/formats.md "Capture file"): attn.{l} [H, K], resid_pre.{l} / resid_mid.{l} [N, D], tokens [N],
// optional ablation.dppl [L, H] and norms.* [L], and `__metadata__` validated by CaptureMetaSchema.
// Bytes in, bytes out, or a file opened by its header and read a layer at a time (openCapture, for
// the compare stage); either way, captures made elsewhere are checked as strictly as Refit's own.
import { CaptureMetaSchema, type CaptureMeta } from "../artifacts/schemas.ts";
import { decodeSafetensors, encodeSafetensors, openSafetensors, type TensorEntry } from "../artifacts/safetensors.ts";
import { NORM_NAMES, type NormName } from "../model/config.ts";

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
}

// Plain-string metadata values are stored as they are; structured ones (numbers, objects) as JSON.
const RAW_STRING_KEYS = new Set(["format", "runId", "backend"]);

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
  for (const [name, values] of Object.entries(c.norms)) tensors.set(`norms.${name}`, { dtype: "F32", shape: [nLayers], data: values });
  const meta: Record<string, string> = {};
  for (const [k, v] of Object.entries(c.meta)) meta[k] = RAW_STRING_KEYS.has(k) ? String(v) : JSON.stringify(v);
  return encodeSafetensors(tensors, meta);
}

function parseMeta(raw: Record<string, string>, source: string): CaptureMeta {
  const decoded: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    try {
      decoded[k] = RAW_STRING_KEYS.has(k) ? v : JSON.parse(v);
    } catch {
      throw new Error(`${source}: __metadata__.${k} is not valid JSON`);
    }
  }
  const r = CaptureMetaSchema.safeParse(decoded);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new Error(`${source}: __metadata__.${issue.path.join(".")}: ${issue.message}`);
  }
  return r.data;
}

/** The per-layer tensors, the bulk of a capture: attn.{l}, resid_pre.{l}, resid_mid.{l}. */
export type LayerTensor = "attn" | "resid_pre" | "resid_mid";

interface TensorSpec {
  name: string;
  dtype: "F32" | "I32";
  shape: number[];
  optional: boolean;
}

/** The tensors a capture with this metadata holds, in the order they are checked. */
function captureTensors(meta: CaptureMeta): TensorSpec[] {
  const { nLayers, nHeads, dModel } = meta.config.model;
  const K = meta.probeLengths.reduce((s, t) => s + triangleSize(t), 0);
  const N = meta.probeLengths.reduce((s, t) => s + t, 0);
  const f32 = (name: string, shape: number[], optional = false): TensorSpec => ({ name, dtype: "F32", shape, optional });
  const layers = Array.from({ length: nLayers }, (_, l) => l);
  return [
    ...NORM_NAMES.map((n) => f32(`norms.${n}`, [nLayers], true)),
    ...layers.map((l) => f32(`attn.${l}`, [nHeads, K])),
    ...layers.map((l) => f32(`resid_pre.${l}`, [N, dModel])),
    ...layers.map((l) => f32(`resid_mid.${l}`, [N, dModel])),
    { name: "tokens", dtype: "I32", shape: [N], optional: false },
    f32("ablation.dppl", [nLayers, nHeads], true),
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
    if (!t) throw new Error(`${source}: missing tensor "${name}"`);
    if (t.dtype !== want.dtype || t.shape.join() !== want.shape.join()) {
      throw new Error(`${source}: tensor "${name}" is ${t.dtype} [${t.shape}], expected ${want.dtype} [${want.shape}]`);
    }
  }
  return meta;
}

/** The small tensors of a checked capture (tokens, norms, ablation), whichever way `get` reads one. */
function smallTensors(tensors: ReadonlyMap<string, unknown>, get: (name: string) => unknown): Pick<Capture, "tokens" | "norms" | "ablation"> {
  const norms: Capture["norms"] = {};
  for (const n of NORM_NAMES) if (tensors.has(`norms.${n}`)) norms[n] = get(`norms.${n}`) as Float32Array;
  return {
    tokens: get("tokens") as Int32Array,
    norms,
    ...(tensors.has("ablation.dppl") ? { ablation: get("ablation.dppl") as Float32Array } : {}),
  };
}

export function decodeCapture(bytes: Uint8Array, source: string): Capture {
  const st = decodeSafetensors(bytes, source);
  const meta = checkCapture(st, source);
  const get = (name: string) => st.tensors.get(name)!.data;
  const layers = (prefix: LayerTensor) => Array.from({ length: meta.config.model.nLayers }, (_, l) => get(`${prefix}.${l}`) as Float32Array);
  return {
    meta,
    attn: layers("attn"),
    residPre: layers("resid_pre"),
    residMid: layers("resid_mid"),
    ...smallTensors(st.tensors, get),
  };
}

/**
 * A capture opened from disk for the compare stage: metadata and small tensors in memory, the
 * per-layer tensors (the bulk of the file) read on demand, so a cell's refits are never all in
 * memory at once.
 */
export interface CaptureReader extends Pick<Capture, "meta" | "tokens" | "norms" | "ablation"> {
  /** attn.{layer} [H, K], or resid_pre.{layer} / resid_mid.{layer} [N, D], read from the file (a fresh array each call). */
  read(tensor: LayerTensor, layer: number): Float32Array;
}

/** Opens a capture file reading only its header and small tensors; validates as decodeCapture does. */
export function openCapture(file: string): CaptureReader {
  const st = openSafetensors(file);
  const meta = checkCapture(st, file);
  return {
    meta,
    ...smallTensors(st.tensors, (name) => st.read(name)),
    read: (tensor, layer) => st.read(`${tensor}.${layer}`) as Float32Array,
  };
}
