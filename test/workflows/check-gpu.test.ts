// .github/scripts/check-gpu.sh with stand-ins for nvidia-smi, ldconfig and node on PATH: each
// missing piece (driver, GPU, CUDA runtime, cuDNN, a GPU device in TensorFlow's log) fails with a
// line naming it, and a runner that has them all passes. No GPU is needed: the script's decisions
// are what is tested; a real GPU runner is the nightly itself.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const SCRIPT = path.resolve(import.meta.dirname, "../../.github/scripts/check-gpu.sh");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "refit-gpu-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const GPU_LOG = "I tensorflow/core/common_runtime/gpu/gpu_device.cc:1532] Created device /job:localhost/replica:0/task:0/device:GPU:0 with 79000 MB memory:  -> device: 0, name: NVIDIA H100";
const CPU_FALLBACK = "W tensorflow/stream_executor/platform/default/dso_loader.cc:64] Could not load dynamic library 'libcublas.so.11'; dlerror: libcublas.so.11: cannot open shared object file\nW tensorflow/core/common_runtime/gpu/gpu_device.cc:1850] Cannot dlopen some GPU libraries. Skipping registering GPU devices...";

interface Runner {
  /** nvidia-smi's CSV lines; undefined: no nvidia-smi at all. */
  gpus?: string;
  /** Libraries in the ldconfig cache. */
  cached?: string[];
  /** Libraries in a folder on LD_LIBRARY_PATH. */
  onPath?: string[];
  /** What `node -e` prints to stderr, and its exit code. */
  node?: { stderr: string; status: number };
}

let n = 0;
function check(r: Runner) {
  const dir = path.join(tmp, `runner-${++n}`);
  const bin = path.join(dir, "bin");
  const libs = path.join(dir, "lib");
  fs.mkdirSync(bin, { recursive: true });
  fs.mkdirSync(libs);
  const tool = (name: string, body: string) => fs.writeFileSync(path.join(bin, name), `#!/bin/bash\n${body}\n`, { mode: 0o755 });
  if (r.gpus !== undefined) tool("nvidia-smi", `printf '%s' ${JSON.stringify(r.gpus)}`);
  tool("ldconfig", (r.cached ?? []).map((l) => `echo "\t${l} (libc6,x86-64) => /usr/lib/${l}"`).join("\n") || "true");
  for (const l of r.onPath ?? []) fs.writeFileSync(path.join(libs, l), "");
  const node = r.node ?? { stderr: GPU_LOG, status: 0 };
  tool("node", `printf '%s\\n' ${JSON.stringify(node.stderr)} >&2; echo "tfjs 4.22.0, backend tensorflow"; exit ${node.status}`);
  return spawnSync("bash", [SCRIPT], { encoding: "utf8", env: { PATH: `${bin}:/usr/bin:/bin`, LD_LIBRARY_PATH: `/nonexistent:${libs}` } });
}

const ALL = ["libcudart.so.11.0", "libcudnn.so.8"];
const H100 = "NVIDIA H100 80GB HBM3, 81559 MiB, 550.54.15\n";

describe("check-gpu.sh", () => {
  it("passes on a runner with a GPU, CUDA, cuDNN and a GPU device in TensorFlow's log", () => {
    const r = check({ gpus: H100, cached: ["libcudart.so.11.0"], onPath: ["libcudnn.so.8"] });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("GPU(s): NVIDIA H100 80GB HBM3, 81559 MiB, 550.54.15");
    expect(r.stdout).toContain("Created device /job:localhost/replica:0/task:0/device:GPU:0");
    expect(r.stdout).toContain("tfjs 4.22.0, backend tensorflow");
  });

  it.each([
    [{}, "nvidia-smi not found: this runner has no NVIDIA driver"],
    [{ gpus: "" }, "nvidia-smi lists no GPU"],
    [{ gpus: H100, cached: ["libcudnn.so.8"] }, "libcudart.so.11.0 not found by the dynamic loader"],
    [{ gpus: H100, onPath: ["libcudart.so.11.0"] }, "libcudnn.so.8 not found by the dynamic loader"],
    [{ gpus: H100, cached: ALL, node: { stderr: "Error: Cannot find module '@tensorflow/tfjs-node-gpu'", status: 1 } }, "@tensorflow/tfjs-node-gpu did not load or run: Error: Cannot find module"],
    [{ gpus: H100, cached: ALL, node: { stderr: CPU_FALLBACK, status: 0 } }, "TensorFlow ran on the CPU, not the GPU: W tensorflow/stream_executor/platform/default/dso_loader.cc:64] Could not load dynamic library 'libcublas.so.11'"],
  ] as [Runner, string][])("fails with one error line when %o", (runner, message) => {
    const r = check(runner);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`::error title=GPU runner not usable::${message}`);
  });
});
