// Where and with what an artifact was made (ProvenanceSchema in conventions.ts): Refit and tfjs
// versions from their package.json files, the git commit of this checkout, Node, and a short
// machine summary. Never throws for a missing git: a tarball install records gitCommit null.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type { Adapter, BackendName, KernelPath, Provenance } from "./conventions.ts";

const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/**
 * `backend` is null only for a compare of captures that no tfjs backend made (CompareResult allows
  * it); `kernels` is given where the wasm backend trained or captured something, `adapter` for webgpu only.
  */
export function provenance<B extends BackendName | null>(backend: B, kernels?: KernelPath, adapter?: Adapter | null): Omit<Provenance, "backend"> & { backend: B } {
  const cpus = os.cpus();
  return {
    ...(kernels ? { kernels } : {}),
    refitVersion: refitVersion(),
    gitCommit: gitCommit(REPO_ROOT),
    node: process.versions.node,
    tfjs: packageVersion(createRequire(import.meta.url).resolve("@tensorflow/tfjs-core/package.json")),
    backend,
    ...(adapter ? { adapter } : {}),
    machine: {
      platform: os.platform(),
      arch: os.arch(),
      cpus: cpus.length,
      cpuModel: cpus[0]?.model.trim() ?? "unknown",
      memGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    },
  };
}

/** This Refit's version, from its package.json (`refit --version`). */
export const refitVersion = (): string => packageVersion(`${REPO_ROOT}package.json`);

function packageVersion(file: string): string {
  const pkg = JSON.parse(fs.readFileSync(file, "utf8")) as { version?: unknown };
  if (typeof pkg.version !== "string") throw new Error(`${file}: no "version" string`);
  return pkg.version;
}

/**
 * HEAD of the checkout Refit runs from, or null. The top-level check stops an installed copy
 * inside some other repository (e.g. a user's project) from reporting that repository's commit.
 */
export function gitCommit(root: string): string | null {
  try {
    const out = execFileSync("git", ["rev-parse", "--show-toplevel", "HEAD"], {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 10_000,
    });
    const [top, head] = out.trim().split("\n");
    if (fs.realpathSync(top) !== fs.realpathSync(root)) return null;
    return /^[0-9a-f]{40,64}$/.test(head) ? head : null;
  } catch {
    return null;
  }
}
