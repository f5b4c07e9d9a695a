// The blas path against the wasm kernels over 50 training steps: the same model, data and seed,
// the dense products summed in another order (OpenBLAS's blocking and 512-bit lanes against
// matmul.wasm's), so the weights differ in the last bits and the losses drift apart a little.
// Tolerance: every step's training loss within 5e-4 of wasm's (at most 2.2e-5 was measured with
// OpenBLAS 0.3.21 SkylakeX), against the 2.4 that the loss falls over these steps; a wrong product
// (a transpose, a stride) moves it by far more.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SuiteSchema } from "../../../src/pipeline/artifacts/suite.ts";
import { tokenStream } from "../../../src/pipeline/data/batches.ts";
import { loadBrown, splitDocuments } from "../../../src/pipeline/data/corpus.ts";
import { initBackend } from "../../../src/pipeline/model/backend.ts";
import { loadBlas } from "../../../src/pipeline/model/blas.ts";
import { expandGrid, runsOf } from "../../../src/pipeline/suite/grid.ts";
import { trainRun } from "../../../src/pipeline/train/train.ts";
import { skipUnless } from "../../helpers/requires.ts";

const STEPS = 50;
const STEP_TOLERANCE = 5e-4;

const blas = loadBlas();
const noBlas = "unavailable" in blas ? `${blas.unavailable} (Debian packages build-essential and libopenblas-dev, then npm run blas)` : null;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "refit-blas-parity-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

let data: { train: Int32Array; heldOut: Int32Array };
beforeAll(() => {
  const split = splitDocuments(loadBrown(), 0.1);
  data = { train: tokenStream(split.train), heldOut: tokenStream(split.heldOut) };
});

/** 50 Adam steps of a 2-layer d64 model (every product of training at a width matmul.wasm packs from), per-step losses. */
async function losses(kernels: "wasm" | "blas"): Promise<number[]> {
  await initBackend("wasm", { kernels });
  const suite = SuiteSchema.parse({
    name: "parity",
    model: { nLayers: 2, dModel: 64, nHeads: 4 },
    data: { nCtx: 32 },
    train: { tokens: STEPS * 8 * 32, batchSize: 8, lr: 3e-3, warmupSteps: 5, evalEvery: 1000, checkpointEvery: 1000, evalTokens: 256 },
  });
  const out: number[] = [];
  const r = await trainRun({ run: runsOf(expandGrid(suite)[0], 1)[0], backend: "wasm", runDir: path.join(tmp, kernels), data, onStep: (e) => out.push(e.loss) });
  tf.dispose([...r.params.values()]);
  return out;
}

describe.skipIf(skipUnless(noBlas))("the blas path against the wasm kernels", () => {
  it(`agrees in training loss over ${STEPS} steps within ${STEP_TOLERANCE} per step`, async () => {
    const [wasm, viaBlas] = [await losses("wasm"), await losses("blas")];
    expect(wasm).toHaveLength(STEPS);
    expect(viaBlas).toHaveLength(STEPS);
    const gaps = wasm.map((l, i) => Math.abs(l - viaBlas[i]));
    expect(Math.max(...gaps)).toBeLessThan(STEP_TOLERANCE);
    // The paths are different arithmetic (else the run IDs need not differ), and both learn.
    expect(gaps.some((g) => g > 0)).toBe(true);
    expect(wasm[0] - wasm.at(-1)!).toBeGreaterThan(1);
    console.log(`blas vs wasm over ${STEPS} steps: largest loss gap ${Math.max(...gaps).toExponential(2)}, final ${wasm.at(-1)} vs ${viaBlas.at(-1)}`);
  }, 300_000);
});
