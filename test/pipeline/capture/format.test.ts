// The capture file both ways the pipeline reads it: decodeCapture over bytes and openCapture over
// a file read a layer at a time must agree bit for bit, and refuse the same bad files with the
// same messages, naming the file and the field or tensor.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { decodeSafetensors, encodeSafetensors, type TensorEntry } from "../../../src/pipeline/artifacts/safetensors.ts";
import { decodeCapture, encodeCapture, openCapture, type Capture } from "../../../src/pipeline/capture/format.ts";
import { CellConfigSchema } from "../../../src/pipeline/artifacts/suite.ts";
import { mulberry32 } from "../compare/helpers.ts";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "refit-capture-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const rng = mulberry32(5);
const probeLengths = [3, 2];
const [L, H, D, K, N] = [2, 2, 4, 6 + 3, 5];
const values = (n: number) => Float32Array.from({ length: n }, () => rng());

const capture: Capture = {
  meta: {
    format: "refit.capture",
    version: 1,
    seed: 3,
    runId: "r3",
    config: CellConfigSchema.parse({ data: {}, train: {}, model: { nLayers: L, dModel: D, nHeads: H } }),
    probeSet: { id: "p", hash: "h" },
    probeLengths,
    backend: "cpu",
  },
  attn: [values(H * K), values(H * K)],
  residPre: [values(N * D), values(N * D)],
  residMid: [values(N * D), values(N * D)],
  tokens: Int32Array.from([256, 72, 105, 256, 33]),
  norms: { W_Q: values(L), W_out: values(L) },
  ablation: values(L * H),
};

function write(name: string, bytes: Uint8Array): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, bytes);
  return file;
}

/** The capture re-encoded with its tensors or metadata edited. */
function edited(edit: (tensors: Map<string, TensorEntry>, meta: Record<string, string>) => void): Uint8Array {
  const { tensors, metadata } = decodeSafetensors(encodeCapture(capture));
  edit(tensors, metadata);
  return encodeSafetensors(tensors, metadata);
}

describe("openCapture", () => {
  it("reads the same metadata and tensors as decodeCapture, bit for bit", () => {
    const bytes = encodeCapture(capture);
    const file = write("capture.safetensors", bytes);
    const decoded = decodeCapture(bytes, file);
    const opened = openCapture(file);
    expect(opened.meta).toEqual(decoded.meta);
    expect(opened.tokens).toEqual(decoded.tokens);
    expect(opened.norms).toEqual(decoded.norms);
    expect(opened.ablation).toEqual(decoded.ablation);
    for (let l = 0; l < L; l++) {
      expect(opened.read("attn", l)).toEqual(decoded.attn[l]);
      expect(opened.read("resid_pre", l)).toEqual(decoded.residPre[l]);
      expect(opened.read("resid_mid", l)).toEqual(decoded.residMid[l]);
    }
  });

  it("leaves out what the file does not have: ablation and norms are optional", () => {
    const file = write("bare.safetensors", encodeCapture({ ...capture, norms: {}, ablation: undefined }));
    const opened = openCapture(file);
    expect(opened.norms).toEqual({});
    expect(opened).not.toHaveProperty("ablation");
  });

  const bad: [string, Uint8Array, RegExp][] = [
    ["metadata that fails the schema", edited((_, meta) => (meta.seed = "1.5")), /bad\.safetensors: __metadata__\.seed: /],
    ["metadata that is not JSON", edited((_, meta) => (meta.config = "{")), /bad\.safetensors: __metadata__\.config is not valid JSON/],
    ["a missing layer", edited((tensors) => tensors.delete("resid_mid.1")), /bad\.safetensors: missing tensor "resid_mid\.1"/],
    [
      "a tensor of the wrong shape",
      edited((tensors) => tensors.set("attn.0", { dtype: "F32", shape: [H, K - 1], data: values(H * (K - 1)) })),
      /bad\.safetensors: tensor "attn\.0" is F32 \[2,8\], expected F32 \[2,9\]/,
    ],
    [
      "an optional tensor of the wrong dtype",
      edited((tensors) => tensors.set("norms.W_K", { dtype: "F64", shape: [L], data: new Float64Array(L) })),
      /bad\.safetensors: tensor "norms\.W_K" is F64 \[2\], expected F32 \[2\]/,
    ],
  ];
  for (const [what, bytes, error] of bad) {
    it(`rejects ${what} when opened, as decodeCapture does`, () => {
      const file = write("bad.safetensors", bytes);
      expect(() => decodeCapture(bytes, file)).toThrow(error);
      expect(() => openCapture(file)).toThrow(error);
    });
  }
});
