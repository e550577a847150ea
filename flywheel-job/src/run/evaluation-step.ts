import { messageOf } from "../errors";
import { SamplesUnavailable } from "../evaluation/evaluation-samples";
import type { EvalType } from "../evaluation/metrics";
import { scoresFrom } from "../evaluation/metrics";
import type { ModelEndpoint } from "../http/model-endpoints";
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
 * (`storeEvaluationSamples`). Throws when it did not complete or its scores are not usable.
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
        return {
          value: id,
          fields: { scores, judge_ratings: { rated: judgeRatings.rated ?? null, unparsed: judgeRatings.unparsed ?? null, mean_rating: judgeRatings.meanRating ?? null } },
          note: Object.entries(scores).map(([name, value]) => `${name} ${value.toFixed(3)}`).join(", ") || "no scores",
        };
      },
      record: (common, own) => store.updateEvaluation(evaluationId, { ...own, ...common }),
    },
    signal,
  );
  await storeEvaluationSamples(context, evaluationId, what, jobId, signal);
}

/**
 * Keeps the completed evaluation's lowest-scoring records (`evaluation_samples`) and records what
 * became of them (`samples`). Never fails the evaluation: results the platform cannot give, or that
 * cannot be read, become the summary's `problem`, logged; a stop of the run ends the download at
 * once and is recorded the same way (the run's next step sees the stop).
 */
async function storeEvaluationSamples(context: CandidateContext, evaluationId: string, what: string, jobId: string, signal: AbortSignal): Promise<void> {
  const { store, platform, log } = context.services;
  const bounds = context.settings.config.evaluationSamples;
  const kept = { per_evaluation: bounds.perEvaluation, max_text_bytes: bounds.maxTextBytes, max_messages: bounds.maxMessages };
  let summary: EvaluationSamplesSummary;
  try {
    const sampled = await platform.evaluator.evaluationSamples(jobId, { workloadType: context.workloadType }, bounds, signal);
    const runId = context.runId;
    await store.insertEvaluationSamples(sampled.samples.map((sample) => ({ id: newRecordId(), flywheel_run_id: runId, evaluation_id: evaluationId, ...sample })));
    summary = { stored: sampled.samples.length, total: sampled.total, problem: sampled.problem, bounds: kept };
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
}

/** Marks an evaluation that never started (its customization failed, or the run stopped first). */
export async function skipEvaluation(context: CandidateContext, evaluationId: string, status: "failed" | "cancelled", reason: string): Promise<void> {
  await context.services.store.updateEvaluation(evaluationId, { status, error: reason, finished_at: new Date() });
}
