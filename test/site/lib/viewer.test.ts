import { describe, expect, it } from "vitest";
import { parseViewerQuery, viewerQuery } from "../../../src/site/lib/viewer.ts";

describe("viewerQuery", () => {
  it("writes layer, head and probe 1-based and reads them back 0-based", () => {
    const q = viewerQuery("tiny grid", "abc", { layer: 1, head: 0, probe: 3 });
    expect(q).toBe("?suite=tiny+grid&cell=abc&layer=2&head=1&probe=4");
    expect(parseViewerQuery(q)).toEqual({ suite: "tiny grid", cell: "abc", layer: 1, head: 0, probe: 3 });
  });
  it("reads a missing or malformed index as -1", () => {
    expect(parseViewerQuery("?layer=0&head=x&probe=1.5")).toEqual({ suite: null, cell: null, layer: -1, head: -1, probe: -1 });
  });
});
