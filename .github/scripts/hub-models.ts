// The Hub models that suites' `models` name, one `owner/name revision` line each (revision main
// when the suite gives none), for .github/scripts/fetch-families.sh to download: the suite file is
// the single list of what a night fetches.
// Usage: node .github/scripts/hub-models.ts <suite.yaml...>
import { loadSuite } from "../../src/pipeline/suite/load.ts";

const lines = new Set<string>();
for (const file of process.argv.slice(2)) {
  for (const family of (await loadSuite(file)).families) {
    for (const m of family.members) if ("hub" in m.at) lines.add(`${m.at.hub} ${m.revision ?? "main"}`);
  }
}
for (const line of lines) console.log(line);
