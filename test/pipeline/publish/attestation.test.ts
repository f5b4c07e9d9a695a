// A version's attestation status from hand-made bundles beside a manifest: none, one whose subject
// is the manifest's SHA-256 from the nightly workflow, and ones that must not pass (another digest,
// another workflow, a file that is not a bundle); and the line `refit diff` prints for each.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { attestationLine, attestationOf } from "../../../src/pipeline/publish/attestation.ts";
import { handMadeBundle } from "./helpers.ts";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "refit-attestation-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const MANIFEST = '{"kind": "refit.manifest"}\n';
const MANIFEST_SHA = createHash("sha256").update(MANIFEST).digest("hex");

/** A version folder holding the manifest and, unless undefined, this attestation.json. */
function versionDir(name: string, attestation?: unknown): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, "manifest.json"), MANIFEST);
  if (attestation !== undefined) fs.writeFileSync(path.join(dir, "attestation.json"), typeof attestation === "string" ? attestation : JSON.stringify(attestation));
  return dir;
}

describe("a version's attestation", () => {
  it("is none without attestation.json, and says so", () => {
    const status = attestationOf(versionDir("none"));
    expect(status).toEqual({ state: "none" });
    expect(attestationLine(status, "content/versions/v1")).toBe("not attested (published before attestation / built locally)");
  });

  it("matches when its subject is the manifest's SHA-256 and its workflow the nightly, and names the command that checks the signature", () => {
    const status = attestationOf(versionDir("matching", handMadeBundle(MANIFEST_SHA)));
    expect(status).toEqual({ state: "matches", repository: "example-org/refit", ref: "refs/heads/main" });
    expect(attestationLine(status, "content/versions/v1")).toBe(
      "attested: manifest.json's SHA-256 is the attestation's subject, made by example-org/refit's .github/workflows/nightly.yml (refs/heads/main); the signature is checked by: " +
        "gh attestation verify content/versions/v1/manifest.json --bundle content/versions/v1/attestation.json --repo example-org/refit --signer-workflow example-org/refit/.github/workflows/nightly.yml",
    );
  });

  it("does not match a bundle of another manifest, naming both digests", () => {
    const other = createHash("sha256").update("another manifest").digest("hex");
    const status = attestationOf(versionDir("other-digest", handMadeBundle(other)));
    expect(status).toEqual({
      state: "mismatch",
      problem: `the attestation is of SHA-256 ${other.slice(0, 12)}…, but manifest.json's is ${MANIFEST_SHA.slice(0, 12)}…: this manifest is not the one attested`,
      repository: "example-org/refit",
    });
    expect(attestationLine(status, "v")).toMatch(/^attestation DOES NOT MATCH: the attestation is of SHA-256 .*; check with: gh attestation verify v\/manifest\.json --bundle v\/attestation\.json --repo example-org\/refit /);
  });

  it("does not match a bundle from another workflow", () => {
    const status = attestationOf(versionDir("other-workflow", handMadeBundle(MANIFEST_SHA, { path: ".github/workflows/by-hand.yml" })));
    expect(status).toEqual({ state: "mismatch", problem: "made by example-org/refit's .github/workflows/by-hand.yml, not by .github/workflows/nightly.yml", repository: "example-org/refit" });
  });

  it("does not match a file that is not a bundle, or a bundle whose statement is not provenance", () => {
    for (const [name, file] of [
      ["truncated", JSON.stringify(handMadeBundle(MANIFEST_SHA)).slice(0, 80)],
      ["not-provenance", { ...(handMadeBundle(MANIFEST_SHA) as object), dsseEnvelope: { payload: Buffer.from('{"_type": "x"}').toString("base64"), payloadType: "application/vnd.in-toto+json", signatures: [{ sig: "x" }] } }],
    ] as const) {
      const status = attestationOf(versionDir(name, file));
      expect(status.state, name).toBe("mismatch");
      expect(status.state === "mismatch" && status.repository, name).toBe(null);
      expect(attestationLine(status, "v"), name).toMatch(/^attestation DOES NOT MATCH: attestation\.json(: its statement is not SLSA provenance| is not a readable Sigstore bundle)/);
    }
  });
});
