// Git commit hashes in provenance and manifests: the site prints them as text a reader may trust,
// so anything outside their narrow form is refused.
import { describe, expect, it } from "vitest";
import { GitCommitSchema } from "../../../src/pipeline/artifacts/conventions.ts";

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
