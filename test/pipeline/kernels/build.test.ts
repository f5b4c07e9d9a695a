// The committed .wasm kernels are exactly what their .wat sources assemble to, so the binaries
// that run can always be read and rebuilt (`npm run kernels` after editing a .wat).
import * as fs from "node:fs";
import { describe, expect, it } from "vitest";
import { assemble } from "../../../src/pipeline/kernels/build.ts";
import { KERNELS } from "../../../src/pipeline/kernels/load.ts";

describe("committed kernels", () => {
  for (const name of KERNELS) {
    it(`${name}.wasm is what ${name}.wat assembles to`, async () => {
      const committed = fs.readFileSync(new URL(`../../../src/pipeline/kernels/${name}.wasm`, import.meta.url));
      expect(Buffer.from(await assemble(name)).equals(committed)).toBe(true);
    });
  }
});
