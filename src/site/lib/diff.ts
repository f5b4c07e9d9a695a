// What moved between two published versions: cells matched by suite and cellId (a cellId hashes
// the resolved config, so equal ids mean equal experiments), and for each the change in mean and
// per-layer stability and in perplexity. A move is flagged when the new value falls outside the
// old version's 95% bootstrap interval (or, lacking that, the old value outside the new one's).
import type { SiteVersion } from "./content.ts";
import { layerPoints, summarizeCell, type Cell, type Interval } from "./stats.ts";

export interface CellKey {
  suite: string;
  cellId: string;
}

export interface MetricMove extends CellKey {
  /** e.g. "stability", "layer 2 stability", "perplexity". */
  metric: string;
  before: number;
  after: number;
  delta: number;
  /** null when neither version has an interval for this metric. */
  beyondInterval: boolean | null;
}

export interface VersionDiff {
  from: string;
  to: string;
  added: CellKey[];
  removed: CellKey[];
  /** Largest |delta| first. */
  moves: MetricMove[];
}

const outside = (x: number, iv: Interval) => x < iv[0] || x > iv[1];

export function isBeyond(before: number, after: number, was: Interval | null, now: Interval | null): boolean | null {
  if (was) return outside(after, was);
  if (now) return outside(before, now);
  return null;
}

interface Measured {
  metric: string;
  value: number;
  interval: Interval | null;
}

function measure(cell: Cell): Measured[] {
  const summary = summarizeCell(cell);
  const out: Measured[] = [];
  if (summary.stability !== null) out.push({ metric: "stability", value: summary.stability, interval: summary.interval });
  if (cell.stats) {
    for (const p of layerPoints(cell.stats)) out.push({ metric: `layer ${p.layer} stability`, value: p.stability, interval: p.interval });
  }
  if (summary.perplexity !== null) out.push({ metric: "perplexity", value: summary.perplexity, interval: null });
  return out;
}

function cellsOf(v: SiteVersion): Map<string, CellKey & { cell: Cell }> {
  const map = new Map<string, CellKey & { cell: Cell }>();
  for (const s of v.suites) for (const cell of s.result.cells) map.set(`${s.name}/${cell.cellId}`, { suite: s.name, cellId: cell.cellId, cell });
  return map;
}

export function diffVersions(from: SiteVersion, to: SiteVersion): VersionDiff {
  const before = cellsOf(from);
  const after = cellsOf(to);
  const key = ({ suite, cellId }: CellKey) => ({ suite, cellId });
  const moves: MetricMove[] = [];
  for (const [k, now] of after) {
    const was = before.get(k);
    if (!was) continue;
    const old = new Map(measure(was.cell).map((m) => [m.metric, m]));
    for (const m of measure(now.cell)) {
      const o = old.get(m.metric);
      if (!o) continue;
      moves.push({ ...key(now), metric: m.metric, before: o.value, after: m.value, delta: m.value - o.value, beyondInterval: isBeyond(o.value, m.value, o.interval, m.interval) });
    }
  }
  moves.sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta));
  return {
    from: from.id,
    to: to.id,
    added: [...after.keys()].filter((k) => !before.has(k)).map((k) => key(after.get(k)!)),
    removed: [...before.keys()].filter((k) => !after.has(k)).map((k) => key(before.get(k)!)),
    moves,
  };
}
