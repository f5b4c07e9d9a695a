// CITATION.cff at the site's root (lib/cite.ts citationCff), for the latest version. Written only
// when the build knows the repository (lib/deployment.ts), since the file must name an author.
import { citationCff } from "../lib/cite.ts";
import { siteContent } from "../lib/content.ts";
import { siteDeployment } from "../lib/deployment.ts";

export function getStaticPaths() {
  return siteDeployment().repository && siteContent().latest ? [{ params: { citation: "CITATION.cff" } }] : [];
}

export function GET(): Response {
  const { site, repository } = siteDeployment();
  return new Response(citationCff(siteContent().latest!.manifest, site, repository!), { headers: { "Content-Type": "text/plain; charset=utf-8" } });
}
