// Every value the diff compares for one version (publish/diff.ts measureVersion), one file per
// version, so the version picker diffs any two versions in the browser without a page per pair.
import { measureVersion } from "#pipeline/publish/diff.ts";
import { findVersion, siteContent } from "#site/lib/content.ts";

export function getStaticPaths() {
  return siteContent().versions.map((v) => ({ params: { version: v.id } }));
}

export function GET({ params }: { params: { version: string } }): Response {
  return new Response(JSON.stringify(measureVersion(findVersion(siteContent(), params.version))), { headers: { "Content-Type": "application/json" } });
}
