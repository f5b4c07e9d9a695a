// Peak resident memory of this process, for the benchmarks' tables.
import * as fs from "node:fs";

/** VmHWM from /proc (Linux); elsewhere the current RSS, the best Node can say. In MB. */
export function peakRssMB(): number {
  const m = fs.existsSync("/proc/self/status") ? /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync("/proc/self/status", "utf8")) : null;
  return m ? Number(m[1]) / 1024 : process.memoryUsage().rss / 2 ** 20;
}
