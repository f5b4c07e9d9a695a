import { describe, expect, it } from "vitest";
import * as fs from "node:fs";
import type { MeasuredRate } from "../../../src/pipeline/artifacts/measured-rates.ts";
import { MeasuredRatesSchema } from "../../../src/pipeline/artifacts/measured-rates.ts";
import { readJson } from "../../../src/pipeline/artifacts/store.ts";
import { estimateRun, estimateRuns, flopsPerToken, hoursByBackend, MEASURED_RATES_FILE, parameterCount, parseShard, shardRuns, splitIntoShards } from "../../../src/pipeline/orchestrate/plan.ts";
import { expandGrid, runsOf, type Run } from "../../../src/pipeline/suite/grid.ts";
import { SuiteSchema, type CellConfig } from "../../../src/pipeline/artifacts/suite.ts";

function config(model: Record<string, unknown>, train: Record<string, unknown> = {}): CellConfig {
  return expandGrid(SuiteSchema.parse({ name: "p", model, train }))[0].config;
}

describe("parameterCount", () => {
  it("counts the reference model by hand (untied head, byte vocab 257)", () => {
    // per layer: ln_1 256 + c_attn 128*384+384 + c_proj 128*128+128 + ln_2 256 + c_fc 128*512+512 + c_proj 512*128+128 = 198,272
    // plus wte 257*128, wpe 64*128, ln_f 256, lm_head 128*257
    expect(parameterCount(config({ nLayers: 2, dModel: 128, nHeads: 4 }))).toBe(2 * 198_272 + 32_896 + 8_192 + 256 + 32_896);
  });

  it("drops ln_2 and the MLP for attention-only models", () => {
    const D = 16;
    const perLayer = 2 * D + (3 * D * D + 3 * D) + (D * D + D);
    expect(parameterCount(config({ nLayers: 3, dModel: D, nHeads: 2, mlp: false }))).toBe(3 * perLayer + 257 * D + 64 * D + 2 * D + D * 257);
  });
});

describe("estimateRun", () => {
  it("is 6 FLOPs per parameter per token plus attention, over whole batches", () => {
    const c = config({ nLayers: 1, dModel: 16, nHeads: 2 }, { tokens: 1000, batchSize: 4 });
    const tokens = Math.ceil(1000 / (4 * 64)) * 4 * 64; // 1024
    expect(estimateRun(c).flops).toBe((6 * parameterCount(c) + 6 * 1 * 64 * 16) * tokens);
  });
});

describe("hoursByBackend", () => {
  const rate = (backend: MeasuredRate["backend"], dModel: number, flopsPerSecond: number, adapter: string | null = null): MeasuredRate => ({
    backend,
    adapter,
    software: false,
    model: { nLayers: 2, dModel, nHeads: 4, nCtx: 64, batchSize: 16 },
    tokensPerSecond: 1000,
    flopsPerSecond,
    processes: 1,
    peakRssMB: 100,
    deviceMB: null,
    where: "test",
    when: "2026-12-07",
    gitCommit: null,
  });
  const small = config({ nLayers: 2, dModel: 64, nHeads: 4 }, { tokens: 4096 });
  const wide = config({ nLayers: 2, dModel: 512, nHeads: 8 }, { tokens: 4096 });
  const runs = [...runsOf({ cellId: "a", label: {}, config: small, probeSet: "default" }, 2), ...runsOf({ cellId: "b", label: {}, config: wide, probeSet: "default" }, 1)];

  it("takes each run at the rate of the nearest measured model, per backend and adapter", () => {
    const rates = [rate("wasm", 128, 1e10), rate("wasm", 512, 2e10), rate("webgpu", 512, 1e12, "nvidia hopper H100")];
    const [wasm, gpu] = hoursByBackend(runs, rates);
    expect(wasm.backend).toBe("wasm");
    expect(wasm.hours).toBeCloseTo((2 * estimateRun(small).flops) / 1e10 / 3600 + estimateRun(wide).flops / 2e10 / 3600, 12);
    expect(wasm.from.map((r) => r.model.dModel).sort()).toEqual([128, 512]);
    expect(gpu).toMatchObject({ backend: "webgpu", adapter: "nvidia hopper H100" });
    expect(gpu.hours).toBeCloseTo(estimateRuns(runs).flops / 1e12 / 3600, 12);
  });

  it("reads the repository's recorded rates, each saying where and when, with FLOP/s by plan's own count", () => {
    if (!fs.existsSync(MEASURED_RATES_FILE)) return; // nothing recorded yet: plan prints only core-hours
    for (const r of readJson(MEASURED_RATES_FILE, MeasuredRatesSchema).rates) {
      const c = config({ nLayers: r.model.nLayers, dModel: r.model.dModel, nHeads: r.model.nHeads }, { batchSize: r.model.batchSize });
      const withCtx = { ...c, data: { ...c.data, nCtx: r.model.nCtx } };
      expect(r.flopsPerSecond / r.tokensPerSecond).toBeCloseTo(flopsPerToken(withCtx), 0);
      expect(r.where).toMatch(/\S/);
    }
  });
});

describe("parseShard", () => {
  it("reads i/N and refuses anything else", () => {
    expect(parseShard("2/3")).toEqual({ index: 2, count: 3 });
    for (const bad of ["0/3", "4/3", "1/0", "a/b", "1", "1/2/3"]) expect(() => parseShard(bad)).toThrow(/--shard must be i\/N/);
  });
});

describe("splitIntoShards", () => {
  const suite = SuiteSchema.parse({ name: "s", seeds: 5, grid: { "model.nLayers": [1, 2, 4], "train.tokens": [20000, 60000] } });
  const runs: Run[] = expandGrid(suite).flatMap((cell) => runsOf(cell, suite.seeds));
  const cost = (rs: Run[]) => rs.reduce((s, r) => s + estimateRun(r.config).flops, 0);

  it("partitions the runs: every run in exactly one shard", () => {
    const shards = splitIntoShards(runs, 4);
    expect(shards.flat().map((r) => r.runId).sort()).toEqual(runs.map((r) => r.runId).sort());
  });

  it("balances estimated cost to within the largest single run", () => {
    const costs = splitIntoShards(runs, 4).map(cost);
    const largest = Math.max(...runs.map((r) => estimateRun(r.config).flops));
    expect(Math.max(...costs) - Math.min(...costs)).toBeLessThanOrEqual(largest);
  });

  it("is deterministic and independent of the input order", () => {
    const a = splitIntoShards(runs, 3).map((s) => s.map((r) => r.runId).sort());
    const b = splitIntoShards([...runs].reverse(), 3).map((s) => s.map((r) => r.runId).sort());
    expect(b).toEqual(a);
    expect(shardRuns(runs, { index: 2, count: 3 }).map((r) => r.runId).sort()).toEqual(a[1]);
  });
});

describe("runs shared by cells on several probe sets", () => {
  const suite = SuiteSchema.parse({ name: "s", seeds: 4, grid: { "model.nLayers": [1, 2], "probes.set": ["default", "words-5", "words-10"] } });
  const runs: Run[] = expandGrid(suite).flatMap((cell) => runsOf(cell, suite.seeds));
  const distinct = [...new Map(runs.map((r) => [r.runId, r])).values()];

  it("are estimated once, not once per probe set", () => {
    expect(runs).toHaveLength(24);
    expect(distinct).toHaveLength(8);
    expect(estimateRuns(runs).flops).toBe(distinct.reduce((s, r) => s + estimateRun(r.config).flops, 0));
  });

  it("go to one shard with all their cells, and shards split as they would without the probe sets", () => {
    const shards = splitIntoShards(runs, 3);
    expect(shards.flat()).toHaveLength(runs.length);
    for (const run of distinct) expect(shards.filter((s) => s.some((r) => r.runId === run.runId)).map((s) => s.filter((r) => r.runId === run.runId).length)).toEqual([3]);
    const ids = (split: Run[][]) => split.map((s) => [...new Set(s.map((r) => r.runId))].sort());
    expect(ids(shards)).toEqual(ids(splitIntoShards(distinct, 3)));
  });
});
