// A version's files as published (bytes unchanged, so their SHA-256 matches the manifest), plus
// the leaderboard as CSV.
import * as fs from "node:fs";
import * as path from "node:path";
import { findVersion, siteContent } from "#site/lib/content.ts";
import { leaderboardCsv } from "#site/lib/csv.ts";
import { leaderboardRows } from "#site/lib/leaderboard.ts";

export function getStaticPaths() {
  return siteContent().versions.flatMap((v) =>
    ["manifest.json", "leaderboard.csv", ...v.manifest.suites.flatMap((s) => [s.result.file, ...(s.attention ? [s.attention.file] : [])])].map((file) => ({
      params: { version: v.id, file },
    })),
  );
}

export function GET({ params }: { params: { version: string; file: string } }): Response {
  const content = siteContent();
  const version = findVersion(content, params.version);
  if (params.file === "leaderboard.csv") {
    return new Response(leaderboardCsv(leaderboardRows(version)), { headers: { "Content-Type": "text/csv; charset=utf-8" } });
  }
  const bytes = fs.readFileSync(path.join(content.root, "versions", version.id, params.file));
  return new Response(bytes, { headers: { "Content-Type": "application/json" } });
}
