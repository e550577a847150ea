import { formatPath } from "../config/describe-issues";
import { type FlywheelJobConfig, parseJobConfig } from "../config/job-config";
import type { ConfigFile } from "../config/load-config-file";
import { UsageError } from "../errors";
import { isRecord } from "../json-fields";

/** A command-line flag that sets a configuration key, e.g. `--seed` for `data.seed`. */
export interface KeyFlag {
  /** The key path it sets, e.g. `["data", "seed"]`. */
  readonly key: readonly string[];
  readonly flag: string;
  /** What the command line gave; undefined when the flag was not given. */
  readonly value: string | number | undefined;
}

/**
 * The job configuration a command runs with: `file` (named `origin` in messages) with the given flags'
 * values set, validated by `parseJobConfig` with what only the command line knows: the header names
 * the flags that changed the file, a wrong key names the flag that can set it, and a value YAML
 * misread shows how it was written.
 */
export function jobConfigFrom(file: ConfigFile, origin: string, keyFlags: readonly KeyFlag[]): FlywheelJobConfig {
  const raw = file.value;
  if (!isRecord(raw)) {
    throw new UsageError(`${origin} must hold a mapping of configuration keys, not ${Array.isArray(raw) ? "a list" : JSON.stringify(raw)}`);
  }
  const given = keyFlags.filter((keyFlag) => keyFlag.value !== undefined);
  for (const { key, value } of given) {
    setKey(raw, key, value);
  }
  const overrides = new Map(given.map(({ key, flag }) => [key.join("."), flag]));
  const withFlags = given.length > 0 ? ` with ${given.map(({ flag, value }) => `${flag} ${String(value)}`).join(" ")}` : "";
  return parseJobConfig(raw, `${origin}${withFlags}`, {
    overrides,
    flags: new Map(keyFlags.map(({ key, flag }) => [key.join("."), flag])),
    sourceText: (path) => (overrides.has(formatPath(path)) ? undefined : file.sourceText(path)),
  });
}

/** Sets a nested key, creating the objects on the way; a value that is not an object is left for validation to report. */
function setKey(target: Record<string, unknown>, key: readonly string[], value: unknown): void {
  let object = target;
  for (const part of key.slice(0, -1)) {
    const next = object[part] ?? {};
    if (!isRecord(next)) {
      return;
    }
    object[part] = next;
    object = next;
  }
  object[key[key.length - 1]] = value;
}
