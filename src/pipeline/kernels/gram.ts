// Front end of gram.wasm (see gram.wat): the float64 linear Gram matrix of CKA.
import { kernelModule } from "./load.ts";

const PAGE = 65536;

/**
 * G = X Xᵀ in float64, [n, n], from row-major x [n, d]. The result is a view over a memory of its
 * own, which lives as long as the view does.
 */
export function gram(x: ArrayLike<number>, n: number, d: number): Float64Array {
  const bytes = (n * d + n * n) * 8;
  if (bytes > 4 * 1024 ** 3 - PAGE) throw new Error(`gram: ${n} x ${n} float64 does not fit a 32-bit WebAssembly memory`);
  const memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil(bytes / PAGE)) });
  const kernel = new WebAssembly.Instance(kernelModule("gram"), { env: { memory } }).exports as { gram: (x: number, n: number, d: number, g: number) => void };
  new Float64Array(memory.buffer, 0, n * d).set(x);
  kernel.gram(0, n, d, n * d * 8);
  return new Float64Array(memory.buffer, n * d * 8, n * n);
}
