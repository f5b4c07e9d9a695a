// JSON Schemas of the published formats, one file each (lib/schemas.ts).
import { jsonSchemaOf, PUBLISHED_SCHEMAS, type SchemaName } from "#site/lib/schemas.ts";

export function getStaticPaths() {
  return Object.keys(PUBLISHED_SCHEMAS).map((name) => ({ params: { name } }));
}

export function GET({ params }: { params: { name: SchemaName } }): Response {
  return new Response(jsonSchemaOf(params.name), { headers: { "Content-Type": "application/schema+json" } });
}
