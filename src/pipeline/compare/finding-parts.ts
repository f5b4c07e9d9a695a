// How findings find their parts (docs/metrics.md "Findings as a skeptic reads them"): units, the
// rules that admit them, and the two kinds of part, one per unit or one per twin pair. A unit is one
// distinct set of models: a cell, or the cells that compare the same refits on several probe sets
// (their values and replicates averaged, as they share their resamples), so no model counts twice.
// A unit a rule leaves out is reported with the reason, never dropped silently.
import type { CellStats } from "../artifacts/cell-stats.ts";
import type { Finding } from "../artifacts/finding.ts";
import { canonicalJson } from "../artifacts/hash.ts";
import type { RecordedModel } from "../artifacts/suite.ts";
import { percentileInterval } from "./bootstrap.ts";
import type { CellMetric } from "./definitions.ts";

export interface FindingsCell {
  cellId: string;
  /** An external family's has no data or train section, so it is never an optimizer twin. */
  config: RecordedModel;
  /** The probe set's id, where a suite's cells may differ in it; twins share it. */
  probeSet?: string;
  stats: CellStats;
  replicates: Partial<Record<CellMetric, Float64Array>>;
}

export interface Part {
  cells: string[];
  value: number;
  replicates: Float64Array;
}

/** One distinct set of models, as the findings count it. */
export interface Unit {
  cells: string[];
  config: RecordedModel;
  probeSet: string | null;
  metric(id: CellMetric): { value: number; replicates: Float64Array } | null;
}

export type LeftOut = NonNullable<Finding["leftOut"]>[number];
export type PartsOf = (units: readonly Unit[]) => { parts: Part[]; leftOut: LeftOut[] };
/** Why a unit may not enter a finding, or null when it may. */
export type Gate = (u: Unit) => string | null;

export const errors = {
  resamples: "findings: cells were bootstrapped with different numbers of resamples",
} as const;

/** Each cell its own unit: the raw statistics' parts, as version 2026-12-02.8 counted them. */
export function cellUnit(c: FindingsCell): Unit {
  return {
    cells: [c.cellId],
    config: c.config,
    probeSet: c.probeSet ?? null,
    metric: (id) => {
      const value = c.stats.cellEstimates?.[id]?.value ?? null;
      const replicates = c.replicates[id];
      return value === null || !replicates ? null : { value, replicates };
    },
  };
}

/** Cells of Refit's refits with one config (so one set of runs) on several probe sets become one unit. */
export function modelSetUnits(cells: readonly FindingsCell[]): Unit[] {
  const groups = new Map<string, FindingsCell[]>();
  for (const c of cells) {
    const key = c.config.train ? canonicalJson(c.config) : `cell:${c.cellId}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  return [...groups.values()].map((group) => {
    if (group.length === 1) return cellUnit(group[0]);
    const members = group.map(cellUnit);
    return {
      cells: group.map((c) => c.cellId),
      config: group[0].config,
      probeSet: group.map((c) => c.probeSet ?? "default").join("+"),
      metric: (id) => {
        const all = members.map((m) => m.metric(id));
        if (all.some((m) => m === null)) return null;
        const mean = (f: (m: { value: number; replicates: Float64Array }) => number) => all.reduce((s, m) => s + f(m!), 0) / all.length;
        return { value: mean((m) => m.value), replicates: all[0]!.replicates.map((_, b) => mean((m) => m.replicates[b])) };
      },
    };
  });
}

const interval = (r: Float64Array) => percentileInterval(r).map((x) => x.toFixed(3)).join(", ");

/** The paper's findings are about language: the controls' and the induction suite's synthetic corpora stay out. */
export const naturalText: Gate = (u) => {
  const corpus = u.config.data?.corpus;
  return corpus !== undefined && typeof corpus === "object" && "synthetic" in corpus ? `trained on the synthetic corpus ${corpus.synthetic}, not natural text` : null;
};
/** A stability profile is noise where the heads do not clear the nulls (findings 1 and 2). */
export const clearsNulls: Gate = (u) => {
  const m = u.metric("meanExcess.informativeNull");
  if (!m) return "no meanExcess.informativeNull";
  return percentileInterval(m.replicates)[0] > 0 ? null : `heads do not clear the informative nulls (meanExcess.informativeNull ${m.value.toFixed(3)} [${interval(m.replicates)}])`;
};
/** The paper trains each seed with its own initialization and data order; a seed-sources cell fixes one of them. */
export const bothSeeds: Gate = (u) => {
  const varies = u.config.train?.seedVaries;
  return varies ? `only the ${varies === "init" ? "initialization" : "data order"} varies with the seed (train.seedVaries), not the paper's training` : null;
};
export const deepEnough: Gate = (u) => (u.config.model.nLayers >= 4 ? null : `${u.config.model.nLayers} layers: "deeper layers" needs at least 4`);
export const allOf = (...gates: Gate[]): Gate => (u) => gates.map((g) => g(u)).find((why) => why !== null) ?? null;

/** The units that pass `gate` (all when absent), and the rest with the reason. */
function admit(units: readonly Unit[], gate?: Gate): { admitted: Unit[]; leftOut: LeftOut[] } {
  const admitted: Unit[] = [];
  const leftOut: LeftOut[] = [];
  for (const u of units) {
    const why = gate?.(u) ?? null;
    if (why === null) admitted.push(u);
    else leftOut.push({ cells: u.cells, reason: why });
  }
  return { admitted, leftOut };
}

/** One part per admitted unit that has `id`; `undefinedWhy`, when given, lists the units that lack it as left out. */
export function perUnit(id: CellMetric, gate?: Gate, undefinedWhy?: string): PartsOf {
  return (units) => {
    const { admitted, leftOut } = admit(units, gate);
    const parts: Part[] = [];
    for (const u of admitted) {
      const m = u.metric(id);
      if (m) parts.push({ cells: u.cells, ...m });
      else if (undefinedWhy) leftOut.push({ cells: u.cells, reason: undefinedWhy });
    }
    return { parts, leftOut };
  };
}

/** Units of Refit's refits grouped by everything but `paths` (their probe set included). */
function twinGroups(units: readonly Unit[], paths: readonly (readonly [keyof RecordedModel, string])[]): Unit[][] {
  const groups = new Map<string, Unit[]>();
  for (const u of units) {
    if (!u.config.train) continue;
    const rest = structuredClone(u.config) as Record<string, Record<string, unknown>>;
    for (const [section, field] of paths) delete rest[section][field];
    const key = canonicalJson({ rest, probeSet: u.probeSet });
    groups.set(key, [...(groups.get(key) ?? []), u]);
  }
  return [...groups.values()];
}

/**
 * Twin units: same config and probe set except at `paths`. For each group, `pick` chooses (low,
 * high) and the part is id(high) - id(low). Only Refit's refits can be twins: for a family trained
 * elsewhere, "differs only in X" is unknown. `unitGate` applies to every unit, `groupGate` to
 * every member of a group, which is left out whole when one fails.
 */
export function twins(paths: readonly (readonly [keyof RecordedModel, string])[], id: CellMetric, pick: (group: Unit[]) => [Unit, Unit] | null, unitGate?: Gate, groupGate?: Gate): PartsOf {
  return (units) => {
    const { admitted, leftOut } = admit(units, unitGate);
    const parts: Part[] = [];
    for (const group of twinGroups(admitted, paths)) {
      const failing = groupGate ? group.map((u) => [u, groupGate(u)] as const).find(([, why]) => why !== null) : undefined;
      const pair = pick(group);
      if (failing && pair) {
        leftOut.push({ cells: group.flatMap((u) => u.cells), reason: `a cell of the group fails: ${failing[1]}` });
        continue;
      }
      const [a, b] = pair ? [pair[0].metric(id), pair[1].metric(id)] : [null, null];
      if (!pair || !a || !b) continue;
      if (a.replicates.length !== b.replicates.length) throw new Error(errors.resamples);
      parts.push({ cells: [...pair[0].cells, ...pair[1].cells], value: b.value - a.value, replicates: b.replicates.map((v, i) => v - a.replicates[i]) });
    }
    return { parts, leftOut };
  };
}

export const byDepth = (g: Unit[]): [Unit, Unit] | null => {
  const sorted = [...g].sort((a, b) => a.config.model.nLayers - b.config.model.nLayers);
  return sorted.length >= 2 && sorted[0].config.model.nLayers < sorted.at(-1)!.config.model.nLayers ? [sorted[0], sorted.at(-1)!] : null;
};
// AdamW with weightDecay 0 takes exactly Adam's steps, so the "Adam twin" of a decayed AdamW cell is
// an adam cell or an undecayed adamw cell; an undecayed twin is preferred over Adam with L2 decay.
// With several decays in a group, the largest is the one compared (the paper's dose is the question).
const decoupledDecay = (u: Unit) => u.config.train?.optimizer === "adamw" && u.config.train.weightDecay > 0;
export const byOptimizer = (g: Unit[]): [Unit, Unit] | null => {
  const adamw = g.filter(decoupledDecay).sort((a, b) => b.config.train!.weightDecay - a.config.train!.weightDecay)[0];
  const plain = g.filter((u) => !decoupledDecay(u)).sort((a, b) => a.config.train!.weightDecay - b.config.train!.weightDecay);
  return adamw && plain.length > 0 ? [plain[0], adamw] : null;
};
/** (initialization only, data order only): the part is what fixing the initialization takes away. */
export const bySeedSource = (g: Unit[]): [Unit, Unit] | null => {
  const [init, data] = (["init", "data"] as const).map((v) => g.find((u) => u.config.train?.seedVaries === v));
  return init && data ? [init, data] : null;
};
export const SEED_SOURCE: readonly (readonly [keyof RecordedModel, string])[] = [["train", "seedVaries"]];
export const DEPTH: readonly (readonly [keyof RecordedModel, string])[] = [["model", "nLayers"]];
export const OPTIMIZER: readonly (readonly [keyof RecordedModel, string])[] = [
  ["train", "optimizer"],
  ["train", "weightDecay"],
];
export const corpusIs = (name: string): Gate => (u) => {
  const corpus = u.config.data?.corpus;
  return typeof corpus === "object" && "synthetic" in corpus && corpus.synthetic === name ? null : "not this control";
};
/** Controls name the cells they are about; the others are out of scope, not left out. */
export const scoped = (gate: Gate, parts: PartsOf): PartsOf => (units) => ({ parts: parts(units.filter((u) => gate(u) === null)).parts, leftOut: [] });
