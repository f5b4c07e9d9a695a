// Test helpers for publish/: versions made from the site fixture's latest version with edited
// numbers (the "injected regression" of issue 7), in memory or written to a temp content dir.
import * as path from "node:path";
import { sha256Hex } from "../../../src/pipeline/artifacts/hash.ts";
import { SCHEMA_VERSION } from "../../../src/pipeline/artifacts/conventions.ts";
import type { ContentManifest } from "../../../src/pipeline/artifacts/manifest.ts";
import type { PublishedSuite } from "../../../src/pipeline/artifacts/published-suite.ts";
import type { VersionLike } from "../../../src/pipeline/publish/diff.ts";
import { pointLatest, writeVersion } from "../../../src/pipeline/publish/version.ts";
import { loadContent } from "../../../src/pipeline/publish/content.ts";

export const FIXTURE_CONTENT = path.resolve(import.meta.dirname, "../../fixtures/content");

export type Cell = PublishedSuite["cells"][number];

/** The fixture's latest version (its suite tiny: one cell, 2 layers, 3 refits, no intervals). */
export function fixtureVersion(): VersionLike {
  const latest = loadContent(FIXTURE_CONTENT).latest!;
  return { id: latest.id, suites: latest.suites.map((s) => ({ name: s.name, result: structuredClone(s.result) })) };
}

/** Suite tiny's result in a version made from the fixture. */
export const tinyOf = (v: VersionLike): PublishedSuite => v.suites.find((s) => s.name === "tiny")!.result;

/** A copy of `base` named `id` whose cell of suite tiny (its only one) is edited in place by `edit`. */
export function editedVersion(base: VersionLike, id: string, edit: (cell: Cell) => void): VersionLike {
  const suites = base.suites.map((s) => ({ name: s.name, result: structuredClone(s.result) }));
  edit(tinyOf({ id, suites }).cells[0]);
  return { id, suites };
}

/** Gives every layer's stability a 95% interval of value ± halfWidth, as a bootstrap would. */
export function withLayerIntervals(halfWidth: number) {
  return (cell: Cell) => {
    cell.stats!.estimates = cell.stats!.layers.map((l) => ({ stability: { value: l.stability, lo: l.stability - halfWidth, hi: l.stability + halfWidth } }));
  };
}

/** Moves layer `layer` (0-based) stability, keeping its interval where it is. */
export const moveLayer = (layer: number, by: number) => (cell: Cell) => {
  cell.stats!.layers[layer].stability += by;
};

/** Writes `v` as a published version of `content` (result files only) and points latest at it. */
export function publish(content: string, v: VersionLike, createdAt: string): void {
  const files = v.suites.map((s) => ({ name: `${s.name}.json`, contents: JSON.stringify(s.result) }));
  const manifest: ContentManifest = {
    schemaVersion: SCHEMA_VERSION,
    kind: "refit.manifest",
    version: v.id,
    createdAt,
    gitCommit: null,
    refitVersion: "0.1.0",
    suites: v.suites.map((s, i) => ({ name: s.name, suiteHash: s.result.suite.hash, result: { file: files[i].name, sha256: sha256Hex(files[i].contents) } })),
  };
  writeVersion(content, v.id, [...files, { name: "manifest.json", contents: JSON.stringify(manifest) }]);
  pointLatest(content, v.id);
}

/**
 * A hand-made attestation bundle of the shape actions/attest-build-provenance writes: an in-toto
 * statement with SLSA provenance of the given subject digest and workflow, inside a DSSE envelope.
 * Its signature and certificate are placeholders: Refit checks neither (gh attestation verify does).
 */
export function handMadeBundle(subjectSha256: string, workflow: { repository?: string; path?: string; ref?: string } = {}): unknown {
  const statement = {
    _type: "https://in-toto.io/Statement/v1",
    subject: [{ name: "manifest.json", digest: { sha256: subjectSha256 } }],
    predicateType: "https://slsa.dev/provenance/v1",
    predicate: {
      buildDefinition: {
        buildType: "https://actions.github.io/buildtypes/workflow/v1",
        externalParameters: { workflow: { ref: "refs/heads/main", repository: "https://github.com/example-org/refit", path: ".github/workflows/nightly.yml", ...workflow } },
      },
      runDetails: { builder: { id: "https://github.com/actions/runner/github-hosted" } },
    },
  };
  return {
    mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json",
    verificationMaterial: { certificate: { rawBytes: "cGxhY2Vob2xkZXI=" }, tlogEntries: [] },
    dsseEnvelope: { payload: Buffer.from(JSON.stringify(statement)).toString("base64"), payloadType: "application/vnd.in-toto+json", signatures: [{ sig: "cGxhY2Vob2xkZXI=" }] },
  };
}
