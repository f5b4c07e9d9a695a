// The `refit` command line: finds the verb, maps outcomes to exit codes (0 success, 1 failure,
// 2 bad usage or input). Each verb lives in commands/<verb>.ts; the list below is in workflow order.
import { InputError } from "./artifacts/input-error.ts";
import { refitVersion } from "./artifacts/provenance.ts";
import { destinationOf } from "./artifacts/store.ts";
import { BackendError } from "./model/backend.ts";
import { kernelsLine } from "./model/blas.ts";
import { BudgetError } from "./orchestrate/plan.ts";
import { ContentError } from "./publish/content.ts";
import { SiteBuildError } from "./publish/site.ts";
import { SuiteError } from "./suite/load.ts";
import { ProbeSetMismatchError } from "./assemble/suite.ts";
import { UsageError, type Command } from "./commands/command.ts";
import { planCommand } from "./commands/plan.ts";
import { captureCommand } from "./commands/capture.ts";
import { compareCommand } from "./commands/compare.ts";
import { aggregateCommand } from "./commands/aggregate.ts";
import { diffCommand } from "./commands/diff.ts";
import { runCommand } from "./commands/run.ts";
import { siteCommand } from "./commands/site.ts";
import { verifyCommand } from "./commands/verify.ts";

const COMMANDS: readonly Command[] = [planCommand, runCommand, verifyCommand, captureCommand, compareCommand, aggregateCommand, diffCommand, siteCommand];

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `refit: train a small GPT across seeds and measure how stable its attention heads are.

Usage: refit <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.describe}`).join("\n")}

Options:
  -h, --help  show help (also: refit <command> --help)
  --version   print Refit's version and the kernel path it would train on

Exit codes: 0 success, 1 failure, 2 bad usage or input.`;
}

/** What an operating-system error means for the user, and what to do about it. */
const OS_CAUSES: Record<string, string> = {
  ENOSPC: "no space left on device; free some and run it again (finished work is kept)",
  EDQUOT: "disk quota exceeded; free some space and run it again (finished work is kept)",
  EFBIG: "file larger than this process may write (its file size limit, ulimit -f); raise the limit and run it again (finished work is kept)",
  EACCES: "permission denied; give this user access or choose another folder",
  EPERM: "operation not permitted; give this user access or choose another folder",
  EROFS: "read-only file system; choose a writable folder (--out)",
  EMFILE: "too many open files; raise the limit (ulimit -n) or use fewer --workers",
  ENFILE: "too many open files on this system; close some programs or use fewer --workers",
  ENOTDIR: "part of the path is a file, not a folder; choose another path",
  EISDIR: "is a folder where a file was expected; move it or choose another path",
};

/**
 * One line for an operating-system error anywhere in the cause chain, else null. It names the path
 * the user knows: a rename's or copy's destination, and the file or folder a hidden temporary
 * (`.<name>.<pid>.<random>.tmp`, `ckpt-N.partial-<pid>`) was to become.
 */
export function osErrorLine(e: unknown): string | null {
  for (let err = e as (NodeJS.ErrnoException & { cause?: unknown; dest?: string }) | undefined; err; err = err.cause as typeof err) {
    const cause = err.code ? OS_CAUSES[err.code] : undefined;
    const where = err.dest ?? err.path;
    if (cause) return `${where === undefined ? "(no path given)" : destinationOf(where)}: ${cause} (${err.code})`;
  }
  return null;
}

/** The first line of a message, with a count of the lines left out. */
function oneLine(message: string): string {
  const [first, ...rest] = message.split("\n");
  return rest.length === 0 ? first : `${first} (and ${rest.length} more)`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "-h" || name === "--help" || name === "help") {
    console.log(mainHelp());
    return name === undefined ? 2 : 0;
  }
  if (name === "--version" || name === "-V") {
    console.log(`refit ${refitVersion()}\n${kernelsLine()}`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  try {
    if (!command) throw new UsageError(`unknown command "${name}"`);
    // Help is answered here for every verb, before its own argument parsing.
    if (rest.includes("--help") || rest.includes("-h")) {
      console.log(command.help);
      return 0;
    }
    return await command.main(rest);
  } catch (e) {
    // A suite over budget points at --help too: it is where --max-core-hours and --force are.
    if (e instanceof UsageError || e instanceof BudgetError || (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      console.error(`refit: ${(e as Error).message}\nRun \`refit ${command ? `${command.name} ` : ""}--help\` for usage.`);
      return 2;
    }
    if (e instanceof SuiteError || e instanceof BackendError || e instanceof ProbeSetMismatchError || e instanceof InputError) {
      console.error(`refit: ${e.message}`);
      return 2;
    }
    if (e instanceof ContentError) {
      console.error(`refit: ${oneLine(e.message)}`);
      return 2;
    }
    // The site build's own errors are many lines of bundler output; the line says what and that --out is untouched.
    if (e instanceof SiteBuildError) {
      console.error(process.env.REFIT_DEBUG === "1" ? e : `refit: ${e.message}`);
      return 1;
    }
    // Gave up waiting for another process's lock (--lock-timeout): the message names it and what to do.
    if ((e as { code?: string }).code === "ELOCKED") {
      console.error(`refit: ${(e as Error).message}`);
      return 1;
    }
    const os = osErrorLine(e);
    // REFIT_DEBUG=1 keeps the stack of an operating-system error, for reports of a bug behind one.
    console.error(`refit: ${os !== null && process.env.REFIT_DEBUG !== "1" ? os : ((e as Error).stack ?? e)}`);
    return 1;
  }
}
