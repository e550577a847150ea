import { z } from "zod";

/**
 * Turns zod issues into one line each: the key path, what was expected and what was found, e.g.
 * `data.evalSize: expected an integer >= 1, got 0`. Unknown keys get a "did you mean" hint, and a
 * value YAML read as a number where a string belongs (a version such as 1.10) says how to quote it.
 */
export function describeIssues(issues: readonly z.core.$ZodIssue[], schema: z.core.$ZodType, options: DescribeOptions = {}): string[] {
  return issues.flatMap((issue) => describeIssue(issue, schema, options));
}

export interface DescribeOptions {
  /**
   * Written before every key path, e.g. `data-flywheel:` for a Pulumi stack's configuration.
   * @default none
   */
  readonly pathPrefix?: string;
  /** Maps a key path (e.g. `data.seed`) to the command-line flag that set it, so the error names the flag. */
  readonly overrides?: ReadonlyMap<string, string>;
  /**
   * Maps a key path to the command-line flag that can set it, so an error about a key the command
   * line left alone says which flag would change it (without a config file to edit).
   */
  readonly flags?: ReadonlyMap<string, string>;
  /** Keys whose values must never be printed (URLs with passwords, API keys). */
  readonly secretKeys?: ReadonlySet<string>;
  /**
   * The text a value was written as in the file, by key path (see `ConfigFile.sourceText`): YAML
   * reads an unquoted 1.10 as the number 1.1, and only the file still says 1.10.
   */
  readonly sourceText?: (path: readonly PropertyKey[]) => string | undefined;
  /**
   * Where a key path of the validated value was written, when that is somewhere else: the stack
   * config validates each workload's job config with the job's schema, and names the stack key a
   * job key came from (`data.evalSize` → `workloads[0].data.evalSize`).
   * @default the path itself
   */
  readonly writtenAt?: (path: readonly PropertyKey[]) => readonly PropertyKey[];
}

export function formatPath(path: readonly PropertyKey[]): string {
  const text = path.reduce<string>((out, part) => (typeof part === "number" ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part)), "");
  return text || "(top level)";
}

function formatValue(value: unknown): string {
  if (value === undefined) {
    return "nothing";
  }
  const text = JSON.stringify(value) ?? unserializableText(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** A value JSON has no text for: a function or a symbol as `String` writes it, an object whose toJSON returns nothing as `[object Object]`. */
function unserializableText(value: unknown): string {
  return typeof value === "function" || typeof value === "symbol" ? String(value) : Object.prototype.toString.call(value);
}

function describeIssue(issue: z.core.$ZodIssue, schema: z.core.$ZodType, options: DescribeOptions): string[] {
  const key = formatPath(issue.path);
  const flag = options.overrides?.has(key) ? undefined : options.flags?.get(key);
  const lines = describeProblem(issue, schema, options);
  return flag === undefined ? lines : lines.map((line) => `${line}; set it with ${flag}`);
}

function describeProblem(issue: z.core.$ZodIssue, schema: z.core.$ZodType, options: DescribeOptions): string[] {
  const where = (path: readonly PropertyKey[]): string => {
    const key = formatPath(path);
    const flag = options.overrides?.get(key);
    const written = options.writtenAt ? formatPath(options.writtenAt(path)) : key;
    return `${options.pathPrefix ?? ""}${flag ? `${written} (from ${flag})` : written}`;
  };
  const got = options.secretKeys?.has(formatPath(issue.path)) ? "got a value that is not shown because it may hold a secret" : `got ${formatValue(issue.input)}`;
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map((key) => {
        const known = knownKeysAt(schema, issue.path);
        const hint = closest(key, known);
        const suggestion = hint ? ` (did you mean "${hint}"?)` : known.length > 0 ? ` (known keys: ${known.join(", ")})` : "";
        return `${where([...issue.path, key])}: unknown key${suggestion}`;
      });
    case "invalid_type":
      if (issue.input === undefined) {
        return [`${where(issue.path)}: is required (expected ${issue.expected})`];
      }
      if (issue.expected === "string" && typeof issue.input === "number") {
        return [`${where(issue.path)}: expected a string, got the number ${issue.input} (${quotingHint(issue.input, options.sourceText?.(issue.path))})`];
      }
      return [`${where(issue.path)}: expected ${issue.expected}, ${got}`];
    case "invalid_value": {
      const meant = typeof issue.input === "number" ? meantString(issue.input, issue.values, options.sourceText?.(issue.path)) : undefined;
      if (meant !== undefined) {
        return [`${where(issue.path)}: expected the string "${meant}", got the number ${String(issue.input)} (quote it in YAML)`];
      }
      return [`${where(issue.path)}: expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}, ${got}`];
    }
    case "too_small":
    case "too_big": {
      const op = issue.code === "too_small" ? (issue.inclusive === false ? ">" : ">=") : issue.inclusive === false ? "<" : "<=";
      const bound = issue.code === "too_small" ? issue.minimum : issue.maximum;
      const what = issue.origin === "array" ? "a list with length" : issue.origin === "string" ? "a string with length" : "a value";
      return [`${where(issue.path)}: expected ${what} ${op} ${String(bound)}, ${got}`];
    }
    case "invalid_union":
      if (issue.inclusive !== false && issue.options && issue.options.length > 0) {
        // A discriminated union reports the whole object; the discriminator's value is what was wrong.
        const input = issue.input;
        const value = issue.discriminator && typeof input === "object" && input !== null ? (input as Record<string, unknown>)[issue.discriminator] : input;
        return [`${where(issue.path)}: expected one of ${issue.options.map((v) => JSON.stringify(v)).join(", ")}, got ${formatValue(value)}`];
      }
      return [`${where(issue.path)}: ${issue.message}, ${got}`];
    default:
      return [`${where(issue.path)}: ${issue.message}, ${got}`];
  }
}

/**
 * How to write a value YAML read as a number where a string belongs. Unquoted, 1.10 and 1.1 are the
 * same number, so only the file's own text says what was meant; without it (a Pulumi stack's
 * configuration reaches the program as JSON) the hint names both readings.
 */
function quotingHint(input: number, sourceText: string | undefined): string {
  if (sourceText !== undefined && sourceText !== "") {
    return `write "${sourceText}" in quotes in YAML`;
  }
  const readings = Number.isInteger(input) ? [String(input)] : [String(input), `${input}0`];
  return `YAML reads an unquoted ${readings.join(" or ")} as a number: write it in quotes, e.g. "${readings[readings.length - 1]}"`;
}

/** The allowed string an unquoted YAML value was meant to be, e.g. "1.30" for the number 1.3. */
function meantString(input: number, values: readonly unknown[], sourceText: string | undefined): string | undefined {
  const strings = values.filter((value): value is string => typeof value === "string" && value.trim() !== "" && Number(value) === input);
  return strings.find((value) => value === sourceText) ?? strings[0];
}

/** The keys the schema allows at a path, to suggest the intended one for a typo; a union offers its options' keys. */
function knownKeysAt(root: z.core.$ZodType, path: readonly PropertyKey[]): string[] {
  let schemas = objectsOf(root);
  for (const part of path) {
    schemas = schemas.flatMap((schema) => {
      if (typeof part === "number") {
        return schema instanceof z.ZodArray ? objectsOf(schema.element) : [];
      }
      const next: z.core.$ZodType | undefined = isObjectSchema(schema) ? schema.shape[String(part)] : undefined;
      return next ? objectsOf(next) : [];
    });
  }
  return [...new Set(schemas.flatMap((schema) => (isObjectSchema(schema) ? Object.keys(schema.shape) : [])))];
}

/** An object schema, whose shape holds a schema per key. */
function isObjectSchema(schema: z.core.$ZodType): schema is z.ZodObject<z.core.$ZodShape> {
  return schema instanceof z.ZodObject;
}

/** The object (or array) schemas behind optional, defaulted, piped and union wrappers. */
function objectsOf(schema: z.core.$ZodType): z.core.$ZodType[] {
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodDefault || schema instanceof z.ZodPrefault) {
    return objectsOf(schema.unwrap());
  }
  if (schema instanceof z.ZodPipe) {
    return objectsOf(schema.in);
  }
  // A discriminated union is a ZodUnion too. Its options are read as plain schemas: relating the
  // two union classes' option types costs the type checker over a second.
  if (schema instanceof z.ZodUnion) {
    const options: readonly z.core.$ZodType[] = schema.options;
    return options.flatMap(objectsOf);
  }
  return [schema];
}

function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance <= Math.max(2, Math.floor(candidate.length / 3)) && (!best || distance < best.distance)) {
      best = { candidate, distance };
    }
  }
  return best?.candidate;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length];
}
