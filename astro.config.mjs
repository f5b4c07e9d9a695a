// Astro configuration for the Refit leaderboard (docs/design.md "Site"): a static build of src/site
// into dist/. REFIT_SITE_BASE sets the base path for a GitHub Pages project site (e.g. "/refit/");
// which published content is rendered is chosen in src/site/lib/content.ts (REFIT_CONTENT_DIR).
// `site`, the absolute address citations name, comes from the deployment (src/site/lib/deployment.ts):
// REFIT_SITE_URL in the Pages workflow, else the checkout's GitHub remote, else none.
import { execFileSync } from "node:child_process";
import { defineConfig } from "astro/config";
import { deploymentOf } from "./src/site/lib/deployment.ts";

const base = process.env.REFIT_SITE_BASE ?? "/";

/** The checkout's origin remote, or undefined (no git, no remote). */
function originRemote() {
  try {
    return execFileSync("git", ["remote", "get-url", "origin"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return undefined;
  }
}

const deployment = deploymentOf(process.env, originRemote());
const { site } = deployment;

export default defineConfig({
  srcDir: "./src/site",
  publicDir: "./src/site/public",
  outDir: process.env.REFIT_SITE_OUT ?? "./dist",
  base: base.endsWith("/") ? base : `${base}/`,
  ...(site ? { site } : {}),
  trailingSlash: "always",
  build: { format: "directory" },
  devToolbar: { enabled: false },
  // The pages read it as a constant (lib/deployment.ts siteDeployment), so a page names the same repository the config does.
  vite: { define: { __REFIT_DEPLOYMENT__: JSON.stringify(deployment) } },
});
