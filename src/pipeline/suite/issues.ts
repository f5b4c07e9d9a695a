// Human messages for zod issues on a suite: what was expected, what was found, and for unknown
// keys the allowed ones (with a did-you-mean). Paths are suite paths; positions are load.ts's job.
import { z, type core } from "zod";
import { SuiteSchema } from "../artifacts/suite.ts";

type Path = (string | number)[];
type Issue = core.$ZodIssue;

export function unknownKeyMessage(path: Path, key: string): string {
  return unknownKey(key, allowedKeys(path));
}

export function missingKeyMessage(issue: Issue, path: Path): string {
  const refined = refineExpected(issue, path);
  const expected = refined.code === "invalid_type" ? ` (expected ${expectedName(refined.expected)})` : "";
  return `missing required key \`${path.at(-1)}\`${expected}`;
}

/** The message for a value that is present but wrong. */
export function issueMessage(issue: Issue, path: Path, value: unknown): string {
  return messageOf(refineExpected(issue, path), value);
}

/** zod reports a string given to `z.int()` as "expected number"; the schema knows it wants an integer. */
function refineExpected(issue: Issue, path: Path): Issue {
  if (issue.code !== "invalid_type" || issue.expected !== "number") return issue;
  const schema = schemaAt(path);
  return schema instanceof z.ZodNumber && schema.isInt ? { ...issue, expected: "int" } : issue;
}

function messageOf(issue: Issue, value: unknown): string {
  const found = `found ${describeValue(value)}`;
  switch (issue.code) {
    case "invalid_type":
      return `expected ${expectedName(issue.expected)}, ${found}`;
    case "invalid_value":
      return `expected ${oneOf(issue.values.map((v) => JSON.stringify(v)))}, ${found}`;
    case "invalid_union":
      return `expected ${either(unionAlternatives(issue))}, ${found}`;
    case "invalid_key":
      return `invalid key \`${issue.path.at(-1)?.toString()}\`: ${issue.issues.map((i) => i.message).join("; ")}`;
    case "too_small":
    case "too_big": {
      if (!/^Too (small|big)/.test(issue.message)) return withFound(issue.message, value);
      const min = issue.code === "too_small";
      const limit = min ? issue.minimum : issue.maximum;
      const op = `${min ? ">" : "<"}${issue.inclusive ? "=" : ""}`;
      if (issue.origin === "array") return `needs ${min ? "at least" : "at most"} ${limit} item(s), found ${(value as unknown[]).length}`;
      if (issue.origin === "string") return `needs ${min ? "at least" : "at most"} ${limit} character(s), ${found}`;
      return `must be ${op} ${limit}, ${found}`;
    }
    case "invalid_format":
      return issue.message.startsWith("Invalid") ? `must match ${issue.pattern ?? issue.format}, ${found}` : withFound(issue.message, value);
    default:
      return issue.message;
  }
}

/** Appends the offending value to a schema-authored message when it is a scalar worth echoing. */
function withFound(message: string, value: unknown): string {
  return value === null || typeof value === "object" ? message : `${message} (found ${describeValue(value)})`;
}

function unionAlternatives(issue: core.$ZodIssueInvalidUnion): string[] {
  const alternatives = issue.errors.flatMap((branch) => {
    const root = branch.find((i) => i.path.length === 0);
    if (root?.code === "invalid_value") return root.values.map((v) => JSON.stringify(v));
    if (root?.code === "invalid_type") return [expectedName(root.expected)];
    // An object branch that failed on its required keys: name the mapping by them.
    const missing = branch.filter((i) => i.path.length === 1 && (i.code === "invalid_type" || i.code === "invalid_value") && i.input === undefined).map((i) => `\`${String(i.path[0])}\``);
    return missing.length > 0 ? [`a mapping with ${missing.join(" and ")}`] : [];
  });
  return alternatives.length > 0 ? [...new Set(alternatives)] : ["a valid value"];
}

function unknownKey(key: string, allowed: string[]): string {
  const near = allowed.find((k) => editDistance(k.toLowerCase(), key.toLowerCase()) <= 2);
  const hint = near === undefined ? "" : ` (did you mean \`${near}\`?)`;
  return `unknown key \`${key}\`${hint}; allowed keys: ${allowed.join(", ")}`;
}

/** Keys the schema accepts for the mapping at `path`. */
function allowedKeys(path: Path): string[] {
  const object = schemaAt(path);
  if (object instanceof z.ZodObject) return Object.keys(object.shape);
  if (object instanceof z.ZodUnion) return object.options.flatMap((o) => (o instanceof z.ZodObject ? Object.keys(o.shape) : []));
  return [];
}

/** The schema (defaults and optionals unwrapped) that validates the value at `path`, if any. */
function schemaAt(path: Path): unknown {
  let schema: unknown = SuiteSchema;
  for (const seg of path) schema = child(unwrap(schema), seg);
  return unwrap(schema);
}

function unwrap(schema: unknown): unknown {
  while (schema instanceof z.ZodDefault || schema instanceof z.ZodOptional) schema = schema.unwrap();
  return schema;
}

function child(schema: unknown, seg: string | number): unknown {
  if (schema instanceof z.ZodObject) return schema.shape[seg];
  if (schema instanceof z.ZodArray) return schema.element;
  if (schema instanceof z.ZodRecord) return schema.valueType;
  if (schema instanceof z.ZodUnion) return schema.options.map((o) => child(unwrap(o), seg)).find((s) => s !== undefined);
  return undefined;
}

function expectedName(expected: string): string {
  const names: Record<string, string> = {
    int: "an integer",
    number: "a number",
    string: "a string",
    boolean: "a boolean (true or false)",
    object: "a mapping",
    record: "a mapping",
    array: "a list",
  };
  return names[expected] ?? expected;
}

export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "an empty value";
  if (typeof value === "string") return `string ${JSON.stringify(value)}`;
  if (typeof value === "number") return Number.isInteger(value) ? `integer ${value}` : `number ${value}`;
  if (typeof value === "boolean") return `boolean ${value}`;
  return Array.isArray(value) ? "a list" : "a mapping";
}

function oneOf(options: string[]): string {
  if (options.length <= 1) return options[0] ?? "";
  return `one of ${options.join(", ")}`;
}

function either(options: string[]): string {
  return options.length <= 1 ? (options[0] ?? "") : `${options.slice(0, -1).join(", ")} or ${options.at(-1)}`;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}
