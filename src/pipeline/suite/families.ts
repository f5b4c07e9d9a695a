// A suite's `models`: families of checkpoints trained elsewhere, each one cell. Every checkpoint
// gets a seed (the last number in its name, as `refit capture` gives it), a name (its capture file's
// stem) and a place on disk: a suite-relative path, or `<hub dir>/<owner>/<name>` for a Hub model
// that was downloaded before Refit ran (Refit downloads nothing). A family's cell ID hashes its name
// and its weights' SHA-256s, so it is known only once the weights (or their captures) are read.
import * as path from "node:path";
import { canonicalJson, sha256Hex } from "../artifacts/hash.ts";
import type { Family } from "../artifacts/suite.ts";
import { ID_VERSION } from "./grid.ts";

/** One checkpoint of a family, as planned. */
export interface FamilyMember {
  seed: number;
  /** Its directory's (or Hub model's) last path segment: the stem of its capture file. */
  name: string;
  /** What the capture records as the model: the Hub id, or the path as the suite wrote it. */
  model: string;
  revision: string | null;
  /** The local directory, or the Hub id to look up under --hub-dir. */
  at: { dir: string } | { hub: string };
}

export interface PlannedFamily {
  name: string;
  description: string;
  members: FamilyMember[];
}

/**
 * Each checkpoint's seed: the last number in its directory's name when every name has a different
 * one (seed-3, alias-gpt2-small-x21), else its position in the sorted list of directories.
 */
export function seedsOf(dirs: readonly string[]): number[] {
  const fromName = dirs.map((d) => /(\d+)(?!.*\d)/.exec(path.basename(path.resolve(d)))?.[1]);
  if (fromName.every((s) => s !== undefined) && new Set(fromName).size === dirs.length) return fromName.map(Number);
  const order = [...dirs].sort();
  return dirs.map((d) => order.indexOf(d));
}

/** A suite's families with seeds, names and places; `suiteDir` anchors relative paths. */
export function planFamilies(models: readonly Family[], suiteDir: string): PlannedFamily[] {
  return models.map((f) => {
    const names = f.checkpoints.map((c) => ("path" in c ? path.basename(path.resolve(suiteDir, c.path)) : c.hub.split("/")[1]));
    const seeds = seedsOf(names);
    const members = f.checkpoints.map((c, i): FamilyMember => ({
      seed: seeds[i],
      name: names[i],
      model: "path" in c ? c.path : c.hub,
      revision: "hub" in c ? (c.revision ?? null) : null,
      at: "path" in c ? { dir: path.resolve(suiteDir, c.path) } : { hub: c.hub },
    }));
    return { name: f.family, description: f.description, members };
  });
}

/** Where a member's checkpoint is on this machine. */
export const memberDir = (m: FamilyMember, hubDir: string): string => ("dir" in m.at ? m.at.dir : path.join(hubDir, ...m.at.hub.split("/")));

/** A family's cell ID: its name and its weights (SHA-256 by seed), so other weights under the same name are another cell. */
export function familyCellIdOf(name: string, weights: readonly { seed: number; weightsSha256: string }[]): string {
  const bySeed = [...weights].sort((a, b) => a.seed - b.seed).map((w) => [w.seed, w.weightsSha256]);
  return sha256Hex(canonicalJson({ family: name, weights: bySeed, schemaVersion: ID_VERSION })).slice(0, 12);
}
