// The one typed reader of published content, shared by the site build and `refit diff`: every
// version under the content root, each file validated against its format module in artifacts/ and
// its SHA-256 checked against the manifest. A malformed or inconsistent file stops with the file
// and the field named; nothing is skipped silently. Layout (written by publish/version.ts):
// <root>/latest.json, <root>/versions/<version>/{manifest.json, findings.json, <suite>.json, <suite>.attention.json},
// and beside the manifest the nightly's attestation.json, whose mismatch is shown, not refused (publish/attestation.ts).
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { AttentionSamplesSchema, type AttentionSamples } from "../artifacts/attention-samples.ts";
import { ContentManifestSchema, LatestPointerSchema, type ContentManifest } from "../artifacts/manifest.ts";
import { PooledFindingsSchema, type PooledFindings } from "../artifacts/pooled-findings.ts";
import { PublishedSuiteSchema, type PublishedSuite } from "../artifacts/published-suite.ts";
import { readJson } from "../artifacts/store.ts";
import { attestationOf, type AttestationStatus } from "./attestation.ts";

export interface SuiteEntry {
  name: string;
  result: PublishedSuite;
  attention: AttentionSamples | null;
  /** Absolute paths of the published files, for downloads. */
  files: { result: string; attention: string | null };
}

export interface SiteVersion {
  id: string;
  manifest: ContentManifest;
  suites: SuiteEntry[];
  /** The pooled findings over the version's unique cells; null in versions before 2026-12-07. */
  findings: PooledFindings | null;
  /** What its attestation.json shows, checked offline (publish/attestation.ts); none before the nightly attested versions. */
  attestation: AttestationStatus;
}

export interface SiteContent {
  root: string;
  /** Oldest first (by createdAt, then id). */
  versions: SiteVersion[];
  /** The version latest.json points at; null when nothing has been published yet. */
  latest: SiteVersion | null;
}

export class ContentError extends Error {
  override name = "ContentError";
}

function read<S extends Parameters<typeof readJson>[1]>(file: string, schema: S) {
  try {
    return readJson(file, schema);
  } catch (e) {
    throw new ContentError((e as Error).message);
  }
}

function checkSha(file: string, want: string, manifestFile: string, field: string): void {
  if (!fs.existsSync(file)) throw new ContentError(`${manifestFile}: ${field}: names ${path.basename(file)}, which does not exist`);
  const got = createHash("sha256").update(fs.readFileSync(file)).digest("hex");
  if (got !== want) throw new ContentError(`${file}: its SHA-256 is ${got}, but ${manifestFile} ${field} says ${want}; published files are immutable`);
}

function loadVersion(root: string, id: string): SiteVersion {
  const dir = path.join(root, "versions", id);
  const manifestFile = path.join(dir, "manifest.json");
  const manifest = read(manifestFile, ContentManifestSchema);
  if (manifest.version !== id) throw new ContentError(`${manifestFile}: version: is "${manifest.version}", but the folder is "${id}"`);
  const suites = manifest.suites.map((entry, i): SuiteEntry => {
    const resultFile = path.join(dir, entry.result.file);
    checkSha(resultFile, entry.result.sha256, manifestFile, `suites.${i}.result.sha256`);
    const result = read(resultFile, PublishedSuiteSchema);
    if (result.suite.name !== entry.name) throw new ContentError(`${resultFile}: suite.name: is "${result.suite.name}", the manifest says "${entry.name}"`);
    if (result.suite.hash !== entry.suiteHash) throw new ContentError(`${resultFile}: suite.hash: differs from ${manifestFile} suites.${i}.suiteHash`);
    let attention: AttentionSamples | null = null;
    let attentionFile: string | null = null;
    if (entry.attention) {
      attentionFile = path.join(dir, entry.attention.file);
      checkSha(attentionFile, entry.attention.sha256, manifestFile, `suites.${i}.attention.sha256`);
      attention = read(attentionFile, AttentionSamplesSchema);
      const cellIds = new Set(result.cells.map((c) => c.cellId));
      attention.cells.forEach((c, j) => {
        if (!cellIds.has(c.cellId)) throw new ContentError(`${attentionFile}: cells.${j}.cellId: "${c.cellId}" is not a cell of ${entry.result.file}`);
      });
    }
    return { name: entry.name, result, attention, files: { result: resultFile, attention: attentionFile } };
  });
  const findings = manifest.findings ? pooledOf(dir, manifest.findings, manifestFile, suites) : null;
  return { id, manifest, suites, findings, attestation: attestationOf(dir) };
}

function pooledOf(dir: string, entry: NonNullable<ContentManifest["findings"]>, manifestFile: string, suites: readonly SuiteEntry[]): PooledFindings {
  const file = path.join(dir, entry.file);
  checkSha(file, entry.sha256, manifestFile, "findings.sha256");
  const pooled = read(file, PooledFindingsSchema);
  const names = new Set(suites.map((s) => s.name));
  pooled.suites.forEach((name, i) => {
    if (!names.has(name)) throw new ContentError(`${file}: suites.${i}: "${name}" is not a suite of this version`);
  });
  return pooled;
}

/** Reads and validates everything under `root`; throws ContentError naming the file and field. */
export function loadContent(root: string): SiteContent {
  const versionsDir = path.join(root, "versions");
  const ids = fs.existsSync(versionsDir) ? fs.readdirSync(versionsDir).filter((d) => !d.startsWith(".")).sort() : [];
  const versions = ids
    .map((id) => loadVersion(root, id))
    .sort((a, b) => a.manifest.createdAt.localeCompare(b.manifest.createdAt) || a.id.localeCompare(b.id));
  const latestFile = path.join(root, "latest.json");
  if (!fs.existsSync(latestFile)) {
    if (versions.length > 0) throw new ContentError(`${latestFile}: missing, but ${versionsDir} holds ${versions.length} version(s)`);
    return { root, versions, latest: null };
  }
  const pointer = read(latestFile, LatestPointerSchema);
  const latest = versions.find((v) => v.id === pointer.version);
  if (!latest) throw new ContentError(`${latestFile}: version: "${pointer.version}" is not a folder of ${versionsDir}`);
  if (latest !== versions.at(-1)) throw new ContentError(`${latestFile}: version: "${pointer.version}" is not the newest version (${versions.at(-1)!.id})`);
  return { root, versions, latest };
}

export function findVersion(content: SiteContent, id: string): SiteVersion {
  const v = content.versions.find((x) => x.id === id);
  if (!v) throw new ContentError(`no published version "${id}"`);
  return v;
}

/** The version published just before `v`, if any. */
export function previousVersion(content: SiteContent, v: SiteVersion): SiteVersion | null {
  const i = content.versions.indexOf(v);
  return i > 0 ? content.versions[i - 1] : null;
}
