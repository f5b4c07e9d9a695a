// `refit capture <checkpoint-dir...> --family NAME`: capture models trained elsewhere (Hugging Face
// GPT-2 layout, e.g. from bin/convert_to_hf.py) on a probe set, one capture file per checkpoint,
// grouped by family into one cell that `refit compare` and suites read like a cell of refits.
import * as path from "node:path";
import { FamilyNameSchema } from "../artifacts/suite.ts";
import { ABLATION, captureFamily, externalCapturePath } from "../capture/external.ts";
import { availableProbeSets, loadProbeSet } from "../data/probes.ts";
import { activeKernels, BACKEND_CHOICES, initBackend } from "../model/backend.ts";
import { seedsOf } from "../suite/families.ts";
import { backendOption, DEFAULT_OUT, intOption, KERNELS_HELP, kernelsOption, parseVerbArgs, shown, UsageError, type Command } from "./command.ts";

export const captureCommand: Command = {
  name: "capture",
  describe: "capture checkpoints trained elsewhere (HF GPT-2 layout) as one family, for refit compare",
  help: `Usage: refit capture <checkpoint-dir...> --family <name> [options]

Captures each checkpoint directory (config.json + model.safetensors in Hugging Face's GPT-2 layout;
see bin/convert_to_hf.py for TransformerLens and pytorch_model.bin checkpoints) on a probe set, as
a refit is captured: every head's attention pattern, the residual stream, weight norms and, for
the anchor, head ablation. The probe texts are tokenized with the model's tokenizer (GPT-2's BPE
or Refit's bytes, from config.json's refit_tokenizer or its vocabulary size). Each capture is
written to <out>/<family>/<checkpoint-dir name>.safetensors; \`refit compare <out>/<family>\`
then treats the family as one cell, its lowest seed the anchor.

A checkpoint's seed is the last number in its directory name when every name has a different one
(seed-3, alias-gpt2-small-x21), else its position in the sorted list. A capture already written
for the same weights (SHA-256), model name, revision, family and probe set is kept. Nothing is
downloaded. The family's folder is locked while it is captured, as \`refit run\` locks it: a second
process capturing the same family waits, then keeps what the first captured.

Options:
  --family <name>      the family (cell) these checkpoints belong to (letters, digits, . _ -)
  --probes <set>       probe set: ${availableProbeSets().join(", ")} (default default)
  --out <dir>          where captures go (default ${DEFAULT_OUT}/captures)
  --ablation <which>   ${ABLATION.join(" | ")}: heads to zero-ablate for importance (default anchor: the
                       lowest seed, the only one the compare stage reads)
  --revision <rev>     the checkpoints' revision, recorded in each capture
  --backend <name>     ${BACKEND_CHOICES.join(" | ")} (default auto)
  ${KERNELS_HELP}
  --lock-timeout <s>   give up after s seconds waiting for another refit process capturing the family
                       (default: wait as long as that process lives; its pid is printed)
  -h, --help           show this help`,

  async main(argv) {
    const { values, positionals } = parseVerbArgs("capture", argv, {
      positionals: { min: 1, what: "one or more checkpoint directories" },
      options: {
        family: { type: "string" },
        probes: { type: "string", default: "default" },
        out: { type: "string", default: path.join(DEFAULT_OUT, "captures") },
        ablation: { type: "string", default: "anchor" },
        revision: { type: "string" },
        backend: { type: "string", default: "auto" },
        kernels: { type: "string", default: "wasm" },
        "lock-timeout": { type: "string" },
      },
    });
    if (!FamilyNameSchema.safeParse(values.family).success) throw new UsageError(`--family must be a name of letters, digits, '.', '_' and '-', got "${values.family ?? ""}"`);
    const ablation = ABLATION.find((a) => a === values.ablation);
    if (!ablation) throw new UsageError(`--ablation must be one of ${ABLATION.join(", ")}, got "${values.ablation}"`);
    const backendChoice = backendOption(values.backend);
    const kernelChoice = kernelsOption(values.kernels);
    const lockTimeoutSeconds = intOption("lock-timeout", values["lock-timeout"], 0);
    if (!availableProbeSets().includes(values.probes)) throw new UsageError(`--probes: unknown probe set "${values.probes}"; available: ${availableProbeSets().join(", ")}`);
    if (new Set(positionals.map((d) => path.basename(path.resolve(d)))).size !== positionals.length) {
      throw new UsageError("two checkpoint directories have the same name, so their captures would overwrite each other");
    }
    const family = values.family!;
    const probeSet = loadProbeSet(values.probes);
    const seeds = seedsOf(positionals);
    const out = path.resolve(values.out);
    const backend = await initBackend(backendChoice, { kernels: kernelChoice });
    console.error(`refit: family ${family}: ${positionals.length} checkpoint(s), probe set ${probeSet.id}, on ${backend}`);
    await captureFamily({
      family,
      models: positionals.map((dir, i) => ({ dir, seed: seeds[i], revision: values.revision ?? null })),
      probeSet,
      backend,
      kernels: activeKernels(),
      ablation,
      fileOf: (m) => externalCapturePath(out, family, m.dir),
      folder: path.join(out, family),
      lock: { waitSeconds: lockTimeoutSeconds ?? Infinity, onWait: (m) => console.error(`refit: ${m}`) },
      onDone: (d) => {
        const what = `${d.model.dir} (seed ${d.model.seed}, ${d.tokenizer} tokens${d.ablated ? ", ablated" : ""})`;
        console.log(d.captured ? `${what}: ${shown(d.file)} in ${d.seconds.toFixed(1)} s` : `${what}: kept ${shown(d.file)}`);
      },
    });
    console.log(`\nnext: refit compare ${shown(path.join(out, family))}`);
    return 0;
  },
};
