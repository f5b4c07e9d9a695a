// The content this site build renders, loaded and validated once per build by the pipeline's
// reader (pipeline/publish/content.ts, which `refit diff` shares), with the version lookups pages use.
import * as path from "node:path";
import { loadContent, type SiteContent } from "#pipeline/publish/content.ts";

export { findVersion, previousVersion, type SiteContent, type SiteVersion } from "#pipeline/publish/content.ts";

/** The content root: REFIT_CONTENT_DIR (set by `refit site --content`), else ./content. */
export function contentRoot(): string {
  return path.resolve(process.env.REFIT_CONTENT_DIR ?? "content");
}

let cached: SiteContent | null = null;

/** The content this build renders, loaded once per build. */
export function siteContent(): SiteContent {
  cached ??= loadContent(contentRoot());
  return cached;
}
