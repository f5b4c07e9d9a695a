import { defineConfig } from "vitest/config";

// The JSON report is what .ci/run reads for its closing "N passed, N failed" line.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    reporters: ["default", ["json", { outputFile: "test-results/vitest.json" }]],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
  },
});
