// Gradients for training. tfjs-core's Node entry registers none: only the `@tensorflow/tfjs`
// umbrella did, and it brings layers, converter, webgl and data (about 240 MB) into every install.
// tfjs-core does ship its gradients, as ES modules (dist/register_all_gradients.js and
// dist/gradients/) whose relative imports omit the ".js" that Node's resolver requires; a resolve
// hook scoped to those files adds it while they load. They register into tfjs's global registry,
// the one the Node entry's engine reads, so training runs exactly tfjs's own gradient code
// (test/pipeline/train/numerics.test.ts pins the bits).
import { registerHooks } from "node:module";
import * as tf from "@tensorflow/tfjs-core";

const CORE_DIST = "/@tensorflow/tfjs-core/dist/";

let registered: Promise<void> | null = null;

/** Loads tfjs-core's gradients once per process; a native tfjs-node that already registered them is left as is. */
export function registerGradients(): Promise<void> {
  registered ??= (async () => {
    if (tf.getGradient(tf.BatchMatMul)) return;
    const hooks = registerHooks({
      resolve(specifier, context, next) {
        const inCore = context.parentURL?.includes(CORE_DIST) && specifier.startsWith(".") && !specifier.endsWith(".js");
        if (!inCore) return next(specifier, context);
        try {
          return next(`${specifier}.js`, context);
        } catch {
          return next(`${specifier}/index.js`, context); // a directory import, e.g. "../ops/ops"
        }
      },
    });
    try {
      await import("@tensorflow/tfjs-core/dist/register_all_gradients.js");
    } finally {
      hooks.deregister();
    }
  })();
  return registered;
}
