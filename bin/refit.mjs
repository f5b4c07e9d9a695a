#!/usr/bin/env node
// Launcher for the `refit` CLI. Plain JavaScript so that it runs on any Node and can
// say clearly why an old one cannot run Refit's TypeScript sources directly.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  console.error(
    `refit: Node ${process.versions.node} is too old; Refit needs Node >= 22.12 (24 LTS recommended).\n` +
      "  Without changing the system Node: npm install --prefix .tools --no-save node@24 && " +
      'export PATH="$PWD/.tools/node_modules/.bin:$PATH"',
  );
  process.exit(2);
}

if (process.features.typescript || process.env.REFIT_STRIP_TYPES_FLAG) {
  const { main } = await import("../src/pipeline/cli.ts");
  process.exitCode = await main(process.argv.slice(2));
} else {
  // Node 22.12-22.17 strip types only behind a flag: rerun this launcher with it.
  const self = fileURLToPath(import.meta.url);
  const child = spawnSync(process.execPath, ["--experimental-strip-types", "--no-warnings", self, ...process.argv.slice(2)], {
    stdio: "inherit",
    env: { ...process.env, REFIT_STRIP_TYPES_FLAG: "1" },
  });
  process.exit(child.status ?? 1);
}
