// Whether a published version carries an attestation, and what of it can be checked offline: that
// the bundle's in-toto subject is this manifest.json (its SHA-256) and that its SLSA predicate names
// the nightly workflow. The Sigstore signature (certificate chain, transparency log) is not checked
// here: that needs Sigstore's trust root, which `gh attestation verify` fetches, so every status that
// has a bundle carries that exact command. Shared by the content reader, `refit diff` and the site.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { ProvenanceStatementSchema, SigstoreBundleSchema } from "../artifacts/attestation.ts";
import { readJson } from "../artifacts/store.ts";

/** The bundle's name in a version folder, beside manifest.json. */
export const ATTESTATION_FILE = "attestation.json";
/** The workflow that publishes and attests versions; an attestation from any other says so. */
export const NIGHTLY_WORKFLOW = ".github/workflows/nightly.yml";

export type AttestationStatus =
  | { state: "none" }
  /** The offline checks pass; `repository` is owner/name, `ref` the workflow's git ref. */
  | { state: "matches"; repository: string; ref: string }
  /** The bundle is unreadable or is not of this manifest from the nightly; `repository` where it names one. */
  | { state: "mismatch"; problem: string; repository: string | null };

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** The attestation status of the version in `versionDir` (its manifest.json and attestation.json). */
export function attestationOf(versionDir: string): AttestationStatus {
  const file = path.join(versionDir, ATTESTATION_FILE);
  if (!fs.existsSync(file)) return { state: "none" };
  const mismatch = (problem: string, repository: string | null = null): AttestationStatus => ({ state: "mismatch", problem, repository });
  let payload: unknown;
  try {
    const bundle = readJson(file, SigstoreBundleSchema);
    payload = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, "base64").toString("utf8"));
  } catch (e) {
    return mismatch(`${ATTESTATION_FILE} is not a readable Sigstore bundle of an in-toto statement (${(e as Error).message.split("\n")[0]})`);
  }
  const statement = ProvenanceStatementSchema.safeParse(payload);
  if (!statement.success) {
    const issue = statement.error.issues[0];
    return mismatch(`${ATTESTATION_FILE}: its statement is not SLSA provenance from a GitHub workflow (${issue.path.join(".")}: ${issue.message})`);
  }
  const workflow = statement.data.predicate.buildDefinition.externalParameters.workflow;
  const repository = new URL(workflow.repository).pathname.slice(1);
  const manifest = sha256(fs.readFileSync(path.join(versionDir, "manifest.json")));
  const subjects = statement.data.subject.map((s) => s.digest.sha256);
  if (!subjects.includes(manifest)) {
    return mismatch(`the attestation is of SHA-256 ${subjects.map((s) => `${s.slice(0, 12)}…`).join(", ")}, but manifest.json's is ${manifest.slice(0, 12)}…: this manifest is not the one attested`, repository);
  }
  if (workflow.path !== NIGHTLY_WORKFLOW) return mismatch(`made by ${repository}'s ${workflow.path}, not by ${NIGHTLY_WORKFLOW}`, repository);
  return { state: "matches", repository, ref: workflow.ref };
}

/** The command that checks the signature, for a version folder as the reader has it (e.g. content/versions/<id>). */
export const verifyCommand = (versionDir: string, repository: string): string =>
  `gh attestation verify ${path.join(versionDir, "manifest.json")} --bundle ${path.join(versionDir, ATTESTATION_FILE)} --repo ${repository} --signer-workflow ${repository}/${NIGHTLY_WORKFLOW}`;

/**
 * One line saying what a version's attestation shows and how to check the rest. `pending`: the line
 * is written before the version is attested (the nightly's summary and pull request body come from
 * the job before `attest`), so a missing bundle is said to follow, not to be absent.
 */
export function attestationLine(status: AttestationStatus, versionDir: string, { pending = false } = {}): string {
  if (status.state === "none" && pending) return "not attested yet: the nightly's job attest attests it after this summary is written (see the version's attestation.json once it has run)";
  if (status.state === "none") return "not attested (published before attestation / built locally)";
  if (status.state === "mismatch") {
    const check = status.repository ? `; check with: ${verifyCommand(versionDir, status.repository)}` : "";
    return `attestation DOES NOT MATCH: ${status.problem}${check}`;
  }
  return `attested: manifest.json's SHA-256 is the attestation's subject, made by ${status.repository}'s ${NIGHTLY_WORKFLOW} (${status.ref}); the signature is checked by: ${verifyCommand(versionDir, status.repository)}`;
}
