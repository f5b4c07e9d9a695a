import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { loadContent } from "../../../src/pipeline/publish/content.ts";
import { citationCff, versionBibtex } from "../../../src/site/lib/cite.ts";
import { deploymentOf, pagesUrl, parseRepository } from "../../../src/site/lib/deployment.ts";

const latest = loadContent(path.resolve("test/fixtures/content")).latest!;

describe("parseRepository", () => {
  it("reads owner/name, https and ssh GitHub remotes, and nothing else", () => {
    const want = { owner: "acme-lab", name: "refit", url: "https://github.com/acme-lab/refit" };
    expect(parseRepository("acme-lab/refit")).toEqual(want);
    expect(parseRepository("https://github.com/acme-lab/refit.git")).toEqual(want);
    expect(parseRepository("git@github.com:acme-lab/refit.git")).toEqual(want);
    expect(parseRepository("ssh://git@github.com/acme-lab/refit")).toEqual(want);
    expect(parseRepository("https://gitlab.com/acme-lab/refit")).toBeNull();
    expect(parseRepository("/srv/git/refit")).toBeNull();
    expect(parseRepository(undefined)).toBeNull();
  });
});

describe("deploymentOf", () => {
  it("takes the Pages URL and repository the workflow states, on its GitHub server", () => {
    const d = deploymentOf({ REFIT_SITE_URL: "https://refit.example.org", REFIT_REPOSITORY: "acme-lab/refit", GITHUB_SERVER_URL: "https://ghe.example.com" }, "git@github.com:other/x.git");
    expect(d).toEqual({ site: "https://refit.example.org/", repository: { owner: "acme-lab", name: "refit", url: "https://ghe.example.com/acme-lab/refit" } });
  });
  it("falls back to the checkout's GitHub remote and its Pages address, and invents nothing without one", () => {
    expect(deploymentOf({}, "https://github.com/Acme-Lab/refit.git").site).toBe("https://acme-lab.github.io/refit/");
    expect(pagesUrl({ owner: "Acme", name: "acme.github.io", url: "" })).toBe("https://acme.github.io/");
    expect(deploymentOf({}, undefined)).toEqual({ site: null, repository: null });
    expect(deploymentOf({ REFIT_SITE_URL: "  " }, "/srv/git/refit")).toEqual({ site: null, repository: null });
  });
});

describe("citations of a deployed site", () => {
  const repository = parseRepository("acme-lab/refit")!;
  it("names the repository's owner as author and organisation in the version's BibTeX, with absolute URLs", () => {
    const bib = versionBibtex(latest.manifest, `https://acme-lab.github.io/refit/v/${latest.id}/`, repository);
    expect(bib).toContain("  author = {{acme-lab}},\n  organization = {acme-lab},");
    expect(bib).toContain(`howpublished = {\\url{https://acme-lab.github.io/refit/v/${latest.id}/}},`);
    expect(bib).toContain("code \\url{https://github.com/acme-lab/refit}},");
    expect(versionBibtex(latest.manifest, "/v/x/")).not.toContain("author");
  });
  it("writes a CITATION.cff that parses, with the owner, the latest version and absolute URLs", () => {
    const cff = parseYaml(citationCff(latest.manifest, "https://acme-lab.github.io/refit/", repository));
    expect(cff["cff-version"]).toBe("1.2.0");
    expect(cff.authors).toEqual([{ name: "acme-lab" }]);
    expect(cff.version).toBe(latest.id);
    expect(cff["date-released"]).toBe(latest.manifest.createdAt.slice(0, 10));
    expect(cff.url).toBe("https://acme-lab.github.io/refit/");
    expect(cff["repository-code"]).toBe("https://github.com/acme-lab/refit");
    expect(cff.references[0].authors.map((a: { "family-names": string }) => a["family-names"])).toEqual(["Bali", "Stanley", "Suresh", "Bzdok"]);
  });
});
