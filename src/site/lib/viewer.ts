// The attention viewer's state and panels, shared by the build-time first view and the browser
// island: for a chosen layer, head and probe, the anchor head's pattern beside its paper match and
// its Hungarian match in every other seed, with the cosine of each on that probe and cbar overall.
// The state's permalink is `?suite=s&cell=c&layer=2&head=1&probe=3` (layer, head, probe 1-based).
import type { AttentionCell } from "#pipeline/artifacts/attention-samples.ts";
import type { CellStats } from "#pipeline/artifacts/cell-stats.ts";
import { INDUCTION_THRESHOLD } from "#pipeline/compare/induction.ts";

export interface ViewerSelection {
  /** 0-based, as in the JSON; shown 1-based. */
  layer: number;
  head: number;
  probe: number;
}

export interface Panel {
  title: string;
  /** What the numbers are, for the caption under the panel. */
  caption: string;
  triangle: number[];
}

export interface ViewerGroup {
  seed: number;
  /** The two matchings agree on this seed. */
  same: boolean;
  panels: Panel[];
}

export interface ViewerState extends ViewerSelection {
  suite: string | null;
  cell: string | null;
}

/** Reads a viewer permalink; a missing or malformed number reads as -1, which clampSelection turns into the first. */
export function parseViewerQuery(search: string): ViewerState {
  const params = new URLSearchParams(search);
  const index = (key: string) => {
    const n = Number(params.get(key) ?? "");
    return Number.isInteger(n) && n >= 1 ? n - 1 : -1;
  };
  return { suite: params.get("suite"), cell: params.get("cell"), layer: index("layer"), head: index("head"), probe: index("probe") };
}

export function viewerQuery(suite: string, cell: string, s: ViewerSelection): string {
  return `?${new URLSearchParams({ suite, cell, layer: String(s.layer + 1), head: String(s.head + 1), probe: String(s.probe + 1) })}`;
}

/** A probe's label in the probe menu: its number and its text (byte tokens joined, BOS left out). */
export const probeLabel = (tokens: readonly string[], i: number) => `probe ${i + 1}: ${tokens.slice(1).join("").replaceAll("␣", " ")}`;

/** Clamps a selection to the cell's ranges, so a stale URL or select value still shows something. */
export function clampSelection(cell: AttentionCell, s: ViewerSelection): ViewerSelection {
  const clamp = (x: number, n: number) => (Number.isInteger(x) && x >= 0 && x < n ? x : 0);
  return { layer: clamp(s.layer, cell.nLayers), head: clamp(s.head, cell.nHeads), probe: clamp(s.probe, cell.probes.length) };
}

export function anchorPanel(cell: AttentionCell, s: ViewerSelection): Panel {
  return {
    title: `Anchor seed ${cell.seeds[0]}: layer ${s.layer + 1}, head ${s.head + 1}`,
    caption: "the head being matched",
    triangle: cell.patterns[0][s.layer][s.head][s.probe],
  };
}

export function matchGroups(cell: AttentionCell, s: ViewerSelection): ViewerGroup[] {
  return cell.matches[s.layer][s.head].map((m, r) => {
    const panel = (kind: "paper" | "hungarian", label: string): Panel => {
      const match = m[kind];
      return {
        title: `Seed ${m.seed}, ${label}: head ${match.head + 1}`,
        caption: `cos on this probe ${match.cos[s.probe].toFixed(3)}, cbar over all probes ${match.cbar.toFixed(3)}`,
        triangle: cell.patterns[r + 1][s.layer][match.head][s.probe],
      };
    };
    const same = m.paper.head === m.hungarian.head;
    return { seed: m.seed, same, panels: same ? [panel("paper", "paper and Hungarian match")] : [panel("paper", "paper match"), panel("hungarian", "Hungarian match")] };
  });
}

/** A head worth opening on, and why, in words for the status line. */
export interface InterestingHead {
  layer: number;
  head: number;
  why: string;
}

/** [layer, head] of the largest value of a per-head array; null for an empty or absent one. */
function argmax(perHead: readonly (readonly number[])[] | null | undefined): [number, number] | null {
  let best: [number, number] | null = null;
  let top = -Infinity;
  for (const [l, row] of (perHead ?? []).entries()) {
    for (const [h, x] of row.entries()) {
      if (Number.isFinite(x) && x > top) [best, top] = [[l, h], x];
    }
  }
  return best;
}

/**
 * The head a reader should see first: the anchor's strongest induction head where it has one (a
 * score of at least INDUCTION_THRESHOLD, the circuit the control looks for), else the head most
 * stable beyond its nulls, else the most stable head.
 */
export function interestingHead(stats: CellStats | null | undefined): InterestingHead {
  const pick = (perHead: readonly (readonly number[])[] | null | undefined, what: string, floor = -Infinity) => {
    const at = argmax(perHead);
    return at && perHead![at[0]][at[1]] >= floor ? { layer: at[0], head: at[1], why: `${what} ${perHead![at[0]][at[1]].toFixed(3)}` } : null;
  };
  return (
    pick(stats?.headInduction, "the anchor's strongest induction head, score", INDUCTION_THRESHOLD) ??
    pick(stats?.headExcess, "the most stable beyond its nulls, excess") ??
    pick(stats?.headStability, "the most stable, head stability") ?? { layer: 0, head: 0, why: "" }
  );
}
