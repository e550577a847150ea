import type { ConfigSource } from "../../stacks/config/source";
import { stackConfigSource } from "../../render/stack-files";

/** A shipped stack file's configuration with some keys replaced, added or (with `undefined`) removed. */
export function editedStack(
  stack: string,
  edit: (config: Record<string, unknown>) => void,
  secrets: Record<string, string> = {},
): ConfigSource {
  const source = stackConfigSource(stack);
  const config: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(source.values)) {
    config[key] = /^[[{]/.test(value) ? JSON.parse(value) : value;
  }
  edit(config);
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) {
    if (value !== undefined) {
      values[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
  }
  const secretKeys = new Set(source.secretKeys);
  for (const [key, value] of Object.entries(secrets)) {
    values[key] = value;
    secretKeys.add(key);
  }
  return { ...source, values, secretKeys };
}
