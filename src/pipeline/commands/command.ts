// What every CLI verb provides, so cli.ts can list, document and dispatch them uniformly
// (asv's commands/ folder: one verb per file).

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

/** An integer option's value (undefined stays undefined); anything else below `min` is a UsageError naming the flag. */
export function intOption(flag: string, value: string, min: number): number;
export function intOption(flag: string, value: string | undefined, min: number): number | undefined;
export function intOption(flag: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${flag} must be an integer >= ${min}, got "${value}"`);
  return n;
}
