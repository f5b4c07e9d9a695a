// What every CLI verb provides, so cli.ts can list, document and dispatch them uniformly
// (asv's commands/ folder: one verb per file).

export interface Command {
  name: string;
  /** One line for `refit --help`. */
  describe: string;
  /** Full text for `refit <name> --help`. */
  help: string;
  /** Runs the verb on its own arguments; resolves to the exit code. */
  main(argv: string[]): Promise<number>;
}

/** Bad usage: printed with a pointer to --help, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}
