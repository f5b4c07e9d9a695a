import { describe, expect, it } from "vitest";
import { compareCells, matchesSearch, parseTableState, tableStateQuery, tokenValues } from "../../../src/site/lib/tableState.ts";
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

describe("the default sort", () => {
  const withDefault = { ...keys, defaultSort: { sort: "stability", dir: "descending" as const } };
  it("opens in the default order, and a link that names another sort overrides it", () => {
    expect(parseTableState("", withDefault)).toEqual({ q: "", sort: "stability", dir: "descending", filters: {} });
    expect(parseTableState("?sort=suite&dir=asc", withDefault)).toMatchObject({ sort: "suite", dir: "ascending" });
    expect(parseTableState("?sort=evil", withDefault)).toMatchObject({ sort: "stability", dir: "descending" });
  });
  it("leaves the default order out of the permalink", () => {
    expect(tableStateQuery({ q: "", sort: "stability", dir: "descending", filters: {} }, withDefault.defaultSort)).toBe("");
    expect(tableStateQuery({ q: "", sort: "stability", dir: "ascending", filters: {} }, withDefault.defaultSort)).toBe("?sort=stability&dir=asc");
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

describe("matchesSearch with the table's values", () => {
  const adam = configTokens({ train: { optimizer: "adamw" }, optimizer: "adam" });
  const adamw = configTokens({ train: { optimizer: "adamw" }, optimizer: "adamw" });
  const values = tokenValues([adam, adamw]);
  it("matches a term that is a whole value only where that value is, so adam is not adamw", () => {
    expect(matchesSearch(adam, "adam", values)).toBe(true);
    expect(matchesSearch(adamw, "adam", values)).toBe(false);
    expect(matchesSearch(adamw, "adamw", values)).toBe(true);
    // A term that is no whole value stays a substring search.
    expect(matchesSearch(adamw, "ada", values)).toBe(true);
  });
});

describe("compareCells", () => {
  it("orders numbers numerically and puts missing values last in both directions", () => {
    const sort = (dir: "ascending" | "descending") => ["10", "", "9", "0.5"].sort((a, b) => compareCells(a, b, true, dir));
    expect(sort("ascending")).toEqual(["0.5", "9", "10", ""]);
    expect(sort("descending")).toEqual(["10", "9", "0.5", ""]);
  });
});
