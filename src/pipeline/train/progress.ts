// Progress for long training runs: a redrawn one-line bar with tokens/s and ETA on a terminal,
// plain log lines (about every 10%) when output goes to a file or CI log.
import type { StepEvent } from "./train.ts";

export interface ProgressSink {
  isTTY?: boolean;
  write(text: string): unknown;
}

const WIDTH = 24;

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.round(seconds);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}

/** Returns an onStep callback for one run, labelled e.g. "run 3/8 cell 1 seed 2". */
export function progressBar(label: string, sink: ProgressSink): { onStep: (e: StepEvent) => void; done: (summary: string) => void } {
  let lastLoggedDecile = -1;
  let heldOut: number | undefined;
  const line = (e: StepEvent) => {
    const eta = e.tokensPerSecond > 0 ? formatDuration(((e.totalSteps - e.step) * e.tokensPerStep) / e.tokensPerSecond) : "?";
    const ho = heldOut === undefined ? "" : ` held-out ${heldOut.toFixed(3)}`;
    return `${label}  step ${e.step}/${e.totalSteps}  loss ${e.loss.toFixed(3)}${ho}  ${Math.round(e.tokensPerSecond)} tok/s  ETA ${eta}`;
  };
  return {
    onStep(e) {
      if (e.heldOutLoss !== undefined) heldOut = e.heldOutLoss;
      if (sink.isTTY) {
        const filled = Math.round((WIDTH * e.step) / e.totalSteps);
        sink.write(`\r\x1b[2K[${"#".repeat(filled)}${".".repeat(WIDTH - filled)}] ${line(e)}`);
        return;
      }
      const decile = Math.floor((10 * e.step) / e.totalSteps);
      if (decile > lastLoggedDecile) {
        lastLoggedDecile = decile;
        sink.write(`${line(e)}\n`);
      }
    },
    done(summary) {
      sink.write(sink.isTTY ? `\r\x1b[2K${label}  ${summary}\n` : `${label}  ${summary}\n`);
    },
  };
}
