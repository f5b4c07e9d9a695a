// The capture file (`capture.safetensors`), Refit's documented interchange format for the compare
// stage (DESIGN.md "Capture"): attn.{l} [H, K], resid_pre.{l} / resid_mid.{l} [N, D], tokens [N],
// optional ablation.dppl [L, H] and norms.* [L], and `__metadata__` validated by CaptureMetaSchema. Bytes in, bytes out:
// captures made elsewhere are checked here as strictly as Refit's own.
import { CaptureMetaSchema, type CaptureMeta } from "../artifacts/schemas.ts";
import { decodeSafetensors, encodeSafetensors, type TensorEntry } from "../artifacts/safetensors.ts";
import type { PatternLayout, PatternArrays } from "../compare/patterns.ts";

export const NORMS = ["W_Q", "W_K", "W_V", "W_O", "W_in", "W_out"] as const;
export type NormName = (typeof NORMS)[number];

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

export function decodeCapture(bytes: Uint8Array, source: string): Capture {
  const { tensors, metadata } = decodeSafetensors(bytes, source);
  const meta = parseMeta(metadata, source);
  const { nLayers, nHeads, dModel } = meta.config.model;
  const K = meta.probeLengths.reduce((s, t) => s + triangleSize(t), 0);
  const N = meta.probeLengths.reduce((s, t) => s + t, 0);
  const get = (name: string, dtype: "F32" | "I32", shape: number[]) => {
    const t = tensors.get(name);
    if (!t) throw new Error(`${source}: missing tensor "${name}"`);
    if (t.dtype !== dtype || t.shape.join() !== shape.join()) {
      throw new Error(`${source}: tensor "${name}" is ${t.dtype} [${t.shape}], expected ${dtype} [${shape}]`);
    }
    return t.data;
  };
  const layers = Array.from({ length: nLayers }, (_, l) => l);
  const norms: Capture["norms"] = {};
  for (const n of NORMS) if (tensors.has(`norms.${n}`)) norms[n] = get(`norms.${n}`, "F32", [nLayers]) as Float32Array;
  return {
    meta,
    attn: layers.map((l) => get(`attn.${l}`, "F32", [nHeads, K]) as Float32Array),
    residPre: layers.map((l) => get(`resid_pre.${l}`, "F32", [N, dModel]) as Float32Array),
    residMid: layers.map((l) => get(`resid_mid.${l}`, "F32", [N, dModel]) as Float32Array),
    tokens: get("tokens", "I32", [N]) as Int32Array,
    norms,
    ...(tensors.has("ablation.dppl") ? { ablation: get("ablation.dppl", "F32", [nLayers, nHeads]) as Float32Array } : {}),
  };
}

/** The compare stage's view of a capture. */
export function patternsOf(c: Capture): { layout: PatternLayout; patterns: PatternArrays } {
  const m = c.meta.config.model;
  return { layout: { nLayers: m.nLayers, nHeads: m.nHeads, probeLengths: c.meta.probeLengths }, patterns: { attn: c.attn } };
}
