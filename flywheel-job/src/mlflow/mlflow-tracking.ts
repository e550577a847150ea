import { metricNames, type MetricName } from "../config/job-config";
import type { WorkloadType } from "../curation/records";
import { cutUtf8, type EvaluationSample } from "../evaluation/evaluation-samples";
import type { EvalType } from "../evaluation/metrics";
import type { ServiceClientSettings } from "../http/service-client";
import { MlflowClient, type MlflowBatch, type MlflowEntry, type MlflowMetric, mlflowLimits } from "./mlflow-client";

/**
 * Each completed evaluation logged to MLflow as NVIDIA's blueprint does (flywheel-job/README.md,
 * "MLflow"): an experiment per workload, an MLflow run per candidate × evaluation type with its
 * parameters, its scores and its kept per-sample scores as steps. Every key is the job's own word;
 * text of the logs, the samples or a service's answer only ever goes into a value, cut to MLflow's
 * limits.
 */

/** The MLflow experiment of a workload's evaluations: the one place its name is made. */
export function mlflowExperimentName(workloadId: string): string {
  return cutUtf8(`flywheel-${workloadId}`, mlflowLimits.experimentNameLength);
}

/** A completed evaluation, as MLflow gets it. */
export interface TrackedEvaluation {
  readonly flywheelRunId: string;
  readonly workloadId: string;
  readonly clientId: string;
  readonly workloadType: WorkloadType;
  readonly evaluationId: string;
  readonly evalType: EvalType;
  readonly candidateModel: string;
  /** The model id the evaluation called: the candidate's, or its adapter's for `customized-eval`. */
  readonly targetModel: string;
  readonly jobId: string;
  readonly judgeModel: string;
  /** Records of the run's three datasets. */
  readonly datasetRecords: { readonly eval: number; readonly icl: number; readonly train: number };
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly scores: Readonly<Partial<Record<MetricName, number>>>;
  readonly judgeRatings: { readonly rated: number | null; readonly unparsed: number | null; readonly mean_rating: number | null } | null;
  /** The kept lowest-scoring samples, lowest first, and how many the results held (null: unread). */
  readonly samples: readonly EvaluationSample[];
  readonly samplesTotal: number | null;
}

/** Where a run's evaluations are tracked: MLflow in a cluster that has one, a recorder in tests. */
export interface EvaluationTracking {
  /** Where the evaluations go, for the warning when logging fails. */
  readonly description: string;
  /**
   * Logs the evaluation; resolves to the URL of its MLflow run, with a `problem` when everything was
   * logged but MLflow did not take the run's end. Rejects when logging failed; the run only warns.
   */
  logEvaluation(evaluation: TrackedEvaluation, signal: AbortSignal): Promise<LoggedEvaluation>;
}

/** Where an evaluation was logged. */
export interface LoggedEvaluation {
  readonly uri: string;
  /** What went wrong after its data was logged, for a warning; the data is in MLflow all the same. */
  readonly problem?: string;
}

/**
 * How long logging one evaluation may take, every call and retry included: it runs before the
 * candidate's deployment is deleted, so an MLflow that hangs must not hold the candidate's GPUs.
 */
export const mlflowDeadlineMs = 60_000;

/**
 * How long the one call that ends an unfinished MLflow run may take once the run was stopped or its
 * deadline passed: long enough for one answer, short enough not to hold a stopping run.
 */
export const mlflowEndGraceMs = 5_000;

/** The MLflow tracking server at `url` (FLYWHEEL_MLFLOW_URL). */
export class MlflowTracking implements EvaluationTracking {
  readonly description: string;
  private readonly client: MlflowClient;
  /** The base of the runs' URLs: the server's, credentials left out. */
  private readonly browseUrl: string;
  /** Experiment ids by name: the run's evaluations share their workload's, looked up (or created) once. */
  private readonly experiments = new Map<string, Promise<string>>();

  constructor(
    url: string,
    settings: ServiceClientSettings,
    private readonly deadlineMs = mlflowDeadlineMs,
  ) {
    const parsed = new URL(url);
    this.browseUrl = `${parsed.origin}${parsed.pathname.replace(/\/+$/, "")}`;
    this.description = `MLflow at ${this.browseUrl}`;
    this.client = new MlflowClient(url, settings);
  }

  async logEvaluation(evaluation: TrackedEvaluation, runSignal: AbortSignal): Promise<LoggedEvaluation> {
    const deadline = AbortSignal.timeout(this.deadlineMs);
    try {
      return await this.log(evaluation, AbortSignal.any([runSignal, deadline]), runSignal);
    } catch (error) {
      throw deadline.aborted && !runSignal.aborted ? new Error(`not logged within ${this.deadlineMs / 1000} s`) : error;
    }
  }

  private async log(evaluation: TrackedEvaluation, signal: AbortSignal, runSignal: AbortSignal): Promise<LoggedEvaluation> {
    const experimentId = await this.experimentId(mlflowExperimentName(evaluation.workloadId), signal);
    const batch = evaluationBatch(evaluation);
    const runId = await this.client.createRun(
      experimentId,
      { name: cutUtf8(`${evaluation.candidateModel} ${evaluation.evalType}`, mlflowLimits.keyLength), startTime: evaluation.startedAt.getTime(), tags: batch.tags },
      signal,
    );
    try {
      await this.client.logBatch(runId, { ...batch, tags: [] }, signal);
    } catch (error) {
      // The MLflow run says it is incomplete rather than stay RUNNING for ever: KILLED when the
      // flywheel run was stopped, FAILED otherwise. Once stopped or past the deadline, one short
      // call, whose own failure changes nothing.
      const ending = signal.aborted ? AbortSignal.timeout(mlflowEndGraceMs) : signal;
      await this.client.endRun(runId, runSignal.aborted ? "KILLED" : "FAILED", Date.now(), ending).catch(() => undefined);
      throw error;
    }
    const uri = `${this.browseUrl}/#/experiments/${experimentId}/runs/${runId}`;
    try {
      await this.client.endRun(runId, "FINISHED", evaluation.finishedAt.getTime(), signal);
    } catch (error) {
      // Its params, scores and samples are all in MLflow: keep the link, and say the run shows RUNNING.
      return { uri, problem: `its MLflow run holds everything but was not marked FINISHED, and shows RUNNING: ${error instanceof Error ? error.message : String(error)}` };
    }
    return { uri };
  }

  private experimentId(name: string, signal: AbortSignal): Promise<string> {
    let id = this.experiments.get(name);
    if (id === undefined) {
      id = this.client.experimentId(name, signal);
      this.experiments.set(name, id);
      // A failed lookup is tried again by the next evaluation.
      void id.catch(() => this.experiments.delete(name));
    }
    return id;
  }
}

/** The per-sample metrics' keys: `sample/<metric>`, one step per kept sample. */
export const sampleMetricPrefix = "sample/";

/**
 * What an evaluation's MLflow run holds. Params: what was evaluated, on what. Metrics: the scores (0–1,
 * as in the report), the judge's counts, the samples' counts, then each kept sample's scores as
 * `sample/<metric>` at step `rank − 1` (step 0 the lowest-scoring). Tags: the flywheel run, workload
 * and client, to find the runs of one flywheel run.
 */
export function evaluationBatch(evaluation: TrackedEvaluation): MlflowBatch {
  const timestamp = evaluation.finishedAt.getTime();
  const metric = (key: string, value: number | null | undefined, step = 0): MlflowMetric[] =>
    typeof value === "number" && Number.isFinite(value) ? [{ key, value, timestamp, step }] : [];
  const param = (key: string, value: string | number): MlflowEntry => ({ key, value: cutUtf8(String(value), mlflowLimits.paramValueLength) });
  const tag = (key: string, value: string): MlflowEntry => ({ key, value: cutUtf8(value, mlflowLimits.tagValueLength) });
  const customized = evaluation.evalType === "customized-eval";
  const params = [
    param("candidate_model", evaluation.candidateModel),
    param("eval_type", evaluation.evalType),
    param("target_model", evaluation.targetModel),
    param("customized", String(customized)),
    ...(customized ? [param("customized_model", evaluation.targetModel)] : []),
    param("flywheel_run_id", evaluation.flywheelRunId),
    param("evaluation_id", evaluation.evaluationId),
    param("evaluation_job_id", evaluation.jobId),
    param("workload_id", evaluation.workloadId),
    param("client_id", evaluation.clientId),
    param("workload_type", evaluation.workloadType),
    param("judge_model", evaluation.judgeModel),
    param("eval_records", evaluation.datasetRecords.eval),
    param("icl_records", evaluation.datasetRecords.icl),
    param("train_records", evaluation.datasetRecords.train),
  ];
  // Only the job's own metric names become keys, whatever a sample's scores were parsed from.
  const scoresOf = (scores: Readonly<Partial<Record<MetricName, number>>>): (readonly [MetricName, number | undefined])[] => metricNames.map((name) => [name, scores[name]]);
  const metrics = [
    ...scoresOf(evaluation.scores).flatMap(([name, value]) => metric(name, value)),
    ...metric("judge_rated", evaluation.judgeRatings?.rated),
    ...metric("judge_unparsed", evaluation.judgeRatings?.unparsed),
    ...metric("judge_mean_rating", evaluation.judgeRatings?.mean_rating),
    ...metric("samples_total", evaluation.samplesTotal),
    ...metric("samples_kept", evaluation.samples.length),
    ...evaluation.samples.flatMap((sample) => scoresOf(sample.scores).flatMap(([name, value]) => metric(`${sampleMetricPrefix}${name}`, value, sample.rank - 1))),
  ];
  const tags = [
    tag("flywheel.run_id", evaluation.flywheelRunId),
    tag("flywheel.workload_id", evaluation.workloadId),
    tag("flywheel.client_id", evaluation.clientId),
    tag("flywheel.eval_type", evaluation.evalType),
    tag("flywheel.candidate_model", evaluation.candidateModel),
  ];
  return { metrics, params, tags };
}
