import type { CandidateModel } from "../config/job-config";
import { type Customizer, isFinished } from "../nemo/services";
import { newRecordId } from "../store/ids";
import { pollUntil } from "../waits/poll-until";
import { customizationJobName, customizedModelName } from "./names";
import { type CandidateContext, cleanupSignal, creationSignal, describeError, pollSettings, runtimeSeconds } from "./run-context";

/**
 * LoRA fine-tuning of one candidate on the run's training dataset: start the job, wait for it with a
 * stall timeout that restarts whenever its status, percentage, epoch or step moves, and return the
 * adapter's name exactly as Customizer gave it. If it fails, stalls or the run stops, a job still
 * running is cancelled (`POST /v1/customization/jobs/{id}/cancel`) and the record says why.
 */
export async function runCustomization(context: CandidateContext, customizer: Customizer, nimId: string, index: number, candidate: CandidateModel, signal: AbortSignal): Promise<string> {
  const { store, log } = context.services;
  const { config } = context.settings;
  const what = `customization of ${candidate.model}`;
  const id = newRecordId();
  await store.insertCustomization({
    id,
    nim_id: nimId,
    job_id: null,
    base_model: candidate.model,
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
  });
  const startedAt = new Date();
  let jobId: string | undefined;
  let ended = false;
  try {
    const started = await customizer.startCustomization(
      {
        namespace: config.nemo.namespace,
        target: candidate.customizationTarget ?? candidate.model,
        trainingGpus: candidate.trainingGpus,
        maxSeqLength: config.customization.maxSeqLength,
        trainingPrecision: config.customization.trainingPrecision,
        jobName: customizationJobName(context.runId, index, candidate.model),
        outputModel: customizedModelName(config.nemo.namespace, context.runId, candidate.model),
        dataset: context.datasets.train,
        epochs: config.customization.epochs,
        batchSize: config.customization.batchSize,
        learningRate: config.customization.learningRate,
        loraAdapterDim: config.customization.loraAdapterDim,
        loraAdapterDropout: config.customization.loraAdapterDropout,
      },
      creationSignal(),
    );
    jobId = started.id;
    const job = started.id;
    signal.throwIfAborted();
    await store.updateCustomization(id, {
      job_id: job,
      customized_model: started.outputModel,
      status: "running",
      started_at: startedAt,
      nmp_uri: customizer.customizationUrl(job),
    });
    log.info(`${what}: customization job ${job} started, adapter ${started.outputModel}`);
    let recorded = "";
    await pollUntil(
      what,
      async () => {
        const status = await customizer.customizationStatus(job, signal);
        if (isFinished(status.state)) {
          ended = true;
        }
        if (status.state === "completed") {
          return { done: true, value: undefined };
        }
        if (status.state === "failed" || status.state === "cancelled") {
          throw new Error(`customization job ${job} ${status.state}${status.message ? `: ${status.message}` : ` (status "${status.status}")`}`);
        }
        const progress = { progress: status.percentDone ?? 0, epochs_completed: status.epochsCompleted ?? 0, steps_completed: status.stepsCompleted ?? 0 };
        if (JSON.stringify(progress) !== recorded) {
          recorded = JSON.stringify(progress);
          await store.updateCustomization(id, progress);
        }
        return {
          done: false,
          progress: [status.status, status.percentDone, status.epochsCompleted, status.stepsCompleted],
          state: `${status.status}, ${progress.progress}% done, epoch ${progress.epochs_completed}, step ${progress.steps_completed}`,
        };
      },
      pollSettings(config, config.stallTimeouts.customizationMinutes),
      signal,
    );
    const finishedAt = new Date();
    await store.updateCustomization(id, { status: "completed", progress: 100, finished_at: finishedAt, runtime_seconds: runtimeSeconds(startedAt, finishedAt) });
    log.info(`${what}: customization job ${job} completed`);
    return started.outputModel;
  } catch (error) {
    if (jobId !== undefined && !ended) {
      try {
        await customizer.cancelCustomization(jobId, cleanupSignal());
        log.info(`${what}: cancelled customization job ${jobId}`);
      } catch (cancelError) {
        log.warn(`${what}: could not cancel customization job ${jobId}: ${describeError(cancelError)}`);
      }
    }
    const finishedAt = new Date();
    await store.updateCustomization(id, {
      status: signal.aborted ? "cancelled" : "failed",
      error: describeError(signal.aborted ? signal.reason : error),
      finished_at: finishedAt,
      runtime_seconds: runtimeSeconds(jobId === undefined ? null : startedAt, finishedAt),
    });
    throw error;
  }
}
