// Checksum records: sha256sum's own format (so `sha256sum -c` agrees, where it is installed), the
// states a file can be in, and where a damaged file's repair command points.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkChecksum, IntegrityError, outDirOf, repairHint, sidecarOf, verifyChecksum, writeJsonRecorded, writeRecorded } from "../../../src/pipeline/artifacts/checksums.ts";
import { InputError } from "../../../src/pipeline/artifacts/input-error.ts";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "refit-checksums-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("checksum records", () => {
  it("are sha256sum lines of the bytes written, which sha256sum -c accepts", () => {
    const file = path.join(tmp, "a.bin");
    const bytes = Uint8Array.from({ length: 5000 }, (_, i) => (i * 7) % 256);
    writeRecorded(file, bytes);
    const hex = createHash("sha256").update(bytes).digest("hex");
    expect(fs.readFileSync(sidecarOf(file), "utf8")).toBe(`${hex}  a.bin\n`);
    expect(checkChecksum(file)).toEqual({ state: "ok" });
    const sum = spawnSync("sha256sum", ["-c", "a.bin.sha256"], { cwd: tmp, encoding: "utf8" });
    if (sum.error) console.warn("sha256sum not installed (coreutils): skipped its cross-check");
    else expect(sum.stdout).toBe("a.bin: OK\n");
  });

  it("tell a damaged file (one flipped bit, or a truncation) from an intact or unrecorded one", () => {
    const file = path.join(tmp, "b.json");
    writeJsonRecorded(file, { b: 1, a: [2] });
    expect(fs.readFileSync(file, "utf8")).toBe('{\n  "a": [\n    2\n  ],\n  "b": 1\n}\n');
    const bytes = fs.readFileSync(file);
    bytes[3] ^= 1;
    fs.writeFileSync(file, bytes);
    expect(checkChecksum(file)).toMatchObject({ state: "damaged", problem: expect.stringMatching(/^SHA-256 is [0-9a-f]{16}…, expected [0-9a-f]{16}… \(recorded when it was written\)$/) });
    fs.truncateSync(file, 4);
    expect(checkChecksum(file).state).toBe("damaged");
    fs.rmSync(sidecarOf(file));
    expect(checkChecksum(file)).toEqual({ state: "unrecorded" });
    expect(() => verifyChecksum(file)).not.toThrow();
    fs.writeFileSync(sidecarOf(file), "not a checksum\n");
    expect(checkChecksum(file)).toEqual({ state: "damaged", problem: "its checksum record b.json.sha256 is unreadable" });
  });

  it("follow a file that is replaced: the new record matches the new bytes", () => {
    const file = path.join(tmp, "c.bin");
    writeRecorded(file, "old");
    writeRecorded(file, "new");
    expect(fs.readFileSync(sidecarOf(file), "utf8")).toBe(`${createHash("sha256").update("new").digest("hex")}  c.bin\n`);
    expect(checkChecksum(file).state).toBe("ok");
  });

  it("name the repair command of the output folder a cached file is in", () => {
    const out = path.join(tmp, "out");
    expect(outDirOf(path.join(out, "runs", "wasm", "abc", "capture.safetensors"))).toBe(out);
    expect(outDirOf(path.join(out, "runs", "wasm", "abc", "ckpt-64", "model.safetensors"))).toBe(out);
    expect(outDirOf(path.join(out, "results", "tiny", "x.json"))).toBe(out);
    expect(outDirOf(path.join(out, "captures", "fam", "s1.safetensors"))).toBe(out);
    expect(outDirOf(path.join(tmp, "loose.safetensors"))).toBeNull();
    expect(repairHint(path.join(out, "results", "tiny", "x.json"))).toBe(`repair with: refit verify --out ${out} --repair`);
    const file = path.join(out, "runs", "wasm", "abc", "run.json");
    writeRecorded(file, "{}");
    fs.writeFileSync(file, "{ }");
    expect(() => verifyChecksum(file)).toThrow(IntegrityError);
    expect(() => verifyChecksum(file)).toThrow(InputError);
    expect(() => verifyChecksum(file)).toThrow(new RegExp(`^${file}: damaged: SHA-256 .*; repair with: refit verify --out ${out} --repair$`));
  });
});
