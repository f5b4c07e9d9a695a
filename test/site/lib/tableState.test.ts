import { describe, expect, it } from "vitest";
import { compareCells, matchesSearch, parseTableState, tableStateQuery } from "../../../src/site/lib/tableState.ts";
import { configTokens } from "../../../src/site/lib/leaderboard.ts";

const keys = { sortKeys: ["stability", "suite"], filterValues: { nLayers: ["1", "2"], optimizer: ["adam", "adamw"] } };

describe("parseTableState", () => {
  it("reads search, sort, direction and known filter values", () => {
    expect(parseTableState("?q=%20adamw%20&sort=stability&dir=desc&nLayers=2&optimizer=adamw", keys)).toEqual({
      q: "adamw", sort: "stability", dir: "descending", filters: { nLayers: "2", optimizer: "adamw" },
    });
  });
  it("drops unknown sort keys, filter keys and filter values", () => {
    expect(parseTableState("?sort=evil&nLayers=7&family=MLP&dir=sideways", keys)).toEqual({ q: "", sort: null, dir: "ascending", filters: {} });
  });
});

describe("tableStateQuery", () => {
  it("round-trips through parseTableState with keys in a fixed order", () => {
    const state = { q: "tiny grid", sort: "suite", dir: "descending" as const, filters: { optimizer: "adam", nLayers: "1" } };
    const query = tableStateQuery(state);
    expect(query).toBe("?q=tiny+grid&sort=suite&dir=desc&nLayers=1&optimizer=adam");
    expect(parseTableState(query, keys)).toEqual(state);
  });
  it("is empty for the default view", () => {
    expect(tableStateQuery({ q: "", sort: null, dir: "ascending", filters: {} })).toBe("");
  });
});

describe("matchesSearch", () => {
  const tokens = configTokens({ suite: "tiny-grid", model: { nLayers: 24, mlp: true }, train: { optimizer: "AdamW" } });
  it("flattens a config into lower-cased key=value tokens", () => {
    expect(tokens).toEqual(["suite=tiny-grid", "model.nlayers=24", "model.mlp=true", "train.optimizer=adamw"]);
  });
  it("needs every term, each a substring of some token, case-insensitively", () => {
    expect(matchesSearch(tokens, "ADAMW tiny")).toBe(true);
    expect(matchesSearch(tokens, "adamw sgd")).toBe(false);
    expect(matchesSearch(tokens, "")).toBe(true);
  });
  it("matches key=value exactly on the value and by substring on the key", () => {
    expect(matchesSearch(tokens, "nlayers=24")).toBe(true);
    expect(matchesSearch(tokens, "nlayers=2")).toBe(false);
    expect(matchesSearch(tokens, "optimizer=adam")).toBe(false);
  });
});

describe("compareCells", () => {
  it("orders numbers numerically and puts missing values last in both directions", () => {
    const sort = (dir: "ascending" | "descending") => ["10", "", "9", "0.5"].sort((a, b) => compareCells(a, b, true, dir));
    expect(sort("ascending")).toEqual(["0.5", "9", "10", ""]);
    expect(sort("descending")).toEqual(["10", "9", "0.5", ""]);
  });
});
