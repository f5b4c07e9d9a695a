// `refit diff <versionA> <versionB>`: per cell and metric, the change between two published
// versions and whether it exceeds the seed-bootstrap noise (publish/diff.ts). Exit 1 when any metric
// regresses beyond noise, so a workflow can alert on it; --markdown prints a job-summary table and
// --json the diff itself (publish/diff.ts VersionDiff) for scripts. Each format also says, per
// version, whether it carries an attestation and how to check it (publish/attestation.ts).
import * as path from "node:path";
import { attestationLine } from "../publish/attestation.ts";
import { findVersion, loadContent, previousVersion, type SiteContent, type SiteVersion } from "../publish/content.ts";
import { formatDiffMarkdown, formatDiffText, regressions } from "../publish/diff-report.ts";
import { BETTER, diffVersions, parseThreshold, RANKED_METRICS, type DiffMetric } from "../publish/diff.ts";
import { DEFAULT_CONTENT, parseVerbArgs, UsageError, type Command } from "./command.ts";

/** A version id, or `latest` / `previous` (the one published before latest). */
export function resolveVersion(content: SiteContent, name: string): SiteVersion {
  if (name === "latest" || name === "previous") {
    if (!content.latest) throw new UsageError(`${content.root} has no published version yet`);
    if (name === "latest") return content.latest;
    const prev = previousVersion(content, content.latest);
    if (!prev) throw new UsageError(`${content.root} has only one version (${content.latest.id}), so there is no "previous"`);
    return prev;
  }
  if (!content.versions.some((v) => v.id === name)) {
    throw new UsageError(`no version "${name}" in ${content.root} (published: ${content.versions.map((v) => v.id).join(", ") || "none"})`);
  }
  return findVersion(content, name);
}

export const diffCommand: Command = {
  name: "diff",
  describe: "compare two published versions per cell and metric; exit 1 when a metric regresses beyond seed noise",
  help: `Usage: refit diff <versionA> <versionB> [options]

Versions are ids (e.g. 2026-11-25.1) or latest / previous; an older B than A is said as reversed.
Cells are matched by suite and cell id, and a retrained cell (a new id at the same suite and grid
point) to the cell it replaces; for each metric the change from A to B is printed with the 95% bootstrap interval it is judged
against (A's, else B's). A metric regresses when it moves the bad way (${RANKED_METRICS.map((m) => `${m} ${BETTER[m] === "higher" ? "down" : "up"}`).join(", ")})
beyond that interval and by more than its threshold; without an interval, only a threshold can flag it.
Commonness, residual CKA and the null baselines are compared too, but never count as regressions.
Each version's attestation is named last: whether its attestation.json is of its manifest and from
the nightly workflow (checked here), and the gh command that checks the signature.

Options:
  --content <dir>        published content root (default ${DEFAULT_CONTENT})
  --markdown             print a Markdown summary (for a job summary or PR comment)
  --json                 print the diff as JSON: {from, to, reversed, regressions, added, removed, retrained, moves, attestation}
  --threshold <m=x>      smallest change that counts as a regression for metric m (repeatable)
  --attestation-pending  versionB is attested after this diff is written (the nightly's summary and
                         pull request): without its bundle, it is said to be not attested yet
  -h, --help             show this help

Exit codes: 0 no regression, 1 a regression beyond noise, 2 bad usage, unknown version or bad content.`,

  async main(argv) {
    const { values, positionals } = parseVerbArgs("diff", argv, {
      positionals: { min: 2, max: 2, what: "two versions" },
      options: {
        content: { type: "string", default: DEFAULT_CONTENT },
        markdown: { type: "boolean", default: false },
        json: { type: "boolean", default: false },
        threshold: { type: "string", multiple: true },
        "attestation-pending": { type: "boolean", default: false },
      },
    });
    if (values.markdown && values.json) throw new UsageError("--markdown and --json are two formats: give one");
    const thresholds: Partial<Record<DiffMetric, number>> = {};
    for (const t of values.threshold ?? []) {
      try {
        const [metric, x] = parseThreshold(t);
        thresholds[metric] = x;
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
    }
    const content = loadContent(values.content);
    const [from, to] = positionals.map((p) => resolveVersion(content, p));
    const d = diffVersions(from, to, { thresholds });
    const regressed = regressions(d).length;
    const attestations = [from, to].map((v) => {
      const pending = v === to && values["attestation-pending"];
      return `attestation of ${v.id}: ${attestationLine(v.attestation, path.join(content.root, "versions", v.id), { pending })}`;
    });
    if (values.json) {
      const attestation = Object.fromEntries([from, to].map((v) => [v.id, v.attestation]));
      console.log(JSON.stringify({ from: d.from, to: d.to, reversed: d.reversed, regressions: regressed, added: d.added, removed: d.removed, retrained: d.retrained, moves: d.moves, attestation }, null, 2));
    } else if (values.markdown) console.log(`${formatDiffMarkdown(d)}\n${attestations.map((l) => `- ${l}`).join("\n")}\n`);
    else console.log(`${formatDiffText(d)}\n\n${attestations.join("\n")}`);
    return regressed > 0 ? 1 : 0;
  },
};
