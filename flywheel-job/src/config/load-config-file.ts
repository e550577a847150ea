import { readFileSync } from "node:fs";
import { parse as parseYaml, YAMLParseError } from "yaml";
import { UsageError } from "../errors";
import { describeFileError } from "../file-errors";

/**
 * Reads a YAML or JSON configuration file (JSON is YAML) into a plain value, without validating it.
 * Throws UsageError naming the file and, for a syntax error, the line.
 */
export function readConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read the config file ${path}: ${describeFileError(error)}`);
  }
  try {
    return parseYaml(text, { prettyErrors: true, uniqueKeys: true }) ?? {};
  } catch (error) {
    if (error instanceof YAMLParseError) {
      const line = error.linePos?.[0];
      const where = line ? ` at line ${line.line}, column ${line.col}` : "";
      throw new UsageError(`the config file ${path} is not valid YAML or JSON${where}: ${error.message.split("\n")[0]}`);
    }
    throw error;
  }
}
