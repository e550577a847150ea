import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { isRecord } from "../policies/lib/values";
import { stackFileConfigSource, type ConfigSource } from "../stacks/config/source";

/** The stack files of the repository: which stacks there are and what each configures. Light to load: no Pulumi program. */

export const repoRoot = path.resolve(__dirname, "..");

/** Names of the stacks that have a `stacks/Pulumi.<stack>.yaml`. */
export function shippedStacks(root = repoRoot): string[] {
  return fs
    .readdirSync(path.join(root, "stacks"))
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

/** A stack without a `stacks/Pulumi.<stack>.yaml`: a mistyped name, the user's to fix. */
export class UnknownStackError extends Error {
  constructor(stack: string, root: string) {
    super(`no stack file stacks/Pulumi.${stack}.yaml (stacks here: ${shippedStacks(root).join(", ")})`);
    this.name = "UnknownStackError";
  }
}

/** The stack file's configuration, as `pulumi up` in this project would see it. */
export function stackConfigSource(stack: string, root = repoRoot): ConfigSource {
  const file = path.join(root, "stacks", `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) {
    throw new UnknownStackError(stack, root);
  }
  const project: unknown = parseYaml(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8"));
  const name = isRecord(project) && "name" in project ? String(project.name) : "";
  return stackFileConfigSource(name, stack, file);
}

