// The GPT's architecture as one plain object, and every parameter it has by Hugging Face GPT-2
// name (without `transformer.`) with its shape. Training, capture, checkpoints and the cost
// estimate all read the model from here; no tfjs, so planning and checkpoint files stay light.
import type { CellConfig, ModelStatement } from "../artifacts/suite.ts";

/** The MLP's GELU: "gelu_new" is GPT-2's tanh form (Refit trains with it), "gelu" the exact erf form. */
export const ACTIVATIONS = ["gelu_new", "gelu"] as const;
export type Activation = (typeof ACTIVATIONS)[number];

export interface GptConfig {
  nLayers: number;
  dModel: number;
  nHeads: number;
  /** MLP hidden width; 0 = attention-only. */
  dMlp: number;
  vocabSize: number;
  nCtx: number;
  activation: Activation;
  layerNormEps: number;
  /** Also divide layer l's (0-based) attention scores by l + 1, as HF's scale_attn_by_inverse_layer_idx does
   *  (Stanford CRFM's GPT-2 seeds were trained so). Scores are always divided by sqrt(dHead). */
  scaleAttnByInverseLayerIdx: boolean;
}

/** Weight blocks whose per-layer Frobenius norms a capture records: attention's query, key and value
 *  (column blocks of c_attn) and output (c_proj), and the MLP's in and out (c_fc, c_proj). */
export const NORM_NAMES = ["W_Q", "W_K", "W_V", "W_O", "W_in", "W_out"] as const;
export type NormName = (typeof NORM_NAMES)[number];

/** GPT-2's own settings, which Refit's refits use: what a suite does not state. */
export const GPT2_SETTINGS = { activation: "gelu_new", layerNormEps: 1e-5, scaleAttnByInverseLayerIdx: false } as const satisfies Partial<GptConfig>;

/** Plain weights by parameter name, as checkpoint files hold them. */
export type Weights = Map<string, { shape: number[]; data: Float32Array }>;

/** The model a cell trains: the suite states the architecture, the tokenizer fixes the vocabulary. */
export function gptConfigOf(cell: CellConfig, vocabSize: number): GptConfig {
  const m = cell.model;
  const dMlp = m.mlp ? (m.dMlp ?? 4 * m.dModel) : 0;
  return { nLayers: m.nLayers, dModel: m.dModel, nHeads: m.nHeads, dMlp, vocabSize, nCtx: cell.data.nCtx, ...GPT2_SETTINGS };
}

/** Every parameter, in a fixed order that is part of the contract: initParams derives each tensor's seed from its position. */
export function paramShapes(c: GptConfig): Map<string, number[]> {
  const D = c.dModel;
  const F = c.dMlp;
  const shapes = new Map<string, number[]>([
    ["wte.weight", [c.vocabSize, D]],
    ["wpe.weight", [c.nCtx, D]],
  ]);
  for (let i = 0; i < c.nLayers; i++) {
    const h = `h.${i}`;
    shapes.set(`${h}.ln_1.weight`, [D]).set(`${h}.ln_1.bias`, [D]);
    shapes.set(`${h}.attn.c_attn.weight`, [D, 3 * D]).set(`${h}.attn.c_attn.bias`, [3 * D]);
    shapes.set(`${h}.attn.c_proj.weight`, [D, D]).set(`${h}.attn.c_proj.bias`, [D]);
    if (F > 0) {
      shapes.set(`${h}.ln_2.weight`, [D]).set(`${h}.ln_2.bias`, [D]);
      shapes.set(`${h}.mlp.c_fc.weight`, [D, F]).set(`${h}.mlp.c_fc.bias`, [F]);
      shapes.set(`${h}.mlp.c_proj.weight`, [F, D]).set(`${h}.mlp.c_proj.bias`, [D]);
    }
  }
  shapes.set("ln_f.weight", [D]).set("ln_f.bias", [D]);
  // Stored [D, V] so the head is x·W like every other product; HF's nn.Linear holds it [V, D].
  shapes.set("lm_head.weight", [D, c.vocabSize]);
  return shapes;
}

/** The architecture as a suite states it (the inverse of gptConfigOf's model part), e.g. for a capture's config.model. */
export function modelStatementOf(c: GptConfig): ModelStatement {
  return { nLayers: c.nLayers, dModel: c.dModel, nHeads: c.nHeads, mlp: c.dMlp > 0, ...(c.dMlp > 0 ? { dMlp: c.dMlp } : {}) };
}
