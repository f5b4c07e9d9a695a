// A worker thread of CbarArena.sumAll (cbar.ts): it shares the arena's memory and, each time the
// main thread starts a batch, takes jobs from the shared table until none is left, then reports
// done. It says when it has started; generation -1 tells it to stop.
import { workerData } from "node:worker_threads";
import { CONTROL, JOB_INTS } from "./cbar.ts";

const { module, memory, control, jobs } = workerData as { module: WebAssembly.Module; memory: WebAssembly.Memory; control: Int32Array; jobs: Int32Array };
const { cbar_sum } = new WebAssembly.Instance(module, { env: { memory } }).exports as { cbar_sum: (...args: number[]) => void };

Atomics.add(control, CONTROL.ready, 1);
Atomics.notify(control, CONTROL.ready);

for (let seen = 0; ; ) {
  Atomics.wait(control, CONTROL.generation, seen);
  seen = Atomics.load(control, CONTROL.generation);
  if (seen < 0) break;
  const count = Atomics.load(control, CONTROL.count);
  try {
    for (let j = Atomics.add(control, CONTROL.next, 1); j < count; j = Atomics.add(control, CONTROL.next, 1)) {
      cbar_sum(...Array.from(jobs.subarray(j * JOB_INTS, (j + 1) * JOB_INTS)));
    }
  } catch (e) {
    // Still report done below, so the main thread is not left waiting; it throws on the flag.
    console.error(e);
    Atomics.store(control, CONTROL.failed, 1);
  }
  Atomics.add(control, CONTROL.done, 1);
  Atomics.notify(control, CONTROL.done);
}
