// The leaderboard's view state (sort, filters, free-text search) and its permalink: the query
// string `?q=adamw&sort=stability&dir=desc&nLayers=2` reads back to the same view. Pure, so the
// browser script and the tests share it; unknown keys and values are dropped, never trusted.

export type SortDirection = "ascending" | "descending";

export interface TableState {
  /** Lower-cased search terms, all of which a row must match. */
  q: string;
  sort: string | null;
  dir: SortDirection;
  /** Filter key -> chosen value; a key that is absent shows every row. */
  filters: Record<string, string>;
}

/** The order a table opens in, so its default view needs no query string. */
export interface DefaultSort {
  sort: string;
  dir: SortDirection;
}

export interface TableKeys {
  sortKeys: readonly string[];
  defaultSort?: DefaultSort;
  /** Filter key -> the values it may take. */
  filterValues: Readonly<Record<string, readonly string[]>>;
}

export function parseTableState(search: string, keys: TableKeys): TableState {
  const params = new URLSearchParams(search);
  const sort = params.get("sort");
  const filters: Record<string, string> = {};
  for (const [key, values] of Object.entries(keys.filterValues)) {
    const v = params.get(key);
    if (v !== null && values.includes(v)) filters[key] = v;
  }
  const known = sort !== null && keys.sortKeys.includes(sort);
  return {
    q: (params.get("q") ?? "").trim(),
    sort: known ? sort : (keys.defaultSort?.sort ?? null),
    dir: known ? (params.get("dir") === "desc" ? "descending" : "ascending") : (keys.defaultSort?.dir ?? "ascending"),
    filters,
  };
}

/** The query string for a state ("" for the default view), keys in a fixed order so links are stable. */
export function tableStateQuery(state: TableState, defaultSort?: DefaultSort): string {
  const params = new URLSearchParams();
  if (state.q) params.set("q", state.q);
  if (state.sort && !(state.sort === defaultSort?.sort && state.dir === defaultSort.dir)) {
    params.set("sort", state.sort);
    params.set("dir", state.dir === "descending" ? "desc" : "asc");
  }
  for (const key of Object.keys(state.filters).sort()) params.set(key, state.filters[key]);
  const text = params.toString();
  return text ? `?${text}` : "";
}

const valueOf = (token: string) => token.slice(token.indexOf("=") + 1);

/** Every whole value the rows' tokens hold, for matchesSearch's `values`. */
export const tokenValues = (rows: readonly (readonly string[])[]): Set<string> => new Set(rows.flat().map(valueOf));

/**
 * Whether a row's search tokens match every term of a query. A term `key=value` needs a token
 * whose key contains `key` and whose value is exactly `value` (so `nlayers=2` does not match 24).
 * A term that is itself a whole value somewhere in the table (`values`) matches that value only,
 * so "adam" finds the Adam cells and not every adamw one; any other term is a substring of some
 * token. Case-insensitive.
 */
export function matchesSearch(tokens: readonly string[], query: string, values: ReadonlySet<string> = new Set()): boolean {
  const terms = query.toLowerCase().split(/\s+/).filter(Boolean);
  return terms.every((term) => {
    const eq = term.indexOf("=");
    if (eq <= 0) return values.has(term) ? tokens.some((t) => valueOf(t) === term) : tokens.some((t) => t.includes(term));
    const [key, value] = [term.slice(0, eq), term.slice(eq + 1)];
    return tokens.some((t) => {
      const i = t.indexOf("=");
      return i > 0 && t.slice(0, i).includes(key) && t.slice(i + 1) === value;
    });
  });
}

/** Compares two data-* strings; missing values ("") sort last in both directions. */
export function compareCells(x: string, y: string, numeric: boolean, dir: SortDirection): number {
  if (x === "" || y === "") return x === y ? 0 : x === "" ? 1 : -1;
  const c = numeric ? Number(x) - Number(y) : x.localeCompare(y);
  return dir === "ascending" ? c : -c;
}
