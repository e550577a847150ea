import { messageOf } from "../errors";
import { type EvaluationSample, SamplesUnavailable } from "../evaluation/evaluation-samples";
import type { EvalType } from "../evaluation/metrics";
import { scoresFrom } from "../evaluation/metrics";
import type { ModelEndpoint } from "../http/model-endpoints";
import type { TrackedEvaluation } from "../mlflow/mlflow-tracking";
import { newRecordId } from "../store/ids";
import { type EvaluationRecord, type EvaluationSamplesSummary, pendingEvaluation } from "../store/records";
import { runPlatformJob } from "./platform-job";
import type { CandidateContext, PublishedDataset } from "./run-context";

/** Records an evaluation as pending before it can start (the customized one waits for fine-tuning). */
export async function recordEvaluation(context: CandidateContext, nimId: string, evalType: EvalType): Promise<string> {
  const record = pendingEvaluation({ nim_id: nimId, eval_type: evalType });
  await context.services.store.insertEvaluation(record);
  return record.id;
}

/**
 * One evaluation job through the job lifecycle (`runPlatformJob`): started on the dataset against
 * the target, its scores read and recorded once it completes, then its per-sample results
 * (`storeEvaluationSamples`), then, with MLflow, all of it logged there (`trackEvaluation`).
 * Throws when it did not complete or its scores are not usable.
 */
export async function runEvaluation(
  context: CandidateContext,
  evaluationId: string,
  what: string,
  dataset: PublishedDataset,
  target: ModelEndpoint,
  signal: AbortSignal,
): Promise<void> {
  const { store, platform } = context.services;
  const { config } = context.settings;
  const spec = {
    workloadType: context.workloadType,
    dataset,
    records: dataset.records,
    target,
    judge: { url: config.judge.url, modelId: config.judge.modelId, apiKey: context.settings.judgeApiKey },
  };
  let collected: Pick<EvaluationRecord, "scores" | "judge_ratings"> | undefined;
  const jobId = await runPlatformJob<{ readonly id: string }, string, Pick<EvaluationRecord, "scores" | "judge_ratings">>(
    context,
    {
      what,
      kind: "evaluation job",
      control: platform.evaluator.jobs,
      stallMinutes: config.stallTimeouts.evaluationMinutes,
      start: async (creation) => ({ id: await platform.evaluator.startEvaluation(spec, creation) }),
      started: () => ({ fields: {}, note: "" }),
      progressFields: (status) => ({ common: status.percentDone === undefined ? {} : { progress: status.percentDone } }),
      collect: async ({ id }, collecting) => {
        const { scores, judgeRatings } = scoresFrom(context.workloadType, await platform.evaluator.evaluationResults(id, spec, collecting));
        collected = { scores, judge_ratings: { rated: judgeRatings.rated ?? null, unparsed: judgeRatings.unparsed ?? null, mean_rating: judgeRatings.meanRating ?? null } };
        return {
          value: id,
          fields: collected,
          note: Object.entries(scores).map(([name, value]) => `${name} ${value.toFixed(3)}`).join(", ") || "no scores",
        };
      },
      record: (common, own) => store.updateEvaluation(evaluationId, { ...own, ...common }),
    },
    signal,
  );
  const kept = await storeEvaluationSamples(context, evaluationId, what, jobId, signal);
  if (collected !== undefined) {
    await trackEvaluation(context, { evaluationId, what, jobId, target, collected, ...kept }, signal);
  }
}

/**
 * Logs the completed evaluation to MLflow (`services.tracking`) and records its run's URL as the
 * evaluation's `mlflow_uri`. Never fails the evaluation nor the run: a failure is a warning in the
 * run's log, like a failed metrics push; a stop of the run ends the logging at once, unrecorded.
 */
async function trackEvaluation(
  context: CandidateContext,
  evaluation: {
    readonly evaluationId: string;
    readonly what: string;
    readonly jobId: string;
    readonly target: ModelEndpoint;
    readonly collected: Pick<EvaluationRecord, "scores" | "judge_ratings">;
    readonly samples: readonly EvaluationSample[];
    readonly total: number | null;
  },
  signal: AbortSignal,
): Promise<void> {
  const { tracking, store, log } = context.services;
  if (tracking === undefined || signal.aborted) {
    return;
  }
  const { settings, runId, datasets } = context;
  const { evaluationId, what } = evaluation;
  try {
    const details = await store.details(runId);
    const record = details?.evaluations.find((e) => e.id === evaluationId);
    const nim = details?.nims.find((n) => n.id === record?.nim_id);
    if (record === undefined || nim === undefined) {
      throw new Error(`evaluation ${evaluationId} is not among run ${runId}'s records`);
    }
    const finishedAt = record.finished_at ?? new Date();
    const tracked: TrackedEvaluation = {
      flywheelRunId: runId,
      workloadId: settings.workloadId,
      clientId: settings.clientId,
      workloadType: context.workloadType,
      evaluationId,
      evalType: record.eval_type,
      candidateModel: nim.model_name,
      targetModel: evaluation.target.modelId,
      jobId: evaluation.jobId,
      judgeModel: settings.config.judge.modelId,
      datasetRecords: { eval: datasets.eval.records, icl: datasets.icl.records, train: datasets.train.records },
      startedAt: record.started_at ?? finishedAt,
      finishedAt,
      scores: evaluation.collected.scores,
      judgeRatings: evaluation.collected.judge_ratings,
      samples: evaluation.samples,
      samplesTotal: evaluation.total,
    };
    const { uri, problem } = await tracking.logEvaluation(tracked, signal);
    await store.updateEvaluation(evaluationId, { mlflow_uri: uri });
    if (problem === undefined) {
      log.info(`${what}: logged to MLflow: ${uri}`);
    } else {
      log.warn(`${what}: logged to MLflow (${uri}), but ${problem}`);
    }
  } catch (error) {
    if (!signal.aborted) {
      log.warn(`${what}: could not log to ${tracking.description} (the run goes on): ${messageOf(error)}`);
    }
  }
}

/**
 * Keeps the completed evaluation's lowest-scoring records (`evaluation_samples`) and records what
 * became of them (`samples`). Never fails the evaluation: results the platform cannot give, or that
 * cannot be read, become the summary's `problem`, logged; a stop of the run ends the download at
 * once and is recorded the same way (the run's next step sees the stop).
 */
async function storeEvaluationSamples(
  context: CandidateContext,
  evaluationId: string,
  what: string,
  jobId: string,
  signal: AbortSignal,
): Promise<{ readonly samples: readonly EvaluationSample[]; readonly total: number | null }> {
  const { store, platform, log } = context.services;
  const bounds = context.settings.config.evaluationSamples;
  const kept = { per_evaluation: bounds.perEvaluation, max_text_bytes: bounds.maxTextBytes, max_messages: bounds.maxMessages };
  let summary: EvaluationSamplesSummary;
  let samples: readonly EvaluationSample[] = [];
  try {
    const sampled = await platform.evaluator.evaluationSamples(jobId, { workloadType: context.workloadType }, bounds, signal);
    const runId = context.runId;
    await store.insertEvaluationSamples(sampled.samples.map((sample) => ({ id: newRecordId(), flywheel_run_id: runId, evaluation_id: evaluationId, ...sample })));
    summary = { stored: sampled.samples.length, total: sampled.total, problem: sampled.problem, bounds: kept };
    samples = sampled.samples;
  } catch (error) {
    const problem = signal.aborted
      ? "the run stopped before the per-sample results were read"
      : error instanceof SamplesUnavailable
        ? error.message
        : `the per-sample results could not be read: ${messageOf(error)}`;
    summary = { stored: 0, total: null, problem, bounds: kept };
  }
  await store.updateEvaluation(evaluationId, { samples: summary });
  if (summary.problem === null) {
    log.info(`${what}: kept ${summary.stored} of ${summary.total ?? 0} per-sample results`);
  } else {
    log.warn(`${what}: per-sample results: ${summary.problem}${summary.stored > 0 ? ` (kept ${summary.stored} of ${summary.total ?? 0})` : ""}`);
  }
  return { samples, total: summary.total };
}

/** Marks an evaluation that never started (its customization failed, or the run stopped first). */
export async function skipEvaluation(context: CandidateContext, evaluationId: string, status: "failed" | "cancelled", reason: string): Promise<void> {
  await context.services.store.updateEvaluation(evaluationId, { status, error: reason, finished_at: new Date() });
}
