import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, it, expect } from "vitest";
import { decodeSafetensors, encodeSafetensors, openSafetensors, writeSafetensors, type TensorEntry } from "../../../src/pipeline/artifacts/safetensors.ts";

const SRC = "fixture.safetensors";
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "refit-safetensors-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Hand-built file: 8-byte LE header length, the header text padded with spaces to `pad`, then data. */
function fixture(header: string, data: number[], { pad = 8, lengthField }: { pad?: number; lengthField?: bigint } = {}): Uint8Array {
  const json = new TextEncoder().encode(header);
  const n = Math.ceil(json.length / pad) * pad;
  const out = new Uint8Array(8 + n + data.length);
  new DataView(out.buffer).setBigUint64(0, lengthField ?? BigInt(n), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + n);
  out.set(data, 8 + n);
  return out;
}

const bytesOf = (t: TensorEntry) => new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
const f32Bits = (bits: number[]) => new Float32Array(new Uint32Array(bits).buffer);

describe("encodeSafetensors", () => {
  it("round-trips every dtype bit-exactly, including NaN payloads, -0, infinities and denormals", () => {
    const f64 = new Float64Array([Number.NaN, -0, 0, 5e-324, 2.2250738585072009e-308, -Infinity, Number.MAX_VALUE, 0.1]);
    new DataView(f64.buffer).setBigUint64(0, 0x7ff8_0000_dead_beefn, true); // NaN with a payload
    const input: Record<string, TensorEntry> = {
      // 0x7fc00001: NaN with payload; 0x80000000: -0; 0x00000001 / 0x007fffff: smallest / largest denormal.
      f32: { dtype: "F32", shape: [2, 4], data: f32Bits([0x7fc00001, 0x80000000, 0x00000001, 0x007fffff, 0xff800000, 0x3f800000, 0x7f7fffff, 0xbdcccccd]) },
      f64: { dtype: "F64", shape: [8], data: f64 },
      i32: { dtype: "I32", shape: [3], data: new Int32Array([-2147483648, 2147483647, -1]) },
      i64: { dtype: "I64", shape: [3], data: new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n, -1n]) },
      u8: { dtype: "U8", shape: [3], data: new Uint8Array([0, 255, 7]) },
      scalar: { dtype: "F32", shape: [], data: new Float32Array([-0]) },
      empty: { dtype: "F32", shape: [0, 5], data: new Float32Array(0) },
    };
    const { tensors, metadata } = decodeSafetensors(encodeSafetensors(input, { format: "pt", note: '{"a":1}' }));
    expect(metadata).toEqual({ format: "pt", note: '{"a":1}' });
    expect([...tensors.keys()].sort()).toEqual(Object.keys(input).sort());
    for (const [name, t] of Object.entries(input)) {
      const got = tensors.get(name)!;
      expect(got.dtype).toBe(t.dtype);
      expect(got.shape).toEqual(t.shape);
      expect(got.data.constructor).toBe(t.data.constructor);
      expect(bytesOf(got)).toEqual(bytesOf(t));
    }
    expect(Object.is(tensors.get("scalar")!.data[0], -0)).toBe(true);
  });

  it("pads the header so data starts 8-byte aligned, and aligns every tensor to its element size", () => {
    for (const name of ["a", "ab", "abc", "abcdefg", "a-much-longer-tensor-name"]) {
      const bytes = encodeSafetensors({
        [name]: { dtype: "U8", shape: [3], data: new Uint8Array([1, 2, 3]) },
        z: { dtype: "F64", shape: [1], data: new Float64Array([1]) },
        y: { dtype: "F32", shape: [1], data: new Float32Array([1]) },
      });
      const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
      expect((8 + n) % 8).toBe(0);
      expect(new TextDecoder().decode(bytes.subarray(8, 8 + n))).toMatch(/^\{.*\} *$/);
      const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
      // Largest element size first: F64 at 0, F32 at 8, U8 at 12.
      expect(header.z.data_offsets).toEqual([0, 8]);
      expect(header.y.data_offsets).toEqual([8, 12]);
      expect(header[name].data_offsets).toEqual([12, 15]);
      expect(bytes.length).toBe(8 + n + 15);
    }
  });

  it("writes the same bytes whatever the insertion order", () => {
    const a: TensorEntry = { dtype: "F32", shape: [1], data: new Float32Array([1]) };
    const b: TensorEntry = { dtype: "F32", shape: [2], data: new Float32Array([2, 3]) };
    expect(encodeSafetensors(new Map([["b", b], ["a", a]]))).toEqual(encodeSafetensors(new Map([["a", a], ["b", b]])));
  });

  it("rejects data that does not match dtype or shape, naming the tensor", () => {
    expect(() => encodeSafetensors({ w: { dtype: "F32", shape: [2], data: new Float64Array(2) } })).toThrow(/"w".*Float32Array/);
    expect(() => encodeSafetensors({ w: { dtype: "F32", shape: [2, 2], data: new Float32Array(3) } })).toThrow(/"w".*4 elements.*3/);
    expect(() => encodeSafetensors({ __metadata__: { dtype: "U8", shape: [0], data: new Uint8Array(0) } })).toThrow(/invalid tensor name/);
    expect(() => encodeSafetensors({}, { n: 1 as unknown as string })).toThrow(/metadata "n" must be a string/);
  });
});

// 1.0f = 00 00 80 3f, -2.0f = 00 00 00 c0, int32 -1 = ff ff ff ff, int32 258 = 02 01 00 00.
const ONE_MINUS_TWO = [0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0];

/** Bad files and the error each must give, from bytes and from disk alike. */
const valid = () => fixture('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', ONE_MINUS_TWO);
const BAD: [string, () => Uint8Array, RegExp][] = [
  ["a file shorter than 8 bytes", () => new Uint8Array(5), /fixture\.safetensors: not a safetensors file/],
  ["a header longer than the file", () => valid().subarray(0, 20), /fixture\.safetensors: truncated: header length/],
  ["truncated data", () => valid().subarray(0, valid().length - 1), /fixture\.safetensors: truncated: tensor "a" ends at data byte 8 but the data holds 7/],
  ["a header over 100,000,000 bytes", () => fixture("{}", [], { lengthField: 100_000_001n }), /fixture\.safetensors: header length 100000001 exceeds/],
  ["a header that is not an object", () => fixture("[1]", []), /fixture\.safetensors: header must be a JSON object/],
  ["invalid JSON", () => fixture('{"a":', []), /fixture\.safetensors: header is not valid JSON/],
  ["invalid UTF-8", () => fixture("{}", []).fill(0xff, 9, 10), /fixture\.safetensors: header is not valid UTF-8/],
  [
    "overlapping offsets",
    () => fixture('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', ONE_MINUS_TWO),
    /fixture\.safetensors: tensor "b": data_offsets \[4, 8\] overlap/,
  ],
  [
    "a hole between tensors",
    () => fixture('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[2],"data_offsets":[6,8]}}', ONE_MINUS_TWO),
    /fixture\.safetensors: tensor "b": hole in data: bytes \[4, 6\)/,
  ],
  ["trailing bytes", () => fixture('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', ONE_MINUS_TWO), /fixture\.safetensors: hole in data: 4 trailing bytes/],
  ["an unsupported dtype", () => fixture('{"a":{"dtype":"F16","shape":[4],"data_offsets":[0,8]}}', ONE_MINUS_TWO), /fixture\.safetensors: tensor "a": unsupported dtype "F16"/],
  ["a shape that does not match the byte span", () => fixture('{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}', ONE_MINUS_TWO), /tensor "a": shape \[3\] of F32 needs 12 bytes but data_offsets \[0, 8\] span 8/],
  ["a negative shape", () => fixture('{"a":{"dtype":"U8","shape":[-8],"data_offsets":[0,8]}}', ONE_MINUS_TWO), /tensor "a": shape \[-8\] must be/],
  ["reversed offsets", () => fixture('{"a":{"dtype":"U8","shape":[0],"data_offsets":[8,0]}}', ONE_MINUS_TWO), /tensor "a": data_offsets \[8,0\] must be/],
  ["an unknown entry key", () => fixture('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"strides":[1]}}', ONE_MINUS_TWO), /tensor "a": unknown key "strides"/],
  ["non-string metadata", () => fixture('{"__metadata__":{"n":1},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', ONE_MINUS_TWO), /fixture\.safetensors: __metadata__ "n" must be a string, got 1/],
  [
    "a duplicate tensor name",
    () => fixture('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}, "a" :{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', ONE_MINUS_TWO),
    /fixture\.safetensors: duplicate tensor name "a"/,
  ],
];

describe("writeSafetensors", () => {
  const tensors: Record<string, TensorEntry> = {
    w: { dtype: "F32", shape: [2, 3], data: new Float32Array([1, -2, 3.5, 0, -0, 6]) },
    n: { dtype: "I64", shape: [2], data: new BigInt64Array([-1n, 7n]) },
    b: { dtype: "U8", shape: [3], data: new Uint8Array([9, 8, 7]) },
  };

  it("writes encodeSafetensors' bytes, reading each tensor only when its turn comes", async () => {
    const file = path.join(tmp, "deferred.safetensors");
    const reads: string[] = [];
    const deferred = new Map(Object.entries(tensors).map(([name, t]) => [name, { dtype: t.dtype, shape: t.shape, data: async () => (reads.push(name), t.data) }]));
    await writeSafetensors(file, deferred, { format: "pt" });
    expect(new Uint8Array(fs.readFileSync(file))).toEqual(encodeSafetensors(tensors, { format: "pt" }));
    expect(reads).toEqual(["n", "w", "b"]); // the file's order: element size, largest first
  });

  it("rejects data that does not match the shape it was announced with, naming the tensor and leaving no file", async () => {
    const file = path.join(tmp, "short.safetensors");
    const short = new Map([["w", { dtype: "F32" as const, shape: [2, 2], data: async () => new Float32Array(3) }]]);
    await expect(writeSafetensors(file, short)).rejects.toThrow(/"w".*4 elements.*3/);
    expect(fs.existsSync(file)).toBe(false);
  });
});

describe("decodeSafetensors", () => {
  it("decodes a hand-built file whose header lists tensors out of data order", () => {
    const header = '{"b":{"dtype":"I32","shape":[1,2],"data_offsets":[8,16]},"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
    const { tensors, metadata } = decodeSafetensors(fixture(header, [...ONE_MINUS_TWO, 0xff, 0xff, 0xff, 0xff, 0x02, 0x01, 0x00, 0x00]), SRC);
    expect(metadata).toEqual({ k: "v" });
    expect(tensors.get("a")).toEqual({ dtype: "F32", shape: [2], data: new Float32Array([1, -2]) });
    expect(tensors.get("b")).toEqual({ dtype: "I32", shape: [1, 2], data: new Int32Array([-1, 258]) });
  });

  it("decodes I64, F64 and U8 little-endian values", () => {
    const header = '{"x":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},"y":{"dtype":"F64","shape":[1],"data_offsets":[8,16]},"z":{"dtype":"U8","shape":[2],"data_offsets":[16,18]}}';
    // int64 -2 = fe ff ff ff ff ff ff ff; 0.5 as f64 = 00 .. 00 e0 3f.
    const data = [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0xe0, 0x3f, 9, 200];
    const { tensors } = decodeSafetensors(fixture(header, data), SRC);
    expect(tensors.get("x")!.data).toEqual(new BigInt64Array([-2n]));
    expect(tensors.get("y")!.data).toEqual(new Float64Array([0.5]));
    expect(tensors.get("z")!.data).toEqual(new Uint8Array([9, 200]));
  });

  it("copies tensors that start at a misaligned offset into aligned arrays", () => {
    // Unpadded 5-byte-multiple header, and the whole file placed at byte 1 of a larger buffer.
    const file = fixture('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', ONE_MINUS_TWO, { pad: 1 });
    const shifted = new Uint8Array(file.length + 1);
    shifted.set(file, 1);
    for (const bytes of [file, shifted.subarray(1)]) {
      const a = decodeSafetensors(bytes, SRC).tensors.get("a")!.data;
      expect(a.byteOffset % 4).toBe(0);
      expect(a.buffer).not.toBe(bytes.buffer);
      expect(a).toEqual(new Float32Array([1, -2]));
    }
  });

  it("returns views into the input when tensors are aligned", () => {
    const bytes = encodeSafetensors({ a: { dtype: "F32", shape: [2], data: new Float32Array([1, 2]) } });
    expect(decodeSafetensors(bytes).tensors.get("a")!.data.buffer).toBe(bytes.buffer);
  });

  for (const [what, make, error] of BAD) {
    it(`rejects ${what}`, () => {
      expect(() => decodeSafetensors(make(), SRC)).toThrow(error);
    });
  }

  it("accepts the same name nested inside different entries (only top-level names must be unique)", () => {
    const header = '{"__metadata__":{"a":"x"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
    expect(decodeSafetensors(fixture(header, ONE_MINUS_TWO), SRC).metadata).toEqual({ a: "x" });
  });
});

describe("openSafetensors", () => {
  const write = (name: string, bytes: Uint8Array) => {
    const file = path.join(tmp, name);
    fs.writeFileSync(file, bytes);
    return file;
  };
  const tensors: Record<string, TensorEntry> = {
    f64: { dtype: "F64", shape: [2], data: new Float64Array([0.1, -0]) },
    f32: { dtype: "F32", shape: [2, 3], data: f32Bits([0x7fc00001, 0x80000000, 0x00000001, 0x007fffff, 0xff800000, 0x3f800000]) },
    i32: { dtype: "I32", shape: [3], data: new Int32Array([-2147483648, 2147483647, -1]) },
    i64: { dtype: "I64", shape: [1], data: new BigInt64Array([-(2n ** 63n)]) },
    u8: { dtype: "U8", shape: [3], data: new Uint8Array([0, 255, 7]) },
    empty: { dtype: "F32", shape: [0, 5], data: new Float32Array(0) },
  };

  it("reads the same header and, tensor by tensor, the same bytes as decodeSafetensors", () => {
    const bytes = encodeSafetensors(tensors, { format: "pt" });
    const file = write("all.safetensors", bytes);
    const opened = openSafetensors(file);
    const decoded = decodeSafetensors(bytes, file);
    expect(opened.metadata).toEqual(decoded.metadata);
    expect([...opened.tensors.keys()]).toEqual([...decoded.tensors.keys()]);
    for (const [name, t] of decoded.tensors) {
      const got = opened.read(name);
      expect(opened.tensors.get(name)).toMatchObject({ dtype: t.dtype, shape: t.shape });
      expect(got.constructor).toBe(t.data.constructor);
      expect(bytesOf({ ...t, data: got })).toEqual(bytesOf(t));
    }
  });

  it("reads a tensor at a misaligned file offset into an aligned array", () => {
    const file = write("misaligned.safetensors", fixture('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', ONE_MINUS_TWO, { pad: 1 }));
    expect(openSafetensors(file).read("a")).toEqual(new Float32Array([1, -2]));
  });

  for (const [what, make, error] of BAD) {
    it(`rejects ${what} with decodeSafetensors' message`, () => {
      expect(() => openSafetensors(write(SRC, make()))).toThrow(error);
    });
  }

  it("rejects a header whose data_offsets point past the end of the file, naming the file", () => {
    const file = write("past-end.safetensors", fixture('{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}', ONE_MINUS_TWO));
    expect(() => openSafetensors(file)).toThrow(`${file}: truncated: tensor "a" ends at data byte 16 but the data holds 8 bytes`);
  });

  it("reads only the tensor asked for, and names the file when it was truncated after opening", () => {
    const bytes = encodeSafetensors(tensors);
    const file = write("shrinks.safetensors", bytes);
    const opened = openSafetensors(file);
    // F64 comes first in the file, U8 last: cut into the last tensor only.
    fs.truncateSync(file, bytes.length - 1);
    expect(opened.read("f64")).toEqual(tensors.f64.data);
    expect(() => opened.read("u8")).toThrow(`${file}: truncated: needs bytes [${bytes.length - 3}, ${bytes.length}) but the file ends at byte ${bytes.length - 1}`);
  });

  it("names the file when it is missing or has no such tensor", () => {
    expect(() => openSafetensors(path.join(tmp, "gone.safetensors"))).toThrow(/cannot read .*gone\.safetensors: ENOENT/);
    expect(() => openSafetensors(write("one.safetensors", valid())).read("b")).toThrow(/one\.safetensors: no tensor "b"/);
  });
});
