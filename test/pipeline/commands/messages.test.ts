// Messages that say what to do: negative integer options named as such, operating-system errors as
// one line naming path (never a hidden temporary) and cause, a latest.json refit aggregate did not
// write, a busy run folder.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { temporaryFor, withDirLock } from "../../../src/pipeline/artifacts/store.ts";
import { main, osErrorLine } from "../../../src/pipeline/cli.ts";
import { latestProblem, pointLatest } from "../../../src/pipeline/publish/version.ts";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "refit-messages-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const FIXTURE = path.resolve(import.meta.dirname, "../../fixtures/content");

async function cli(argv: string[]): Promise<{ code: number; errors: string[] }> {
  const errors: string[] = [];
  vi.spyOn(console, "log").mockImplementation(() => {});
  vi.spyOn(console, "error").mockImplementation((...a) => void errors.push(a.join(" ")));
  try {
    return { code: await main(argv), errors };
  } finally {
    vi.restoreAllMocks();
  }
}

describe("messages", () => {
  it("report a negative integer option as a negative number, not as an ambiguous argument", async () => {
    for (const argv of [["run", "suites/smoke.yaml", "--seeds", "-1"], ["plan", "suites/smoke.yaml", "--shards", "-3"]]) {
      const { code, errors } = await cli(argv);
      expect(code).toBe(2);
      expect(errors[0]).toMatch(/^refit: --(seeds|shards) must be an integer >= \d, got the negative number -\d\n/);
    }
  });

  it("say an operating-system error in one line naming the path, the cause and what to do", () => {
    const enospc = Object.assign(new Error("cannot write /x/capture.safetensors: ENOSPC"), { code: "ENOSPC", path: "/x/capture.safetensors" });
    expect(osErrorLine(enospc)).toBe("/x/capture.safetensors: no space left on device; free some and run it again (finished work is kept) (ENOSPC)");
    const wrapped = new Error("outer", { cause: Object.assign(new Error("inner"), { code: "EROFS", path: "/ro" }) });
    expect(osErrorLine(wrapped)).toBe("/ro: read-only file system; choose a writable folder (--out) (EROFS)");
    expect(osErrorLine(Object.assign(new Error("x"), { code: "EMFILE", path: "/f" }))).toMatch(/^\/f: too many open files; raise the limit/);
    expect(osErrorLine(Object.assign(new Error("x"), { code: "ENOTDIR", path: "/f/out" }))).toBe("/f/out: part of the path is a file, not a folder; choose another path (ENOTDIR)");
    expect(osErrorLine(new TypeError("a bug"))).toBeNull();
  });

  it("name the file or folder being written, never the hidden temporary the bytes went to first", () => {
    // A real rename onto a folder: Node's error names the temporary as its path and the file as its dest.
    const dest = path.join(tmp, "capture.safetensors");
    const temp = temporaryFor(dest);
    fs.writeFileSync(temp, "x");
    fs.mkdirSync(dest);
    const renamed = (() => {
      try {
        fs.renameSync(temp, dest);
      } catch (e) {
        return e;
      }
    })();
    expect(osErrorLine(renamed)).toBe(`${dest}: is a folder where a file was expected; move it or choose another path (EISDIR)`);
    // A checkpoint file cut off by the file size limit, as a full disk cuts it off, written as a checkpoint is: into its partial folder.
    const ckpt = path.join(tmp, "runs", "ckpt-8");
    const src = path.resolve(import.meta.dirname, "../../../src/pipeline");
    const script = `import { partialFor, writeFileAtomic } from "${src}/artifacts/store.ts"; import { osErrorLine } from "${src}/cli.ts";
      try { writeFileAtomic(partialFor(${JSON.stringify(ckpt)}) + "/optimizer.safetensors", new Uint8Array(8192)); } catch (e) { console.log(osErrorLine(e)); }`;
    const child = spawnSync("bash", ["-c", `ulimit -f 4 && exec "${process.execPath}" --input-type=module -e '${script}'`], { encoding: "utf8" });
    expect(child.stdout.trim(), child.stderr).toBe(`${ckpt}/optimizer.safetensors: file larger than this process may write (its file size limit, ulimit -f); raise the limit and run it again (finished work is kept) (EFBIG)`);
  });

  it("tell a latest.json refit aggregate wrote from one it did not", () => {
    const content = path.join(tmp, "content");
    fs.cpSync(FIXTURE, content, { recursive: true });
    expect(latestProblem(content)).toBeNull();
    const newest = JSON.parse(fs.readFileSync(path.join(content, "latest.json"), "utf8")).version;
    const older = fs.readdirSync(path.join(content, "versions")).sort()[0];
    pointLatest(content, older);
    expect(latestProblem(content)).toMatch(/latest\.json is not the pointer refit aggregate writes \(to the newest version, .*\)/);
    pointLatest(content, newest);
    expect(latestProblem(content)).toBeNull();
    fs.appendFileSync(path.join(content, "latest.json"), " ");
    expect(latestProblem(content)).not.toBeNull();
  });

  it("name the process whose lock a run waits on, and wait while it holds it", async () => {
    const dir = path.join(tmp, "locked");
    const said: string[] = [];
    let release!: () => void;
    const holder = withDirLock(dir, () => new Promise<void>((resolve) => (release = resolve)));
    const waiter = withDirLock(dir, () => "second", { waitSeconds: Infinity, onWait: (m) => said.push(m) });
    await new Promise((r) => setTimeout(r, 500));
    expect(said).toEqual([`waiting: another refit process (pid ${process.pid}) is using ${dir}; if it is not running, delete ${path.join(dir, ".lock")}`]);
    release();
    await holder;
    expect(await waiter).toBe("second");
    await withDirLock(dir, async () => {
      await expect(withDirLock(dir, () => 1, { waitSeconds: 0.3 })).rejects.toMatchObject({ code: "ELOCKED", path: path.join(dir, ".lock") });
    });
  });
});
