import type { EvalType } from "../evaluation/metrics";
import { scoresFrom } from "../evaluation/metrics";
import type { ModelEndpoint } from "../http/model-endpoints";
import { type EvaluationRecord, pendingEvaluation } from "../store/records";
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
 * the target, its scores read and recorded once it completes. Throws when it did not complete or
 * its scores are not usable.
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
  await runPlatformJob<{ readonly id: string }, void, Pick<EvaluationRecord, "scores" | "judge_ratings">>(
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
          value: undefined,
          fields: { scores, judge_ratings: { rated: judgeRatings.rated ?? null, unparsed: judgeRatings.unparsed ?? null, mean_rating: judgeRatings.meanRating ?? null } },
          note: Object.entries(scores).map(([name, value]) => `${name} ${value.toFixed(3)}`).join(", ") || "no scores",
        };
      },
      record: (common, own) => store.updateEvaluation(evaluationId, { ...own, ...common }),
    },
    signal,
  );
}

/** Marks an evaluation that never started (its customization failed, or the run stopped first). */
export async function skipEvaluation(context: CandidateContext, evaluationId: string, status: "failed" | "cancelled", reason: string): Promise<void> {
  await context.services.store.updateEvaluation(evaluationId, { status, error: reason, finished_at: new Date() });
}
