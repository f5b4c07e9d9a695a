// `refit site`: builds the static leaderboard from published content into dist/ (publish/site.ts).
// A content root without a published version is refused unless asked for, so a mistyped --content
// cannot publish a blank site.
import * as path from "node:path";
import { buildSite, emptyContentReason } from "../publish/site.ts";
import { DEFAULT_CONTENT, parseVerbArgs, UsageError, type Command } from "./command.ts";

export const siteCommand: Command = {
  name: "site",
  describe: "build the static leaderboard site from published content into dist/",
  help: `Usage: refit site [options]

Builds the leaderboard (every published version, the attention viewer, findings, downloads) as a
static site. A malformed or tampered content file stops the build before it starts, with the file
and field named (exit 2). A content folder that does not exist or holds no version is an error
(exit 2) unless --allow-empty is given.

Options:
  --content <dir>  published content root (default ${DEFAULT_CONTENT})
  --base <path>    base path the site is served from (default /; e.g. /refit/ on GitHub Pages)
  --out <dir>      output folder (default dist)
  --allow-empty    build even when the content folder holds no version (the site then says so)
  -h, --help       show this help`,

  async main(argv) {
    const { values } = parseVerbArgs("site", argv, {
      positionals: { min: 0, max: 0, what: "no positional arguments" },
      options: {
        content: { type: "string", default: DEFAULT_CONTENT },
        base: { type: "string", default: "/" },
        out: { type: "string", default: "dist" },
        "allow-empty": { type: "boolean", default: false },
      },
    });
    if (!values.base.startsWith("/")) throw new UsageError(`--base must start with "/", got "${values.base}"`);
    const empty = emptyContentReason(path.resolve(values.content));
    if (empty && !values["allow-empty"]) throw new UsageError(`--content ${values.content}: ${empty}; nothing to publish (pass --allow-empty to build a site that says so)`);
    const started = performance.now();
    await buildSite({ content: values.content, base: values.base, out: values.out });
    console.log(`site: built ${path.resolve(values.out)} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    return 0;
  },
};
