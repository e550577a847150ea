import type { EvalType } from "../evaluation/metrics";
import { scoresFrom } from "../evaluation/metrics";
import { isFinished, type ModelEndpoint } from "../nemo/services";
import { newRecordId } from "../store/ids";
import { pollUntil } from "../waits/poll-until";
import { type CandidateContext, cleanupSignal, creationSignal, describeError, pollSettings, type PublishedDataset, runtimeSeconds } from "./run-context";

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
  });
  return id;
}

/**
 * One evaluation job: start it, wait for it with a stall timeout that restarts whenever its status or
 * progress moves, read and record the scores. If it fails, stalls or the run stops, a job still
 * running is cancelled where the API allows, and the record says why. Throws when it did not complete.
 */
export async function runEvaluation(
  context: CandidateContext,
  evaluationId: string,
  what: string,
  dataset: PublishedDataset,
  target: ModelEndpoint,
  signal: AbortSignal,
): Promise<void> {
  const { store, nemo, log } = context.services;
  const { config } = context.settings;
  const spec = {
    workloadType: context.workloadType,
    datasetFileUrl: nemo.dataStore.filesUrl(dataset, "eval_data.jsonl"),
    records: dataset.records,
    target,
    judge: { url: config.judge.url, modelId: config.judge.modelId, apiKey: context.settings.judgeApiKey },
  };
  const startedAt = new Date();
  let jobId: string | undefined;
  let ended = false;
  try {
    jobId = await nemo.evaluator.startEvaluation(spec, creationSignal());
    const id = jobId;
    signal.throwIfAborted();
    await store.updateEvaluation(evaluationId, { job_id: id, nmp_uri: nemo.evaluator.evaluationUrl(id), status: "running", started_at: startedAt });
    log.info(`${what}: evaluation job ${id} started`);
    let recorded = 0;
    await pollUntil(
      what,
      async () => {
        const status = await nemo.evaluator.evaluationStatus(id, signal);
        if (isFinished(status.state)) {
          ended = true;
        }
        if (status.state === "completed") {
          return { done: true, value: undefined };
        }
        if (status.state === "failed" || status.state === "cancelled") {
          throw new Error(`evaluation job ${id} ${status.state}${status.message ? `: ${status.message}` : ` (status "${status.status}")`}`);
        }
        if (status.progress !== undefined && status.progress !== recorded) {
          recorded = status.progress;
          await store.updateEvaluation(evaluationId, { progress: status.progress });
        }
        return {
          done: false,
          progress: [status.status, status.progress, status.samplesProcessed],
          state: `${status.status}${status.progress === undefined ? "" : `, ${status.progress}% done`}`,
        };
      },
      pollSettings(config, config.stallTimeouts.evaluationMinutes),
      signal,
    );
    const { scores, judgeRatings } = scoresFrom(context.workloadType, await nemo.evaluator.evaluationResults(id, spec, signal));
    const finishedAt = new Date();
    await store.updateEvaluation(evaluationId, {
      status: "completed",
      scores,
      progress: 100,
      judge_ratings: { rated: judgeRatings.rated ?? null, unparsed: judgeRatings.unparsed ?? null, mean_rating: judgeRatings.meanRating ?? null },
      finished_at: finishedAt,
      runtime_seconds: runtimeSeconds(startedAt, finishedAt),
    });
    log.info(`${what}: ${Object.entries(scores).map(([name, value]) => `${name} ${value.toFixed(3)}`).join(", ") || "no scores"}`);
  } catch (error) {
    if (jobId !== undefined && !ended) {
      await cancelEvaluation(context, jobId, what);
    }
    const finishedAt = new Date();
    await store.updateEvaluation(evaluationId, {
      status: signal.aborted ? "cancelled" : "failed",
      error: describeError(signal.aborted ? signal.reason : error),
      finished_at: finishedAt,
      runtime_seconds: runtimeSeconds(jobId === undefined ? null : startedAt, finishedAt),
    });
    throw error;
  }
}

/** Marks an evaluation that never started (its customization failed, or the run stopped first). */
export async function skipEvaluation(context: CandidateContext, evaluationId: string, status: "failed" | "cancelled", reason: string): Promise<void> {
  await context.services.store.updateEvaluation(evaluationId, { status, error: reason, finished_at: new Date() });
}

async function cancelEvaluation(context: CandidateContext, jobId: string, what: string): Promise<void> {
  try {
    const cancelled = await context.services.nemo.evaluator.cancelEvaluation(jobId, cleanupSignal());
    context.services.log.info(cancelled ? `${what}: cancelled evaluation job ${jobId}` : `${what}: evaluation job ${jobId} cannot be cancelled by this Evaluator; it runs to its end`);
  } catch (error) {
    context.services.log.warn(`${what}: could not cancel evaluation job ${jobId}: ${describeError(error)}`);
  }
}
