// The shape of the workflows a maintainer would adopt: what triggers them, who may write, what is
// cached under which key, which step holds a token, and that the nightly publishes what finished
// and then says the night failed (.github/scripts/night-status.sh is run here for each case).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const DIR = path.resolve(import.meta.dirname, "../../.github");

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, string>;
  env?: Record<string, string>;
}
interface Job {
  needs?: string | string[];
  if?: string;
  uses?: string;
  with?: Record<string, string>;
  permissions?: Record<string, string>;
  outputs?: Record<string, string>;
  concurrency?: { group: string; "cancel-in-progress": boolean | string };
  container?: string;
  strategy?: { matrix: Record<string, unknown> };
  steps?: Step[];
}
interface Workflow {
  on: Record<string, Record<string, unknown> | null>;
  env?: Record<string, string>;
  concurrency?: { group: string; "cancel-in-progress": boolean | string };
  jobs: Record<string, Job>;
}

const load = (name: string) => parse(fs.readFileSync(path.join(DIR, "workflows", name), "utf8")) as Workflow;
const nightly = load("nightly.yml");
const ci = load("ci.yml");
const pages = load("pages.yml");

/** The one step of a job that matches, by name, id, uses prefix or run text. */
function step(job: Job, match: (s: Step) => boolean | undefined): Step {
  const found = (job.steps ?? []).filter((s) => match(s));
  expect(found, "exactly one matching step").toHaveLength(1);
  return found[0];
}
const index = (job: Job, s: Step) => job.steps!.indexOf(s);
const uses = (action: string) => (s: Step) => s.uses?.startsWith(`${action}@`);
const runs = (text: string) => (s: Step) => s.run?.includes(text);

describe("nightly.yml", () => {
  const { plan, shard, aggregate, deploy } = nightly.jobs;

  it("runs on a schedule and by hand, with settings from inputs, then repository variables", () => {
    expect(Object.keys(nightly.on)).toEqual(["schedule", "workflow_dispatch"]);
    const text = fs.readFileSync(path.join(DIR, "workflows/nightly.yml"), "utf8");
    for (const [input, variable] of [["shards", "REFIT_SHARDS"], ["gpu_runner_labels", "REFIT_GPU_RUNNER_LABELS"], ["gpu_workers", "REFIT_GPU_WORKERS"], ["publish", "REFIT_PUBLISH"], ["families", "REFIT_FAMILIES"], ["kernels", "REFIT_KERNELS"]]) {
      expect(text).toContain(`inputs.${input} || vars.${variable} || `);
    }
    expect(nightly.concurrency).toEqual({ group: "refit-nightly", "cancel-in-progress": false });
  });

  it("plans every suite but drafts and REFIT_SKIP_SUITES (paper-grid by default: 800 runs at the paper's size)", () => {
    const planStep = step(plan, (s) => s.id === "plan");
    expect(planStep.env!.SKIP).toBe("${{ vars.REFIT_SKIP_SUITES || 'paper-grid' }}");
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "refit-plan-")), "output");
    // The step's own script, with refit plan replaced by a stub that lists the suites it was given.
    const script = planStep.run!.replaceAll("node bin/refit.mjs plan", "echo");
    const r = spawnSync("bash", ["-e", "-c", script], { cwd: path.resolve(DIR, ".."), encoding: "utf8", env: { ...process.env, SHARDS: "3", SKIP: "paper-grid smoke", GITHUB_OUTPUT: out } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("skipping suites/paper-grid.yaml (REFIT_SKIP_SUITES)");
    const suites = /^suites=(.*)$/m.exec(fs.readFileSync(out, "utf8"))![1].split(" ");
    expect(suites).toContain("suites/depth.yaml");
    expect(suites).not.toContain("suites/paper-grid.yaml");
    expect(suites).not.toContain("suites/smoke.yaml");
    expect(suites.some((f) => path.basename(f).startsWith("_"))).toBe(false);
  });

  it("lets only the aggregate job write contents, and only regression-issues write issues", () => {
    const writers = Object.entries(nightly.jobs).flatMap(([name, j]) => Object.entries(j.permissions ?? {}).filter(([, v]) => v === "write").map(([k]) => `${name}:${k}`));
    expect(writers.sort()).toEqual([
      "aggregate:contents",
      "aggregate:pull-requests",
      "attest:attestations",
      "attest:id-token",
      "deploy:id-token",
      "deploy:pages",
      "record-attestation:contents",
      "regression-issues:issues",
    ]);
  });

  it("attests the published manifest from a job that may do that and nothing else", () => {
    const attest = nightly.jobs.attest;
    expect(attest.needs).toBe("aggregate");
    expect(attest.permissions).toEqual({ contents: "read", "id-token": "write", attestations: "write" });
    const signing = step(attest, (s) => s.uses?.startsWith("actions/attest-build-provenance@") ?? false);
    expect(signing.uses).toMatch(/^actions\/attest-build-provenance@[0-9a-f]{40}$/);
    expect(signing.with).toEqual({ "subject-path": "content/versions/${{ needs.aggregate.outputs.version }}/manifest.json" });
    const checkout = step(attest, (s) => s.uses?.startsWith("actions/checkout@") ?? false);
    expect(checkout.with).toEqual({ "persist-credentials": false, ref: "${{ needs.aggregate.outputs.content_sha }}" });
    // The bundle it signed leaves as an artifact: this job writes no contents.
    expect(signing.id).toBe("attest");
    const upload = step(attest, uses("actions/upload-artifact"));
    expect(upload.with).toMatchObject({ name: "attestation", path: "${{ steps.attest.outputs.bundle-path }}", "if-no-files-found": "error" });
  });

  it("says in the summary and pull request body, written before job attest runs, that the new version's attestation follows", () => {
    expect(nightly.jobs.attest.needs).toBe("aggregate");
    const summary = step(aggregate, (s) => s.id === "diff").run!;
    expect(summary).toContain("node bin/refit.mjs diff previous latest --markdown --attestation-pending > diff.md");
    expect(summary).not.toMatch(/refit\.mjs diff (?![^\n]*--attestation-pending)/);
    expect(step(aggregate, (s) => s.id === "publish").run).toContain("--body-file diff.md");
  });

  it("commits the bundle beside the manifest from a job that may write contents and nothing else, on the version's branch", () => {
    const record = nightly.jobs["record-attestation"];
    expect(record.needs).toEqual(["aggregate", "attest"]);
    expect(record.if).toContain("needs.attest.result == 'success'");
    expect(record.permissions).toEqual({ contents: "write" });
    expect(step(record, uses("actions/download-artifact")).with).toEqual({ name: "attestation", path: "attestation" });
    const push = step(record, (s) => s.id === "push");
    expect(push.run).toContain('cp attestation/attestation.json "content/versions/$VERSION/attestation.json"');
    expect(push.run).toContain('bash .github/scripts/push-content.sh origin "$BRANCH"');
    expect(push.env).toMatchObject({ VERSION: "${{ needs.aggregate.outputs.version }}", BRANCH: "${{ needs.aggregate.outputs.branch }}" });
    // Both publish modes say which branch they pushed the version to.
    const publish = step(aggregate, (s) => s.id === "publish").run!;
    expect(publish).toContain('echo "branch=$BRANCH" >> "$GITHUB_OUTPUT"');
    expect(publish).toContain('echo "branch=refit/content-$VERSION" >> "$GITHUB_OUTPUT"');
    expect(aggregate.outputs!.branch).toBe("${{ steps.publish.outputs.branch }}");
  });

  it("caches finished runs by run ID: shards restore the store keyed by the planned IDs and reuse it", () => {
    expect(step(plan, (s) => s.id === "plan").run).toContain('runs_key=$(node bin/refit.mjs plan "${suites[@]}" --run-ids | sha256sum | cut -c1-32)');
    const restore = step(shard, (s) => s.name === "Restore finished runs");
    expect(restore.uses).toMatch(/^actions\/cache\/restore@[0-9a-f]{40}$/);
    expect(restore.with).toEqual({ path: "run-store", key: "refit-runs-${{ env.RUN_STORE }}-${{ needs.plan.outputs.runs_key }}", "restore-keys": "refit-runs-${{ env.RUN_STORE }}-" });
    const train = step(shard, runs("bin/refit.mjs run"));
    expect(train.run).toContain("--reuse-from run-store");
    expect(index(shard, restore)).toBeLessThan(index(shard, train));
  });

  it("keeps each kernel path's run store under its own cache name, passing the path to the shards and the store", () => {
    expect(nightly.env!.KERNELS).toBe("${{ inputs.kernels || vars.REFIT_KERNELS || 'wasm' }}");
    // The backend's name alone on the wasm kernels (the keys stores had before), "+blas" appended on blas.
    expect(nightly.env!.RUN_STORE).toBe("${{ format('{0}{1}', inputs.gpu_backend || vars.REFIT_GPU_BACKEND || 'webgpu', (inputs.kernels || vars.REFIT_KERNELS || 'wasm') == 'blas' && '+blas' || '') }}");
    expect(step(shard, runs("bin/refit.mjs run")).run).toContain('--backend "$BACKEND" --kernels "$KERNELS"');
    expect(step(aggregate, runs(".github/scripts/run-store.ts")).run).toContain('--backend "$BACKEND" --kernels "$KERNELS"');
  });

  it("saves tonight's runs over the restored store, under the key of the IDs it holds, even after a failure", () => {
    const restore = step(aggregate, (s) => s.name === "Restore finished runs");
    expect(restore.with!.key).toBe("refit-runs-${{ env.RUN_STORE }}-${{ needs.plan.outputs.runs_key }}");
    const merge = step(aggregate, runs(".github/scripts/run-store.ts"));
    expect(merge.if).toBe("${{ !cancelled() }}");
    const save = step(aggregate, uses("actions/cache/save"));
    expect(save.with).toEqual({ path: "run-store", key: "refit-runs-${{ env.RUN_STORE }}-${{ steps.store.outputs.key }}" });
    expect(save.if).toContain("!cancelled()");
    expect(index(aggregate, restore)).toBeLessThan(index(aggregate, merge));
    expect(index(aggregate, merge)).toBeLessThan(index(aggregate, save));
  });

  it("installs the GPU backend once per lockfile, backend and version, and proves the GPU before training", () => {
    const restore = step(shard, (s) => s.id === "modules");
    expect(restore.with!.path).toBe("node_modules");
    expect(restore.with!.key).toContain("${{ env.BACKEND }}-${{ env.TFJS_NODE_GPU }}-${{ hashFiles('package-lock.json') }}");
    expect(restore.with!.key).toContain("${{ runner.os }}-${{ runner.arch }}");
    const install = step(shard, runs('if [ "$BACKEND" = tensorflow-gpu ]; then npm install --no-save "$TFJS_NODE_GPU"; fi'));
    expect(install.if).toBe("steps.modules.outputs.cache-hit != 'true'");
    expect(step(shard, uses("actions/cache/save")).if).toBe("steps.modules.outputs.cache-hit != 'true'");
    const check = step(shard, runs("bash .github/scripts/check-gpu.sh"));
    // One step proves whichever backend trains: webgpu's adapter and matmul floor, or TensorFlow's GPU.
    expect(check.run).toContain('if [ "$BACKEND" = webgpu ]; then node .github/scripts/check-webgpu.ts; else bash .github/scripts/check-gpu.sh; fi');
    expect(index(shard, install)).toBeLessThan(index(shard, check));
    expect(index(shard, check)).toBeLessThan(index(shard, step(shard, runs("bin/refit.mjs run"))));
  });

  it("trains shards with --force, since the core-hour budget is a wasm CPU estimate", () => {
    expect(step(shard, runs("bin/refit.mjs run")).run).toMatch(/--backend "\$BACKEND" .*--force$/);
    expect(nightly.env!.BACKEND).toBe("${{ inputs.gpu_backend || vars.REFIT_GPU_BACKEND || 'webgpu' }}");
  });

  it("aggregates after failed shards, publishing what finished from the shards and the store, and carrying the rest", () => {
    expect(aggregate.needs).toEqual(["plan", "shard", "families"]);
    expect(aggregate.if).toBe("${{ !cancelled() && needs.plan.result == 'success' }}");
    expect(step(aggregate, (s) => s.id === "aggregate").run).toContain('"${families[@]}" --from shards/* run-store families-out --content content --allow-missing --carry');
    const upload = step(shard, uses("actions/upload-artifact"));
    expect(upload.if).toBe("${{ !cancelled() }}");
    expect(upload.with!.path).toContain("!shard-out/runs/*/*/ckpt-*/**");
  });

  it("keeps credentials out of the checkout; a token reaches only the publish step", () => {
    for (const [name, job] of Object.entries(nightly.jobs)) {
      for (const s of (job.steps ?? []).filter(uses("actions/checkout"))) expect(s.with?.["persist-credentials"], name).toBe(false);
    }
    const withToken = aggregate.steps!.filter((s) => JSON.stringify(s.env ?? {}).includes("github.token"));
    expect(withToken.map((s) => s.id)).toEqual(["publish"]);
    expect(step(aggregate, (s) => s.id === "publish").run).toContain('bash .github/scripts/push-content.sh origin "$BRANCH"');
    // Checked out at the night's start commit with full history, so the push script can rebase.
    expect(step(aggregate, uses("actions/checkout")).with).toEqual({ "persist-credentials": false, "fetch-depth": 0 });
  });

  it("deploys a committed version through pages.yml at the pushed commit; a pull request deploys when merged", () => {
    expect(deploy.uses).toBe("./.github/workflows/pages.yml");
    // The attestation's commit when it was recorded, so tonight's site shows it; else the version's.
    expect(deploy.with).toEqual({ ref: "${{ needs.record-attestation.outputs.sha || needs.aggregate.outputs.content_sha }}" });
    expect(deploy.if).toContain("needs.aggregate.outputs.deploy == 'true'");
    expect(aggregate.steps!.some((s) => s.uses?.startsWith("actions/upload-pages-artifact@"))).toBe(false);
  });

  it("keeps regression issues in step with the new version, linking the site by its Pages URL", () => {
    const job = nightly.jobs["regression-issues"];
    expect(job.needs).toBe("aggregate");
    expect(job.permissions).toEqual({ contents: "read", issues: "write", pages: "read" });
    expect(step(job, uses("actions/checkout")).with!.ref).toBe("${{ needs.aggregate.outputs.content_sha }}");
    const issues = step(job, runs(".github/scripts/regression-issues.ts"));
    expect(issues.env!.SITE_URL).toBe("${{ steps.pages.outputs.base_url }}");
  });

  it("ends with a night-status job over every other job, whatever happened", () => {
    const status = nightly.jobs["night-status"];
    expect(status.if).toBe("${{ always() }}");
    expect([...(status.needs as string[])].sort()).toEqual(Object.keys(nightly.jobs).filter((j) => j !== "night-status").sort());
    expect(step(status, runs("night-status.sh")).env!.MISSING).toBe("${{ needs.aggregate.outputs.missing }}");
  });
});

describe("nightly.yml's model families", () => {
  const { plan, families, aggregate } = nightly.jobs;
  const planStep = step(plan, (s) => s.id === "plan");

  /** The plan step's script over the real suites/, with refit plan replaced by a stub that lists the suites it was given. */
  function runPlan(familiesSetting: string): { status: number | null; stdout: string; outputs: Record<string, string> } {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "refit-plan-step-")), "output");
    const script = planStep.run!.replaceAll("node bin/refit.mjs plan", "echo");
    const r = spawnSync("bash", ["-e", "-c", script], { cwd: path.resolve(DIR, ".."), encoding: "utf8", env: { ...process.env, SHARDS: "2", SKIP: "paper-grid", FAMILIES: familiesSetting, GITHUB_OUTPUT: out } });
    const text = fs.existsSync(out) ? fs.readFileSync(out, "utf8") : "";
    return { status: r.status, stdout: r.stdout, outputs: Object.fromEntries(text.trim().split("\n").filter(Boolean).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)])) };
  }

  it("is off unless asked for: the plan hands families-*.yaml to the families job only then, and never to the shards", () => {
    expect(planStep.env!.FAMILIES).toBe("${{ inputs.families || vars.REFIT_FAMILIES || 'false' }}");
    const off = runPlan("false");
    expect(off.status).toBe(0);
    expect(off.outputs.families).toBe("");
    expect(off.outputs.suites.split(" ")).toContain("suites/smoke.yaml");
    expect(off.outputs.suites).not.toContain("families-");
    expect(off.outputs.matrix).not.toContain("families-");
    const on = runPlan("true");
    expect(on.outputs.families).toBe("suites/families-gpt2-small.yaml");
    expect(on.outputs.suites).toBe(off.outputs.suites);
    const bad = runPlan("yes");
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain("::error::families must be true or false, got 'yes'");
  });

  it("downloads in one job, read-only, in Debian 12 for the converter's torch, then captures on the CPU", () => {
    expect(families.needs).toBe("plan");
    expect(families.if).toBe("${{ needs.plan.outputs.families != '' }}");
    expect(families.permissions).toBeUndefined();
    expect(families.container).toBe("debian:bookworm");
    expect(step(families, runs("apt-get install")).run).toContain("python3-torch python3-numpy build-essential libopenblas-dev");
    const download = step(families, runs("fetch-families.sh"));
    const capture = step(families, runs("bin/refit.mjs run"));
    expect(download.run).toContain('bash .github/scripts/fetch-families.sh hub "${suites[@]}"');
    expect(capture.run).toContain('node bin/refit.mjs run "$suite" --hub-dir hub --out families-out --backend wasm --kernels blas');
    expect(index(families, download)).toBeLessThan(index(families, capture));
    // The BLAS addon builds in npm ci, so the compiler and OpenBLAS come first.
    expect(index(families, step(families, runs("apt-get install")))).toBeLessThan(index(families, step(families, (s) => s.run === "npm ci")));
    const downloaders = Object.entries(nightly.jobs).filter(([, j]) => (j.steps ?? []).some((s) => /fetch-families|huggingface|curl /.test(s.run ?? "")));
    expect(downloaders.map(([name]) => name)).toEqual(["families"]);
    // The weights stay on the runner; captures and results travel.
    expect(step(families, uses("actions/upload-artifact")).with).toMatchObject({ name: "families", path: "families-out/" });
  });

  it("publishes the families only when their job succeeded", () => {
    const fetched = step(aggregate, (s) => s.with?.name === "families");
    expect(fetched.if).toBe("${{ needs.families.result == 'success' }}");
    expect(step(aggregate, (s) => s.id === "aggregate").env!.FAMILIES).toBe("${{ needs.families.result == 'success' && needs.plan.outputs.families || '' }}");
    expect(step(aggregate, (s) => s.id === "aggregate").run).toContain("mkdir -p run-store/runs families-out/captures");
    expect(step(nightly.jobs["night-status"], runs("night-status.sh")).env!.FAMILIES).toBe("${{ needs.families.result }}");
  });
});

describe("pages.yml", () => {
  it("deploys on pushes to main that change the site, by hand, and when the nightly calls it", () => {
    expect(Object.keys(pages.on)).toEqual(["push", "workflow_dispatch", "workflow_call"]);
    expect(pages.on.push).toEqual({ branches: ["main"], paths: ["content/**", "src/site/**", "astro.config.mjs", "package-lock.json"] });
    expect(pages.on.workflow_call!.inputs).toMatchObject({ ref: { type: "string", required: true } });
  });

  it("takes the base path from the Pages settings, not the repository name", () => {
    const build = pages.jobs.build;
    const configure = step(build, uses("actions/configure-pages"));
    expect(configure.id).toBe("pages");
    expect(step(build, runs("bin/refit.mjs site")).env).toEqual({
      BASE_PATH: "${{ steps.pages.outputs.base_path }}",
      REFIT_SITE_URL: "${{ steps.pages.outputs.base_url }}",
      REFIT_REPOSITORY: "${{ github.repository }}",
    });
    expect(step(build, runs("bin/refit.mjs site")).run).toContain('--base "$BASE_PATH/"');
    expect(fs.readFileSync(path.join(DIR, "workflows/pages.yml"), "utf8")).not.toContain("repository.name");
    expect(step(build, uses("actions/checkout")).with!.ref).toBe("${{ inputs.ref || github.sha }}");
  });

  it("never cancels a deployment", () => {
    expect(pages.jobs.deploy.concurrency).toEqual({ group: "pages-deploy", "cancel-in-progress": false });
    expect(pages.jobs.deploy.permissions).toEqual({ pages: "write", "id-token": "write" });
  });
});

describe("ci.yml", () => {
  it("runs once per change: pull requests, and pushes to main only", () => {
    expect(ci.on).toEqual({ push: { branches: ["main"] }, pull_request: null });
  });

  it("cancels superseded pull-request runs but never runs on main", () => {
    expect(ci.concurrency).toEqual({ group: "ci-${{ github.ref }}", "cancel-in-progress": "${{ github.event_name == 'pull_request' }}" });
  });

  it("installs the large Debian packages in one job, from a cache, and requires every optional test there", () => {
    const withPackages = Object.entries(ci.jobs).filter(([, j]) => (j.steps ?? []).some((s) => s.run?.includes("python3-torch")));
    expect(withPackages.map(([name]) => name)).toEqual(["full"]);
    const full = ci.jobs.full;
    const cache = step(full, uses("actions/cache"));
    expect(cache.with!.path).toBe("/var/cache/apt/archives/*.deb");
    const install = step(full, runs("python3-torch"));
    expect(install.run).toContain("rm -f /etc/apt/apt.conf.d/docker-clean");
    expect(index(full, cache)).toBeLessThan(index(full, install));
    expect(step(full, runs("npm test")).env).toEqual({ REFIT_REQUIRE_ALL: "1" });
    expect(ci.jobs.node.strategy!.matrix.node).toEqual([22, 26]);
    expect(ci.jobs.node.steps!.some((s) => JSON.stringify(s).includes("REFIT_REQUIRE_ALL"))).toBe(false);
  });
});

describe("night-status.sh", () => {
  const SCRIPT = path.join(DIR, "scripts/night-status.sh");
  const ok = { PLAN: "success", SHARDS: "success", FAMILIES: "skipped", AGGREGATE: "success", RECORD: "success", DEPLOY: "success", ISSUES: "success", VERSION: "2026-03-02.1", MISSING: "0", REGRESSED: "false" };
  const status = (env: Partial<typeof ok>) => spawnSync("bash", [SCRIPT], { encoding: "utf8", env: { PATH: process.env.PATH, ...ok, ...env } });

  it("passes a night that published every planned run, and one that only regressed (with a warning)", () => {
    expect(status({}).status).toBe(0);
    expect(status({ DEPLOY: "skipped" }).status).toBe(0);
    const regressed = status({ REGRESSED: "true" });
    expect(regressed.status).toBe(0);
    expect(regressed.stdout).toContain("::warning title=Refit regression::version 2026-03-02.1 moved a metric beyond seed noise");
  });

  it("fails a night whose failed shard left the version partial, naming both", () => {
    const r = status({ SHARDS: "failure", MISSING: "3" });
    expect(r.status).toBe(1);
    expect(r.stdout.trim().split("\n")).toEqual([
      "::error title=Nightly incomplete::training: a shard job ended failure (see the shard jobs)",
      "::error title=Nightly incomplete::version 2026-03-02.1 was published partial: 3 planned run(s) missing, marked on the site",
    ]);
  });

  it("fails when nothing was published, without blaming the jobs that then could not run", () => {
    const r = status({ SHARDS: "failure", AGGREGATE: "failure", DEPLOY: "skipped", ISSUES: "skipped", VERSION: "", MISSING: "" });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("aggregation and publishing: failure; no version was published");
    expect(r.stdout).not.toContain("deploying");
    expect(r.stdout).not.toContain("regression issues");
  });

  it("fails when the opt-in families job failed, and not when it was skipped", () => {
    expect(status({ FAMILIES: "skipped" }).status).toBe(0);
    expect(status({ FAMILIES: "success" }).status).toBe(0);
    const r = status({ FAMILIES: "failure" });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("::error title=Nightly incomplete::model families: the families job ended failure; their suites were not published");
  });

  it("fails when the attestation was made but not recorded beside the manifest", () => {
    expect(status({ RECORD: "skipped" }).status).toBe(0);
    const r = status({ RECORD: "failure" });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("::error title=Nightly incomplete::recording the attestation of version 2026-03-02.1 in content/: failure; gh attestation verify without --bundle still finds it");
  });

  it("fails when the deploy or the regression issues failed", () => {
    expect(status({ DEPLOY: "failure" }).stdout).toContain("deploying the site: failure");
    expect(status({ ISSUES: "failure" }).stdout).toContain("regression issues: failure");
  });
});
