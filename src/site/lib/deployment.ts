// Where this build of the site is published and whose repository it comes from, so a citation can
// name absolute URLs and an author. The deploy workflow states both (REFIT_SITE_URL from
// configure-pages' base_url, REFIT_REPOSITORY from github.repository); a local build reads them
// from the checkout's GitHub remote; with neither, nothing is made up: the site then has no
// `site` URL and the reader's browser makes the version's address absolute.

export interface Repository {
  /** The owner on GitHub: a person or an organisation, named as the citation's author. */
  owner: string;
  name: string;
  /** https://github.com/owner/name */
  url: string;
}

/** owner/name from "owner/name", an https or ssh GitHub remote; null for anything else. */
export function parseRepository(text: string | undefined, server = "https://github.com"): Repository | null {
  const m = /^(?:(?:https:\/\/|ssh:\/\/git@|git@)github\.com[/:])?([A-Za-z0-9][A-Za-z0-9-]{0,38})\/([A-Za-z0-9._-]+?)(?:\.git)?\/?$/.exec(text?.trim() ?? "");
  return m ? { owner: m[1], name: m[2], url: `${server.replace(/\/$/, "")}/${m[1]}/${m[2]}` } : null;
}

/** The GitHub Pages address of a repository: its owner's user site for owner.github.io, else the project site. */
export const pagesUrl = (repo: Repository): string =>
  repo.name.toLowerCase() === `${repo.owner.toLowerCase()}.github.io` ? `https://${repo.name.toLowerCase()}/` : `https://${repo.owner.toLowerCase()}.github.io/${repo.name}/`;

export interface Deployment {
  /** Absolute URL the site's base path is served at, ending in "/"; null when unknown. */
  site: string | null;
  repository: Repository | null;
}

/**
 * The deployment from the environment (REFIT_SITE_URL, REFIT_REPOSITORY, GITHUB_SERVER_URL), falling
 * back to a GitHub remote of the checkout (`remote`) for a local build.
 */
export function deploymentOf(env: Record<string, string | undefined>, remote?: string): Deployment {
  const repository = parseRepository(env.REFIT_REPOSITORY, env.GITHUB_SERVER_URL) ?? parseRepository(remote);
  const stated = env.REFIT_SITE_URL?.trim();
  const site = stated ? (stated.endsWith("/") ? stated : `${stated}/`) : repository ? pagesUrl(repository) : null;
  return { site, repository };
}

declare const __REFIT_DEPLOYMENT__: Deployment | undefined;

/** The deployment astro.config.mjs resolved for this build; none outside a site build (unit tests). */
export const siteDeployment = (): Deployment => (typeof __REFIT_DEPLOYMENT__ === "undefined" ? { site: null, repository: null } : __REFIT_DEPLOYMENT__);
