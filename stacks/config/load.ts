import * as pulumi from "@pulumi/pulumi";
import { describeIssues, parseJobConfig } from "../../flywheel-job/src/contract";
import { jobPlatformOf, stackKeyOf, workloadJobConfig, type WorkloadJobConfig } from "../../infra/platform/workload-job-config";
import { stackConfigSchema, type StackSettings } from "./schema";
import { placeholderEndpointCidrs, type AwsSettings } from "./schema/aws";
import { backupRegionProblem } from "./schema/backups";
import type { CredentialSource, ExternalCredential } from "../../infra/platform/external-credentials";
import { secretSettings } from "./secrets";
import type { ConfigSource } from "./source";

/** Where the stack's external credentials come from; the NGC key is always among them. */
export type StackCredentials =
  | (Extract<CredentialSource, { source: "pulumi" }> & { readonly values: { readonly ngcApiKey: pulumi.Output<string> } })
  | (Extract<CredentialSource, { source: "aws-secrets-manager" }> & { readonly names: { readonly ngcApiKey: string } });

/** One workload's schedule and the job configuration its CronJob runs, parsed by the job's parser. */
export interface WorkloadSchedule {
  readonly schedule: string;
  readonly timeZone?: string;
  readonly jobConfig: WorkloadJobConfig;
}

/** The scheduled flywheels of a stack that has workloads: the image is then known. */
export interface FlywheelSchedules {
  readonly image: string;
  readonly maxRunHours: number;
  readonly workloads: readonly WorkloadSchedule[];
}

interface StackConfigBase extends Omit<StackSettings, "cloud" | "aws" | "existingCluster" | "secrets"> {
  readonly project: string;
  readonly stack: string;
  readonly credentials: StackCredentials;
  /** Absent when the stack configures no workload. */
  readonly schedules?: FlywheelSchedules;
  /** The job image (`flywheel.image`), which also runs `flywheel verify platform`; a placeholder in an offline render of a stack that needs one. */
  readonly jobImage?: string;
}

/**
 * A validated stack configuration. Its type carries what validation guaranteed: an AWS stack has its
 * `aws` section and `aws:region`, the NGC key is there, and a stack with workloads has the job image
 * and each workload's parsed job configuration.
 */
export type StackConfig = StackConfigBase &
  (
    | { readonly cloud: "aws"; readonly aws: AwsSettings; readonly region: string; readonly existingCluster?: undefined }
    | { readonly cloud: "existing"; readonly existingCluster?: StackSettings["existingCluster"]; readonly aws?: undefined; readonly region?: undefined }
  );

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

  const backupRegion = parsed.success && region ? backupRegionProblem(parsed.data.platform.backups, region, prefix) : undefined;
  if (backupRegion) {
    problems.push(backupRegion);
  }

  const credentials = parsed.success ? credentialsOf(parsed.data, secretValues, { prefix, stack: source.stack, missingInputs }, problems) : undefined;

  let image = parsed.success ? parsed.data.flywheel.image : undefined;
  const imageNeededFor = !parsed.success
    ? undefined
    : parsed.data.workloads.length > 0
      ? "to schedule workloads"
      : parsed.data.flywheel.api.enabled
        ? "to run the Flywheel API (flywheel.api.enabled)"
        : parsed.data.serving.length > 0
          ? "to verify the served models (data-flywheel:serving runs `flywheel verify serving` from it)"
          : undefined;
  if (imageNeededFor && !image) {
    if (missingInputs === "placeholder") {
      image = placeholderJobImage;
    } else {
      problems.push(
        `${prefix}flywheel.image: is required ${imageNeededFor}; build and push the job image (README, "The job image"), then run ` +
          `\`pulumi config set --path flywheel.image <registry>/<repository>@sha256:<digest> --stack ${source.stack}\``,
      );
    }
  }

  // The shipped dev stack holds a documentation range where the deploying networks go; the offline
  // render accepts it, a real deployment would build a cluster that its own runner cannot reach.
  if (missingInputs === "fail" && parsed.success && parsed.data.aws) {
    for (const { index, cidr } of placeholderEndpointCidrs(parsed.data.aws)) {
      problems.push(
        `${prefix}aws.cluster.endpoint.publicAccessCidrs[${index}]: ${cidr} is a documentation range (RFC 5737) that no machine is in, a placeholder; ` +
          `replace it in Pulumi.${source.stack}.yaml with the public egress address of the runner that deploys this stack and your admins' networks ` +
          `(README, "Who may reach the API endpoint")`,
      );
    }
  }

  // Each workload's job configuration, built as the platform builds it and parsed with the job's own
  // parser: a value the job would refuse fails here, named by its stack key, not days later in a Job.
  const workloads: WorkloadSchedule[] = [];
  if (parsed.success && problems.length === 0) {
    const platform = jobPlatformOf(parsed.data);
    parsed.data.workloads.forEach((workload, i) => {
      const jobConfig = workloadJobConfig(workload, parsed.data.models.candidates, platform);
      try {
        parseJobConfig(jobConfig, `the job configuration of ${prefix}workloads[${i}]`, {
          pathPrefix: prefix,
          writtenAt: (path) => stackKeyOf(path, i, workload, parsed.data.models.candidates),
        });
      } catch (error) {
        problems.push(...((error as { details?: readonly string[] }).details ?? [(error as Error).message]));
      }
      workloads.push({ schedule: workload.schedule, ...(workload.timeZone ? { timeZone: workload.timeZone } : {}), jobConfig });
    });
  }

  if (problems.length > 0 || !parsed.success || !credentials) {
    throw new StackConfigError(source.stack, problems);
  }
  const { cloud, aws, existingCluster, secrets: _credentialSettings, ...settings } = parsed.data;
  const base: StackConfigBase = {
    ...settings,
    project: source.project,
    stack: source.stack,
    credentials,
    ...(image && workloads.length > 0 ? { schedules: { image, maxRunHours: settings.flywheel.maxRunHours, workloads } } : {}),
    ...(image ? { jobImage: image } : {}),
  };
  if (cloud === "aws" && aws && region) {
    return { ...base, cloud, aws, region };
  }
  return { ...base, cloud: "existing", ...(existingCluster ? { existingCluster } : {}) };
}

interface CredentialContext {
  readonly prefix: string;
  readonly stack: string;
  readonly missingInputs: MissingInputs;
}

/**
 * The stack's external credentials from their source: Pulumi secrets (a required one missing is a
 * problem, or a placeholder offline), or the names of AWS Secrets Manager secrets (a required one
 * unnamed, a name the stack would not read, or a value also stored in Pulumi config is a problem).
 * Undefined when a problem was found.
 */
function credentialsOf(settings: StackSettings, secretValues: ReadonlyMap<string, string>, context: CredentialContext, problems: string[]): StackCredentials | undefined {
  const { prefix, stack } = context;
  const before = problems.length;
  if (settings.secrets.source === "aws-secrets-manager") {
    const { names, refreshInterval } = settings.secrets;
    for (const setting of secretSettings) {
      const need = setting.need(settings);
      const at = `${prefix}secrets.names.${setting.key}`;
      if (secretValues.has(setting.key)) {
        problems.push(
          `${prefix}${setting.key}: is stored in Pulumi config, but secrets.source is aws-secrets-manager, where ${names[setting.key] ? `"${names[setting.key]}"` : "a named secret"} holds it; ` +
            `run \`pulumi config rm ${setting.key} --stack ${stack}\``,
        );
      }
      if (need === "required" && names[setting.key] === undefined) {
        problems.push(`${at}: is required (${setting.description}); name the AWS Secrets Manager secret that holds it`);
      }
      if (need === "unused" && names[setting.key] !== undefined) {
        problems.push(`${at}: names "${names[setting.key]}", which this stack never reads (${setting.description}); remove it, or the operator may read a secret for nothing`);
      }
    }
    const ngcApiKey = names.ngcApiKey;
    return problems.length === before && ngcApiKey !== undefined ? { source: "aws-secrets-manager", names: { ...names, ngcApiKey }, refreshInterval } : undefined;
  }

  const values: Partial<Record<ExternalCredential, pulumi.Output<string>>> = {};
  for (const setting of secretSettings) {
    const value = secretValues.get(setting.key);
    const need = setting.need(settings);
    if (need === "unused") {
      continue; // a key the stack never reads is passed to nothing
    }
    if (value !== undefined) {
      values[setting.key] = pulumi.secret(value);
    } else if (need === "required") {
      if (context.missingInputs === "placeholder") {
        values[setting.key] = pulumi.secret(`placeholder-${setting.key}`);
      } else {
        problems.push(
          `${prefix}${setting.key}: is required (${setting.description}); run ` +
            `\`pulumi config set --secret ${setting.key} <value> --stack ${stack}\``,
        );
      }
    }
  }
  const ngcApiKey = values.ngcApiKey;
  return problems.length === before && ngcApiKey !== undefined ? { source: "pulumi", values: { ...values, ngcApiKey } } : undefined;
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
