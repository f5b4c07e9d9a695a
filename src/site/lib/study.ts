// A suite's study figure: the axes it varies (its `figure`, or inferred from its cells for versions
// and suites that declare none) and, per cell, its mean stability and excess over the informative
// nulls with their 95% intervals, placed on those axes. Pure data for charts/studyChart.ts; no
// suite is known here by name, so a contributor's suite gets its figure from its YAML alone.
import type { Figure } from "#pipeline/artifacts/suite.ts";
import type { PublishedSuite } from "#pipeline/artifacts/published-suite.ts";
import { fmt, fmtCount, fmtInterval, fmtSigned } from "./format.ts";
import { probeSetOf } from "./leaderboard.ts";
import { summarizeCell, type Cell, type Interval } from "./stats.ts";

export type AxisValue = string | number | boolean;

export interface StudyPoint {
  cellId: string;
  x: AxisValue;
  /** The line and the panel row the cell is on: "d_model 64", "layers 2"; null without a series or facet axis. */
  series: string | null;
  facet: string | null;
  stability: number | null;
  stabilityInterval: Interval | null;
  excess: number | null;
  excessInterval: Interval | null;
}

export interface StudyFigure {
  axes: Figure;
  /** Whether the suite declared its axes (else they were inferred by inferFigure). */
  declared: boolean;
  /** x values in plotting order: numbers ascending, other values in natural order ("words-5" before "words-10"). */
  xs: AxisValue[];
  points: StudyPoint[];
  /** Cells with neither a stability nor an excess to plot. */
  missing: number;
}

/** How the site names an axis; an axis it has no name for is shown as its path. */
const AXIS_NAMES: Record<string, string> = {
  "train.tokens": "training tokens",
  "train.weightDecay": "weight decay",
  "train.optimizer": "optimizer",
  "train.lr": "learning rate",
  "train.seedVaries": "seed varies",
  "model.dModel": "d_model",
  "model.nLayers": "layers",
  "model.nHeads": "heads",
  "model.mlp": "MLP",
  "probes.set": "probe set",
};
export const axisName = (axis: string): string => AXIS_NAMES[axis] ?? axis;

/** A value as axis ticks and labels show it: large integers as counts (262.1k), a nested value by its fields. */
export function axisValueText(value: AxisValue): string {
  if (typeof value === "number") return Number.isInteger(value) && Math.abs(value) >= 10_000 ? fmtCount(value) : String(value);
  return String(value);
}

/** A cell's value on a grid axis (`section.field` of its config, or `probes.set`); undefined where it has none. */
function axisValue(result: PublishedSuite, cell: Cell, axis: string): AxisValue | undefined {
  if (axis === "probes.set") return probeSetOf(result, cell);
  const [section, field] = axis.split(".");
  const value = (cell.config as Record<string, Record<string, unknown> | undefined>)[section]?.[field];
  if (value === undefined || value === null) return undefined;
  return typeof value === "object" ? Object.values(value).join(" ") : (value as AxisValue);
}

/** The config paths whose values differ between a suite's cells: its grid axes, as the published result still shows them. */
function variedAxes(result: PublishedSuite): string[] {
  const paths = result.cells.flatMap((cell) => Object.entries(cell.config).flatMap(([section, fields]) => Object.keys(fields ?? {}).map((f) => `${section}.${f}`)));
  const axes = [...new Set([...paths, "probes.set"])];
  return axes.filter((axis) => new Set(result.cells.map((c) => JSON.stringify(axisValue(result, c, axis)))).size > 1);
}

/**
 * The figure of a suite that declares none: x is the varied axis with the most values, series the
 * next, facet the third (ties by path, alphabetically: model.dModel before model.nLayers); null for a
 * suite whose cells do not vary.
 */
export function inferFigure(result: PublishedSuite): Figure | null {
  const count = (axis: string) => new Set(result.cells.map((c) => JSON.stringify(axisValue(result, c, axis)))).size;
  const [x, series, facet] = variedAxes(result).sort((a, b) => count(b) - count(a) || (a < b ? -1 : 1));
  if (x === undefined) return null;
  return { x, ...(series && { series }), ...(facet && { facet }) };
}

/** Axis values in order: numbers as numbers, text with its numbers read as numbers (words-5 before words-10). */
export const naturalOrder = (a: AxisValue, b: AxisValue) =>
  typeof a === "number" && typeof b === "number" ? a - b : String(a).localeCompare(String(b), "en", { numeric: true });

/** The suite's study figure, declared or inferred; null when it has no axis to plot. */
export function studyFigure(result: PublishedSuite): StudyFigure | null {
  const axes = result.suite.figure ?? inferFigure(result);
  if (!axes) return null;
  const label = (axis: string | undefined, cell: Cell) => {
    const value = axis === undefined ? undefined : axisValue(result, cell, axis);
    return value === undefined ? null : `${axisName(axis!)} ${axisValueText(value)}`;
  };
  const points = result.cells.flatMap((cell): StudyPoint[] => {
    const x = axisValue(result, cell, axes.x);
    const { stability, interval, excess, excessInterval } = summarizeCell(cell);
    if (x === undefined || (stability === null && excess === null)) return [];
    return [{ cellId: cell.cellId, x, series: label(axes.series, cell), facet: label(axes.facet, cell), stability, stabilityInterval: interval, excess, excessInterval }];
  });
  const xs = [...new Map(points.map((p) => [JSON.stringify(p.x), p.x])).values()].sort(naturalOrder);
  points.sort((a, b) => naturalOrder(a.x, b.x));
  return { axes, declared: result.suite.figure !== undefined, xs, points, missing: result.cells.length - points.length };
}

const overlap = (a: Interval, b: Interval) => a[0] <= b[1] && b[0] <= a[1];

/** "falls from 0.861 [0.849, 0.872] at words-5 to 0.802 [0.782, 0.820] at words-50 (the 95% intervals do not overlap)". */
function change(values: [number, number], intervals: [Interval | null, Interval | null], at: [string, string], format: (x: number) => string): string {
  const [from, to] = values;
  const verb = to < from ? "falls" : to > from ? "rises" : "stays";
  const point = (i: 0 | 1) => `${format(values[i])}${intervals[i] ? ` ${fmtInterval(intervals[i])}` : ""} at ${at[i]}`;
  const [a, b] = intervals;
  const compared = a && b ? ` (the 95% intervals ${overlap(a, b) ? "overlap" : "do not overlap"})` : "";
  return `${verb} from ${point(0)} to ${point(1)}${compared}`;
}

/**
 * What a one-line figure (no series, no facet) shows between its first and last x, in words written
 * from the cells' numbers; null for a figure of several lines or fewer than two x values measured.
 */
export function studySummary(figure: StudyFigure): string | null {
  if (figure.axes.series || figure.axes.facet) return null;
  const measured = figure.points.filter((p) => p.stability !== null);
  const [first, last] = [measured[0], measured.at(-1)];
  if (!first || !last || first === last) return null;
  const at: [string, string] = [first, last].map((p) => `${axisName(figure.axes.x)} ${axisValueText(p.x)}`) as [string, string];
  const stability = `Mean head stability ${change([first.stability!, last.stability!], [first.stabilityInterval, last.stabilityInterval], at, (x) => fmt(x))}`;
  const excess =
    first.excess !== null && last.excess !== null
      ? `; its excess over the informative nulls ${change([first.excess, last.excess], [first.excessInterval, last.excessInterval], at, (x) => fmtSigned(x))}`
      : "";
  return `${stability}${excess}.`;
}
