import * as pulumi from "@pulumi/pulumi";
import { describeIssues } from "../../flywheel-job/src/config/describe-issues";
import { stackConfigSchema, type StackSettings } from "./schema";
import { secretSettings, type SecretName } from "./secrets";
import type { ConfigSource } from "./source";

/** A validated stack configuration. */
export interface StackConfig extends StackSettings {
  readonly project: string;
  readonly stack: string;
  /** `aws:region`, set when `cloud` is `aws`. */
  readonly region?: string;
  /** Secrets this stack needs, as Pulumi secret outputs. */
  readonly secrets: Readonly<Partial<Record<SecretName, pulumi.Output<string>>>>;
}

/**
 * Stands in for the job image in an offline render of a stack file that does not name one yet; a
 * digest of zeros pulls nothing.
 */
const placeholderJobImage = `ghcr.io/data-flywheel/flywheel-job@sha256:${"0".repeat(64)}`;

/**
 * What to do about a required secret or the job image when the stack file does not set it: a real
 * deployment must fail, the offline render (which never sees secret values) uses a placeholder.
 */
export type MissingInputs = "fail" | "placeholder";

/** Every problem found in a stack's configuration, each naming its key. */
export class StackConfigError extends Error {
  constructor(
    readonly stackName: string,
    readonly problems: readonly string[],
  ) {
    super(`Stack "${stackName}" has an invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "StackConfigError";
  }
}

/** Validates a stack's configuration before any resource is declared. Throws StackConfigError. */
export function loadStackConfig(source: ConfigSource, missingInputs: MissingInputs): StackConfig {
  const prefix = `${source.project}:`;
  const problems: string[] = [];
  const secretKeys = new Set<string>(secretSettings.map((s) => s.key));
  const raw: Record<string, unknown> = {};
  const secretValues = new Map<string, string>();

  for (const [fullKey, value] of Object.entries(source.values)) {
    if (!fullKey.startsWith(prefix)) {
      continue; // other namespaces (aws:region, kubernetes:…) belong to their providers
    }
    const key = fullKey.slice(prefix.length);
    if (secretKeys.has(key)) {
      if (!source.secretKeys.has(fullKey)) {
        problems.push(
          `${fullKey}: is stored in plaintext in Pulumi.${source.stack}.yaml; delete it there and run ` +
            `\`pulumi config set --secret ${key} <value> --stack ${source.stack}\``,
        );
      } else {
        secretValues.set(key, value);
      }
      continue;
    }
    if (source.secretKeys.has(fullKey)) {
      problems.push(`${fullKey}: is stored as a secret but is not a secret setting; store it as plain configuration`);
      continue;
    }
    raw[key] = parseRawValue(fullKey, value, problems);
  }

  const parsed = stackConfigSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    problems.push(...describeIssues(parsed.error.issues, stackConfigSchema, { pathPrefix: prefix }));
  }

  const region = source.values["aws:region"];
  if (parsed.success && parsed.data.cloud === "aws" && !region) {
    problems.push(`aws:region: is required when ${prefix}cloud is aws; run \`pulumi config set aws:region <region> --stack ${source.stack}\``);
  }

  const zones = parsed.success ? (parsed.data.aws?.vpc.availabilityZones ?? []) : [];
  zones.forEach((zone, i) => {
    if (region && !zone.startsWith(region)) {
      problems.push(`${prefix}aws.vpc.availabilityZones[${i}]: expected a zone of aws:region ${region}, got ${JSON.stringify(zone)}`);
    }
  });

  const secrets: Partial<Record<SecretName, pulumi.Output<string>>> = {};
  if (parsed.success) {
    for (const setting of secretSettings) {
      const value = secretValues.get(setting.key);
      if (value !== undefined) {
        secrets[setting.key] = pulumi.secret(value);
      } else if (setting.requiredBy(parsed.data)) {
        if (missingInputs === "placeholder") {
          secrets[setting.key] = pulumi.secret(`placeholder-${setting.key}`);
        } else {
          problems.push(
            `${prefix}${setting.key}: is required (${setting.description}); run ` +
              `\`pulumi config set --secret ${setting.key} <value> --stack ${source.stack}\``,
          );
        }
      }
    }
  }

  let flywheel = parsed.success ? parsed.data.flywheel : undefined;
  if (parsed.success && parsed.data.workloads.length > 0 && !parsed.data.flywheel.image) {
    if (missingInputs === "placeholder") {
      flywheel = { ...parsed.data.flywheel, image: placeholderJobImage };
    } else {
      problems.push(
        `${prefix}flywheel.image: is required to schedule workloads; build and push the job image (README, "The job image"), then run ` +
          `\`pulumi config set --path flywheel.image <registry>/<repository>@sha256:<digest> --stack ${source.stack}\``,
      );
    }
  }

  if (problems.length > 0 || !parsed.success || !flywheel) {
    throw new StackConfigError(source.stack, problems);
  }
  return { ...parsed.data, flywheel, project: source.project, stack: source.stack, region, secrets };
}

/** Structured values reach a program as JSON; plain strings stay strings. */
function parseRawValue(fullKey: string, value: string, problems: string[]): unknown {
  if (!/^\s*[[{]/.test(value)) {
    return value;
  }
  try {
    return JSON.parse(value);
  } catch (error) {
    problems.push(`${fullKey}: is not valid structured configuration (${(error as Error).message})`);
    return undefined;
  }
}
