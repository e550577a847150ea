import type { MetricName } from "../config/job-config";
import type { StageCounts } from "../curation/curate";
import { dropReasons } from "../curation/drop-reasons";
import { type EvaluationRecord, finishedStatuses, type NimRecord, type RunStatus, runStatuses } from "../store/records";

/**
 * The job's own metrics (flywheel-job/README.md, "Metrics"), built from what a run recorded. Pure:
 * no clock, no network; `pushgateway.ts` sends what this builds. Every series is of the run's group
 * (workload and client, which the Pushgateway adds as labels): no label holds a run id, so the
 * number of series stays bounded however many runs there are.
 */

/** The Pushgateway's `job` label of every group the job pushes; the dashboards and alerts select by it. */
export const pushJobName = "flywheel";

/** The stages of a run whose ends are pushed, in the order the run goes through them. */
export const runStages = ["sweep", "judge_check", "curation", "publish_datasets", "candidates"] as const;
export type RunStage = (typeof runStages)[number];

/** The statuses `flywheel_run_status` has a series for: a run pushes once it runs, never while pending. */
const pushedRunStatuses: readonly RunStatus[] = runStatuses.filter((status) => status !== "pending");

/** The `stage` label of `flywheel_curation_records` for each count curation keeps, in pipeline order. */
const curationStages: readonly (readonly [keyof StageCounts, string])[] = [
  ["pulled", "pulled"],
  ["valid", "valid"],
  ["ofWorkloadType", "of_workload_type"],
  ["unique", "unique"],
  ["sampled", "sampled"],
];

/** What a metric is: its name, help text and labels. The README's table lists the same. */
export interface JobMetric {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
}

/** Every metric the job pushes, each a gauge (a push replaces its group, so none accumulates across runs). */
export const jobMetrics = {
  runStatus: { name: "flywheel_run_status", help: "1 for the run's status (running at a stage's end, then completed, failed or cancelled), 0 for the others", labelNames: ["status"] },
  runStart: { name: "flywheel_run_start_timestamp_seconds", help: "When the run started, in seconds since the Unix epoch", labelNames: [] },
  runDuration: { name: "flywheel_run_duration_seconds", help: "Seconds from the run's start to this push (to its end, once it ended)", labelNames: [] },
  stageDuration: { name: "flywheel_stage_duration_seconds", help: "Seconds each stage of the run that ended took", labelNames: ["stage"] },
  curationRecords: { name: "flywheel_curation_records", help: "Records left after each curation stage (pulled, valid, of the workload's type, unique, sampled)", labelNames: ["stage"] },
  droppedRecords: { name: "flywheel_curation_dropped_records", help: "Pulled records curation did not use, by the first check each failed", labelNames: ["reason"] },
  evaluationScore: { name: "flywheel_evaluation_score_ratio", help: "Score 0-1 of each completed evaluation, per candidate model, evaluation type and metric", labelNames: ["candidate", "eval_type", "metric"] },
  evaluationTarget: { name: "flywheel_evaluation_target_ratio", help: "Minimum score 0-1 the workload's targets set per metric, which a candidate must reach in an evaluation type to be promotable", labelNames: ["metric"] },
  candidateGpuSeconds: { name: "flywheel_candidate_gpu_seconds", help: "GPUs held from the GPU budget times the seconds they were held, per candidate model that held them and finished", labelNames: ["candidate"] },
} as const satisfies Record<string, JobMetric>;

/** One series: its labels (beyond the group's) and its value. */
export interface MetricSample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** A metric with the samples one push holds of it. */
export interface MetricFamily extends JobMetric {
  readonly samples: readonly MetricSample[];
}

/** What a run has recorded by the time of a push. */
export interface RunMetricsInput {
  /** `running` at a stage's end; the run's final status at its exit. */
  readonly status: RunStatus;
  readonly startedAt: Date;
  /** The time of the push. */
  readonly at: Date;
  /** Seconds of each stage that ended. */
  readonly stageSeconds: Readonly<Partial<Record<RunStage, number>>>;
  /** Curation's counts, once curation ended. */
  readonly curation?: StageCounts;
  /** The run record's `drop_counts`, once curation recorded them. */
  readonly dropCounts?: Readonly<Record<string, number>> | null;
  readonly nims: readonly NimRecord[];
  readonly evaluations: readonly EvaluationRecord[];
  /** The workload's targets: one target applies to every evaluation type, so it has no `eval_type` label. */
  readonly targets: Readonly<Partial<Record<MetricName, number>>>;
}

/**
 * The families of one push. Only what this run recorded is there: a candidate that is still running,
 * or was not in this run, has no series, and a family without samples is left out, so the push (which
 * replaces the group) leaves no series of an earlier run behind.
 */
export function jobMetricFamilies(input: RunMetricsInput): MetricFamily[] {
  const family = (metric: JobMetric, samples: readonly MetricSample[]): MetricFamily => ({ ...metric, samples });
  // runtime_seconds is recorded when a candidate that held its GPUs gives them back: null while it holds them, or if it never did.
  const heldGpus = input.nims.filter((nim) => finishedStatuses.includes(nim.status) && nim.runtime_seconds !== null);
  const completedEvaluations = input.evaluations.filter((evaluation) => evaluation.status === "completed");
  const modelOf = new Map(input.nims.map((nim) => [nim.id, nim.model_name]));
  const { curation, dropCounts } = input;
  const families = [
    family(
      jobMetrics.runStatus,
      pushedRunStatuses.map((status) => ({ labels: { status }, value: status === input.status ? 1 : 0 })),
    ),
    family(jobMetrics.runStart, [{ labels: {}, value: input.startedAt.getTime() / 1000 }]),
    family(jobMetrics.runDuration, [{ labels: {}, value: Math.max(0, (input.at.getTime() - input.startedAt.getTime()) / 1000) }]),
    family(
      jobMetrics.stageDuration,
      runStages.flatMap((stage) => {
        const seconds = input.stageSeconds[stage];
        return seconds === undefined ? [] : [{ labels: { stage }, value: seconds }];
      }),
    ),
    family(jobMetrics.curationRecords, curation === undefined ? [] : curationStages.map(([key, stage]) => ({ labels: { stage }, value: curation[key] }))),
    family(jobMetrics.droppedRecords, dropCounts === undefined || dropCounts === null ? [] : dropReasons.map((reason) => ({ labels: { reason }, value: dropCounts[reason] ?? 0 }))),
    family(
      jobMetrics.evaluationScore,
      completedEvaluations.flatMap((evaluation) => {
        const candidate = modelOf.get(evaluation.nim_id);
        return candidate === undefined
          ? []
          : Object.entries(evaluation.scores).flatMap(([metric, value]) => (value === undefined ? [] : [{ labels: { candidate, eval_type: evaluation.eval_type, metric }, value }]));
      }),
    ),
    family(
      jobMetrics.evaluationTarget,
      Object.entries(input.targets).flatMap(([metric, value]) => (value === undefined ? [] : [{ labels: { metric }, value }])),
    ),
    family(
      jobMetrics.candidateGpuSeconds,
      heldGpus.map((nim) => ({ labels: { candidate: nim.model_name }, value: nim.gpus * (nim.runtime_seconds ?? 0) })),
    ),
  ];
  return families.filter((built) => built.samples.length > 0);
}
