// What moved between two published versions, for the site's diff page. One implementation serves
// the site and `refit diff` (src/pipeline/publish/diff.ts), so the page flags exactly the moves the
// nightly regression check flags.
export { diffVersions, isBeyond, type CellKey, type MetricMove, type VersionDiff } from "../../pipeline/publish/diff.ts";
