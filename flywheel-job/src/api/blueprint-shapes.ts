import { type CustomizationRecord, type DatasetRecord, type EvaluationRecord, type JudgeRunRecord, type NimDeploymentStatus, type NimRecord, type RunRecord, type RunStatus, runStatuses } from "../store/records";
import { encodeRunCursor, type RunCursor } from "../store/run-page";
import { type JsonObject, type JsonValue, recordJson } from "../store/run-json";
import type { RunDetails } from "../store/run-store";

/**
 * This project's run records in the shapes of the blueprint's REST API (`JobListItem`,
 * `JobsListResponse`, `JobDetailResponse` in data-flywheel-openapi.json), so a blueprint client reads
 * them unchanged. The one place where this project's words become the blueprint's.
 *
 * The blueprint requires some fields this project leaves null until a part has started
 * (`started_at`, `runtime_seconds`). Such a part is left out of the answer until it has started,
 * never sent with a null. A part that has started but not finished reports the seconds it has run
 * so far, as the blueprint's own records do while they grow.
 */

/** The blueprint's `DeploymentStatus` enum. */
export type BlueprintDeploymentStatus = "created" | "pending" | "running" | "cancelled" | "cancelling" | "failed" | "completed" | "ready" | "unknown";
/** The blueprint's `NIMRunStatus` enum: it has no `running`, it says which half of the work runs. */
export type BlueprintNimStatus = "pending" | "deploying-nim" | "running-evals" | "cancelled" | "completed" | "failed";
/** What the blueprint calls a run that is recorded but not started. Its other statuses are this project's words. */
export type BlueprintJobStatus = "queued" | Exclude<RunStatus, "pending">;

/**
 * A NIM deployment's status in the blueprint's words:
 *
 * | this project       | blueprint   | why                                                              |
 * |--------------------|-------------|------------------------------------------------------------------|
 * | `pending`          | `created`   | recorded, nothing asked of the cluster yet                       |
 * | `waiting_for_gpus` | `pending`   | asked for, waiting for resources, as NeMo's deployments say it   |
 * | `deploying`        | `running`   | the deployment is in progress                                    |
 * | `ready`            | `ready`     | serving                                                          |
 * | `deleted`          | `completed` | served its run and was removed, the normal end                   |
 * | `not_deployed`     | `cancelled` | the run stopped or failed before the NIM was deployed            |
 * | `delete_failed`    | `unknown`   | deleting it failed: whether it still exists is not known         |
 */
export const blueprintDeploymentStatus: Readonly<Record<NimDeploymentStatus, BlueprintDeploymentStatus>> = {
  pending: "created",
  waiting_for_gpus: "pending",
  deploying: "running",
  ready: "ready",
  deleted: "completed",
  not_deployed: "cancelled",
  delete_failed: "unknown",
};

/** The judge's status in the blueprint's words: the words are the same. */
const judgeDeploymentStatus: Readonly<Record<JudgeRunRecord["deployment_status"], BlueprintDeploymentStatus>> = {
  pending: "pending",
  ready: "ready",
  failed: "failed",
};

/** Deployment states in which a running NIM is still being brought up, not yet evaluated. */
const deployingStatuses: readonly NimDeploymentStatus[] = ["pending", "waiting_for_gpus", "deploying"];

export function blueprintJobStatus(status: RunStatus): BlueprintJobStatus {
  return status === "pending" ? "queued" : status;
}

/** A running NIM is `deploying-nim` until its deployment is up, `running-evals` after. */
export function blueprintNimStatus(nim: Pick<NimRecord, "status" | "deployment_status">): BlueprintNimStatus {
  if (nim.status !== "running") {
    return nim.status;
  }
  return deployingStatuses.includes(nim.deployment_status) ? "deploying-nim" : "running-evals";
}

/** Seconds a part has run: as recorded once it ended, until now while it runs; undefined before it started. */
function runtimeSeconds(part: { readonly started_at: Date | null; readonly runtime_seconds: number | null }, now: Date): number | undefined {
  if (part.runtime_seconds !== null) {
    return Math.max(0, part.runtime_seconds);
  }
  if (part.started_at === null) {
    return undefined;
  }
  return Math.max(0, (now.getTime() - part.started_at.getTime()) / 1000);
}

function time(value: Date | null): string | null {
  return value === null ? null : value.toISOString();
}

function datasetShape(dataset: DatasetRecord): JsonObject {
  return { name: dataset.name, num_records: dataset.num_records, nmp_uri: dataset.nmp_uri };
}

export function jobListItem(run: RunRecord): JsonObject {
  return {
    id: run.id,
    workload_id: run.workload_id,
    client_id: run.client_id,
    status: blueprintJobStatus(run.status),
    started_at: run.started_at.toISOString(),
    finished_at: time(run.finished_at),
    datasets: run.datasets.map(datasetShape),
    error: run.error,
  };
}

/** A blueprint status as this project records it: `queued` is `pending`. */
export function runStatusOf(status: BlueprintJobStatus): RunStatus {
  return status === "queued" ? "pending" : status;
}

export const blueprintJobStatuses: readonly BlueprintJobStatus[] = runStatuses.map(blueprintJobStatus);

/**
 * `GET /api/jobs` and `flywheel runs list --json`: the runs in the order given (the store's: newest
 * first) and, when more follow, `next_cursor`, the opaque cursor of the next page (a field the
 * blueprint does not have, so its clients ignore it).
 */
export function jobsListResponse(runs: readonly RunRecord[], next?: RunCursor): JsonObject {
  return next === undefined ? { jobs: runs.map(jobListItem) } : { jobs: runs.map(jobListItem), next_cursor: encodeRunCursor(next) };
}

function evaluationShape(evaluation: EvaluationRecord, now: Date): JsonObject | undefined {
  const runtime = runtimeSeconds(evaluation, now);
  if (evaluation.started_at === null || runtime === undefined) {
    return undefined;
  }
  const scores: Record<string, number> = {};
  for (const [metric, score] of Object.entries(evaluation.scores)) {
    if (typeof score === "number" && Number.isFinite(score)) {
      scores[metric] = score;
    }
  }
  return {
    eval_type: evaluation.eval_type,
    scores,
    started_at: evaluation.started_at.toISOString(),
    finished_at: time(evaluation.finished_at),
    runtime_seconds: runtime,
    progress: evaluation.progress,
    nmp_uri: evaluation.nmp_uri,
    mlflow_uri: evaluation.mlflow_uri ?? null,
    error: evaluation.error,
  };
}

function customizationShape(customization: CustomizationRecord, now: Date): JsonObject | undefined {
  const runtime = runtimeSeconds(customization, now);
  if (customization.started_at === null || runtime === undefined) {
    return undefined;
  }
  return {
    started_at: customization.started_at.toISOString(),
    finished_at: time(customization.finished_at),
    runtime_seconds: runtime,
    progress: customization.progress,
    epochs_completed: customization.epochs_completed,
    steps_completed: customization.steps_completed,
    nmp_uri: customization.nmp_uri,
    customized_model: customization.customized_model,
    error: customization.error,
  };
}

function present<T>(value: T | undefined): value is T {
  return value !== undefined;
}

function nimShape(nim: NimRecord, details: RunDetails, now: Date): JsonObject | undefined {
  const runtime = runtimeSeconds(nim, now);
  if (runtime === undefined) {
    return undefined;
  }
  return {
    model_name: nim.model_name,
    status: blueprintNimStatus(nim),
    deployment_status: blueprintDeploymentStatus[nim.deployment_status],
    runtime_seconds: runtime,
    evaluations: details.evaluations
      .filter((evaluation) => evaluation.nim_id === nim.id)
      .map((evaluation) => evaluationShape(evaluation, now))
      .filter(present),
    customizations: details.customizations
      .filter((customization) => customization.nim_id === nim.id)
      .map((customization) => customizationShape(customization, now))
      .filter(present),
    error: nim.error,
  };
}

function judgeShape(judge: JudgeRunRecord): JsonObject {
  return { model_name: judge.model_name, type: judge.deployment_type, deployment_status: judgeDeploymentStatus[judge.deployment_status], error: judge.error };
}

/** This project's fields on a job's detail, under keys no blueprint field has, so a blueprint client ignores them. */
export const extraFieldKeys = { report: "flywheel_report", dropCounts: "flywheel_drop_counts", seed: "flywheel_seed" } as const;

/** A record serialized as `runs show --json` prints it, or null. */
function recordJsonOrNull(value: object | null): JsonValue {
  return value === null ? null : recordJson(value);
}

/**
 * `GET /api/jobs/{id}`. `num_records` is required by the blueprint but unknown until the run has read
 * its logs: 0 until then, which is what the blueprint's own records hold at that point.
 */
export function jobDetailResponse(details: RunDetails, now: Date): JsonObject {
  const { run } = details;
  const judge = details.judgeRuns[0];
  return {
    ...jobListItem(run),
    num_records: run.num_records ?? 0,
    llm_judge: judge === undefined ? null : judgeShape(judge),
    nims: details.nims.map((nim) => nimShape(nim, details, now)).filter(present),
    [extraFieldKeys.report]: recordJsonOrNull(run.report),
    [extraFieldKeys.dropCounts]: recordJsonOrNull(run.drop_counts),
    // A queued run's seed is a placeholder until its Job adopts it and records the workload's.
    ...(run.status === "pending" ? {} : { [extraFieldKeys.seed]: run.seed }),
  };
}
