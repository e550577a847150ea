import type { WorkloadType } from "../curation/records";

/**
 * What a run needs from NeMo, one interface per service. The pipeline only sees these; the v1
 * (25.x) API is one implementation (`v1/`), and NVIDIA's newer workspace-based API can be another
 * without touching the pipeline. Every call takes the signal that cancels the run.
 */

/** A dataset: a repo in Data Store and a record in Entity Store with the same namespace and name. */
export interface DatasetRef {
  readonly namespace: string;
  readonly name: string;
}

/** A local file and where it goes in the dataset's repo. */
export interface DatasetFile {
  readonly pathInRepo: string;
  readonly localPath: string;
}

export interface DataStore {
  ensureNamespace(namespace: string, signal: AbortSignal): Promise<void>;
  /** Creates the dataset's repo; one that exists is fine. */
  createDatasetRepo(dataset: DatasetRef, signal: AbortSignal): Promise<void>;
  uploadFiles(dataset: DatasetRef, files: readonly DatasetFile[], signal: AbortSignal): Promise<void>;
  /** Deletes the repo; false when there was none. */
  deleteDatasetRepo(dataset: DatasetRef, signal: AbortSignal): Promise<boolean>;
  /** How other services refer to the dataset, or to one file in it. */
  filesUrl(dataset: DatasetRef, pathInRepo?: string): string;
}

export interface EntityStore {
  ensureNamespace(namespace: string, signal: AbortSignal): Promise<void>;
  /** Registers the dataset (or updates its record) so Customizer and Evaluator find it by name. */
  registerDataset(dataset: DatasetRef, details: { readonly filesUrl: string; readonly description: string }, signal: AbortSignal): Promise<void>;
  /** False when there was no such dataset. */
  deleteDataset(dataset: DatasetRef, signal: AbortSignal): Promise<boolean>;
  /** Deletes a model (a fine-tuned adapter) by the name Customizer gave it; false when there was none. */
  deleteModel(model: string, signal: AbortSignal): Promise<boolean>;
}

/** The lifecycle every job API maps onto. */
export type JobState = "pending" | "running" | "completed" | "failed" | "cancelled";

export function isFinished(state: JobState): boolean {
  return state === "completed" || state === "failed" || state === "cancelled";
}

/** One look at a job, in the terms every job API maps onto. */
export interface JobStatus {
  readonly state: JobState;
  /** The service's own word for it, for messages. */
  readonly status: string;
  /** 0–100, when the service computes it. */
  readonly percentDone?: number;
  /** Fine-tuning only. */
  readonly epochsCompleted?: number;
  readonly stepsCompleted?: number;
  /** Evaluations only. */
  readonly samplesProcessed?: number;
  /** Why it failed, when the service says. */
  readonly message?: string;
}

/**
 * What a request to stop a job found: `done` (it was cancelled or deleted), `already_ended` (it had
 * finished), `not_found` (the service has no such job), `unsupported` (this API version has no such
 * call for it).
 */
export type StopAnswer = "done" | "already_ended" | "not_found" | "unsupported";

/**
 * What the run can do with a job on a NeMo service once it is started, whichever service runs it:
 * `run/nemo-job.ts` drives every job through these, so the cleanup path exists once.
 */
export interface JobControl {
  /** The job's state; undefined when the service has no such job (any more). */
  status(id: string, signal: AbortSignal): Promise<JobStatus | undefined>;
  cancel(id: string, signal: AbortSignal): Promise<StopAnswer>;
  /** Deletes the job, which also stops it where the API has no cancel call. */
  delete(id: string, signal: AbortSignal): Promise<StopAnswer>;
  /** Where a person can look the job up. */
  url(id: string): string;
}

/** LoRA SFT settings of one candidate. */
export interface CustomizationSpec {
  readonly namespace: string;
  /** The Customizer target, e.g. `meta/llama-3.2-1b-instruct@2.0`. */
  readonly target: string;
  readonly trainingGpus: number;
  readonly maxSeqLength: number;
  readonly trainingPrecision: string;
  /** Name of the job (unique per run). */
  readonly jobName: string;
  /** Name the adapter is stored under, without a version: the service may append one. */
  readonly outputModel: string;
  readonly dataset: DatasetRef;
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly loraAdapterDim: number;
  readonly loraAdapterDropout: number;
}

export interface Customizer {
  /** Starts a LoRA fine-tuning job; `outputModel` is the exact name the adapter will be served under. */
  startCustomization(spec: CustomizationSpec, signal: AbortSignal): Promise<{ readonly id: string; readonly outputModel: string }>;
  readonly jobs: JobControl;
}

/** An OpenAI-compatible chat model: where it is and its model id there. */
export interface ModelEndpoint {
  /** Full chat-completions URL. */
  readonly url: string;
  readonly modelId: string;
  readonly apiKey?: string;
}

export interface EvaluationSpec {
  readonly workloadType: WorkloadType;
  /** URL of the dataset file, as `DataStore.filesUrl` gives it. */
  readonly datasetFileUrl: string;
  readonly records: number;
  /** The model under evaluation. */
  readonly target: ModelEndpoint;
  readonly judge: ModelEndpoint;
}

/**
 * Raw results: the tool-calling accuracies (0–1) and the judge's ratings as the service aggregated
 * them, as reported: a value may be NaN or out of range, which `scoresFrom` refuses.
 */
export interface EvaluationResults {
  readonly functionNameAccuracy?: number;
  readonly functionNameAndArgsAccuracy?: number;
  readonly judge?: {
    /** Mean of the ratings the judge gave (1–10 for similarity, 0/1 for tool-call correctness). */
    readonly mean?: number;
    /** Ratings that parsed. */
    readonly rated?: number;
    /** Judge replies in which no rating could be found. */
    readonly unparsed?: number;
  };
}

export interface Evaluator {
  startEvaluation(spec: EvaluationSpec, signal: AbortSignal): Promise<string>;
  /** `records` is how many the evaluation was given, to count the judge replies that had no rating. */
  evaluationResults(id: string, spec: Pick<EvaluationSpec, "workloadType" | "records">, signal: AbortSignal): Promise<EvaluationResults>;
  readonly jobs: JobControl;
}

export interface NemoServices {
  readonly dataStore: DataStore;
  readonly entityStore: EntityStore;
  /** Absent when no URL is known (a stack without fine-tuning does not deploy Customizer). */
  readonly customizer?: Customizer;
  readonly evaluator: Evaluator;
}
