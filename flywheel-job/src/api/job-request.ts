import { dataSettingsSchema } from "../config/job-config";
import { isRecord } from "../json-fields";
import { type DataSplitOverrides, dataSplitOverrideKeys } from "../store/records";
import { quotedKey, type ValidationIssue } from "./validation-error";

/** `POST /api/jobs` as the job understands it: the pair, and the run's curation overrides in the job's words. */
export interface JobRequest {
  readonly workloadId: string;
  readonly clientId: string;
  readonly overrides: DataSplitOverrides;
}

type OverrideKey = (typeof dataSplitOverrideKeys)[number];

/**
 * The blueprint's `DataSplitConfig` keys this job supports, and the job's name for each. The
 * blueprint's `parse_function_arguments` is not among them: the job has no such setting, and
 * accepting it would pretend that it changed something.
 */
export const dataSplitConfigKeys: Readonly<Record<string, OverrideKey>> = {
  limit: "limit",
  eval_size: "evalSize",
  val_ratio: "valRatio",
  min_total_records: "minTotalRecords",
  random_seed: "seed",
};

/** The job's own rules for these keys: its config schema's, so an override is valid exactly when the same value in the config would be. */
const overridesSchema = dataSettingsSchema.pick({ limit: true, evalSize: true, valRatio: true, minTotalRecords: true, seed: true }).partial().strict();

/** Longest workload or client id accepted; the stack's ids are far shorter. */
const maxIdLength = 256;

const requestKeys = ["workload_id", "client_id", "data_split_config"];

/** Issues named in one answer at most: a body of a thousand unknown keys gets the first ones. */
const maxIssues = 20;

function idField(body: Record<string, unknown>, key: string, issues: ValidationIssue[]): string {
  const value = body[key];
  if (value === undefined) {
    issues.push({ loc: ["body", key], msg: "Field required", type: "missing" });
  } else if (typeof value !== "string") {
    issues.push({ loc: ["body", key], msg: "Input should be a valid string", type: "string_type" });
  } else if (value.length === 0 || value.length > maxIdLength) {
    issues.push({ loc: ["body", key], msg: `should have 1 to ${maxIdLength} characters`, type: "string_length" });
  } else {
    return value;
  }
  return "";
}

function overridesOf(config: unknown, issues: ValidationIssue[]): DataSplitOverrides {
  if (config === undefined || config === null) {
    return {};
  }
  if (!isRecord(config)) {
    issues.push({ loc: ["body", "data_split_config"], msg: "Input should be a valid dictionary or null", type: "dict_type" });
    return {};
  }
  const mapped: Record<string, unknown> = {};
  const snakeOf: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) {
    const jobKey = Object.hasOwn(dataSplitConfigKeys, key) ? dataSplitConfigKeys[key] : undefined;
    if (jobKey === undefined) {
      issues.push({
        loc: ["body", "data_split_config", quotedKey(key)],
        msg: `not supported by this flywheel; the supported keys are ${Object.keys(dataSplitConfigKeys).join(", ")}`,
        type: "not_supported",
      });
    } else if (!(jobKey === "seed" && value === null)) {
      // A null seed means the workload's, as leaving it out does.
      mapped[jobKey] = value;
      snakeOf[jobKey] = key;
    }
  }
  const parsed = overridesSchema.safeParse(mapped);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const [jobKey] = issue.path;
      issues.push({ loc: ["body", "data_split_config", snakeOf[String(jobKey)] ?? String(jobKey)], msg: issue.message, type: issue.code === "invalid_type" ? `${issue.expected}_type` : "value_error" });
    }
    return {};
  }
  // Only what the client sent: a key left out keeps the workload's value, not the schema's default.
  const overrides: DataSplitOverrides = Object.fromEntries(dataSplitOverrideKeys.filter((key) => key in mapped).map((key) => [key, parsed.data[key]]));
  return overrides;
}

/**
 * The blueprint's `JobRequest`, checked: the pair's ids and a `data_split_config` mapped to the job's
 * keys and validated by the job's schema. An unknown field anywhere is refused rather than ignored,
 * so a misspelt key cannot silently run with the workload's value.
 */
export function parseJobRequest(body: unknown): { readonly request: JobRequest } | { readonly issues: readonly ValidationIssue[] } {
  if (!isRecord(body)) {
    return { issues: [{ loc: ["body"], msg: "Input should be a valid dictionary", type: "dict_type" }] };
  }
  const issues: ValidationIssue[] = [];
  for (const key of Object.keys(body).filter((k) => !requestKeys.includes(k))) {
    issues.push({ loc: ["body", quotedKey(key)], msg: "Extra inputs are not permitted", type: "extra_forbidden" });
  }
  const workloadId = idField(body, "workload_id", issues);
  const clientId = idField(body, "client_id", issues);
  const overrides = overridesOf(body.data_split_config, issues);
  return issues.length > 0 ? { issues: issues.slice(0, maxIssues) } : { request: { workloadId, clientId, overrides } };
}
