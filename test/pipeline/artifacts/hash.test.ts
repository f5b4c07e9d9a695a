import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { canonicalJson, sha256Hex } from "../../../src/pipeline/artifacts/hash.ts";

describe("canonicalJson", () => {
  it("sorts keys at every depth and writes no whitespace", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: "x" } })).toBe('{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}');
  });

  it("gives the same text for objects built in different key orders", () => {
    expect(canonicalJson({ x: 1, y: 2 })).toBe(canonicalJson({ y: 2, x: 1 }));
  });

  it("drops undefined object fields like JSON.stringify", () => {
    expect(canonicalJson({ a: undefined, b: 0.001 })).toBe('{"b":0.001}');
  });

  it("rejects non-finite numbers, naming where they are", () => {
    expect(() => canonicalJson({ a: [1, NaN] })).toThrow(/non-finite number NaN at \$\.a\[1\]/);
    expect(() => canonicalJson(Infinity)).toThrow(/non-finite/);
  });

  it("rejects values JSON cannot carry faithfully", () => {
    expect(() => canonicalJson([undefined])).toThrow(/undefined/);
    expect(() => canonicalJson(new Date(0))).toThrow(/plain objects/);
    expect(() => canonicalJson(new Float32Array(2))).toThrow(/typed array/);
  });
});

describe("sha256Hex", () => {
  it("matches the FIPS 180-2 test vector for 'abc'", () => {
    expect(sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("hashes bytes and their UTF-8 string alike", () => {
    expect(sha256Hex(new TextEncoder().encode("é"))).toBe(sha256Hex("é"));
    expect(sha256Hex("é")).toBe(createHash("sha256").update(Buffer.from([0xc3, 0xa9])).digest("hex"));
  });
});
