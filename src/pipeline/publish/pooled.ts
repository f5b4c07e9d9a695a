// A version's pooled findings (findings.json): every finding evaluated once over the unique cells of
// the suites the version computed, so a model held by several suites counts once in the headline
// verdict (docs/metrics.md "Each model counted once"), with the suites that hold each cell beside
// it. Carried suites were compared by an earlier aggregation whose replicates are gone: they are
// named, not pooled.
import { SCHEMA_VERSION } from "../artifacts/conventions.ts";
import type { PooledFindings } from "../artifacts/pooled-findings.ts";
import { evaluateFindings, uniqueCells, type FindingsCell } from "../compare/findings.ts";

export function pooledFindings(bySuite: ReadonlyMap<string, readonly FindingsCell[]>, carried: readonly string[]): PooledFindings {
  const holders = new Map<string, string[]>();
  for (const [suite, cells] of bySuite) for (const c of cells) holders.set(c.cellId, [...(holders.get(c.cellId) ?? []), suite]);
  return {
    schemaVersion: SCHEMA_VERSION,
    kind: "refit.findings",
    suites: [...bySuite.keys()],
    carried: [...carried],
    cells: [...holders].map(([cellId, suites]) => ({ cellId, suites })),
    findings: evaluateFindings(uniqueCells([...bySuite.values()])),
  };
}
