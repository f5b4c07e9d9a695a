import { describe, it, expect, beforeEach, afterEach } from "vitest";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { z } from "zod";
import { destinationOf, exists, isPartial, partialFor, readBytes, readJson, temporaryFor, withDirLock, writeFileAtomic, writeFileAtomicFrom, writeJsonAtomic } from "../../../src/pipeline/artifacts/store.ts";
import { SCHEMA_VERSION } from "../../../src/pipeline/artifacts/conventions.ts";

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "refit-store-"));
});
afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("writeFileAtomic", () => {
  it("creates parent directories, writes the bytes, and leaves no temp files", () => {
    const file = path.join(tmp, "a", "b", "out.bin");
    writeFileAtomic(file, new Uint8Array([1, 2, 255]));
    writeFileAtomic(file, new Uint8Array([4, 5]));
    expect(new Uint8Array(fs.readFileSync(file))).toEqual(new Uint8Array([4, 5]));
    expect(fs.readdirSync(path.dirname(file))).toEqual(["out.bin"]);
  });

  it("writes strings as UTF-8", () => {
    const file = path.join(tmp, "t.txt");
    writeFileAtomic(file, "héllo\n");
    expect(fs.readFileSync(file, "utf8")).toBe("héllo\n");
  });

  it("throws naming the path when the parent is a file, leaving that file intact", () => {
    const parent = path.join(tmp, "notadir");
    fs.writeFileSync(parent, "keep");
    const file = path.join(parent, "x.json");
    expect(() => writeFileAtomic(file, "{}")).toThrow(new RegExp(`cannot write ${file.replace(/[.\\/]/g, "\\$&")}`));
    expect(fs.readFileSync(parent, "utf8")).toBe("keep");
  });

  it("keeps the previous file and removes its temp file when writing fails midway", () => {
    const file = path.join(tmp, "run.json");
    writeFileAtomic(file, "old");
    // A number is not writable data, so the write fails after the temp file exists.
    expect(() => writeFileAtomic(file, 42 as unknown as string)).toThrow(/cannot write .*run\.json/);
    expect(fs.readFileSync(file, "utf8")).toBe("old");
    expect(fs.readdirSync(tmp)).toEqual(["run.json"]);
  });
});

describe("writeFileAtomicFrom", () => {
  async function* parts(fail = false): AsyncGenerator<Uint8Array> {
    yield new Uint8Array([1, 2]);
    if (fail) throw new Error("source failed");
    yield new Uint8Array([3]);
  }

  it("writes the parts in order and leaves no temp files", async () => {
    const file = path.join(tmp, "d", "out.bin");
    await writeFileAtomicFrom(file, parts());
    expect(new Uint8Array(fs.readFileSync(file))).toEqual(new Uint8Array([1, 2, 3]));
    expect(fs.readdirSync(path.dirname(file))).toEqual(["out.bin"]);
  });

  it("keeps the previous file and removes its temp file when the source fails midway", async () => {
    const file = path.join(tmp, "ckpt.bin");
    writeFileAtomic(file, "old");
    await expect(writeFileAtomicFrom(file, parts(true))).rejects.toThrow(/cannot write .*ckpt\.bin: source failed/);
    expect(fs.readFileSync(file, "utf8")).toBe("old");
    expect(fs.readdirSync(tmp)).toEqual(["ckpt.bin"]);
  });
});

describe("destinationOf", () => {
  it("turns every temporary name back into the file or folder it becomes", () => {
    for (const dest of ["/out/runs/wasm/abc/capture-init.safetensors", "/out/.lock", "/c/versions/2026-01-02.1", "/site/dist", "run.json"]) {
      const temp = temporaryFor(dest);
      expect(path.basename(temp)).toMatch(new RegExp(`^\\.${path.basename(dest).replace(/\./g, "\\.")}\\.${process.pid}\\.[0-9a-f]{12}\\.tmp$`));
      expect(destinationOf(temp)).toBe(dest);
    }
    // A checkpoint's files are written, each through its own temporary, into its partial folder.
    const ckpt = "/out/runs/wasm/abc/ckpt-8";
    expect(path.basename(partialFor(ckpt))).toBe(`ckpt-8.partial-${process.pid}`);
    expect(destinationOf(path.join(partialFor(ckpt), "optimizer.safetensors"))).toBe(`${ckpt}/optimizer.safetensors`);
    expect(destinationOf(temporaryFor(path.join(partialFor(ckpt), "model.safetensors")))).toBe(`${ckpt}/model.safetensors`);
  });

  it("leaves names no temporary has alone", () => {
    for (const p of ["/out/runs/wasm/abc/ckpt-8/model.safetensors", "/a/notes.tmp", "/a/.hidden", "/a/.x.tmp", "/a/v.12.ab.tmp", "/a/.site-build-12"]) expect(destinationOf(p)).toBe(p);
  });

  it("tells partial checkpoint folders, of this process or another, from finished ones", () => {
    expect(isPartial(path.basename(partialFor("/r/ckpt-16")))).toBe(true);
    expect(isPartial("ckpt-16.partial-4242")).toBe(true);
    expect(isPartial("ckpt-16")).toBe(false);
  });
});

describe("writeJsonAtomic", () => {
  it("pretty-prints with keys sorted at every level and a trailing newline", () => {
    const file = path.join(tmp, "v.json");
    writeJsonAtomic(file, { b: 1, a: { d: [{ z: 1, y: 2 }], c: null } });
    expect(fs.readFileSync(file, "utf8")).toBe(
      '{\n  "a": {\n    "c": null,\n    "d": [\n      {\n        "y": 2,\n        "z": 1\n      }\n    ]\n  },\n  "b": 1\n}\n',
    );
  });
});

describe("exists", () => {
  it("tells written files from absent ones", () => {
    const file = path.join(tmp, "e.json");
    expect(exists(file)).toBe(false);
    writeJsonAtomic(file, {});
    expect(exists(file)).toBe(true);
  });
});

describe("readBytes", () => {
  it("names the file it cannot read", () => {
    expect(() => readBytes(path.join(tmp, "gone.bin"))).toThrow(/cannot read .*gone\.bin: ENOENT/);
  });
});

describe("readJson", () => {
  const Schema = z.object({ schemaVersion: z.literal(SCHEMA_VERSION), items: z.array(z.object({ x: z.number() }).strict()) }).strict();
  const write = (value: unknown) => {
    const file = path.join(tmp, "artifact.json");
    writeJsonAtomic(file, value);
    return file;
  };

  it("returns the validated value", () => {
    const file = write({ schemaVersion: SCHEMA_VERSION, items: [{ x: 1.5 }] });
    expect(readJson(file, Schema)).toEqual({ schemaVersion: SCHEMA_VERSION, items: [{ x: 1.5 }] });
  });

  it("names the file and the failing field path", () => {
    const file = write({ schemaVersion: SCHEMA_VERSION, items: [{ x: 1 }, { x: "2" }] });
    expect(() => readJson(file, Schema)).toThrow(/artifact\.json: items\[1\]\.x: .*number/);
  });

  it("names the file for invalid JSON", () => {
    const file = path.join(tmp, "bad.json");
    fs.writeFileSync(file, "{ nope");
    expect(() => readJson(file, Schema)).toThrow(/bad\.json: invalid JSON/);
  });

  it("refuses a file from an older schemaVersion", () => {
    const file = write({ schemaVersion: SCHEMA_VERSION - 1, items: [] });
    expect(() => readJson(file, Schema)).toThrow(`${file}: written by an older Refit (schemaVersion ${SCHEMA_VERSION - 1}); re-run or migrate`);
  });

  it("refuses a file from a newer schemaVersion", () => {
    const file = write({ schemaVersion: SCHEMA_VERSION + 1, items: [] });
    expect(() => readJson(file, Schema)).toThrow(/artifact\.json: written by a newer Refit .*upgrade refit/);
  });

  it("says so when the schema requires a schemaVersion the file lacks", () => {
    const file = write({ items: [] });
    expect(() => readJson(file, Schema)).toThrow(/artifact\.json: has no schemaVersion/);
  });

  it("reads unversioned files when the schema does not ask for a version", () => {
    const file = write({ n: 3 });
    expect(readJson(file, z.object({ n: z.int() }))).toEqual({ n: 3 });
  });
});

describe("withDirLock", () => {
  const lockOf = (dir: string) => path.join(dir, ".lock");

  it("holds .lock with this pid while fn runs, returns its value, then releases", async () => {
    const dir = path.join(tmp, "run");
    const result = await withDirLock(dir, () => {
      const info = JSON.parse(fs.readFileSync(lockOf(dir), "utf8"));
      expect(info.pid).toBe(process.pid);
      expect(info.host).toBe(os.hostname());
      return 7;
    });
    expect(result).toBe(7);
    expect(fs.existsSync(lockOf(dir))).toBe(false);
  });

  it("releases the lock when fn throws", async () => {
    await expect(withDirLock(tmp, async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(fs.existsSync(lockOf(tmp))).toBe(false);
  });

  it("refuses a second holder while a live process has the lock", async () => {
    await withDirLock(tmp, async () => {
      await expect(withDirLock(tmp, () => 1)).rejects.toThrow(`another refit process (pid ${process.pid}) is using ${tmp}`);
      // The refused attempt must leave the holder's lock in place.
      expect(JSON.parse(fs.readFileSync(lockOf(tmp), "utf8")).pid).toBe(process.pid);
    });
    expect(fs.existsSync(lockOf(tmp))).toBe(false);
    expect(await withDirLock(tmp, () => 2)).toBe(2);
  });

  it("waits up to waitSeconds for a live holder to release, then takes the lock", async () => {
    let release!: () => void;
    const holder = withDirLock(tmp, () => new Promise<void>((resolve) => (release = resolve)));
    setTimeout(() => release(), 300);
    const started = Date.now();
    expect(await withDirLock(tmp, () => "second", { waitSeconds: 5 })).toBe("second");
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    await holder;
  });

  it("gives up after waitSeconds while the holder stays alive", async () => {
    await withDirLock(tmp, async () => {
      await expect(withDirLock(tmp, () => 1, { waitSeconds: 0.3 })).rejects.toThrow(/another refit process/);
    });
  });

  it("takes over a stale lock left by a dead process on this host", async () => {
    const child = spawnSync(process.execPath, ["-e", ""]);
    const deadPid = child.pid!;
    fs.writeFileSync(lockOf(tmp), JSON.stringify({ pid: deadPid, host: os.hostname(), token: "old" }));
    const seen = await withDirLock(tmp, () => JSON.parse(fs.readFileSync(lockOf(tmp), "utf8")).pid);
    expect(seen).toBe(process.pid);
    expect(fs.existsSync(lockOf(tmp))).toBe(false);
  });

  it("refuses a lock from another host, whose pid cannot be checked", async () => {
    fs.writeFileSync(lockOf(tmp), JSON.stringify({ pid: 1234567, host: "elsewhere", token: "t" }));
    await expect(withDirLock(tmp, () => 1)).rejects.toThrow(/another refit process \(pid 1234567 on host elsewhere\)/);
    expect(fs.existsSync(lockOf(tmp))).toBe(true);
  });

  it("refuses an unreadable lock file rather than guessing", async () => {
    fs.writeFileSync(lockOf(tmp), "");
    await expect(withDirLock(tmp, () => 1)).rejects.toThrow(/\.lock exists but is unreadable/);
  });
});
