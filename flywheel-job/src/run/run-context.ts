import type { GpuBudget, RunLocks } from "../budget/gpu-budget";
import type { FlywheelJobConfig } from "../config/job-config";
import type { WorkloadType } from "../curation/records";
import type { ModelEndpoints } from "../http/model-endpoints";
import type { RunLog } from "../log";
import type { LogSource } from "../logs/log-source";
import type { JobMetricsSink } from "../metrics/run-metrics";
import type { EvaluationTracking } from "../mlflow/mlflow-tracking";
import type { DatasetLocation, ModelPlatform } from "../platform/model-platform";
import type { RunStore } from "../store/run-store";
import type { PollSettings } from "../waits/poll-until";

/** Everything a run talks to; built from the environment by the CLI, from stand-ins by the tests. */
export interface RunServices {
  readonly store: RunStore;
  readonly budget: GpuBudget;
  readonly locks: RunLocks;
  /** Where datasets are published and candidates deployed, evaluated and fine-tuned. */
  readonly platform: ModelPlatform;
  /** The model endpoints the run calls itself, with retries: the judge check, embeddings. */
  readonly models: Pick<ModelEndpoints, "checkChatModel" | "embed">;
  readonly logSource: LogSource;
  readonly log: RunLog;
  /** Where the run pushes its metrics at each stage's end and at its exit; absent: nowhere. */
  readonly metrics?: JobMetricsSink;
  /** Where each completed evaluation is logged (MLflow, with FLYWHEEL_MLFLOW_URL); absent: nowhere. */
  readonly tracking?: EvaluationTracking;
}

/** What one run does, fixed before it starts. */
export interface RunSettings {
  readonly config: FlywheelJobConfig;
  readonly workloadId: string;
  readonly clientId: string;
  /** The Kubernetes Job running the run (owner of what it deploys); absent outside a Job. */
  readonly job?: { readonly name: string; readonly uid: string; readonly namespace: string };
  /** The pending run to adopt (`flywheel run --run-id`, recorded by `POST /api/jobs`); absent: the run records a new one. */
  readonly runId?: string;
  readonly judgeApiKey?: string;
  readonly embeddingApiKey?: string;
  /** Where datasets are written before they are uploaded. */
  readonly workDirectory: string;
}

export interface PublishedDataset extends DatasetLocation {
  readonly records: number;
}

/** The three datasets of a run, as published. */
export interface PublishedDatasets {
  readonly eval: PublishedDataset;
  readonly icl: PublishedDataset;
  readonly train: PublishedDataset;
}

/** What the steps of every candidate share. */
export interface CandidateContext {
  readonly services: RunServices;
  readonly settings: RunSettings;
  readonly runId: string;
  readonly workloadType: WorkloadType;
  readonly datasets: PublishedDatasets;
}

/** Poll settings of a wait with the given stall timeout. */
export function pollSettings(config: FlywheelJobConfig, stallMinutes: number): PollSettings {
  return { minIntervalMs: config.polling.minSeconds * 1000, maxIntervalMs: config.polling.maxSeconds * 1000, stallTimeoutMs: stallMinutes * 60_000 };
}

/** How long cleanup (deleting deployments, cancelling jobs) may take: inside the CronJob's 5-minute grace period. */
const cleanupMs = 120_000;

/** A signal for cleanup calls: not the run's (which is aborted when cleanup runs), but bounded in time. */
export function cleanupSignal(): AbortSignal {
  return AbortSignal.timeout(cleanupMs);
}

/**
 * A signal for a call that creates a job: a stop does not interrupt it, because a request cut off in
 * flight may still have created the job, and only its answer tells the run which job to cancel.
 * The caller checks the run's signal right after.
 */
export function creationSignal(): AbortSignal {
  return AbortSignal.timeout(cleanupMs);
}

export function runtimeSeconds(start: Date | null, end: Date): number | null {
  return start === null ? null : Math.round((end.getTime() - start.getTime()) / 100) / 10;
}
