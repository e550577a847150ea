import * as fs from "node:fs";
import type { EnforcementLevel, Policy } from "@pulumi/policy";
import { isRecord } from "../lib/values";

/** A setting's JSON schema, as policies declare it in `configSchema.properties`. */
type SettingSchema = NonNullable<Policy["configSchema"]>["properties"][string];

/** A `--policy-pack-config` file: per policy (or `all`), an enforcement level and/or settings. */
export type PolicyPackConfig = Readonly<Record<string, unknown>>;

/** A policy as the review runs it: its effective enforcement level and settings. */
export interface ConfiguredPolicy<P extends Policy = Policy> {
  readonly policy: P;
  readonly enforcementLevel: EnforcementLevel;
  readonly config: Record<string, unknown>;
}

/** A config file the pack cannot use; the message names the file, the policy and the key. */
export class PolicyConfigError extends Error {}

const enforcementLevels: readonly EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

function isEnforcementLevel(value: unknown): value is EnforcementLevel {
  return typeof value === "string" && (enforcementLevels as readonly string[]).includes(value);
}

function typeOf(value: unknown): string {
  if (Array.isArray(value)) {
    return "array";
  }
  if (value === null) {
    return "null";
  }
  return Number.isInteger(value) ? "integer" : typeof value;
}

/**
 * Checks a value against the parts of JSON Schema the pack's config schemas use (type, enum,
 * minimum, minItems, items, properties, additionalProperties). The Pulumi CLI checks the full
 * schema in a real preview; this keeps the offline review from accepting what a preview refuses.
 */
function schemaErrors(value: unknown, schema: SettingSchema | boolean, at: string): string[] {
  if (typeof schema === "boolean") {
    return schema ? [] : [`${at} is not allowed`];
  }
  const s = schema;
  const actual = typeOf(value);
  const types = s.type === undefined ? [] : [s.type].flat();
  if (types.length > 0 && !types.some((t) => t === actual || (t === "number" && actual === "integer"))) {
    return [`${at} must be ${types.join(" or ")}, not ${actual}`];
  }
  const errors: string[] = [];
  if (s.enum && !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
    errors.push(`${at} must be one of ${s.enum.map((e) => JSON.stringify(e)).join(", ")}`);
  }
  if (typeof value === "number" && s.minimum !== undefined && value < s.minimum) {
    errors.push(`${at} must be at least ${s.minimum}`);
  }
  if (Array.isArray(value)) {
    if (s.minItems !== undefined && value.length < s.minItems) {
      errors.push(`${at} must have at least ${s.minItems} item(s)`);
    }
    if (s.items !== undefined && !Array.isArray(s.items)) {
      const items = s.items;
      value.forEach((item, i) => errors.push(...schemaErrors(item, items, `${at}[${i}]`)));
    }
  }
  if (isRecord(value)) {
    for (const [key, item] of Object.entries(value)) {
      const property = s.properties?.[key] ?? s.additionalProperties;
      if (property !== undefined) {
        errors.push(...schemaErrors(item, property, `${at}.${key}`));
      }
    }
  }
  return errors;
}

function defaultsOf(policy: Policy): Record<string, unknown> {
  const properties = policy.configSchema?.properties ?? {};
  return Object.fromEntries(
    Object.entries(properties).flatMap(([key, schema]) => (schema.default !== undefined ? [[key, schema.default]] : [])),
  );
}

/**
 * Each policy with the enforcement level and settings a preview would give it under this config:
 * the policy's own level unless the config (or its `all` entry) overrides it, and its schema
 * defaults overlaid with the configured settings. Unknown policies and settings, and settings of
 * the wrong type, are errors, as they are for `pulumi preview --policy-pack-config`.
 */
export function configurePolicies<P extends Policy>(policies: readonly P[], packConfig: PolicyPackConfig, source: string): ConfiguredPolicy<P>[] {
  const names = new Set(policies.map((p) => p.name));
  for (const key of Object.keys(packConfig)) {
    if (key !== "all" && !names.has(key)) {
      throw new PolicyConfigError(`${source}: "${key}" is not a policy of this pack (policies: ${[...names].join(", ")})`);
    }
  }
  const all = packConfig.all;
  if (all !== undefined && !isEnforcementLevel(all)) {
    throw new PolicyConfigError(`${source}: "all" must be an enforcement level (${enforcementLevels.join(", ")})`);
  }
  return policies.map((policy) => {
    const entry = packConfig[policy.name];
    let level = all ?? policy.enforcementLevel ?? "advisory";
    let settings: Record<string, unknown> = {};
    if (isEnforcementLevel(entry)) {
      level = entry;
    } else if (isRecord(entry)) {
      const { enforcementLevel, ...rest } = entry;
      if (enforcementLevel !== undefined) {
        if (!isEnforcementLevel(enforcementLevel)) {
          throw new PolicyConfigError(`${source}: ${policy.name}.enforcementLevel must be one of ${enforcementLevels.join(", ")}`);
        }
        level = enforcementLevel;
      }
      const known = policy.configSchema?.properties ?? {};
      for (const key of Object.keys(rest)) {
        if (!(key in known)) {
          throw new PolicyConfigError(`${source}: ${policy.name} has no setting "${key}" (settings: ${Object.keys(known).join(", ") || "none"})`);
        }
      }
      const errors = Object.entries(rest).flatMap(([key, value]) => schemaErrors(value, known[key], `${policy.name}.${key}`));
      if (errors.length > 0) {
        throw new PolicyConfigError(`${source}: ${errors.join("; ")}`);
      }
      settings = rest;
    } else if (entry !== undefined) {
      throw new PolicyConfigError(`${source}: ${policy.name} must be an enforcement level or an object of settings`);
    }
    return { policy, enforcementLevel: level, config: { ...defaultsOf(policy), ...settings } };
  });
}

/** Reads a pack config file (JSON). */
export function readPolicyPackConfig(file: string): PolicyPackConfig {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    throw new PolicyConfigError(`cannot read the policy pack config ${file}: ${(error as Error).message}`);
  }
  if (!isRecord(parsed)) {
    throw new PolicyConfigError(`${file} must hold a JSON object of policy names`);
  }
  return parsed;
}
