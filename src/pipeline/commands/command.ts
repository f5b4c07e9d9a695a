// What every CLI verb provides, so cli.ts can list, document and dispatch them uniformly
// (asv's commands/ folder: one verb per file), and what they share: defaults, argument parsing
// and how paths are shown. A verb parses its arguments here, calls one pipeline function, and
// prints; no verb imports another.
import * as path from "node:path";
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import { BACKEND_CHOICES, type BackendChoice } from "../model/backend.ts";
import { KERNEL_CHOICES, type KernelChoice } from "../model/blas.ts";

/** `refit run`'s cache and results folder; `refit capture` writes under its captures/. */
export const DEFAULT_OUT = ".refit";
/** The published content root that `refit aggregate` writes and `refit diff` and `refit site` read. */
export const DEFAULT_CONTENT = "content";

export interface Command {
  name: string;
  /** One line for `refit --help`. */
  describe: string;
  /** Full text for `refit <name> --help`. */
  help: string;
  /** Runs the verb on its own arguments (cli.ts answers -h/--help itself); resolves to the exit code. */
  main(argv: string[]): Promise<number>;
}

/** Bad usage: printed with a pointer to --help, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** How many positional arguments a verb takes, and what they are, for the usage error. */
export interface Positionals {
  min: number;
  /** Omit for no upper bound. */
  max?: number;
  /** Completes "refit <verb> takes ...", e.g. "exactly one suite file". */
  what: string;
}

/**
 * node's parseArgs over a verb's options (tokens included, for verbs that read argument order),
 * with the positional count checked, so a wrong count is reported alike by every verb.
 */
export function parseVerbArgs<const O extends ParseArgsOptionsConfig>(verb: string, argv: string[], spec: { options: O; positionals: Positionals }) {
  const parsed = parseArgs({ args: negativeValues(argv, spec.options), allowPositionals: true, tokens: true, options: spec.options });
  const { min, max = Infinity, what } = spec.positionals;
  const n = parsed.positionals.length;
  if (n < min || n > max) throw new UsageError(`refit ${verb} takes ${what}, got ${n}`);
  return parsed;
}

/**
 * `--seeds -1` as `--seeds=-1`: parseArgs takes a value that starts with a dash for an option and
 * calls it ambiguous, where the user gave a negative number, which intOption then reports as one.
 */
function negativeValues(argv: readonly string[], options: ParseArgsOptionsConfig): string[] {
  const takesValue = (arg: string) => arg.startsWith("--") && options[arg.slice(2)]?.type === "string";
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const next = argv[i + 1];
    if (takesValue(argv[i]) && next !== undefined && /^-\d/.test(next)) {
      out.push(`${argv[i]}=${next}`);
      i++;
    } else {
      out.push(argv[i]);
    }
  }
  return out;
}

/** An integer option's value (undefined stays undefined); anything else below `min` is a UsageError naming the flag. */
export function intOption(flag: string, value: string, min: number): number;
export function intOption(flag: string, value: string | undefined, min: number): number | undefined;
export function intOption(flag: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (Number.isInteger(n) && n < 0) throw new UsageError(`--${flag} must be an integer >= ${min}, got the negative number ${n}`);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${flag} must be an integer >= ${min}, got "${value}"`);
  return n;
}

/** A `--backend` value, checked against the backends Refit knows. */
export function backendOption(value: string): BackendChoice {
  const choice = BACKEND_CHOICES.find((b) => b === value);
  if (!choice) throw new UsageError(`--backend must be one of ${BACKEND_CHOICES.join(", ")}, got "${value}"`);
  return choice;
}

/** A `--kernels` value: auto, blas or wasm. */
export function kernelsOption(value: string): KernelChoice {
  const choice = KERNEL_CHOICES.find((k) => k === value);
  if (!choice) throw new UsageError(`--kernels must be one of ${KERNEL_CHOICES.join(", ")}, got "${value}"`);
  return choice;
}

/** The help line of `--kernels`, shared by the verbs that train or capture. */
export const KERNELS_HELP = `--kernels <path>   ${KERNEL_CHOICES.join(" | ")}: the wasm backend's dense products on the BLAS addon or on
                     Refit's WebAssembly kernels (default wasm; auto: blas where the addon loads, saying which)`;

/** A path as the user would type it: relative to here unless that climbs out of here. */
export function shown(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel === "" ? "." : rel.startsWith("..") ? file : rel;
}
