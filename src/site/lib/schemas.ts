// The artifact formats published as JSON Schemas on the downloads page, generated from the zod
// schemas the pipeline validates with (the format modules of artifacts/), so the two cannot drift.
import { z } from "zod";
import { AttentionSamplesSchema } from "#pipeline/artifacts/attention-samples.ts";
import { CaptureMetaSchema } from "#pipeline/artifacts/capture-meta.ts";
import { ContentManifestSchema, LatestPointerSchema } from "#pipeline/artifacts/manifest.ts";
import { PublishedSuiteSchema } from "#pipeline/artifacts/published-suite.ts";
import { RunRecordSchema } from "#pipeline/artifacts/run-record.ts";
import { SuiteResultSchema } from "#pipeline/artifacts/suite-result.ts";

export const PUBLISHED_SCHEMAS = {
  "suite-result": { schema: SuiteResultSchema, describe: "what `refit run` writes for a suite" },
  "published-suite": { schema: PublishedSuiteSchema, describe: "a suite result as published in a version (runs may carry curves)" },
  manifest: { schema: ContentManifestSchema, describe: "a version's manifest.json" },
  latest: { schema: LatestPointerSchema, describe: "content/latest.json" },
  attention: { schema: AttentionSamplesSchema, describe: "the attention viewer's samples" },
  "run-record": { schema: RunRecordSchema, describe: "one run's run.json" },
  "capture-metadata": { schema: CaptureMetaSchema, describe: "__metadata__ of capture.safetensors" },
} as const;
export type SchemaName = keyof typeof PUBLISHED_SCHEMAS;

export function jsonSchemaOf(name: SchemaName): string {
  const json = z.toJSONSchema(PUBLISHED_SCHEMAS[name].schema, { io: "output", unrepresentable: "any" });
  return `${JSON.stringify({ title: `refit ${name}`, ...json }, null, 2)}\n`;
}
