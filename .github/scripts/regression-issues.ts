// The nightly's regression alert: opens, updates and closes one GitHub issue per regression
// (src/pipeline/publish/regression-issues.ts plans them) through the gh CLI, which reads GH_TOKEN.
// Usage: node .github/scripts/regression-issues.ts --content <dir> --site-url <url> [--run-url <url>]
// Prints one line per action; exits 1 if gh fails, 2 on bad usage or content.
import { execFileSync } from "node:child_process";
import { parseArgs } from "node:util";
import { diffVersions } from "../../src/pipeline/publish/diff.ts";
import { planIssues, REGRESSION_LABEL, type IssueAction, type OpenIssue } from "../../src/pipeline/publish/regression-issues.ts";
import { loadContent, previousVersion } from "../../src/pipeline/publish/content.ts";
import { routes } from "../../src/site/lib/routes.ts";

const gh = (args: string[], input?: string): string => execFileSync("gh", args, { encoding: "utf8", input, stdio: ["pipe", "pipe", "inherit"] });

function carryOut(a: IssueAction): string {
  switch (a.kind) {
    case "open": {
      gh(["label", "create", REGRESSION_LABEL, "--force", "--color", "d93f0b", "--description", "A Refit metric regressed beyond seed noise (opened by the nightly)"]);
      const url = gh(["issue", "create", "--title", a.title, "--label", REGRESSION_LABEL, "--body-file", "-"], a.body).trim();
      return `opened ${url}: ${a.key}`;
    }
    case "update":
      gh(["issue", "edit", String(a.number), "--body-file", "-"], a.body);
      if (a.comment) gh(["issue", "comment", String(a.number), "--body-file", "-"], a.comment);
      return `updated #${a.number}${a.comment ? " (regressed again)" : ""}: ${a.key}`;
    case "close":
      gh(["issue", "comment", String(a.number), "--body-file", "-"], a.comment);
      gh(["issue", "close", String(a.number), "--reason", "completed"]);
      return `closed #${a.number}: ${a.key}`;
  }
}

const { values } = parseArgs({ options: { content: { type: "string", default: "content" }, "site-url": { type: "string" }, "run-url": { type: "string" } } });
if (!values["site-url"]) {
  console.error("usage: regression-issues.ts --content <dir> --site-url <url> [--run-url <url>]");
  process.exit(2);
}
let content;
try {
  content = loadContent(values.content);
} catch (e) {
  console.error(`regression-issues: ${(e as Error).message.split("\n")[0]}`);
  process.exit(2);
}
const latest = content.latest;
if (!latest) {
  console.log("no published version: no regression issues to check");
  process.exit(0);
}
const previous = previousVersion(content, latest);
// The site's own routes under its full base URL (configure-pages' base_url, e.g. https://octo.github.io/refit).
const site = routes(`${values["site-url"].replace(/\/+$/, "")}/`);
const open = JSON.parse(gh(["issue", "list", "--label", REGRESSION_LABEL, "--state", "open", "--limit", "500", "--json", "number,body"])) as OpenIssue[];
const actions = planIssues({
  tonight: previous ? diffVersions(previous, latest) : null,
  latest: latest.id,
  open,
  sinceBaseline: (id) => {
    const baseline = content.versions.find((v) => v.id === id);
    return baseline ? diffVersions(baseline, latest) : null;
  },
  links: { ...site, runUrl: values["run-url"] },
});
for (const a of actions) console.log(carryOut(a));
console.log(`regression issues: ${actions.filter((a) => a.kind !== "close").length} open after version ${latest.id} (${open.length} were open before)`);
