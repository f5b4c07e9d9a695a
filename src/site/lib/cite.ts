// BibTeX for citing a published version of the leaderboard and the paper it follows. Fields are
// escaped for LaTeX. The version's URL is absolute where the build knows the deployment (astro's
// `site`, lib/deployment.ts), else the page's path, made absolute in the reader's browser; the
// author is the repository's owner (a person or an organisation) where the build knows it.
import type { ContentManifest } from "#pipeline/artifacts/manifest.ts";
import type { Repository } from "./deployment.ts";
import { PAPER } from "./paper.ts";

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"] as const;

/** Escapes the characters LaTeX treats specially in a BibTeX field. */
export function latexEscape(text: string): string {
  return text.replace(/[\\{}&%$#_^~]/g, (c) => (c === "\\" ? "\\textbackslash{}" : c === "^" ? "\\^{}" : c === "~" ? "\\~{}" : `\\${c}`));
}

/** A BibTeX key: letters, digits and dashes only. */
const keyOf = (text: string) => text.replace(/[^A-Za-z0-9-]+/g, "-");

export function versionBibtex(manifest: ContentManifest, url: string, repository: Repository | null = null): string {
  const date = new Date(manifest.createdAt);
  const suites = manifest.suites.map((s) => s.name).join(", ");
  const commit = manifest.gitCommit ? `, commit ${manifest.gitCommit.slice(0, 12)}` : "";
  return [
    `@misc{refit-${keyOf(manifest.version)},`,
    ...(repository ? [`  author = {{${latexEscape(repository.owner)}}},`, `  organization = {${latexEscape(repository.owner)}},`] : []),
    `  title = {{Refit} circuit universality leaderboard, version ${latexEscape(manifest.version)}},`,
    `  year = {${date.getUTCFullYear()}},`,
    `  month = ${MONTHS[date.getUTCMonth()]},`,
    `  howpublished = {\\url{${url}}},`,
    `  note = {Suites ${latexEscape(suites)}; refit ${latexEscape(manifest.refitVersion)}${latexEscape(commit)}${repository ? `; code \\url{${repository.url}}` : ""}},`,
    `}`,
  ].join("\n");
}

export function paperBibtex(): string {
  const [first] = PAPER.authors;
  const surname = (name: string) => name.split(" ").at(-1)!;
  return [
    `@misc{${surname(first).toLowerCase()}${PAPER.year}quantifying,`,
    `  title = {Quantifying {LLM} Attention-Head Stability: Implications for Circuit Universality},`,
    `  author = {${PAPER.authors.map((a) => `${surname(a)}, ${a.split(" ").slice(0, -1).join(" ")}`).join(" and ")}},`,
    `  year = {${PAPER.year}},`,
    `  eprint = {${PAPER.arxiv}},`,
    `  archivePrefix = {arXiv},`,
    `  primaryClass = {${PAPER.primaryClass}},`,
    `}`,
  ].join("\n");
}

/** A YAML string: double-quoted, with backslashes and quotes escaped. */
const yamlString = (text: string) => JSON.stringify(text);

/**
 * CITATION.cff (Citation File Format 1.2.0) for the leaderboard as deployed: the repository's owner
 * as author, the site's and the repository's absolute URLs, and the latest version as its version.
 * Needs the repository: without an author there is nothing honest to write.
 */
export function citationCff(manifest: ContentManifest, site: string | null, repository: Repository): string {
  const paper = PAPER.authors.map((a) => `      - family-names: ${yamlString(a.split(" ").at(-1)!)}\n        given-names: ${yamlString(a.split(" ").slice(0, -1).join(" "))}`).join("\n");
  return [
    "cff-version: 1.2.0",
    'message: "To cite the leaderboard, cite the version whose numbers you use; each version\'s page gives its BibTeX."',
    "type: software",
    'title: "Refit circuit universality leaderboard"',
    "authors:",
    `  - name: ${yamlString(repository.owner)}`,
    `version: ${yamlString(manifest.version)}`,
    `date-released: ${yamlString(manifest.createdAt.slice(0, 10))}`,
    "license: MIT",
    ...(site ? [`url: ${yamlString(site)}`] : []),
    `repository-code: ${yamlString(repository.url)}`,
    "references:",
    "  - type: article",
    '    title: "Quantifying LLM Attention-Head Stability: Implications for Circuit Universality"',
    "    authors:",
    paper,
    `    year: ${PAPER.year}`,
    `    identifiers:`,
    `      - type: other`,
    `        value: ${yamlString(`arXiv:${PAPER.arxiv}`)}`,
    "",
  ].join("\n");
}
