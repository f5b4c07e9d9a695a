// .github/scripts/push-content.sh against a local bare repository whose branch moves under it, as
// main does while a night's shards train: once before the push, before each of several pushes,
// before every push (it gives up), and with a conflicting change to the same content file (it
// stops, undoes the rebase and pushes nothing).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";

const SCRIPT = path.resolve(import.meta.dirname, "../../.github/scripts/push-content.sh");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "refit-push-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: "test",
  GIT_AUTHOR_EMAIL: "test@example.invalid",
  GIT_COMMITTER_NAME: "test",
  GIT_COMMITTER_EMAIL: "test@example.invalid",
  GIT_CONFIG_NOSYSTEM: "1",
  HOME: tmp,
};

function git(cwd: string, ...args: string[]): string {
  const r = spawnSync("git", args, { cwd, env: ENV, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`git ${args.join(" ")} in ${cwd}: ${r.stderr}`);
  return r.stdout.trim();
}

function commitFile(repo: string, file: string, text: string, message: string): void {
  fs.mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
  fs.writeFileSync(path.join(repo, file), text);
  git(repo, "add", file);
  git(repo, "commit", "-q", "-m", message);
}

let n = 0;
let origin: string;
let nightly: string;
let other: string;

/** Another maintainer's commit pushed to main (a file of their own unless given). */
function moveMain(file = `src/change-${++n}.txt`, text = `change ${n}\n`): void {
  git(other, "pull", "-q", "--rebase", "origin", "main");
  commitFile(other, file, text, `change ${n}`);
  git(other, "push", "-q", "origin", "HEAD:refs/heads/main");
}

/** Makes every push from the nightly clone first move main, for the first `times` pushes. */
function moveBeforeEachPush(times: number): void {
  const hook = path.join(nightly, ".git", "hooks", "pre-push");
  const counter = path.join(tmp, `pushes-${n}`);
  // Hooks run with GIT_DIR set to the nightly clone; the other clone must not inherit it.
  fs.writeFileSync(
    hook,
    `#!/usr/bin/env bash
count=$(( $(cat ${counter} 2>/dev/null || echo 0) + 1 )); echo $count > ${counter}
if [ $count -le ${times} ]; then
  cd ${other} && env -u GIT_DIR -u GIT_WORK_TREE -u GIT_INDEX_FILE bash -c 'git pull -q --rebase origin main && mkdir -p src && echo $RANDOM > src/hook-$0.txt && git add src && git commit -q -m "moved by hook" && git push -q origin HEAD:refs/heads/main' $count
fi
`,
  );
  fs.chmodSync(hook, 0o755);
}

const push = (attempts = 5) =>
  spawnSync("bash", [SCRIPT, "origin", "main"], { cwd: nightly, env: { ...ENV, PUSH_ATTEMPTS: String(attempts), PUSH_PAUSE_SECONDS: "0" }, encoding: "utf8" });

const originMain = () => git(origin, "rev-parse", "refs/heads/main");
const filesOnMain = () => git(origin, "ls-tree", "-r", "--name-only", "main").split("\n");

beforeEach(() => {
  const dir = fs.mkdtempSync(path.join(tmp, "case-"));
  origin = path.join(dir, "origin.git");
  git(dir, "init", "-q", "--bare", "-b", "main", origin);
  const seed = path.join(dir, "seed");
  git(dir, "clone", "-q", origin, seed);
  git(seed, "checkout", "-q", "-b", "main");
  commitFile(seed, "content/latest.json", '{"version": "v1"}\n', "v1");
  git(seed, "push", "-q", "origin", "main");
  nightly = path.join(dir, "nightly");
  other = path.join(dir, "other");
  git(dir, "clone", "-q", origin, nightly);
  git(dir, "clone", "-q", origin, other);
  // The night's content commit, made on the commit the run started from.
  fs.mkdirSync(path.join(nightly, "content/versions/v2"), { recursive: true });
  fs.writeFileSync(path.join(nightly, "content/versions/v2/manifest.json"), "{}\n");
  fs.writeFileSync(path.join(nightly, "content/latest.json"), '{"version": "v2"}\n');
  git(nightly, "add", "content");
  git(nightly, "commit", "-q", "-m", "content: publish v2");
});

describe("push-content.sh", () => {
  it("pushes at once when the branch has not moved", () => {
    const r = push();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(`sha=${originMain()}\n`);
    expect(r.stderr).toContain("on attempt 1 of 5");
  });

  it("rebases onto a branch that moved since the run started, keeping both sides", () => {
    moveMain();
    const moved = originMain();
    const r = push();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("push rejected on attempt 1 of 5: main moved; rebasing onto it");
    expect(r.stderr).toContain("on attempt 2 of 5");
    expect(git(origin, "rev-parse", "main~1")).toBe(moved);
    expect(git(origin, "log", "-1", "--format=%s", "main")).toBe("content: publish v2");
    expect(filesOnMain()).toEqual(expect.arrayContaining(["content/versions/v2/manifest.json", `src/change-${n}.txt`]));
    expect(r.stdout).toBe(`sha=${originMain()}\n`);
  });

  it("keeps rebasing while the branch moves before each push, then lands", () => {
    moveBeforeEachPush(2);
    const r = push();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("on attempt 3 of 5");
    expect(git(origin, "log", "--format=%s", "main").split("\n")).toEqual(["content: publish v2", "moved by hook", "moved by hook", "v1"]);
  });

  it("gives up with an error after its last attempt when the branch never stops moving", () => {
    moveBeforeEachPush(99);
    const r = push(3);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("::error::gave up after 3 pushes: main moved before each one");
    expect(git(origin, "log", "--format=%s", "main").split("\n")).toEqual(["moved by hook", "moved by hook", "moved by hook", "v1"]);
    expect(git(origin, "log", "--format=%s", "main")).not.toContain("content: publish v2");
  });

  it("stops on a conflicting change to the same content file, undoing the rebase and pushing nothing", () => {
    moveMain("content/latest.json", '{"version": "v1-hotfix"}\n');
    const before = originMain();
    const head = git(nightly, "rev-parse", "HEAD");
    const r = push();
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("::error::cannot rebase the content commit onto main, which changed the same files: content/latest.json");
    expect(originMain()).toBe(before);
    expect(git(nightly, "rev-parse", "HEAD")).toBe(head);
    expect(git(nightly, "status", "--porcelain")).toBe("");
  });

  it("refuses to run without a remote and a branch", () => {
    const r = spawnSync("bash", [SCRIPT, "origin"], { cwd: nightly, env: ENV, encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("usage: push-content.sh <remote> <branch>");
  });
});
