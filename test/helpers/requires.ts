// Tests that need a Debian package (python3-numpy, python3-scipy, python3-torch, chromium) skip
// with a message naming it when it is missing, so `npm test` passes on a fresh machine after
// `npm ci`. Under REFIT_REQUIRE_ALL=1 (set by .ci/run, which apt-installs them) a missing
// package fails instead: CI runs every test, always.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";

/** Debian's own python3: a version manager's python3 earlier on PATH may lack the Debian modules. */
export const DEBIAN_PYTHON = "/usr/bin/python3";

export const requireAll = process.env.REFIT_REQUIRE_ALL === "1";

/** null when the requirement holds, else the reason to skip (naming the Debian package). */
export function missingPythonModules(modules: Record<string, string>): string | null {
  if (!fs.existsSync(DEBIAN_PYTHON)) return `${DEBIAN_PYTHON} not found (Debian package python3)`;
  const missing = Object.entries(modules).filter(([mod]) => spawnSync(DEBIAN_PYTHON, ["-c", `import ${mod}`]).status !== 0);
  return missing.length === 0 ? null : `missing Debian package(s): ${missing.map(([, pkg]) => pkg).join(", ")}`;
}

export function missingExecutable(file: string, pkg: string): string | null {
  return fs.existsSync(file) ? null : `${file} not found (Debian package ${pkg})`;
}

/**
 * Returns whether to skip, printing why. Use as `describe.skipIf(skipUnless(reason))(...)`.
 * Throws under REFIT_REQUIRE_ALL=1, so a missing package is a failure in CI.
 */
export function skipUnless(reason: string | null): boolean {
  if (reason === null) return false;
  if (requireAll) throw new Error(`REFIT_REQUIRE_ALL=1 but a required package is absent: ${reason}`);
  console.warn(`skipping: ${reason}`);
  return true;
}

/**
 * null when Dawn (the `webgpu` package) finds a WebGPU adapter, else why not, naming the Debian
 * packages of the software Vulkan CI uses. Asked in a child process: a Vulkan loader that crashes
 * must not take the test runner with it.
 */
export function missingVulkanAdapter(): string | null {
  const probe = `const { create } = await import("webgpu"); const a = await create([]).requestAdapter(); console.log(a ? "found" : "none"); process.exit(0);`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", probe], { encoding: "utf8", timeout: 60_000 });
  if (r.stdout.includes("found")) return null;
  return "no Vulkan adapter for WebGPU (Debian packages mesa-vulkan-drivers and libvulkan1 from bookworm-backports; bookworm's own Mesa 22.3 is too old for Dawn)";
}
