// The repository explains itself: no tracked file points a reader at a design document or notes
// that live outside it (the project's own design is in docs/), and every relative link in the
// Markdown files resolves to a file that exists.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "..");

/** Names of documents kept outside the repository; assembled so this file does not match itself. */
const OUTSIDE = [["DESIGN", ".md"], ["STYLE", ".md"], ["shared/", "notes"], ["notes/", "tfjs-wasm"], ["notes/", "gpt2-interchange"]].map(([a, b]) => a + b);
const BINARY = /\.(wasm|safetensors|png|jpe?g|gif|ico|woff2?)$/;

function trackedFiles(): string[] {
  const r = spawnSync("git", ["ls-files", "-z"], { cwd: ROOT, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`git ls-files failed: ${r.stderr}`);
  return r.stdout.split("\0").filter((f) => f !== "" && !BINARY.test(f) && fs.existsSync(path.join(ROOT, f)));
}

describe("the repository's documentation", () => {
  const files = trackedFiles();

  it("has its design documents in docs/", () => {
    for (const doc of ["design.md", "formats.md", "metrics.md", "kernels.md"]) expect(files).toContain(`docs/${doc}`);
  });

  it("never refers to a document outside the repository", () => {
    const found = files.flatMap((f) => {
      const text = fs.readFileSync(path.join(ROOT, f), "utf8");
      return text.split("\n").flatMap((line, i) => OUTSIDE.filter((name) => line.includes(name)).map((name) => `${f}:${i + 1}: ${name}`));
    });
    expect(found).toEqual([]);
  });

  it("has Markdown links that resolve", () => {
    const broken = files
      .filter((f) => f.endsWith(".md"))
      .flatMap((f) => {
        const text = fs.readFileSync(path.join(ROOT, f), "utf8");
        return [...text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)]
          .map((m) => m[1])
          .filter((target) => !/^[a-z]+:/.test(target) && !fs.existsSync(path.resolve(ROOT, path.dirname(f), target)))
          .map((target) => `${f}: ${target}`);
      });
    expect(broken).toEqual([]);
  });
});
