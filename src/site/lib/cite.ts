// BibTeX for citing a published version of the leaderboard and the paper it follows. Fields are
// escaped for LaTeX; the version's URL is the page's own, made absolute in the reader's browser
// (the build knows only the base path), so the entry names exactly the version being read.
import type { ContentManifest } from "#pipeline/artifacts/manifest.ts";
import { PAPER } from "./paper.ts";

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"] as const;

/** Escapes the characters LaTeX treats specially in a BibTeX field. */
export function latexEscape(text: string): string {
  return text.replace(/[\\{}&%$#_^~]/g, (c) => (c === "\\" ? "\\textbackslash{}" : c === "^" ? "\\^{}" : c === "~" ? "\\~{}" : `\\${c}`));
}

/** A BibTeX key: letters, digits and dashes only. */
const keyOf = (text: string) => text.replace(/[^A-Za-z0-9-]+/g, "-");

export function versionBibtex(manifest: ContentManifest, url: string): string {
  const date = new Date(manifest.createdAt);
  const suites = manifest.suites.map((s) => s.name).join(", ");
  const commit = manifest.gitCommit ? `, commit ${manifest.gitCommit.slice(0, 12)}` : "";
  return [
    `@misc{refit-${keyOf(manifest.version)},`,
    `  title = {{Refit} circuit universality leaderboard, version ${latexEscape(manifest.version)}},`,
    `  year = {${date.getUTCFullYear()}},`,
    `  month = ${MONTHS[date.getUTCMonth()]},`,
    `  howpublished = {\\url{${url}}},`,
    `  note = {Suites ${latexEscape(suites)}; refit ${latexEscape(manifest.refitVersion)}${latexEscape(commit)}},`,
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
