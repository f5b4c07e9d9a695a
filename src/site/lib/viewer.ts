// The attention viewer's state and panels, shared by the build-time first view and the browser
// island: for a chosen layer, head and probe, the anchor head's pattern beside its paper match and
// its Hungarian match in every other seed, with the cosine of each on that probe and cbar overall.
import type { AttentionCell } from "../../pipeline/artifacts/schemas.ts";

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
