// `content/versions/<version>/<suite>.attention.json` (docs/formats.md "Published content"): a few
// probes' attention patterns for every head of every seed, and each anchor head's matches, for
// the site's attention viewer.
import { z } from "zod";
import { SCHEMA_VERSION } from "./conventions.ts";

/** One way of matching an anchor head to a head of another seed, in the same layer. */
export const HeadMatchSchema = z
  .object({
    /** Matched head h' (0-based). */
    head: z.int().min(0),
    /** cbar: mean over all probes of the cosine between the two heads' patterns. */
    cbar: z.number(),
    /** Cosine on each sampled probe, in `probes` order. */
    cos: z.array(z.number()),
  })
  .strict();

export const SeedMatchSchema = z
  .object({
    seed: z.int(),
    /** The paper's match: argmax over h' of cbar (many-to-one; the first head wins ties). */
    paper: HeadMatchSchema,
    /** One-to-one Hungarian assignment of the layer's heads maximizing total cbar. */
    hungarian: HeadMatchSchema,
  })
  .strict();

/** Attention samples of one cell: a few probes' patterns for every head of every seed. */
export const AttentionCellSchema = z
  .object({
    cellId: z.string(),
    nLayers: z.int().min(1),
    nHeads: z.int().min(1),
    /** seeds[0] is the anchor. */
    seeds: z.array(z.int()).min(2),
    /** Sampled probes: index in the probe set and token labels (BOS first), cut to maxTokens. */
    probes: z.array(z.object({ index: z.int().min(0), tokens: z.array(z.string()).min(1) }).strict()).min(1),
    /** patterns[s][l][h][p]: lower triangle incl. diagonal, row-major, of seeds[s], probe p (T(T+1)/2 values). */
    patterns: z.array(z.array(z.array(z.array(z.array(z.number()))))),
    /** matches[l][h][r]: anchor head (l,h) matched in seeds[r + 1]. */
    matches: z.array(z.array(z.array(SeedMatchSchema))),
  })
  .strict()
  .superRefine((c, ctx) => {
    const shapeIssue = (path: (string | number)[], message: string) => ctx.addIssue({ code: "custom", path, message });
    if (c.patterns.length !== c.seeds.length) shapeIssue(["patterns"], `has ${c.patterns.length} seeds, expected ${c.seeds.length}`);
    c.patterns.forEach((bySeed, s) => {
      if (bySeed.length !== c.nLayers) return shapeIssue(["patterns", s], `has ${bySeed.length} layers, expected ${c.nLayers}`);
      bySeed.forEach((byLayer, l) => {
        if (byLayer.length !== c.nHeads) return shapeIssue(["patterns", s, l], `has ${byLayer.length} heads, expected ${c.nHeads}`);
        byLayer.forEach((byHead, h) =>
          c.probes.forEach(({ tokens }, p) => {
            const want = (tokens.length * (tokens.length + 1)) / 2;
            if (byHead[p]?.length !== want) shapeIssue(["patterns", s, l, h, p], `has ${byHead[p]?.length ?? 0} values, expected ${want}`);
          }),
        );
      });
    });
    if (c.matches.length !== c.nLayers || c.matches.some((m) => m.length !== c.nHeads || m.some((r) => r.length !== c.seeds.length - 1))) {
      shapeIssue(["matches"], `must be [${c.nLayers} layers][${c.nHeads} heads][${c.seeds.length - 1} other seeds]`);
    }
  });
export type AttentionCell = z.infer<typeof AttentionCellSchema>;

/** `<suite>.attention.json`: what the attention viewer shows (values rounded to 4 decimals). */
export const AttentionSamplesSchema = z
  .object({
    schemaVersion: z.literal(SCHEMA_VERSION),
    kind: z.literal("refit.attention"),
    suite: z.string(),
    probeSet: z.object({ id: z.string(), hash: z.string() }).strict(),
    maxTokens: z.int().min(1),
    cells: z.array(AttentionCellSchema),
  })
  .strict();
export type AttentionSamples = z.infer<typeof AttentionSamplesSchema>;
