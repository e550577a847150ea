import type { DataSettings, MetricName } from "../config/job-config";
import type { WorkloadType } from "../curation/records";
import type { EvalType } from "../evaluation/metrics";
import type { RunReport } from "../report/run-report";
import { newRecordId } from "./ids";

/**
 * What a run records (flywheel-job/README.md, "Run records"). Collections and field names are the
 * blueprint's, so its users recognise them; fields it did not have are marked. Ids are 24
 * hexadecimal digits (ObjectIds in MongoDB).
 */

export const runStatuses = ["pending", "running", "completed", "failed", "cancelled"] as const;
export type RunStatus = (typeof runStatuses)[number];
/** Status of a candidate, an evaluation or a customization: the words of a run's. */
export type StepStatus = RunStatus;

export const finishedStatuses: readonly RunStatus[] = ["completed", "failed", "cancelled"];
export const activeStatuses: readonly RunStatus[] = ["pending", "running"];

export interface DatasetRecord {
  /** This project's: which of the three datasets. */
  readonly kind: "eval" | "icl" | "train";
  readonly name: string;
  readonly num_records: number;
  /** Where NeMo finds it, e.g. `hf://datasets/dfwbp/flywheel-eval-…`. */
  readonly nmp_uri: string;
}

/**
 * What an on-demand run (`POST /api/jobs`) asked to change in its workload's curation, for that run
 * only: the blueprint's `data_split_config` in the job's words. Keys left out keep the workload's values.
 */
export type DataSplitOverrides = Partial<Pick<DataSettings, "evalSize" | "valRatio" | "minTotalRecords" | "seed" | "limit">>;

/** Keys of `DataSplitOverrides`, in the order the job's config schema declares them. */
export const dataSplitOverrideKeys = ["limit", "evalSize", "valRatio", "minTotalRecords", "seed"] as const satisfies readonly (keyof DataSplitOverrides)[];

export interface RunRecord {
  readonly id: string;
  readonly workload_id: string;
  readonly client_id: string;
  readonly status: RunStatus;
  readonly started_at: Date;
  readonly finished_at: Date | null;
  readonly num_records: number | null;
  readonly datasets: readonly DatasetRecord[];
  readonly error: string | null;
  // This project's fields:
  readonly seed: number;
  readonly drop_counts: Readonly<Record<string, number>> | null;
  readonly report: RunReport | null;
  readonly workload_type: WorkloadType | null;
  /** The targets and GPU price the run was configured with: `runs show` reports a run as it was judged. */
  readonly targets: Readonly<Partial<Record<MetricName, number>>>;
  readonly gpu_hourly_cost: number | null;
  /** The Kubernetes Job that ran it, when it ran in one. */
  readonly job: { readonly name: string; readonly uid: string; readonly namespace: string } | null;
  /**
   * Curation overrides of an on-demand run, recorded by the API with the pending run and applied by
   * the Job that adopts it. Null for a scheduled run; absent in records written before it existed.
   */
  readonly data_split_overrides?: DataSplitOverrides | null;
}

/**
 * Where a candidate's NIM deployment is: `pending` (recorded, not started), `waiting_for_gpus`,
 * `deploying`, `ready`, and at its end `deleted`, `not_deployed` (it never got that far) or
 * `delete_failed` (the run deletes it again at its end, the next run's sweep otherwise).
 */
export const nimDeploymentStatuses = ["pending", "waiting_for_gpus", "deploying", "ready", "deleted", "not_deployed", "delete_failed"] as const;
export type NimDeploymentStatus = (typeof nimDeploymentStatuses)[number];

export interface NimRecord {
  readonly id: string;
  readonly flywheel_run_id: string;
  readonly model_name: string;
  readonly status: StepStatus;
  readonly deployment_status: NimDeploymentStatus;
  readonly started_at: Date | null;
  readonly finished_at: Date | null;
  readonly runtime_seconds: number | null;
  readonly error: string | null;
  // This project's fields:
  readonly gpus: number;
  /** Name of the NIMService it ran as. */
  readonly nim_service: string | null;
}

/**
 * What the run did to a NeMo job it stopped waiting for before the job ended (it failed, stalled, or
 * the run stopped): `cancelled`, `deleted` (where the API has no cancel call), `already ended`,
 * `already gone`, or `left running: <reason>`. Null while the run waits, and when the job ended on
 * its own.
 */
export type JobStop = "cancelled" | "deleted" | "already ended" | "already gone" | `left running: ${string}`;

export interface EvaluationRecord {
  readonly id: string;
  readonly nim_id: string;
  readonly eval_type: EvalType;
  /** Every metric on a 0–1 scale (similarity normalised from the judge's 1–10). */
  readonly scores: Readonly<Partial<Record<MetricName, number>>>;
  /** 0–100. */
  readonly progress: number;
  readonly job_id: string | null;
  readonly nmp_uri: string | null;
  readonly started_at: Date | null;
  readonly finished_at: Date | null;
  readonly runtime_seconds: number | null;
  readonly error: string | null;
  // This project's fields:
  readonly status: StepStatus;
  /** Judge replies that gave a rating, that gave none, and the mean rating on the judge's own scale. */
  readonly judge_ratings: { readonly rated: number | null; readonly unparsed: number | null; readonly mean_rating: number | null } | null;
  readonly job_stop: JobStop | null;
  /** What became of the per-sample results (`evaluation_samples`); absent or null before the evaluation completed. */
  readonly samples?: EvaluationSamplesSummary | null;
  /**
   * The blueprint's field: the evaluation's run in MLflow (`<MLflow>/#/experiments/<id>/runs/<id>`),
   * once it was logged there; absent or null without MLflow, before, or when logging failed.
   */
  readonly mlflow_uri?: string | null;
}

/** The per-sample results kept of a completed evaluation, or why there are none. */
export interface EvaluationSamplesSummary {
  /** Sample records stored in `evaluation_samples`. */
  readonly stored: number;
  /** Records Evaluator's results held, when they could be read. */
  readonly total: number | null;
  /** Why nothing (or less than the bound) was stored, e.g. "the results ZIP has no per-sample file"; null when all went well. */
  readonly problem: string | null;
  /** The bounds they were kept under (the job's `evaluationSamples` then), so a page can say what a cut means; absent in older records. */
  readonly bounds?: { readonly per_evaluation: number; readonly max_text_bytes: number; readonly max_messages: number };
}

/** One message of a sampled conversation. */
export interface SampleMessage {
  readonly role: string;
  readonly content: string;
}

/**
 * One of an evaluation's lowest-scoring records, kept for review beside what production answered.
 * Its own collection, not a field of the run: a run's samples could outgrow a MongoDB document.
 * Every text is cut to the sample bound; `truncated` names what was cut.
 */
export interface EvaluationSampleRecord {
  readonly id: string;
  readonly flywheel_run_id: string;
  readonly evaluation_id: string;
  /** 1 for the evaluation's lowest-scoring record. */
  readonly rank: number;
  /** The metric the samples are ordered by, and this record's score in it (null: Evaluator gave none). */
  readonly metric: MetricName;
  readonly score: number | null;
  /** Every metric Evaluator scored this record in, 0–1 as on the evaluation. */
  readonly scores: Readonly<Partial<Record<MetricName, number>>>;
  /** The request's messages as the evaluation sent them (system, user, earlier turns). */
  readonly conversation: readonly SampleMessage[];
  /** Production's logged response: its text, or its tool calls as JSON. */
  readonly reference: string;
  /** The candidate's response: its text, or its tool calls as JSON. */
  readonly response: string;
  /** Fields cut to the text bound (`reference`, `response`, `conversation[2]`), and `conversation` when messages beyond the message bound were left out. */
  readonly truncated: readonly string[];
}

/**
 * The in-context examples a run's ICL evaluation showed, kept so that the Flywheel API can serve
 * them to applications (`GET /api/jobs/{id}/icl-examples`): applications never reach Data Store,
 * where the ICL dataset is. One record per run, in its own collection; bounded
 * (src/curation/icl/icl-example-pool.ts), so it stays far below a MongoDB document's 16 MiB.
 * This project's collection: the blueprint has none.
 */
export interface IclExamplePoolRecord {
  readonly id: string;
  readonly flywheel_run_id: string;
  /** The run's `icl.selection`. */
  readonly selection: "uniform" | "semantic";
  /** The run's `icl.maxExamples`: examples shown to one evaluation record at most. */
  readonly max_examples_per_record: number;
  /** How many evaluation records got 0, 1, 2, … examples. */
  readonly examples_per_record: readonly number[];
  /** The text put before the examples in the system message, as the run wrote it. */
  readonly instruction: string;
  /** Distinct examples the ICL dataset used, kept or not. */
  readonly distinct_examples: number;
  /** The examples kept, most used first. */
  readonly examples: readonly IclExampleEntry[];
  /** Examples used but not kept: beyond the count bound, or larger than the byte bound. */
  readonly omitted: { readonly over_count: number; readonly over_bytes: number };
  /** The bounds the pool was kept under. */
  readonly bounds: { readonly max_examples: number; readonly max_example_bytes: number };
}

/** One example of a pool. */
export interface IclExampleEntry {
  /** Evaluation records it was shown to. */
  readonly uses: number;
  /**
   * `{"request": …, "response": …}` as compact JSON, the request as the ICL dataset's lines send one
   * (tool-call arguments as JSON strings). Text, not a nested document: tool schemas carry keys such
   * as `$ref` and `$defs` that a MongoDB document may refuse, and its length is what the byte bound measured.
   */
  readonly example_json: string;
}

export interface CustomizationRecord {
  readonly id: string;
  readonly nim_id: string;
  readonly job_id: string | null;
  readonly base_model: string;
  /** The adapter's name exactly as Customizer returned it. */
  readonly customized_model: string | null;
  /** 0–100. */
  readonly progress: number;
  readonly epochs_completed: number;
  readonly steps_completed: number;
  readonly started_at: Date | null;
  readonly finished_at: Date | null;
  readonly runtime_seconds: number | null;
  readonly error: string | null;
  // This project's fields:
  readonly status: StepStatus;
  readonly nmp_uri: string | null;
  readonly job_stop: JobStop | null;
}

/** Whether the judge answered the run's test question: `pending`, `ready` or `failed`. */
export type JudgeDeploymentStatus = "pending" | "ready" | "failed";

export interface JudgeRunRecord {
  readonly id: string;
  readonly flywheel_run_id: string;
  readonly model_name: string;
  /** `local` (a NIM in the cluster) or `remote`. */
  readonly deployment_type: "local" | "remote";
  readonly deployment_status: JudgeDeploymentStatus;
  readonly error: string | null;
}

/** The collections and their records. */
export interface Collections {
  readonly flywheel_runs: RunRecord;
  readonly nims: NimRecord;
  readonly evaluations: EvaluationRecord;
  readonly customizations: CustomizationRecord;
  readonly llm_judge_runs: JudgeRunRecord;
  readonly evaluation_samples: EvaluationSampleRecord;
  readonly icl_example_pools: IclExamplePoolRecord;
}

export type CollectionName = keyof Collections;
export const collectionNames: readonly CollectionName[] = ["flywheel_runs", "nims", "evaluations", "customizations", "llm_judge_runs", "evaluation_samples", "icl_example_pools"];

/** Fields that refer to another record's id (ObjectIds in MongoDB). */
export const referenceFields: readonly string[] = ["flywheel_run_id", "nim_id", "evaluation_id"];
/** Fields that hold times. */
export const dateFields: readonly string[] = ["started_at", "finished_at"];

export type Patch<R> = Partial<Omit<R, "id">>;

/*
 * The records of a run's parts as they are opened, before anything started: the caller gives what
 * identifies the part, the rest is the state of one that has not begun. Each gets a new id.
 */

export function pendingRun(
  fields: Pick<RunRecord, "workload_id" | "client_id" | "started_at" | "seed" | "targets" | "gpu_hourly_cost" | "job"> & Pick<Partial<RunRecord>, "data_split_overrides">,
): RunRecord {
  return {
    id: newRecordId(fields.started_at),
    data_split_overrides: null,
    ...fields,
    status: "pending",
    finished_at: null,
    num_records: null,
    datasets: [],
    error: null,
    drop_counts: null,
    report: null,
    workload_type: null,
  };
}

export function pendingNim(fields: Pick<NimRecord, "flywheel_run_id" | "model_name" | "gpus">): NimRecord {
  return { id: newRecordId(), ...fields, status: "pending", deployment_status: "pending", started_at: null, finished_at: null, runtime_seconds: null, error: null, nim_service: null };
}

export function pendingJudgeRun(fields: Pick<JudgeRunRecord, "flywheel_run_id" | "model_name" | "deployment_type">): JudgeRunRecord {
  return { id: newRecordId(), ...fields, deployment_status: "pending", error: null };
}

export function pendingEvaluation(fields: Pick<EvaluationRecord, "nim_id" | "eval_type">): EvaluationRecord {
  return { id: newRecordId(), ...fields, scores: {}, progress: 0, job_id: null, nmp_uri: null, started_at: null, finished_at: null, runtime_seconds: null, error: null, status: "pending", judge_ratings: null, job_stop: null };
}

export function pendingCustomization(fields: Pick<CustomizationRecord, "nim_id" | "base_model">): CustomizationRecord {
  return {
    id: newRecordId(),
    ...fields,
    job_id: null,
    customized_model: null,
    progress: 0,
    epochs_completed: 0,
    steps_completed: 0,
    started_at: null,
    finished_at: null,
    runtime_seconds: null,
    error: null,
    status: "pending",
    nmp_uri: null,
    job_stop: null,
  };
}
