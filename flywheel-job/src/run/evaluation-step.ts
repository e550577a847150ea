import type { EvalType } from "../evaluation/metrics";
import { scoresFrom } from "../evaluation/metrics";
import type { ModelEndpoint } from "../nemo/services";
import { newRecordId } from "../store/ids";
import type { EvaluationRecord } from "../store/records";
import { runNemoJob } from "./nemo-job";
import type { CandidateContext, PublishedDataset } from "./run-context";

/** Records an evaluation as pending before it can start (the customized one waits for fine-tuning). */
export async function recordEvaluation(context: CandidateContext, nimId: string, evalType: EvalType): Promise<string> {
  const id = newRecordId();
  await context.services.store.insertEvaluation({
    id,
    nim_id: nimId,
    eval_type: evalType,
    scores: {},
    progress: 0,
    job_id: null,
    nmp_uri: null,
    started_at: null,
    finished_at: null,
    runtime_seconds: null,
    error: null,
    status: "pending",
    judge_ratings: null,
    job_stop: null,
  });
  return id;
}

/**
 * One evaluation job through the NeMo job lifecycle (`runNemoJob`): started on the dataset against
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
  const { store, nemo } = context.services;
  const { config } = context.settings;
  const spec = {
    workloadType: context.workloadType,
    datasetFileUrl: nemo.dataStore.filesUrl(dataset, "eval_data.jsonl"),
    records: dataset.records,
    target,
    judge: { url: config.judge.url, modelId: config.judge.modelId, apiKey: context.settings.judgeApiKey },
  };
  await runNemoJob<{ readonly id: string }, void, Pick<EvaluationRecord, "scores" | "judge_ratings">>(
    context,
    {
      what,
      kind: "evaluation job",
      control: nemo.evaluator.jobs,
      stallMinutes: config.stallTimeouts.evaluationMinutes,
      start: async (creation) => ({ id: await nemo.evaluator.startEvaluation(spec, creation) }),
      started: () => ({ fields: {}, note: "" }),
      progressFields: (status) => ({ common: status.percentDone === undefined ? {} : { progress: status.percentDone } }),
      collect: async ({ id }, collecting) => {
        const { scores, judgeRatings } = scoresFrom(context.workloadType, await nemo.evaluator.evaluationResults(id, spec, collecting));
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
