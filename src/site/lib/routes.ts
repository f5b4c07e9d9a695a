// Every URL the site links to, in one place, under the configured base path (GitHub Pages project
// sites live at /<repo>/). Pages pass import.meta.env.BASE_URL; links always end in "/" or a file name.

export interface Routes {
  home: string;
  latest: string;
  version(id: string): string;
  findings(version: string): string;
  cell(version: string, suite: string, cellId: string): string;
  attention(version: string): string;
  versions: string;
  diff(from: string, to: string): string;
  /** The version picker: any two versions, diffed in the browser (`?from=a&to=b`). */
  diffPicker: string;
  /** Every value the diff compares for one version (MeasuredVersion JSON), for the picker. */
  measures(version: string): string;
  methodology: string;
  downloads: string;
  addSuite: string;
  /** A published JSON file of a version, served as it was published. */
  data(version: string, file: string): string;
  csv(version: string): string;
  schema(name: string): string;
  favicon: string;
}

const seg = (s: string) => encodeURIComponent(s);

export function routes(base: string): Routes {
  const root = base.endsWith("/") ? base : `${base}/`;
  const at = (...parts: string[]) => `${root}${parts.map(seg).join("/")}/`;
  const file = (...parts: string[]) => `${root}${parts.map(seg).join("/")}`;
  return {
    home: root,
    latest: at("latest"),
    version: (id) => at("v", id),
    findings: (v) => at("v", v, "findings"),
    cell: (v, suite, cellId) => at("v", v, "cell", suite, cellId),
    attention: (v) => at("v", v, "attention"),
    versions: at("versions"),
    diff: (from, to) => at("diff", from, to),
    diffPicker: at("diff"),
    measures: (v) => file("measures", `${v}.json`),
    methodology: at("methodology"),
    downloads: at("downloads"),
    addSuite: at("add-a-suite"),
    data: (v, name) => file("data", v, name),
    csv: (v) => file("data", v, "leaderboard.csv"),
    schema: (name) => file("schemas", `${name}.schema.json`),
    favicon: file("favicon.svg"),
  };
}
