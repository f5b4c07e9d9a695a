// Astro configuration for the Refit leaderboard (docs/design.md "Site"): a static build of src/site
// into dist/. REFIT_SITE_BASE sets the base path for a GitHub Pages project site (e.g. "/refit/");
// which published content is rendered is chosen in src/site/lib/content.ts (REFIT_CONTENT_DIR).
import { defineConfig } from "astro/config";

const base = process.env.REFIT_SITE_BASE ?? "/";

export default defineConfig({
  srcDir: "./src/site",
  publicDir: "./src/site/public",
  outDir: process.env.REFIT_SITE_OUT ?? "./dist",
  base: base.endsWith("/") ? base : `${base}/`,
  trailingSlash: "always",
  build: { format: "directory" },
  devToolbar: { enabled: false },
});
