import { z } from "zod";
import { extraFieldKeys } from "../api/blueprint-shapes";
import { apiRoutes } from "../api/routes";
import { metricNames } from "../config/job-config";
import { UsageError } from "../errors";
import { evalTypes } from "../evaluation/metrics";
import { headerTokenPattern, headerTokenProblem } from "../http/header-token";
import { ServiceClient, ServiceRequestError } from "../http/service-client";
import type { RunReport } from "../report/run-report";
import { recordIdPattern } from "../store/ids";
import { type DatasetRecord, runStatuses } from "../store/records";
import type { RunDetails, RunStore } from "../store/run-store";

/** The environment variable `flywheel promote --api` reads the Flywheel API's token from (its read token suffices). */
export const flywheelApiTokenVariable = "FLYWHEEL_API_TOKEN";

/** A completed run as promote plans from it. */
export interface PromotionRun {
  readonly id: string;
  readonly workloadId: string;
  readonly clientId: string;
  readonly report: RunReport;
  /** The adapter each candidate's fine-tuning produced, by the candidate's model, exactly as Customizer named it. */
  readonly customizedModels: ReadonlyMap<string, string>;
  /**
   * Where its evaluation set and its ICL set are in Data Store (`hf://datasets/…`), when known: a run
   * store records each dataset's kind; the Flywheel API's blueprint-shaped answer does not.
   */
  readonly evaluationSets: Readonly<Partial<Record<"eval" | "icl", string>>>;
  /** Where the run was read, for messages: "state directory /x" or "the Flywheel API at http://…". */
  readonly from: string;
}

/** Refuses an id that cannot be a run's before anything is asked of a store or the API. */
function requireRunId(id: string): void {
  if (!recordIdPattern.test(id)) {
    throw new UsageError(`${JSON.stringify(id.slice(0, 100))} is not a run id: expected 24 hexadecimal digits, as "flywheel runs list" shows it`);
  }
}

/** The run `id` from a run store (a `--state-dir`, or MongoDB). */
export async function promotionRunFromStore(store: RunStore, id: string): Promise<PromotionRun> {
  requireRunId(id);
  const details = await store.details(id);
  if (details === undefined) {
    throw unknownRun(id, store.description);
  }
  const { run } = details;
  return completedRun({ id, workloadId: run.workload_id, clientId: run.client_id, status: run.status, report: run.report, customizedModels: customizedModelsOf(details), evaluationSets: evaluationSetsOf(run.datasets), from: store.description });
}

function evaluationSetsOf(datasets: readonly DatasetRecord[]): PromotionRun["evaluationSets"] {
  return Object.fromEntries(datasets.flatMap((dataset) => (dataset.kind === "train" ? [] : [[dataset.kind, dataset.nmp_uri]])));
}

function customizedModelsOf(details: RunDetails): Map<string, string> {
  const models = new Map<string, string>();
  for (const customization of details.customizations) {
    const nim = details.nims.find((n) => n.id === customization.nim_id);
    if (nim !== undefined && customization.status === "completed" && customization.customized_model !== null) {
      models.set(nim.model_name, customization.customized_model);
    }
  }
  return models;
}

/** The Flywheel API's answer to `GET /api/jobs/{id}`, as far as promote reads it: a run's fields in the blueprint's words and this project's report. */
const metricName = z.enum(metricNames);
const scores = z.partialRecord(metricName, z.number());
const reportSchema = z.object({
  workload_type: z.enum(["tool_calling", "generic"]).nullable(),
  metrics: z.array(metricName),
  targets: scores,
  ignored_targets: z.array(metricName),
  gpu_hourly_cost: z.number().nullable(),
  rows: z.array(
    z.object({
      model: z.string(),
      gpus: z.int(),
      eval_type: z.enum(evalTypes).nullable(),
      status: z.enum(runStatuses),
      error: z.string().nullable(),
      scores,
      target_met: z.partialRecord(metricName, z.boolean()),
      promotable: z.boolean(),
      cost: z.number(),
      rank: z.int().nullable(),
      judge_unparsed: z.number().nullable(),
      judge_rated: z.number().nullable(),
    }),
  ),
  recommendation: z.object({ model: z.string(), eval_type: z.enum(evalTypes), reason: z.string() }).nullable(),
  notes: z.array(z.string()),
});
const jobDetailSchema = z.object({
  id: z.string(),
  workload_id: z.string(),
  client_id: z.string(),
  // The blueprint calls a pending run `queued`.
  status: z.enum([...runStatuses, "queued"]),
  nims: z.array(z.object({ model_name: z.string(), customizations: z.array(z.object({ customized_model: z.string().nullable() })) })),
  [extraFieldKeys.report]: reportSchema.nullable().optional(),
});

/** One attempt's timeout and the retries of an API that does not answer. */
const apiClientSettings = { timeoutMs: 30_000, retries: 2, initialDelayMs: 1_000, maxDelayMs: 5_000 };

/** The token for `--api`, from FLYWHEEL_API_TOKEN; a UsageError naming the variable when it is missing or cannot be sent. */
export function apiTokenFrom(env: NodeJS.ProcessEnv): string {
  const token = env[flywheelApiTokenVariable]?.trim();
  if (token === undefined || token === "") {
    throw new UsageError(`--api needs the Flywheel API's token: set ${flywheelApiTokenVariable} (its read token is enough)`);
  }
  if (!headerTokenPattern.test(token)) {
    throw new UsageError(`${flywheelApiTokenVariable} ${headerTokenProblem}`);
  }
  return token;
}

/** The run `id` through the Flywheel API at `apiUrl` (`GET /api/jobs/{id}` with the bearer token). */
export async function promotionRunFromApi(apiUrl: string, token: string, id: string, onRetry: (message: string) => void): Promise<PromotionRun> {
  requireRunId(id);
  if (!/^https?:\/\/[^/]/.test(apiUrl) || !URL.canParse(apiUrl)) {
    throw new UsageError(`--api: ${JSON.stringify(apiUrl.slice(0, 200))} is not an http(s) URL`);
  }
  const root = apiUrl.replace(/\/+$/, "");
  const from = `the Flywheel API at ${root}`;
  const url = `${root}${apiRoutes.job.replace("{job_id}", id)}`;
  let answer;
  try {
    answer = await new ServiceClient({ ...apiClientSettings, onRetry }).call({
      service: "Flywheel API",
      action: `read run ${id}`,
      method: "GET",
      url,
      headers: { authorization: `Bearer ${token}` },
      accept: [404],
      signal: new AbortController().signal,
    });
  } catch (error) {
    if (error instanceof ServiceRequestError && (error.status === 401 || error.status === 403)) {
      throw new UsageError(`${error.message}: ${flywheelApiTokenVariable} must hold the API's read or operator token`);
    }
    throw error;
  }
  if (answer.status === 404) {
    throw unknownRun(id, from);
  }
  const parsed = jobDetailSchema.safeParse(answer.body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`${from} answered GET ${url} with what is not a run's detail (${issue.path.join(".") || "the body"}: ${issue.message}): is --api the Flywheel API's URL?`);
  }
  const job = parsed.data;
  const customizedModels = new Map<string, string>();
  for (const nim of job.nims) {
    const adapter = nim.customizations.find((c) => c.customized_model !== null)?.customized_model;
    if (adapter) {
      customizedModels.set(nim.model_name, adapter);
    }
  }
  const status = job.status === "queued" ? "pending" : job.status;
  return completedRun({ id: job.id, workloadId: job.workload_id, clientId: job.client_id, status, report: job[extraFieldKeys.report] ?? null, customizedModels, evaluationSets: {}, from });
}

function unknownRun(id: string, from: string): UsageError {
  return new UsageError(`no run ${id} in ${from}; "flywheel runs list" shows the runs`);
}

/** The run, when it completed and has its report; a UsageError saying what it is otherwise. */
function completedRun(run: Omit<PromotionRun, "report"> & { readonly status: string; readonly report: RunReport | null }): PromotionRun {
  if (run.status !== "completed") {
    throw new UsageError(`run ${run.id} is ${run.status}, not completed: only a completed run's report is evidence to promote on`);
  }
  if (run.report === null) {
    throw new UsageError(`run ${run.id} completed without a report: there is nothing to promote`);
  }
  const { status: _status, ...rest } = run;
  return { ...rest, report: run.report };
}
