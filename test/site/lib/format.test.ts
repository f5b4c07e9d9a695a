import { describe, expect, it } from "vitest";
import { fmt, fmtInterval, fmtSigned, MISSING } from "../../../src/site/lib/format.ts";

describe("fmt", () => {
  it("never prints a negative zero", () => {
    expect(fmt(-0.0000004)).toBe("0.000");
    expect(fmt(-0.0004, 3)).toBe("0.000");
    expect(fmt(-0.0006)).toBe("-0.001");
    expect(fmt(null)).toBe(MISSING);
    expect(fmtInterval([-0.00001, 0.5], 2)).toBe("[0.00, 0.50]");
  });
});

describe("fmtSigned", () => {
  it("signs a change with + or a minus sign, and leaves a change that rounds to zero unsigned", () => {
    expect(fmtSigned(0.0123)).toBe("+0.012");
    expect(fmtSigned(-0.0123)).toBe("−0.012");
    expect(fmtSigned(0.004, 2)).toBe("0.00");
    expect(fmtSigned(-0.0000001)).toBe("0.000");
  });
});
