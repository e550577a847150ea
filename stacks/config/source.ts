import * as fs from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";

/**
 * Where a stack's configuration comes from: the Pulumi engine during `pulumi up`, or a stack file
 * read directly for the offline render. Values are strings as Pulumi hands them over (structured
 * values as JSON); `secretKeys` are the keys that were stored encrypted.
 */
export interface ConfigSource {
  readonly project: string;
  readonly stack: string;
  /** Full keys (`namespace:key`) to their raw values. */
  readonly values: Readonly<Record<string, string>>;
  readonly secretKeys: ReadonlySet<string>;
}

/** The configuration of the running Pulumi program. */
export function pulumiConfigSource(): ConfigSource {
  // The language host lists the keys that were stored encrypted in this variable; it is what
  // @pulumi/pulumi itself reads to tell secrets apart.
  const secretKeys: unknown = JSON.parse(process.env.PULUMI_CONFIG_SECRET_KEYS ?? "[]");
  return {
    project: pulumi.getProject(),
    stack: pulumi.getStack(),
    values: pulumi.runtime.allConfig(),
    secretKeys: new Set(Array.isArray(secretKeys) ? secretKeys.map(String) : []),
  };
}

function hasSecureValue(value: unknown): boolean {
  if (value === null || typeof value !== "object") {
    return false;
  }
  if (!Array.isArray(value) && Object.keys(value).length === 1 && "secure" in value) {
    return true;
  }
  return Object.values(value).some(hasSecureValue);
}

/**
 * Reads `Pulumi.<stack>.yaml` the way the Pulumi CLI hands it to a program, except that encrypted
 * values cannot be decrypted offline: they keep their ciphertext and are listed as secret keys.
 */
export function stackFileConfigSource(project: string, stack: string, file: string): ConfigSource {
  const document: unknown = parseYaml(fs.readFileSync(file, "utf8"));
  const config: unknown = document && typeof document === "object" && "config" in document ? document.config : {};
  if (config === null || typeof config !== "object" || Array.isArray(config)) {
    throw new Error(`${file}: "config" must be a map of keys to values`);
  }
  const values: Record<string, string> = {};
  const secretKeys = new Set<string>();
  for (const [key, value] of Object.entries(config)) {
    if (hasSecureValue(value)) {
      secretKeys.add(key);
    }
    values[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return { project, stack, values, secretKeys };
}
