// `content/versions/<version>/attestation.json` (docs/formats.md "Attestation"): the Sigstore
// bundle that the nightly's actions/attest-build-provenance wrote for the version's manifest.json,
// saved byte for byte, so `gh attestation verify --bundle` reads the same file. It sits beside the
// manifest rather than in it, since it attests the manifest's own bytes. GitHub's format, not
// Refit's: it has no schemaVersion, and these schemas hold only the fields Refit checks offline
// (everything else passes through untouched).
import { z } from "zod";

/** The in-toto payload type of a DSSE envelope. */
export const IN_TOTO_PAYLOAD = "application/vnd.in-toto+json";

/** A Sigstore bundle (v0.1 to v0.3) whose signed content is a DSSE envelope. */
export const SigstoreBundleSchema = z
  .object({
    mediaType: z.string().regex(/^application\/vnd\.dev\.sigstore\.bundle(\.v0\.\d+)?\+json/, "a Sigstore bundle media type"),
    verificationMaterial: z.record(z.string(), z.unknown()),
    dsseEnvelope: z
      .object({
        payload: z.base64(),
        payloadType: z.literal(IN_TOTO_PAYLOAD),
        signatures: z.array(z.object({ sig: z.string().min(1) }).loose()).min(1),
      })
      .loose(),
  })
  .loose();

/** The envelope's payload: an in-toto statement whose predicate is SLSA build provenance from a GitHub workflow. */
export const ProvenanceStatementSchema = z
  .object({
    _type: z.literal("https://in-toto.io/Statement/v1"),
    subject: z.array(z.object({ name: z.string(), digest: z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/) }).loose() }).loose()).min(1),
    predicateType: z.literal("https://slsa.dev/provenance/v1"),
    predicate: z
      .object({
        buildDefinition: z
          .object({
            externalParameters: z
              .object({ workflow: z.object({ repository: z.string().regex(/^https:\/\/github\.com\/[^/]+\/[^/]+$/), path: z.string(), ref: z.string() }).loose() })
              .loose(),
          })
          .loose(),
      })
      .loose(),
  })
  .loose();
