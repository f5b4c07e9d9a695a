// Progress for long training work, one display for however many runs train at once. On a
// terminal: a redrawn status line (runs done, each active run's step and loss, total tokens/s,
// ETA), with finished runs printed above it. Elsewhere (files, CI logs): whole log lines, about
// every 10% of each run, so concurrent runs never interleave within a line.
import type { StepEvent } from "./train.ts";

export interface ProgressSink {
  isTTY?: boolean;
  write(text: string): unknown;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}

/** Seconds left for a run at its current speed; Infinity (shown "?") before the speed is known. */
const etaSeconds = (e: StepEvent): number => (e.tokensPerSecond > 0 ? ((e.totalSteps - e.step) * e.tokensPerStep) / e.tokensPerSecond : Infinity);

export interface RunProgress {
  onStep(e: StepEvent): void;
  done(summary: string): void;
}

interface Active {
  label: string;
  last?: StepEvent;
  heldOut?: number;
  loggedDecile: number;
}

/** Tracks `totalRuns` runs (some may already be finished: pass them as `alreadyDone`). */
export function suiteProgress(sink: ProgressSink, totalRuns: number, alreadyDone = 0): { start(label: string): RunProgress } {
  const active = new Set<Active>();
  let done = alreadyDone;

  const describe = (a: Active) => {
    const e = a.last!;
    const ho = a.heldOut === undefined ? "" : ` held-out ${a.heldOut.toFixed(3)}`;
    return `${a.label}  step ${e.step}/${e.totalSteps}  loss ${e.loss.toFixed(3)}${ho}`;
  };
  const status = () => {
    const runs = [...active].filter((a) => a.last);
    const tokensPerSecond = runs.reduce((s, a) => s + a.last!.tokensPerSecond, 0);
    const eta = Math.max(0, ...runs.map((a) => etaSeconds(a.last!)));
    const each = runs.map((a) => `${a.label} ${a.last!.step}/${a.last!.totalSteps} loss ${a.last!.loss.toFixed(2)}`).join(" | ");
    return `[${done}/${totalRuns} runs] ${each} | ${Math.round(tokensPerSecond)} tok/s | run ETA ${formatDuration(eta)}`;
  };
  const redraw = () => sink.write(`\r\x1b[2K${status()}`);

  return {
    start(label) {
      const a: Active = { label, loggedDecile: -1 };
      active.add(a);
      return {
        onStep(e) {
          a.last = e;
          if (e.heldOutLoss !== undefined) a.heldOut = e.heldOutLoss;
          if (sink.isTTY) return redraw();
          const decile = Math.floor((10 * e.step) / e.totalSteps);
          if (decile > a.loggedDecile) {
            a.loggedDecile = decile;
            const eta = formatDuration(etaSeconds(e));
            sink.write(`${describe(a)}  ${Math.round(e.tokensPerSecond)} tok/s  ETA ${eta}\n`);
          }
        },
        done(summary) {
          active.delete(a);
          done += 1;
          if (!sink.isTTY) return void sink.write(`${a.label}  ${summary}\n`);
          sink.write(`\r\x1b[2K${a.label}  ${summary}\n`);
          if (active.size > 0) redraw();
        },
      };
    },
  };
}
