// Backend choice and fallback order, with stand-ins for the native packages (they download
// libtensorflow at install and cannot install here): a stand-in registers a "tensorflow" backend,
// as both real packages do, that reports whether TensorFlow listed a GPU device.
import * as tf from "@tensorflow/tfjs-core";
import { MathBackendCPU } from "@tensorflow/tfjs-backend-cpu";
import { afterEach, describe, expect, it } from "vitest";
import { BackendError, initBackend } from "../../../src/pipeline/model/backend.ts";
import { adapterOf } from "../../../src/pipeline/model/webgpu.ts";

const forgetTensorflow = () => tf.findBackendFactory("tensorflow") && tf.removeBackend("tensorflow");

type Installed = Partial<Record<"@tensorflow/tfjs-node-gpu" | "@tensorflow/tfjs-node", { gpu: boolean }>> & { webgpu?: Dawn };
type Dawn = { create: () => { requestAdapter: () => Promise<{ info: Record<string, unknown> } | null> }; globals: object };

/** A stand-in for Dawn's `webgpu` module whose only adapter has this info (or none at all). */
const dawnWith = (info: Record<string, unknown> | null): Dawn => ({ create: () => ({ requestAdapter: async () => (info ? { info } : null) }), globals: {} });
const LLVMPIPE = { vendor: "mesa", architecture: "software", device: "llvmpipe-llvm-15", description: "llvmpipe: Mesa 25.0.7", isFallbackAdapter: true };

/** A package loader where only `installed` exist; each registers a native-like backend when imported. */
function standIns(installed: Installed) {
  const loaded: string[] = [];
  const load = async (pkg: string) => {
    const standIn = installed[pkg as keyof Installed];
    if (pkg === "webgpu" && installed.webgpu) {
      loaded.push(pkg);
      return installed.webgpu;
    }
    if (!standIn || !("gpu" in standIn)) throw Object.assign(new Error(`Cannot find package '${pkg}' imported from backend.ts`), { code: "ERR_MODULE_NOT_FOUND" });
    loaded.push(pkg);
    forgetTensorflow();
    tf.registerBackend("tensorflow", () => Object.assign(new MathBackendCPU(), { isUsingGpuDevice: standIn.gpu }));
  };
  const notices: string[] = [];
  return { load, loaded, notices, notice: (line: string) => notices.push(line) };
}

afterEach(async () => {
  await tf.setBackend("cpu");
  forgetTensorflow();
});

describe("initBackend", () => {
  it("auto takes tensorflow-gpu when TensorFlow sees a GPU, and says nothing", async () => {
    const s = standIns({ "@tensorflow/tfjs-node-gpu": { gpu: true }, "@tensorflow/tfjs-node": { gpu: false } });
    expect(await initBackend("auto", s)).toBe("tensorflow-gpu");
    expect(tf.getBackend()).toBe("tensorflow");
    expect(s.loaded).toEqual(["@tensorflow/tfjs-node-gpu"]);
    expect(s.notices).toEqual([]);
  });

  it("auto passes over a GPU package that sees no GPU, to TensorFlow on the CPU, saying why", async () => {
    const s = standIns({ "@tensorflow/tfjs-node-gpu": { gpu: false }, "@tensorflow/tfjs-node": { gpu: false } });
    expect(await initBackend("auto", s)).toBe("tensorflow");
    expect(s.loaded).toEqual(["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"]);
    expect(s.notices).toHaveLength(1);
    expect(s.notices[0]).toMatch(/^refit: backend auto: using tensorflow; passed over tensorflow-gpu \(@tensorflow\/tfjs-node-gpu loaded but TensorFlow sees no GPU device/);
  });

  it("auto falls back to wasm when neither native package is installed, naming both", async () => {
    const s = standIns({});
    expect(await initBackend("auto", s)).toBe("wasm");
    expect(tf.getBackend()).toBe("wasm");
    expect(s.notices).toEqual([
      "refit: backend auto: using wasm; passed over tensorflow-gpu (@tensorflow/tfjs-node-gpu is not installed); webgpu (webgpu is not installed); tensorflow (@tensorflow/tfjs-node is not installed)",
    ]);
  });

  it("auto never records tensorflow-gpu without a GPU, even with no CPU package to fall back to", async () => {
    const s = standIns({ "@tensorflow/tfjs-node-gpu": { gpu: false } });
    expect(await initBackend("auto", s)).toBe("wasm");
  });

  it("fails --backend tensorflow-gpu in one line when TensorFlow sees no GPU", async () => {
    const s = standIns({ "@tensorflow/tfjs-node-gpu": { gpu: false } });
    const run = initBackend("tensorflow-gpu", s);
    await expect(run).rejects.toThrow(BackendError);
    await expect(run).rejects.toThrow(/^--backend tensorflow-gpu: @tensorflow\/tfjs-node-gpu loaded but TensorFlow sees no GPU device \(it needs an NVIDIA driver, CUDA 11\.2 and cuDNN 8\.1: README, "Backends"\)$/);
  });

  it("fails --backend tensorflow-gpu in one line when the package is missing, and tries nothing else", async () => {
    const s = standIns({ "@tensorflow/tfjs-node": { gpu: false } });
    await expect(initBackend("tensorflow-gpu", s)).rejects.toThrow(/^--backend tensorflow-gpu: @tensorflow\/tfjs-node-gpu is not installed$/);
    expect(s.loaded).toEqual([]);
  });

  it("reports a package that is installed but does not load with its error's first line", async () => {
    const load = async () => {
      throw new Error("libcudart.so.11.0: cannot open shared object file\n    at stack");
    };
    await expect(initBackend("tensorflow-gpu", { load })).rejects.toThrow(/^--backend tensorflow-gpu: @tensorflow\/tfjs-node-gpu failed to load \(libcudart\.so\.11\.0: cannot open shared object file\)$/);
  });

  it("takes an explicit wasm or cpu without loading any native package", async () => {
    const s = standIns({ "@tensorflow/tfjs-node-gpu": { gpu: true } });
    expect(await initBackend("cpu", s)).toBe("cpu");
    expect(await initBackend("wasm", s)).toBe("wasm");
    expect(s.loaded).toEqual([]);
  });

  it("auto passes over a software WebGPU adapter (llvmpipe), naming it, and never loads tfjs's webgpu backend", async () => {
    const s = standIns({ webgpu: dawnWith(LLVMPIPE) });
    expect(await initBackend("auto", s)).toBe("wasm");
    expect(s.loaded).toEqual(["webgpu"]);
    expect(s.notices[0]).toContain("webgpu (its only adapter is a software one (mesa software llvmpipe: Mesa 25.0.7 (software)))");
  });

  it("fails --backend webgpu in one line naming the Vulkan packages when Dawn finds no adapter", async () => {
    const s = standIns({ webgpu: dawnWith(null) });
    await expect(initBackend("webgpu", s)).rejects.toThrow(/^--backend webgpu: Dawn found no WebGPU adapter \(no Vulkan driver: install mesa-vulkan-drivers and libvulkan1, or a GPU's Vulkan driver\)$/);
  });
});

describe("adapterOf", () => {
  it("calls an adapter software when Dawn says fallback, the architecture is software, or the name is a known rasteriser", () => {
    const hw = { vendor: "nvidia", architecture: "hopper", device: "0x2330", description: "NVIDIA H100 80GB HBM3" };
    expect(adapterOf(hw).software).toBe(false);
    expect(adapterOf(LLVMPIPE).software).toBe(true);
    expect(adapterOf({ ...hw, isFallbackAdapter: true }).software).toBe(true);
    expect(adapterOf({ vendor: "google", architecture: "", device: "", description: "SwiftShader Device (Subzero)" }).software).toBe(true);
    expect(adapterOf({ vendor: "mesa", architecture: "", device: "", description: "lavapipe" }).software).toBe(true);
  });
});
