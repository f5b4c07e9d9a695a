// Proves, before a shard trains for hours on webgpu, that this runner computes on a hardware GPU:
// Dawn must find a WebGPU adapter that is not a software rasteriser (llvmpipe/lavapipe, SwiftShader:
// model/webgpu.ts says which), and a timed float32 matmul through tfjs's webgpu backend must reach
// a floor (REFIT_GPU_MIN_GFLOPS, default 200 GFLOP/s: about 60 times what lavapipe reaches on a
// 2-core runner, a small fraction of any discrete GPU). Otherwise one ::error line and exit 1.
// Run from the repository root after npm ci: node .github/scripts/check-webgpu.ts
import * as tf from "@tensorflow/tfjs-core";
import type { Adapter } from "../../src/pipeline/artifacts/conventions.ts";
import { activeAdapter, initBackend } from "../../src/pipeline/model/backend.ts";
import { adapterLine } from "../../src/pipeline/model/webgpu.ts";

const DEFAULT_FLOOR_GFLOPS = 200;
const N = 2048;
const REPEATS = 10;

/** Why this device may not train (one line), or null when it may. */
export function refusal(adapter: Adapter | null, gflops: number | null, floor: number): string | null {
  if (!adapter) return "webgpu found no adapter";
  if (adapter.software) return `the WebGPU adapter is a software one (${adapterLine(adapter)}), not a GPU: is NVIDIA's Vulkan driver (its ICD) installed and visible?`;
  if (gflops !== null && gflops < floor) return `a ${N}x${N} float32 matmul ran at ${gflops.toFixed(1)} GFLOP/s on ${adapterLine(adapter)}, below the floor of ${floor} GFLOP/s`;
  return null;
}

/** GFLOP/s of N x N float32 matmuls on the active backend, after one warm-up (shader compile). */
async function timedMatmul(): Promise<number> {
  const a = tf.randomNormal([N, N], 0, 1, "float32", 1);
  const b = tf.randomNormal([N, N], 0, 1, "float32", 2);
  const warm = tf.matMul(a, b);
  await warm.data();
  warm.dispose();
  const t0 = performance.now();
  let last: tf.Tensor | null = null;
  for (let i = 0; i < REPEATS; i++) {
    last?.dispose();
    last = tf.matMul(a, b);
  }
  await last!.data(); // the queue runs in order: the last result read means all ran
  const seconds = (performance.now() - t0) / 1000;
  tf.dispose([a, b, last!]);
  return (2 * N ** 3 * REPEATS) / seconds / 1e9;
}

function floorOf(text: string | undefined): number {
  const floor = Number(text ?? DEFAULT_FLOOR_GFLOPS);
  if (!(floor > 0)) throw new Error(`REFIT_GPU_MIN_GFLOPS must be a positive number, got "${text}"`);
  return floor;
}

async function main(): Promise<number> {
  const floor = floorOf(process.env.REFIT_GPU_MIN_GFLOPS);
  const fail = (line: string) => {
    console.error(`::error title=GPU runner not usable::${line}`);
    return 1;
  };
  try {
    await initBackend("webgpu");
  } catch (e) {
    return fail((e as Error).message);
  }
  const adapter = activeAdapter();
  const early = refusal(adapter, null, floor);
  if (early) return fail(early);
  const gflops = await timedMatmul();
  const why = refusal(adapter, gflops, floor);
  if (why) return fail(why);
  console.log(`webgpu: ${adapterLine(adapter!)}: ${N}x${N} float32 matmul at ${gflops.toFixed(0)} GFLOP/s (floor ${floor})`);
  return 0;
}

if (import.meta.main) process.exit(await main());
