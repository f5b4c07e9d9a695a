// The capture file both ways the pipeline reads it: decodeCapture over bytes and openCapture over
// a file read a layer at a time must agree bit for bit, and refuse the same bad files with the
// same messages, naming the file and the field or tensor; through `refit compare` each is one
// line and exit 2.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { InputError } from "../../../src/pipeline/artifacts/input-error.ts";
import { decodeSafetensors, encodeSafetensors, type TensorEntry } from "../../../src/pipeline/artifacts/safetensors.ts";
import { decodeCapture, encodeCapture, openCapture, type Capture } from "../../../src/pipeline/capture/format.ts";
import { main } from "../../../src/pipeline/cli.ts";
import { CellConfigSchema, type CellConfig } from "../../../src/pipeline/artifacts/suite.ts";
import { cellIdOf } from "../../../src/pipeline/suite/grid.ts";
import { mulberry32, randomPatterns } from "../compare/helpers.ts";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "refit-capture-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const rng = mulberry32(5);
const probeLengths = [3, 2];
const [L, H, D, K, N] = [2, 2, 4, 6 + 3, 5];
const values = (n: number) => Float32Array.from({ length: n }, () => rng());

const capture: Capture = {
  meta: {
    format: "refit.capture",
    version: 2,
    seed: 3,
    family: "f",
    source: { kind: "refit", runId: "r3" },
    config: CellConfigSchema.parse({ data: {}, train: {}, model: { nLayers: L, dModel: D, nHeads: H } }),
    tokenizer: "bytes",
    probeSet: { id: "p", hash: "h" },
    probeLengths,
    backend: "cpu",
  },
  attn: randomPatterns({ nLayers: L, nHeads: H, probeLengths }, rng).attn as Float32Array[],
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

  it("reads a version-1 capture (Refit runs only) as version 2: its family is its cell id (config and probe set)", () => {
    const v1 = edited((_, meta) => {
      Object.assign(meta, { version: "1", runId: "r3" });
      for (const key of ["family", "source", "tokenizer"]) delete meta[key];
    });
    const { meta } = decodeCapture(v1, "v1.safetensors");
    expect(meta).toEqual({ ...capture.meta, family: cellIdOf(capture.meta.config as CellConfig, capture.meta.probeSet.id), source: { kind: "refit", runId: "r3" } });
  });

  it("reads a capture made elsewhere: only config.model, no Refit training config, no backend", () => {
    const source = { kind: "external", model: "org/model-seed1", revision: null, weightsSha256: "ab".repeat(32) };
    const external = edited((_, meta) => {
      Object.assign(meta, { config: JSON.stringify({ model: capture.meta.config.model }), source: JSON.stringify(source), tokenizer: "gpt2" });
      delete meta.backend;
    });
    const { meta } = decodeCapture(external, "ext.safetensors");
    expect(meta).toMatchObject({ family: "f", source, tokenizer: "gpt2", config: { model: capture.meta.config.model } });
    expect(meta).not.toHaveProperty("backend");
    expect(meta.config).not.toHaveProperty("train");
  });

  const bad: [string, Uint8Array, RegExp][] = [
    ["metadata that fails the schema", edited((_, meta) => (meta.seed = "1.5")), /bad\.safetensors: __metadata__\.seed: /],
    ["a format version it does not know", edited((_, meta) => (meta.version = "3")), /bad\.safetensors: __metadata__\.version: 3 is not a capture format version this Refit reads \(1 or 2\)/],
    ["another format", edited((_, meta) => (meta.format = "pt")), /bad\.safetensors: __metadata__\.format: expected "refit\.capture", got "pt"/],
    [
      "a version-1 capture without its backend",
      edited((_, meta) => {
        Object.assign(meta, { version: "1", runId: "r3" });
        for (const key of ["family", "source", "tokenizer", "backend"]) delete meta[key];
      }),
      /bad\.safetensors: __metadata__\.backend: /,
    ],
    [
      "an external source without the weights' SHA-256",
      edited((_, meta) => (meta.source = JSON.stringify({ kind: "external", model: "m", revision: null, weightsSha256: "xyz" }))),
      /bad\.safetensors: __metadata__\.source\.weightsSha256: 64 lowercase hex digits/,
    ],
    [
      "a non-finite attention weight",
      edited((tensors) => tensors.set("attn.1", { dtype: "F32", shape: [H, K], data: Float32Array.from(values(H * K), (v, i) => (i === 7 ? Number.NaN : v)) })),
      /bad\.safetensors: tensor "attn\.1" has a non-finite value \(NaN\) at flat index 7/,
    ],
    [
      "an infinite residual",
      edited((tensors) => tensors.set("resid_pre.0", { dtype: "F32", shape: [N, D], data: Float32Array.from(values(N * D), (v, i) => (i === 3 ? Infinity : v)) })),
      /bad\.safetensors: tensor "resid_pre\.0" has a non-finite value \(Infinity\) at flat index 3/,
    ],
    [
      "a flipped sign in an attention pattern",
      edited((tensors) => tensors.set("attn.1", { dtype: "F32", shape: [H, K], data: capture.attn[1].map((v, i) => (i === K + 4 ? -v : v)) })),
      /bad\.safetensors: tensor "attn\.1" \(layer 2, head 2\), probe 1, row 3 has a negative value \(-0\.\d+\), but attention rows are >= 0 and sum to 1$/,
    ],
    [
      "attention rows that do not sum to 1",
      edited((tensors) => tensors.set("attn.0", { dtype: "F32", shape: [H, K], data: capture.attn[0].map((v, i) => (i === 6 ? v * 1.01 : v)) })),
      /bad\.safetensors: tensor "attn\.0" \(layer 1, head 1\), probe 2, row 1 sums to 1\.0099\d*, but attention rows are >= 0 and sum to 1$/,
    ],
    [
      "a header that claims more layers than the file holds",
      edited((_, meta) => (meta.config = JSON.stringify({ model: { ...capture.meta.config.model, nLayers: 3 } }))),
      /bad\.safetensors: tensor "norms\.W_Q" is F32 \[2\], expected F32 \[3\]/,
    ],
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
  const good = encodeCapture(capture);
  const cut: [string, Uint8Array, RegExp][] = [
    ["a file cut short", good.subarray(0, good.length - 4), /bad\.safetensors: truncated: tensor "tokens" ends at data byte \d+ but the data holds \d+ bytes/],
    [
      "a header whose offsets lie about the data",
      (() => {
        const n = Number(new DataView(good.buffer, good.byteOffset, 8).getBigUint64(0, true));
        const header = new TextDecoder().decode(good.subarray(8, 8 + n)).replace(/"data_offsets":\[(\d+),(\d+)\]/, (_, b, e) => `"data_offsets":[${b},${Number(e) - 4}]`);
        return Uint8Array.from([...good.subarray(0, 8), ...new TextEncoder().encode(header.padEnd(n)), ...good.subarray(8 + n)]);
      })(),
      /bad\.safetensors: tensor "ablation\.dppl": shape \[2,2\] of F32 needs 16 bytes but data_offsets \[0, 12\] span 12/,
    ],
  ];
  for (const [what, bytes, error] of [...bad, ...cut]) {
    it(`rejects ${what} when opened, as decodeCapture does`, () => {
      const file = write("bad.safetensors", bytes);
      expect(() => decodeCapture(bytes, file)).toThrow(error);
      // openCapture reads the per-layer tensors when the compare stage asks for them.
      const readAll = () => {
        const c = openCapture(file);
        for (let l = 0; l < L; l++) for (const t of ["attn", "resid_pre", "resid_mid"] as const) c.read(t, l);
      };
      expect(readAll).toThrow(error);
      expect(readAll).toThrow(InputError);
    });
  }

  // A file whose format is not refit.capture is not a capture at all: refit compare skips it.
  for (const [what, bytes, error] of [...bad, ...cut].filter(([what]) => what !== "another format")) {
    it(`refuses ${what} through refit compare: one line naming the file and the problem, exit 2`, async () => {
      const dir = fs.mkdtempSync(path.join(tmp, "compare-"));
      fs.writeFileSync(path.join(dir, "anchor.safetensors"), encodeCapture({ ...capture, meta: { ...capture.meta, seed: 1 } }));
      fs.writeFileSync(path.join(dir, "bad.safetensors"), bytes);
      const errors: string[] = [];
      vi.spyOn(console, "log").mockImplementation(() => {});
      vi.spyOn(console, "error").mockImplementation((...a) => void errors.push(a.join(" ")));
      try {
        expect(await main(["compare", dir])).toBe(2);
      } finally {
        vi.restoreAllMocks();
      }
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(error);
      expect(errors[0]).toContain(path.join(dir, "bad.safetensors"));
      expect(errors[0]).not.toMatch(/\n\s+at /);
    });
  }
});
