import { readFileSync } from "node:fs";
import type * as Yaml from "yaml";
import { UsageError } from "../errors";
import { describeFileError } from "../file-errors";

/** A configuration file as read: its value, and how its values were written. */
export interface ConfigFile {
  readonly value: unknown;
  /**
   * The text the value at a key path was written as, e.g. `1.10` where YAML read the number 1.1, so
   * that an error can say what to write instead; undefined where the path holds no single value.
   */
  sourceText(this: void, path: readonly PropertyKey[]): string | undefined;
}

/**
 * The YAML parser, loaded with the first file a command reads: commands that read none (`flywheel
 * serve`) do not pay its memory. (Required, as a dynamic import() would make reading asynchronous.)
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- see the note above
export const loadYaml = (): typeof Yaml => require("yaml") as typeof Yaml;

/**
 * Reads a YAML or JSON configuration file (JSON is YAML) without validating it. Throws UsageError
 * naming the file and, for a syntax error, the line.
 */
export function readConfigFile(path: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read the config file ${path}: ${describeFileError(error)}`);
  }
  const { isScalar, parseDocument } = loadYaml();
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const [error] = document.errors;
  if (error !== undefined) {
    const line = error.linePos?.[0];
    const where = line ? ` at line ${line.line}, column ${line.col}` : "";
    throw new UsageError(`the config file ${path} is not valid YAML or JSON${where}: ${error.message.split("\n")[0]}`);
  }
  return {
    value: document.toJS() ?? {},
    sourceText: (keyPath) => {
      const node = document.getIn(keyPath, true);
      return isScalar(node) ? node.source : undefined;
    },
  };
}
