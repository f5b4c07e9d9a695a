// tfjs's WebGPU backend over Dawn's Node binding (the `webgpu` package, which ships its native
// binary inside the package, so it installs from the registry alone). Dawn needs a Vulkan driver on
// Linux: NVIDIA's on a GPU machine, or Mesa's software lavapipe (mesa-vulkan-drivers from
// bookworm-backports; bookworm's own 22.3 is refused by Dawn), which is slow but exercises the path.
import * as tf from "@tensorflow/tfjs-core";
import type { Adapter } from "../artifacts/conventions.ts";

/** A software rasteriser posing as a GPU: fine for tests, never chosen by `auto`. */
const SOFTWARE = /llvmpipe|lavapipe|swiftshader|softpipe|warp/i;

interface GpuAdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter?: boolean;
}
interface Gpu {
  requestAdapter(o?: { powerPreference?: string }): Promise<{ info: GpuAdapterInfo } | null>;
}

export function adapterOf(info: GpuAdapterInfo): Adapter {
  const software = info.isFallbackAdapter === true || info.architecture === "software" || SOFTWARE.test(`${info.device} ${info.description}`);
  return { vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description, software };
}

/** How an adapter is named in one line, e.g. `mesa software llvmpipe: Mesa 25.0.7 (software)`. */
export const adapterLine = (a: Adapter): string =>
  `${[a.vendor, a.architecture, a.description || a.device].filter((s) => s !== "").join(" ")}${a.software ? " (software)" : ""}`;

let active: Adapter | null = null;

/** The adapter tfjs's webgpu backend runs on, once initWebgpu has succeeded; else null. */
export const webgpuAdapter = (): Adapter | null => active;

/**
 * Installs Dawn (the loaded `webgpu` module) as `navigator.gpu` (Node's navigator has a getter only, hence defineProperty) and
 * activates tfjs's webgpu backend on the high-performance adapter, unless that is a software one and
 * `allowSoftware` is false. Returns the adapter, or why not.
 */
export async function initWebgpu(dawn: unknown, load: (pkg: string) => Promise<unknown>, { allowSoftware }: { allowSoftware: boolean }): Promise<Adapter | string> {
  if (active) {
    if (active.software && !allowSoftware) return `its only adapter is a software one (${adapterLine(active)})`;
    return (await tf.setBackend("webgpu")) ? active : "the webgpu backend did not initialise";
  }
  const { create, globals } = dawn as { create: (flags: string[]) => Gpu; globals: object };
  Object.assign(globalThis, globals); // GPUBufferUsage and friends, which tfjs-backend-webgpu reads as globals
  const gpu = create([]);
  const found = await gpu.requestAdapter({ powerPreference: "high-performance" });
  if (!found) return "Dawn found no WebGPU adapter (no Vulkan driver: install mesa-vulkan-drivers and libvulkan1, or a GPU's Vulkan driver)";
  const adapter = adapterOf(found.info);
  if (adapter.software && !allowSoftware) return `its only adapter is a software one (${adapterLine(adapter)})`;
  Object.defineProperty(globalThis.navigator, "gpu", { value: gpu, configurable: true });
  await load("@tensorflow/tfjs-backend-webgpu");
  if (!(await tf.setBackend("webgpu"))) return "the webgpu backend did not initialise";
  active = adapter;
  return active;
}
