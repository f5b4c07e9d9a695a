// Pins the arithmetic of training: a short run's final loss and the SHA-256 of its trained
// weights, per backend and kernel path, recorded under NUMERICS_VERSION 2. Published runs are
// cached by run ID, which includes NUMERICS_VERSION, so any change that moves these bits (a
// kernel, the order of operations, a tfjs upgrade or a different set of tfjs packages) must bump
// NUMERICS_VERSION (suite/grid.ts) and record the new values here. The blas path's bits depend
// on the BLAS and the CPU kernels it runs (both in a blas run's ID), so its rows are per identity.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SuiteSchema } from "../../../src/pipeline/artifacts/suite.ts";
import { tokenStream } from "../../../src/pipeline/data/batches.ts";
import { loadBrown, splitDocuments } from "../../../src/pipeline/data/corpus.ts";
import { activeKernels, initBackend } from "../../../src/pipeline/model/backend.ts";
import { loadBlas } from "../../../src/pipeline/model/blas.ts";
import { skipUnless } from "../../helpers/requires.ts";
import { expandGrid, NUMERICS_VERSION, runsOf } from "../../../src/pipeline/suite/grid.ts";
import { trainRun } from "../../../src/pipeline/train/train.ts";

const PINNED = {
  numerics: 2,
  wasm: { loss: 5.102010726928711, weights: "51d1e0326ee422d44f5d4ebfb2b293fdce8a275c59ab8000b37df291391620d9" },
  cpu: { loss: 5.102010726928711, weights: "c9cd070a8ff0e2ab48362e277820d748198331b4a850662f51c7f1348a8c33e1" },
  blas: {
    "OpenBLAS 0.3.21 SkylakeX": { loss: 5.102010726928711, weights: "eb1401ced72441a3c6a2d49d687121c9d9b4af29a48ded661cc782738262e8fb" },
  } as Record<string, { loss: number; weights: string }>,
};

const blas = loadBlas();
const noBlas = "unavailable" in blas ? `${blas.unavailable} (Debian packages build-essential and libopenblas-dev, then npm run blas)` : null;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "refit-numerics-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

let data: { train: Int32Array; heldOut: Int32Array };
beforeAll(() => {
  const split = splitDocuments(loadBrown(), 0.1);
  data = { train: tokenStream(split.train), heldOut: tokenStream(split.heldOut) };
});

/** Eight AdamW steps of a one-layer model with every training path in it: embedding, attention, MLP, clipping. */
async function shortRun(backend: "wasm" | "cpu", kernels: "wasm" | "blas" = "wasm") {
  await initBackend(backend, { kernels });
  const suite = SuiteSchema.parse({
    name: "numerics",
    model: { nLayers: 1, dModel: 16, nHeads: 2 },
    data: { nCtx: 16 },
    train: { tokens: 8 * 4 * 16, batchSize: 4, lr: 3e-3, warmupSteps: 2, optimizer: "adamw", weightDecay: 0.1, gradClip: 1, evalEvery: 1000, checkpointEvery: 1000, evalTokens: 64 },
  });
  const r = await trainRun({ run: runsOf(expandGrid(suite)[0], 1)[0], backend, runDir: path.join(tmp, `${backend}-${kernels}`), data });
  const hash = createHash("sha256");
  for (const [name, v] of r.params) hash.update(name).update(new Uint8Array(v.dataSync().buffer));
  tf.dispose([...r.params.values()]);
  return { loss: r.progress.lastTrainLoss, weights: hash.digest("hex") };
}

describe("training numerics", () => {
  it("are the ones pinned for this NUMERICS_VERSION", () => expect(NUMERICS_VERSION).toBe(PINNED.numerics));
  it.each(["wasm", "cpu"] as const)("give the pinned final loss and weights on %s", async (backend) => {
    expect(await shortRun(backend)).toEqual(PINNED[backend]);
  });
});

describe.skipIf(skipUnless(noBlas))("training numerics on the blas path", () => {
  it("give the final loss and weights pinned for this BLAS and CPU kernels, and differ from wasm's", async () => {
    const got = await shortRun("wasm", "blas");
    const { library, coreType } = activeKernels()!.blas!;
    const pinned = PINNED.blas[`${library} ${coreType}`];
    expect(pinned, `no row pinned for ${library} ${coreType}: record ${JSON.stringify(got)}`).toBeDefined();
    expect(got).toEqual(pinned);
    expect(got.weights).not.toBe(PINNED.wasm.weights);
  });
});
