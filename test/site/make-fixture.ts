// Builds one published version of the site fixture (test/fixtures/content/) from real `refit run`
// output with `refit aggregate`'s own function (src/pipeline/publish/aggregate.ts), at a fixed
// creation time so versions keep their order. The fixture holds four versions (about 15 minutes
// on 2 busy cores in all):
//   for s in test/fixtures/suites/tiny.yaml test/site/fixtures/tiny-grid.yaml test/site/fixtures/scale.yaml; do
//     node bin/refit.mjs run $s --seeds 3 --out /tmp/fixrun --shard 1/1; done        (train only)
//   node test/site/make-fixture.ts --runs /tmp/fixrun --seeds 2 --version 2026-01-05.1 \
//     --created 2026-01-05T12:00:00Z test/fixtures/suites/tiny.yaml test/site/fixtures/tiny-grid.yaml
//   ... --seeds 3 --version 2026-02-09.1 --created 2026-02-09T12:00:00Z  (the same two suites)
//   ... --seeds 3 --version 2026-02-23.1 --created 2026-02-23T12:00:00Z  (the two, and scale.yaml)
//   node bin/refit.mjs run test/site/fixtures/prompt-length.yaml --seeds 3 --out /tmp/fixrun --shard 1/1
//   ... --seeds 3 --version 2026-02-26.1 --created 2026-02-26T12:00:00Z --carry test/site/fixtures/prompt-length.yaml
//     (prompt-length.yaml, carrying the three suites of 2026-02-23.1 byte for byte)
import { parseArgs } from "node:util";
import { aggregate } from "../../src/pipeline/publish/aggregate.ts";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    runs: { type: "string" },
    seeds: { type: "string" },
    version: { type: "string" },
    created: { type: "string" },
    content: { type: "string", default: "test/fixtures/content" },
    carry: { type: "boolean", default: false },
  },
});
if (!values.runs || !values.created || positionals.length === 0) throw new Error("usage: make-fixture.ts --runs <dir> --created <iso time> [--seeds n] [--version id] [--carry] <suite.yaml...>");

const result = await aggregate({
  suites: positionals,
  from: [values.runs],
  content: values.content,
  version: values.version,
  seeds: values.seeds === undefined ? undefined : Number(values.seeds),
  carry: values.carry,
  createdAt: new Date(values.created),
  progress: (line) => console.error(line),
});
console.log(`wrote ${result.dir} (${result.suites.map((s) => s.suite.name).join(", ")}) and pointed latest.json at it`);
