// .github/scripts/check-webgpu.ts, the nightly's device proof for webgpu: its decisions as a pure
// function (a software adapter, a matmul below the floor, a GPU that passes), and the script itself
// on this machine's software Vulkan, which it must refuse in one line. A real GPU is the nightly's.
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { refusal } from "../../.github/scripts/check-webgpu.ts";
import { missingVulkanAdapter, skipUnless } from "../helpers/requires.ts";

const SCRIPT = path.resolve(import.meta.dirname, "../../.github/scripts/check-webgpu.ts");
const H100 = { vendor: "nvidia", architecture: "hopper", device: "0x2330", description: "NVIDIA H100 80GB HBM3", software: false };
const LLVMPIPE = { vendor: "mesa", architecture: "software", device: "llvmpipe", description: "llvmpipe: Mesa 25.0.7", software: true };

describe("refusal", () => {
  it("refuses a software adapter whatever its speed, naming it and the driver to install", () => {
    expect(refusal(LLVMPIPE, 1e6, 200)).toBe("the WebGPU adapter is a software one (mesa software llvmpipe: Mesa 25.0.7 (software)), not a GPU: is NVIDIA's Vulkan driver (its ICD) installed and visible?");
  });

  it("refuses a GPU whose matmul is below the floor, and passes one above it", () => {
    expect(refusal(H100, 150.04, 200)).toBe("a 2048x2048 float32 matmul ran at 150.0 GFLOP/s on nvidia hopper NVIDIA H100 80GB HBM3, below the floor of 200 GFLOP/s");
    expect(refusal(H100, 200, 200)).toBeNull();
    expect(refusal(H100, null, 200)).toBeNull(); // before the timing: the adapter alone passes
    expect(refusal(null, null, 200)).toBe("webgpu found no adapter");
  });
});

describe.skipIf(skipUnless(missingVulkanAdapter()))("check-webgpu.ts on Mesa's software Vulkan", () => {
  it("fails with one ::error line naming the software adapter, before timing anything", () => {
    const r = spawnSync(process.execPath, [SCRIPT], { encoding: "utf8", timeout: 120_000 });
    expect(r.status).toBe(1);
    const errors = r.stderr.split("\n").filter((l) => l.startsWith("::error"));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^::error title=GPU runner not usable::the WebGPU adapter is a software one \(mesa software llvmpipe.*\(software\)\), not a GPU/);
    expect(r.stdout).toBe("");
  }, 130_000);
});
